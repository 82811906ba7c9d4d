import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeTree } from './_test-archive.js'
import { checkArch, checkNeedsRoot, checkOs, readOsRelease } from './host.js'
import { exitCodeFor } from './exit-codes.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

describe('host checks', () => {
  it('reads etc/os-release, falling back to usr/lib/os-release', () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    writeTree(dir, { 'usr/lib/os-release': 'ID=bclinux\n' })
    expect(readOsRelease(dir)).toMatchObject({ id: 'bclinux', file: join(dir, 'usr/lib/os-release') })
    writeTree(dir, { 'etc/os-release': 'ID="CentOS"\n' })
    const os = readOsRelease(dir)
    expect(os.id).toBe('centos')
    expect(() => checkOs(os, ['centos', 'bclinux'])).not.toThrow()
    expect(() => checkOs(os, ['bclinux'])).toThrow(expect.objectContaining({ code: 'E_OS_MISMATCH' }))
  })

  it('refuses a root without os-release as an OS problem (exit 3)', () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    try {
      readOsRelease(dir)
      expect.unreachable()
    } catch (error) {
      expect(exitCodeFor((error as { code: never }).code)).toBe(3)
    }
  })

  it('checks the arch (noarch and i686 on x86_64 allowed)', () => {
    expect(() => checkArch('x86_64', 'x86_64', 'p')).not.toThrow()
    expect(() => checkArch('noarch', 'aarch64', 'p')).not.toThrow()
    expect(() => checkArch('aarch64', 'x86_64', 'p')).toThrow(expect.objectContaining({ code: 'E_ARCH_MISMATCH' }))
  })

  it('needs root only for writes into / (exit 8)', () => {
    expect(() => checkNeedsRoot('/', 0, 'p')).not.toThrow()
    expect(() => checkNeedsRoot('/tmp/x', 1000, 'p')).not.toThrow()
    try {
      checkNeedsRoot('/', 1000, 'p')
      expect.unreachable()
    } catch (error) {
      expect(exitCodeFor((error as { code: never }).code)).toBe(8)
    }
  })
})
