// Node fs errors (EROFS, ENOSPC, EACCES, ...) as one line an operator can act on: the path, what was being done,
// strerror's text, the errno name and what to do. Pure: it only reads the error object.
import { formatProblem } from './errors.js'

const FS_HINTS: Readonly<Record<string, string>> = {
  EROFS: 'the folder is on a read-only file system; make it writable and run again',
  ENOSPC: 'free some space and run again',
  EDQUOT: 'the disk quota is used up; free some space and run again',
  EACCES: 'permission denied; run as a user who may write there',
  EPERM: 'the operation is not permitted there (immutable file or mount option?)',
}

/** The parts of a Node fs error (`path`, errno `code`, strerror text), or undefined for any other error. */
export function fsErrorParts(error: unknown): { path?: string; code: string; text: string } | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code) || !(error instanceof Error)) return undefined
  // Node words them `EROFS: read-only file system, open '/x'`: the middle is strerror's text.
  const text = error.message.replace(/^E[A-Z0-9]+: /, '').replace(/, \w+ '.*$/s, '')
  const path = (error as { path?: unknown }).path
  return { ...(typeof path === 'string' ? { path } : {}), code, text }
}

/** What to do about an errno, when there is a general answer. */
export function fsErrorHint(code: string): string | undefined {
  return FS_HINTS[code]
}

/**
 * Why an operation failed, for the end of a one-line message: `strerror (ERRNO)` and the hint (`hint`, else the
 * errno's general one) for a Node fs error; the error's own message for any other.
 */
export function fsErrorReason(error: unknown, hint?: string): string {
  const fs = fsErrorParts(error)
  if (fs === undefined) return error instanceof Error ? error.message : String(error)
  const h = hint ?? fsErrorHint(fs.code)
  return `${fs.text} (${fs.code})${h === undefined ? '' : ` (${h})`}`
}

/** A Node fs error as one line (`path: doing: strerror (ERRNO) (hint)`) with its parts; undefined for other errors. */
export function describeFsError(
  error: unknown,
  doing: string,
  hint?: string,
): { message: string; file?: string; found: string; hint?: string } | undefined {
  const fs = fsErrorParts(error)
  if (fs === undefined) return undefined
  const h = hint ?? fsErrorHint(fs.code)
  const where = fs.path === undefined ? {} : { file: fs.path }
  const what = h === undefined ? {} : { hint: h }
  return {
    message: formatProblem({ ...where, message: `${doing}: ${fs.text} (${fs.code})`, ...what }),
    ...where,
    found: fs.code,
    ...what,
  }
}
