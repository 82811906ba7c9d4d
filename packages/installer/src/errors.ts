// Errors the installer raises for refusals and failures it expects; each carries a stable code from core.
import { RdbpkgError, formatProblem, fsErrorHint, fsErrorParts } from '@rdbpkg/core'

/** An expected installer refusal or failure (bad archive, wrong OS, lock held, services running, ...). */
export class InstallError extends RdbpkgError {
  override name = 'InstallError'
}

/**
 * A Node fs error (a read-only or full disk under the root, ...) as an E_IO InstallError with one line:
 * `path: cannot <syscall>: strerror (ERRNO) (what to do)`; undefined for anything else.
 */
export function fsInstallError(error: unknown): InstallError | undefined {
  const fs = fsErrorParts(error)
  if (fs === undefined) return undefined
  const syscall = (error as { syscall?: unknown }).syscall
  const doing = typeof syscall === 'string' ? `cannot ${syscall}` : 'cannot read or write'
  const hint = fsErrorHint(fs.code)
  const message = formatProblem({ ...(fs.path !== undefined ? { file: fs.path } : {}), message: `${doing}: ${fs.text} (${fs.code})`, ...(hint ? { hint } : {}) })
  return new InstallError('E_IO', message, { ...(fs.path !== undefined ? { file: fs.path } : {}), found: fs.code, ...(hint ? { hint } : {}), cause: error })
}
