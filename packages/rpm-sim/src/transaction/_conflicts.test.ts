import { describe, expect, it } from 'vitest'
import type { EngineFile } from '../format/model.js'
import { filesDiffer } from './_conflicts.js'

const f = (extra: Partial<EngineFile> = {}): EngineFile => ({
  path: '/x',
  kind: 'file',
  mode: 0o100644,
  size: 1,
  digest: 'd',
  user: 'root',
  group: 'root',
  mtime: 0,
  flags: {},
  ...extra,
})

describe('filesDiffer (rpm rpmfilesCompare)', () => {
  it('compares mode, size, owner and digest; a %ghost never differs; mtimes do not count', () => {
    expect(filesDiffer(f(), f({ mtime: 5 }))).toBe(false)
    expect(filesDiffer(f(), f({ digest: 'e' }))).toBe(true)
    expect(filesDiffer(f(), f({ mode: 0o100600 }))).toBe(true)
    expect(filesDiffer(f(), f({ user: 'daemon' }))).toBe(true)
    expect(filesDiffer(f({ flags: { ghost: true } }), f({ digest: 'e' }))).toBe(false)
  })

  it('symlinks differ by target only, not by mode', () => {
    const l = (linkTarget: string, mode = 0o120777) => f({ kind: 'symlink', linkTarget, mode, digest: '' })
    expect(filesDiffer(l('a'), l('a', 0o120755))).toBe(false)
    expect(filesDiffer(l('a'), l('b'))).toBe(true)
  })
})
