// Staging against the real CLI: packaged permission bits on disk whatever the file size and umask.
import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCli } from './_test-cli.js'
import { file, pkg, tempWorld } from './_test-rpm.js'

const w = tempWorld('rpmsim-apply-')
let CLI = ''
let cleanupCli = (): void => undefined

beforeAll(() => {
  const built = buildCli()
  CLI = built.cli
  cleanupCli = built.cleanup
}, 120_000)
afterAll(() => {
  cleanupCli()
  w.done()
})

/** Run the built CLI under `umask`; returns exit code and output. */
function cli(args: string[], umask = '022'): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', `umask ${umask}; exec "$0" "$@"`, process.execPath, CLI, ...args], { encoding: 'utf8' })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

const perm = (p: string): string => (statSync(p).mode & 0o7777).toString(8)
const MiB2 = 'x'.repeat(2 << 20)

describe('installed files get exactly the packaged permission bits', () => {
  const modes: Record<string, number> = {
    'large644.bin': 0o644,
    'large755.bin': 0o755,
    'large600.bin': 0o600,
    'large4755.bin': 0o4755,
    'empty': 0o644,
    'small666': 0o666,
    'small2750': 0o2750,
    'small1777': 0o1777,
  }
  it.each(['022', '077', '000'])('umask %s: -i leaves every mode as packaged and -V is clean', async (umask) => {
    const rpm = await pkg(w.dir, {
      name: `modes${umask}`,
      version: '1',
      files: Object.entries(modes).map(([n, mode]) => file(`/opt/m/${n}`, n.startsWith('large') ? MiB2 : n === 'empty' ? '' : `${n}\n`, { mode })),
    })
    const root = join(w.dir, `modes-${umask}`)
    const run = cli(['--root', root, '-i', rpm], umask)
    expect(run.code, run.stderr).toBe(0)
    const found = Object.fromEntries(Object.keys(modes).map((n) => [n, perm(join(root, 'opt/m', n))]))
    expect(found).toEqual(Object.fromEntries(Object.entries(modes).map(([n, m]) => [n, m.toString(8)])))
    const v = cli(['--root', root, '-V', `modes${umask}`], umask)
    expect(v.stdout).toBe('')
    expect(v.code).toBe(0)
  })
})
