// The install lock under <root>/var/lib/rdbpkg/: one writer at a time; a lock left by a dead process is taken
// over. The algorithm is core's takeFileLock; this module names the file and words the refusals.
import { join } from 'node:path'
import { type FileLock, takeFileLock } from '@rdbpkg/core'
import { InstallError } from './errors.js'

/** A held install lock; `release()` removes it (and the folders it created, when left empty). */
export type InstallLock = FileLock

/** Where the install lock lives under a root. */
export function lockPath(root: string): string {
  return join(root, 'var', 'lib', 'rdbpkg', 'install.lock')
}

/**
 * Takes the install lock of `root`. Throws E_LOCKED naming the holder's pid when a live process holds it, or when
 * it stays contended; a lock whose process is gone is taken over. A refused run leaves no folder it made.
 */
export function acquireLock(root: string, pid?: number): InstallLock {
  const path = lockPath(root)
  const attempt = takeFileLock(path, { pid, removeCreatedDirs: true })
  if (attempt.status === 'taken') return attempt.lock
  if (attempt.status === 'held') {
    throw new InstallError(
      'E_LOCKED',
      `${path}: held by pid ${attempt.pid} (another install is running; wait for it to finish)`,
      { file: path, found: `pid ${attempt.pid}` },
    )
  }
  throw new InstallError(
    'E_LOCKED',
    `${path}: could not be taken (contended; another install is starting or finishing, try again)`,
    { file: path },
  )
}
