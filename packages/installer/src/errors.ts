// Errors the installer raises for refusals and failures it expects; each carries a stable code from core.
import { RdbpkgError, describeFsError } from '@rdbpkg/core'

/** An expected installer refusal or failure (bad archive, wrong OS, lock held, services running, ...). */
export class InstallError extends RdbpkgError {
  override name = 'InstallError'
}

/**
 * A Node fs error (a read-only or full disk under the root, ...) as an E_IO InstallError with one line:
 * `path: cannot <syscall>: strerror (ERRNO) (what to do)`; undefined for anything else.
 */
export function fsInstallError(error: unknown): InstallError | undefined {
  const syscall = (error as { syscall?: unknown } | undefined)?.syscall
  const fs = describeFsError(error, typeof syscall === 'string' ? `cannot ${syscall}` : 'cannot read or write')
  if (fs === undefined) return undefined
  const { message, ...details } = fs
  return new InstallError('E_IO', message, { ...details, cause: error })
}
