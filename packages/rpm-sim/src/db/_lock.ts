// One transaction at a time per root, as rpm's database lock: <db>/lock holds the owner's pid; a lock whose
// process is gone (killed) is taken over, so a kill never blocks the next command.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { dbDir } from './db.js'
import { errCode } from '../base/fs.js'
import { TransactionError, fsTransactionError } from '../base/transaction-error.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return errCode(error) === 'EPERM'
  }
}

/** Take the database lock of `root`; returns the release function. Throws E_LOCKED while a live process holds it. */
export function lockDb(root: string): () => void {
  try {
    return takeLock(root)
  } catch (error) {
    // A read-only or full database folder: one line naming the lock file, as rpm's "can't create transaction lock".
    throw fsTransactionError(error, 'E_IO', "can't create transaction lock")
  }
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

function takeLock(root: string): () => void {
  const dir = dbDir(root)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'lock')
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644)
      writeSync(fd, `${process.pid}\n`)
      closeSync(fd)
      return () => rmSync(file, { force: true })
    } catch (error) {
      if (errCode(error) !== 'EEXIST') throw error
      const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10)
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new TransactionError('E_LOCKED', `${file}: the package database is locked by process ${pid}`, {
          file,
          hint: 'wait for the other rpm-sim to finish',
        })
      }
      if (pid === process.pid) {
        // Re-entrant use inside one process (rollback runs a transaction): nested holders share the lock.
        return () => undefined
      }
      rmSync(file, { force: true })
    }
  }
  throw new TransactionError('E_LOCKED', `${file}: cannot take the package database lock`, { file })
}
