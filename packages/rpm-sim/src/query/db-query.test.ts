import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ownersOf, queryPath } from './db-query.js'

let dirs: string[] = []
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  dirs = []
})

describe('queryPath (rpm -qf: query.c RPMQV_PATH, rpmCleanPath)', () => {
  it('takes a relative path below the working folder and cleans slashes, dots and a trailing slash', () => {
    expect(queryPath('etc/x.conf', '/srv/root')).toBe('/srv/root/etc/x.conf')
    expect(queryPath('//opt/./own//a/', '/')).toBe('/opt/own/a')
    expect(queryPath('/opt/own/sub/../a', '/')).toBe('/opt/own/a')
    expect(queryPath('/', '/x')).toBe('/')
  })

  it('resolves an argument of only dots and slashes to the real path of the working folder', () => {
    const d = mkdtempSync(join(tmpdir(), 'rpmsim-qf-'))
    dirs.push(d)
    mkdirSync(join(d, 'real'))
    symlinkSync('real', join(d, 'alias'))
    expect(queryPath('.', join(d, 'alias'))).toBe(realpathSync(join(d, 'real')))
    expect(queryPath('..', join(d, 'alias'))).toBe(realpathSync(d))
  })
})

describe('ownersOf', () => {
  const file = (path: string, state: 'normal' | 'replaced' | 'notinstalled' = 'normal') => ({ path, state })
  const a = { nevra: 'a', files: [file('/opt/x'), file('/opt/shared')] }
  const b = { nevra: 'b', files: [file('/opt/x', 'replaced'), file('/opt/shared')] }
  const c = { nevra: 'c', files: [file('/opt/doc', 'notinstalled')], provides: ['/opt/virtual', 'c = 1.0-1'] }

  it('finds installed files only, every owner of a shared one, then packages providing the path', () => {
    const all = [a, b, c] as unknown as Parameters<typeof ownersOf>[0]
    const nevras = (path: string) => ownersOf(all, path).map((p) => (p as unknown as { nevra: string }).nevra)
    expect(nevras('/opt/x')).toEqual(['a'])
    expect(nevras('/opt/shared')).toEqual(['a', 'b'])
    expect(nevras('/opt/doc')).toEqual([])
    expect(nevras('/opt/virtual')).toEqual(['c'])
    expect(nevras('/opt/none')).toEqual([])
  })
})
