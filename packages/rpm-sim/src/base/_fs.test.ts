import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RootResolver, strerrorText } from './_fs.js'

const roots: string[] = []
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true })
})

function root(): string {
  const r = mkdtempSync(join(tmpdir(), 'rpm-sim-fs-'))
  roots.push(r)
  return r
}

describe('RootResolver', () => {
  it('follows a directory symlink inside the root, an absolute one too, never outside it', () => {
    const r = root()
    mkdirSync(join(r, 'usr/lib'), { recursive: true })
    symlinkSync('/usr/lib', join(r, 'lib'))
    symlinkSync('../usr', join(r, 'u'))
    const resolver = new RootResolver(r)
    expect(resolver.host('/lib/libc.so')).toBe(join(r, 'usr/lib/libc.so'))
    expect(resolver.host('/u/lib/x')).toBe(join(r, 'usr/lib/x'))
    // The last component is never followed.
    expect(resolver.host('/lib')).toBe(join(r, 'lib'))
  })

  it('knows a directory it found absent, and everything below it, until cleared', () => {
    const r = root()
    mkdirSync(join(r, 'opt'))
    const resolver = new RootResolver(r)
    expect(resolver.host('/opt/new/deep/file')).toBe(join(r, 'opt/new/deep/file'))
    expect(resolver.knownMissing(join(r, 'opt/new'))).toBe(true)
    expect(resolver.knownMissing(join(r, 'opt/new/deep'))).toBe(true)
    // An existing folder, and one never resolved, are not known missing: a caller must look.
    expect(resolver.knownMissing(join(r, 'opt'))).toBe(false)
    expect(resolver.knownMissing(join(r, 'srv'))).toBe(false)
    mkdirSync(join(r, 'opt/new/deep'), { recursive: true })
    resolver.clear()
    expect(resolver.knownMissing(join(r, 'opt/new'))).toBe(false)
    resolver.host('/opt/new/deep/file')
    expect(resolver.knownMissing(join(r, 'opt/new/deep'))).toBe(false)
  })
})

describe('strerrorText', () => {
  it('words real fs errors as glibc does, as rpm prints them, where libuv words them otherwise', () => {
    const r = root()
    symlinkSync('loop', join(r, 'loop'))
    const words = (f: () => unknown): string => {
      try {
        f()
      } catch (error) {
        return strerrorText(error)
      }
      throw new Error('expected the call to fail')
    }
    expect(words(() => statSync(join(r, 'loop')))).toBe('Too many levels of symbolic links')
    expect(words(() => mkdirSync(r))).toBe('File exists')
    expect(words(() => statSync(join(r, 'none')))).toBe('No such file or directory')
    expect(words(() => statSync(join(r, 'loop', 'x')))).toBe('Too many levels of symbolic links')
  })

  it('a root with a symlink loop: the path through it stays unresolved instead of throwing', () => {
    const r = root()
    mkdirSync(join(r, 'opt'))
    symlinkSync('hand', join(r, 'opt/hand'))
    const resolver = new RootResolver(r)
    expect(resolver.host('/opt/hand/a')).toBe(join(r, 'opt/hand/a'))
  })
})
