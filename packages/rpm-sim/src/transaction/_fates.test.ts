import { describe, expect, it } from 'vitest'
import type { EngineFile } from '../format/model.js'
import { excludedDocs, installFate } from './_fates.js'

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

describe('excludedDocs (rpm --excludedocs)', () => {
  it('drops %doc files but not %license, then folders left holding only excluded entries', () => {
    const files = [
      f('/usr/share/doc/p', { kind: 'dir' }),
      f('/usr/share/doc/p/README', { flags: { doc: true } }),
      f('/usr/share/doc/p/COPYING', { flags: { doc: true, license: true } }),
      f('/usr/share/doc/q', { kind: 'dir' }),
      f('/usr/share/doc/q/NEWS', { flags: { doc: true } }),
      f('/usr/bin/p'),
    ]
    expect([...excludedDocs(files)].sort()).toEqual([
      '/usr/share/doc/p/README',
      '/usr/share/doc/q',
      '/usr/share/doc/q/NEWS',
    ])
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
