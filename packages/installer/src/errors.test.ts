import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from './_test-archive.js'
import { fsInstallError } from './errors.js'

describe('fsInstallError', () => {
  it('turns a real fs failure into one E_IO line naming the path, the call and the errno', () => {
    const { dir, cleanup } = tempDir()
    try {
      writeFileSync(join(dir, 'file'), 'x')
      let caught: unknown
      try {
        mkdirSync(join(dir, 'file', 'sub'))
      } catch (error) {
        caught = error
      }
      const mapped = fsInstallError(caught)
      expect(mapped?.code).toBe('E_IO')
      expect(mapped?.message).toBe(`${join(dir, 'file', 'sub')}: cannot mkdir: not a directory (ENOTDIR)`)
      expect(fsInstallError(new Error('not fs'))).toBeUndefined()
    } finally {
      cleanup()
    }
  })
})
