import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { file, pkg, tempWorld } from '../_test-rpm.js'
import { parseArgs } from './args.js'
import { MODES } from './main.js'

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

describe('parseArgs', () => {
  it('splits combined short flags and reads long options with values', () => {
    const args = parseArgs(['-qpl', '--root', '/r', '--dbpath=/x', '--nodeps', 'a.rpm', '--', '-weird.rpm'])
    expect(args.letters).toEqual(['q', 'p', 'l'])
    expect(args.values.get('root')).toBe('/r')
    expect(args.values.get('dbpath')).toBe('/x')
    expect([...args.flags]).toEqual(['nodeps'])
    expect(args.operands).toEqual(['a.rpm', '-weird.rpm'])
    expect(args.options).toEqual([
      { name: 'q', short: true },
      { name: 'p', short: true },
      { name: 'l', short: true },
      { name: 'root', value: '/r' },
      { name: 'dbpath', value: '/x' },
      { name: 'nodeps' },
    ])
  })

  it('refuses a value option without its value', () => {
    expect(() => parseArgs(['-qp', '--root'])).toThrow(/--root needs a value/)
  })

  it('dispatches -qp* to the package query mode only', () => {
    expect(MODES.find((m) => m.matches(parseArgs(['-qpi', 'x'])))?.name).toBe('query-package')
    expect(MODES.find((m) => m.matches(parseArgs(['-q', 'x'])))?.name).not.toBe('query-package')
  })
})

describe('rpm-sim --help', () => {
  it("prints the modes and exits 0; -h inside a mode stays rpm's hash marks", () => {
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' })
    expect(help.status).toBe(0)
    expect(help.stdout.split('\n')[0]).toBe('usage: rpm-sim [--root DIR] MODE [OPTIONS] [ARGS...]')
    expect(help.stdout).toContain('--rollback [TID]')
    expect(MODES.find((m) => m.matches(parseArgs(['-Uvh', 'x.rpm'])))?.name).not.toBe('help')
    const unknown = spawnSync(process.execPath, [CLI, '--frobnicate'], { encoding: 'utf8' })
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toBe('rpm-sim: --frobnicate: unknown option\n')
  })
})

describe('rpm-sim output into a pipe closed early', () => {
  it('stops writing quietly: no EPIPE error and trace, the exit status of the command', async () => {
    const w = tempWorld()
    try {
      // about 200 KiB of -qpl output: far more than a pipe holds, so writes go on after `head` has gone
      const files = Array.from({ length: 4000 }, (_, i) =>
        file(`/opt/many/a-rather-long-directory-name/file-${i}`, 'x'),
      )
      const rpm = await pkg(w.dir, { name: 'many', version: '1', files })
      const r = spawnSync(
        'bash',
        ['-c', `"$0" "$1" -qpl "$2" | head -1; echo "status \${PIPESTATUS[0]}" >&2`, process.execPath, CLI, rpm],
        {
          encoding: 'utf8',
        },
      )
      expect(r.stdout).toBe('/opt/many/a-rather-long-directory-name/file-0\n')
      expect(r.stderr).toBe('status 0\n')
    } finally {
      w.done()
    }
  })
})
