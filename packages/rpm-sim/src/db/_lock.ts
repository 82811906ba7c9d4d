// One transaction at a time per root, as rpm's database lock: <db>/lock holds the owner's pid; a lock whose
// process is gone (killed) is taken over, so a kill never blocks the next command. The algorithm is core's
// takeFileLock; this module names the file and words the refusals.
import { join } from 'node:path'
import { takeFileLock } from '@rdbpkg/core'
import { dbDir } from './db.js'
import { TransactionError, fsTransactionError } from '../base/transaction-error.js'

/** Take the database lock of `root`; returns the release function. Throws E_LOCKED while a live process holds it. */
export function lockDb(root: string): () => void {
  const file = join(dbDir(root), 'lock')
  let attempt: ReturnType<typeof takeFileLock>
  try {
    // Re-entrant inside one process (rollback runs a transaction): nested holders share the lock.
    attempt = takeFileLock(file, { reentrant: true })
  } catch (error) {
    // A read-only or full database folder: one line naming the lock file, as rpm's "can't create transaction lock".
    throw fsTransactionError(error, 'E_IO', "can't create transaction lock")
  }
  if (attempt.status === 'taken') {
    const { lock } = attempt
    return () => lock.release()
  }
  if (attempt.status === 'held') {
    throw new TransactionError('E_LOCKED', `${file}: the package database is locked by process ${attempt.pid}`, {
      file,
      hint: 'wait for the other rpm-sim to finish',
    })
  }
  throw new TransactionError('E_LOCKED', `${file}: cannot take the package database lock`, { file })
}

/** Runs `fn` holding the database lock of `root`, released whatever happens. */
export async function withDbLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const release = lockDb(root)
  try {
    return await fn()
  } finally {
    release()
  }
}
