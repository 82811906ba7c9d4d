import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { EngineFile } from '../format/model.js'
import { DiskStates, atOrBelow, diskState, excludedFiles, forLangs, installFate } from './_fates.js'

const f = (path: string, extra: Partial<EngineFile> = {}): EngineFile => ({
  path,
  kind: 'file',
  mode: 0o100644,
  size: 1,
  user: 'root',
  group: 'root',
  mtime: 0,
  flags: {},
  ...extra,
})

describe('excludedFiles (rpm --excludedocs, --excludeartifacts, --excludeconfigs)', () => {
  it('drops %doc files but not %license, then folders left holding only excluded entries', () => {
    const files = [
      f('/usr/share/doc/p', { kind: 'dir' }),
      f('/usr/share/doc/p/README', { flags: { doc: true } }),
      f('/usr/share/doc/p/COPYING', { flags: { doc: true, license: true } }),
      f('/usr/share/doc/q', { kind: 'dir' }),
      f('/usr/share/doc/q/NEWS', { flags: { doc: true } }),
      f('/usr/bin/p'),
    ]
    expect([...excludedFiles(files, { docs: true })].sort()).toEqual([
      '/usr/share/doc/p/README',
      '/usr/share/doc/q',
      '/usr/share/doc/q/NEWS',
    ])
    expect(excludedFiles(files, {}).size).toBe(0)
  })

  it('drops %artifact and %config files when asked, never a %license', () => {
    const files = [
      f('/opt/a/build-id', { flags: { artifact: true } }),
      f('/etc/p.conf', { flags: { config: true, noreplace: true } }),
      f('/etc/p.license', { flags: { config: true, license: true } }),
      f('/opt/a/bin'),
    ]
    expect([...excludedFiles(files, { artifacts: true })]).toEqual(['/opt/a/build-id'])
    expect([...excludedFiles(files, { configs: true })]).toEqual(['/etc/p.conf'])
  })
})

describe('installFate for a rollback (exact)', () => {
  const conf = (digest: string) => f('/etc/p.conf', { digest, flags: { config: true } })
  it('restores as repackaged, but keeps a config edited since the transaction as .rpmsave', () => {
    expect(installFate(conf('old'), conf('now'), { kind: 'file', digest: 'now' }, true).fate).toBe('create')
    expect(installFate(conf('old'), conf('now'), { kind: 'file', digest: 'edited' }, true)).toMatchObject({
      fate: 'save',
      suffix: '.rpmsave',
    })
    expect(installFate(f('/x', { flags: { ghost: true } }), undefined, null, true).fate).toBe('skip')
  })
})

describe('DiskStates (what is on disk, a folder read once when asked about often)', () => {
  const base = mkdtempSync(join(tmpdir(), 'rpmsim-diskstates-'))
  afterAll(() => rmSync(base, { recursive: true, force: true }))

  it('answers as lstat does for every kind of entry, in folders read whole and folders asked about once', () => {
    const busy = join(base, 'busy')
    mkdirSync(join(busy, 'sub'), { recursive: true })
    for (let i = 0; i < 12; i++) writeFileSync(join(busy, `f${i}`), `${i}`)
    symlinkSync('f1', join(busy, 'link'))
    execFileSync('mkfifo', [join(busy, 'fifo')])
    mkdirSync(join(base, 'quiet'))
    writeFileSync(join(base, 'quiet', 'one'), '1')
    const asked = [
      ...Array.from({ length: 14 }, (_, i) => join(busy, `f${i}`)),
      join(busy, 'link'),
      join(busy, 'sub'),
      join(busy, 'fifo'),
      join(base, 'quiet', 'one'),
      join(base, 'quiet', 'none'),
      join(base, 'missing', 'a'),
    ]
    const disk = new DiskStates()
    for (const host of [...asked, ...asked]) {
      expect(disk.state(host, true), host).toEqual(diskState(host, true))
      expect(disk.state(host, false), host).toEqual(diskState(host, false))
    }
    expect(disk.state(join(busy, 'link'), false).state).toEqual({ kind: 'symlink', linkTarget: 'f1' })
    // Below a file (a folder an operator replaced by one): nothing there, as for lstat's ENOENT, however often asked.
    for (let i = 0; i < 10; i++) expect(disk.state(join(busy, 'f1', `x${i}`), false).state).toBeNull()
  })
})

describe('atOrBelow (--excludepath, %_netsharedpath)', () => {
  it('covers a path and what is below it, by whole components', () => {
    expect(atOrBelow('/usr/share', ['/usr/share'])).toBe(true)
    expect(atOrBelow('/usr/share/doc/x', ['/nowhere', '/usr/share/'])).toBe(true)
    expect(atOrBelow('/usr/shared/x', ['/usr/share'])).toBe(false)
    expect(atOrBelow('/usr', ['/usr/share'])).toBe(false)
    expect(atOrBelow('/usr/share', undefined)).toBe(false)
  })
})

describe('forLangs (%_install_langs)', () => {
  it("installs a file when one of its languages is a prefix of a language given, as rpm's skipInstallFiles", () => {
    expect(forLangs('de', ['de_DE'])).toBe(true)
    expect(forLangs('de|fi', ['fi'])).toBe(true)
    expect(forLangs('en_US', ['en'])).toBe(false)
    expect(forLangs('pl', ['de', 'fi'])).toBe(false)
    // A file for no language, and no languages given: always.
    expect(forLangs('', ['de'])).toBe(true)
    expect(forLangs(undefined, ['de'])).toBe(true)
    expect(forLangs('pl', undefined)).toBe(true)
  })

  it('leaves out the files of other languages and the folders they empty, never a %license', () => {
    const files = [
      f('/l', { kind: 'dir' }),
      f('/l/pl', { kind: 'dir' }),
      f('/l/pl/x', { lang: 'pl' }),
      f('/l/de', { lang: 'de' }),
      f('/l/COPYING', { lang: 'pl', flags: { license: true } }),
    ]
    expect([...excludedFiles(files, { langs: ['de'] })].sort()).toEqual(['/l/pl', '/l/pl/x'])
    expect(excludedFiles(files, {}).size).toBe(0)
  })
})
