import { openSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { describeFsError, fsErrorHint, fsErrorParts, fsErrorReason } from './fs-error.js'

describe('fsErrorParts', () => {
  it('splits a real Node fs error into path, errno and strerror text', () => {
    let error: unknown
    try {
      openSync('/nonexistent-dir-rdbpkg/x', 'r')
    } catch (e) {
      error = e
    }
    expect(fsErrorParts(error)).toEqual({
      path: '/nonexistent-dir-rdbpkg/x',
      code: 'ENOENT',
      text: 'no such file or directory',
    })
  })

  it('leaves errors that are not fs errors alone, and hints at what to do for the common ones', () => {
    expect(fsErrorParts(new Error('boom'))).toBeUndefined()
    expect(fsErrorParts('EROFS')).toBeUndefined()
    expect(fsErrorHint('ENOSPC')).toBe('free some space and run again')
    expect(fsErrorHint('ENOENT')).toBeUndefined()
  })

  it('describes an fs error in one line with the path, what was done, the errno and the hint', () => {
    const error = Object.assign(new Error("ENOSPC: no space left on device, write '/r/x'"), {
      code: 'ENOSPC',
      path: '/r/x',
    })
    expect(describeFsError(error, 'cannot write')).toEqual({
      message: '/r/x: cannot write: no space left on device (ENOSPC) (free some space and run again)',
      file: '/r/x',
      found: 'ENOSPC',
      hint: 'free some space and run again',
    })
    expect(describeFsError(new Error('boom'), 'cannot write')).toBeUndefined()
  })

  it('words the reason of a failure for the end of a line: strerror, errno and hint, or the message of any other error', () => {
    const erofs = Object.assign(new Error("EROFS: read-only file system, open '/r/x'"), { code: 'EROFS', path: '/r/x' })
    expect(fsErrorReason(erofs)).toBe(
      'read-only file system (EROFS) (the folder is on a read-only file system; make it writable and run again)',
    )
    let missing: unknown
    try {
      openSync('/nonexistent-dir-rdbpkg/x', 'r')
    } catch (e) {
      missing = e
    }
    expect(fsErrorReason(missing)).toBe('no such file or directory (ENOENT)')
    expect(fsErrorReason(missing, 'run pnpm build first')).toBe(
      'no such file or directory (ENOENT) (run pnpm build first)',
    )
    expect(fsErrorReason(new Error('boom'))).toBe('boom')
  })
})
