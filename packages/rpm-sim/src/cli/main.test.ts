import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
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
    expect(unknown.stderr).toBe('rpm-sim: unsupported mode: --frobnicate (rpm-sim --help lists the modes)\n')
  })
})
