// The real-rpm adapter against Debian's rpm with --root: what it reads back from rpm's database (file flags
// decoded with rpm-sim's FILE_FLAG bits) decides the fates --dry-run shows.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeRpm } from '@rdbpkg/rpm-sim'
import type { RpmSpecFile } from '@rdbpkg/rpm-sim'
import { afterEach, describe, expect, it } from 'vitest'
import { hostHasRpm, openEngine } from './_open.js'

const isRoot = process.getuid?.() === 0
const hasRpm = await hostHasRpm()
if (!isRoot) console.warn('skipping the real-rpm adapter test: it needs root (rpm --root chowns)')
else if (!hasRpm) console.warn('skipping the real-rpm adapter test: rpm is not installed (apt-get install rpm)')

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const FLAGS = { replacepkgs: false, oldpackage: false, noscripts: true }

describe.skipIf(!isRoot || !hasRpm)('real-rpm adapter', () => {
  it("plans an upgrade from rpm's own database: config files edited on disk are kept per their flags", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdbpkg-real-rpm-'))
    dirs.push(dir)
    const root = join(dir, 'root')
    mkdirSync(root)
    const rpm = async (version: string, files: RpmSpecFile[]): Promise<string> => {
      const out = join(dir, `flagged-${version}.rpm`)
      await writeRpm({ name: 'flagged', version, release: '1', arch: 'noarch', files }, out)
      return out
    }
    const v1 = await rpm('1', [
      { path: '/etc/flagged/keep.conf', kind: 'file', content: 'a=1\n', flags: { config: true, noreplace: true } },
      { path: '/etc/flagged/plain.conf', kind: 'file', content: 'b=1\n', flags: { config: true } },
      { path: '/etc/flagged/gone.conf', kind: 'file', content: 'c=1\n', flags: { config: true } },
      { path: '/opt/flagged/run.sh', kind: 'file', content: 'v1\n' },
    ])
    const engine = await openEngine(root, 'rpm', 'rpm')
    expect(engine.name).toBe('rpm')
    const installed = await engine.upgrade(v1, FLAGS)
    expect(installed.problems).toEqual([])
    expect((await engine.installed('flagged'))?.nevra).toBe('flagged-1-1.noarch')
    for (const name of ['keep', 'plain', 'gone']) writeFileSync(join(root, `etc/flagged/${name}.conf`), 'edited\n')
    const v2 = await rpm('2', [
      { path: '/etc/flagged/keep.conf', kind: 'file', content: 'a=2\n', flags: { config: true, noreplace: true } },
      { path: '/etc/flagged/plain.conf', kind: 'file', content: 'b=2\n', flags: { config: true } },
      { path: '/opt/flagged/run.sh', kind: 'file', content: 'v2\n' },
    ])
    const plan = await engine.plan(v2, FLAGS)
    const fates = Object.fromEntries(plan.files.map((f) => [f.path, f.fate]))
    expect(fates).toMatchObject({
      // %config(noreplace) edited: the new one goes beside it (.rpmnew); %config edited: the old one is saved (.rpmsave).
      '/etc/flagged/keep.conf': 'altname',
      '/etc/flagged/plain.conf': 'save',
      // Erased with the old package, edited: rpm saves it (.rpmsave), which it does only for a config file.
      '/etc/flagged/gone.conf': 'erase/save',
      '/opt/flagged/run.sh': 'create',
    })
    expect(readFileSync(join(root, 'etc/flagged/keep.conf'), 'utf8')).toBe('edited\n')
  }, 120_000)
})
