// The one lock-file algorithm of the repo (rpm-sim's database lock and the installer's install lock): a file
// holding the owner's pid, taken atomically with a hard link, and taken over when its owner is gone, so a kill
// never blocks the next command. node:fs only; runs on Node 16.17.
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname } from 'node:path'

/** A held lock file; `release()` removes it (and the folders taking it made, when asked and left empty). */
export interface FileLock {
  readonly path: string
  release(): void
}

/** How {@link takeFileLock} takes a lock. */
export interface FileLockOptions {
  /** The pid written into the lock file: the running process's by default. */
  pid?: number | undefined
  /**
   * A lock this pid already holds is shared: the nested taker gets a release that does nothing (rpm-sim's
   * rollback runs a transaction while holding the lock). Off: a lock held by this pid refuses like any other.
   */
  reentrant?: boolean | undefined
  /** Remove the folders that taking the lock had to create again, when empty, on release or refusal. */
  removeCreatedDirs?: boolean | undefined
}

/** What taking a lock came to: taken, held by a live process (its pid), or still contended after every attempt. */
export type LockAttempt =
  | { readonly status: 'taken'; readonly lock: FileLock }
  | { readonly status: 'held'; readonly pid: number }
  | { readonly status: 'contended' }

// True when a process with this pid exists (EPERM means it exists but is not ours).
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the lock file `path` atomically: a private file holding the pid is hard-linked to the lock name, which
 * fails when it exists, so nobody ever reads a half-written lock. A live holder is returned as data; a lock whose
 * process is gone is removed only by the holder of a takeover guard (see takeOverStale) and taken on the next
 * attempt. File system errors other than the lock existing (EACCES, EROFS, ENOSPC) are thrown, naming the lock file.
 */
export function takeFileLock(path: string, options: FileLockOptions = {}): LockAttempt {
  const pid = options.pid ?? process.pid
  const removeDirs = options.removeCreatedDirs === true
  const mine = `${path}.${pid}.tmp`
  const created: string[] = []
  let outcome: LockAttempt = { status: 'contended' }
  try {
    const deadline = Date.now() + CONTENDED_AFTER_MS
    for (let attempt = 0; attempt === 0 || Date.now() < deadline; attempt++) {
      if (attempt > 0) pause(Math.min(attempt, 10))
      // A run that just released (or was refused) removes the folder when empty: make it again each time.
      for (const made of makeDirs(dirname(path))) if (!created.includes(made)) created.push(made)
      try {
        writeFileSync(mine, `${pid}\n`, { mode: 0o644 })
        linkSync(mine, path)
        outcome = { status: 'taken', lock: { path, release: () => releaseLock(path, pid, removeDirs ? created : []) } }
        return outcome
      } catch (error) {
        const e = error as NodeJS.ErrnoException
        if (e.code === 'ENOENT') continue // the folder went away between mkdir and write: make it again
        if (e.code !== 'EEXIST') {
          // The private file beside the lock is ours to know: the error names the lock (`<lock>: EROFS`).
          if (e.path === mine) e.path = path
          throw error
        }
      }
      const holder = readHolder(path)
      if (holder === NO_LOCK) continue // released between our link and this read: try again
      if (holder === pid && options.reentrant === true) {
        outcome = { status: 'taken', lock: { path, release: () => undefined } }
        return outcome
      }
      if (holder !== NO_PID && processAlive(holder)) {
        outcome = { status: 'held', pid: holder }
        return outcome
      }
      takeOverStale(path, holder, mine)
    }
    return outcome
  } finally {
    unlinkQuietly(mine)
    if (outcome.status !== 'taken' && removeDirs) cleanup(created)
  }
}

// How long a taker keeps trying while the lock changes hands or a takeover is under way, before it answers
// 'contended'. A live holder answers 'held' at once; this only bounds the wait for a taker stalled inside its
// takeover window, which on a loaded machine can be a scheduler slice or more (fifty quick attempts were not).
const CONTENDED_AFTER_MS = 5000

// Backs off a few milliseconds between attempts so a run in its release or takeover window can finish it.
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Removes a lock left by a dead process. Only the process that holds `<lock>.takeover` (taken by the same atomic
 * link) may remove the lock, and it re-reads the holder under that guard: nobody else can replace a lock file
 * that exists, so the file removed is the dead one it read, never a live taker's fresh lock. A guard left by a
 * process killed inside this microsecond window is removed when its pid is gone.
 */
function takeOverStale(path: string, stale: number | typeof NO_PID, mine: string): void {
  const guard = `${path}.takeover`
  try {
    linkSync(mine, guard)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return
    const guardHolder = readHolder(guard)
    if (typeof guardHolder === 'number' && !processAlive(guardHolder)) unlinkQuietly(guard)
    return
  }
  try {
    // A lock file that is gone is not stale: it was released, and a new taker may link a live one at any moment,
    // so only the very file read before (the same dead pid, or the same pid-less content) is removed.
    const holder = readHolder(path)
    if (holder === stale && (holder === NO_PID || !processAlive(holder))) unlinkQuietly(path)
  } finally {
    unlinkQuietly(guard)
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}

// What a lock file says: its pid, NO_PID (it exists without a pid in it: an empty or damaged file), or NO_LOCK
// (it is not there). The two must not be confused: a missing file can be linked by a live taker at any moment.
const NO_PID = 'no-pid'
const NO_LOCK = 'no-lock'
function readHolder(path: string): number | typeof NO_PID | typeof NO_LOCK {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    // Unreadable for another reason (EACCES, EISDIR): it is there, and nobody can name its holder.
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? NO_LOCK : NO_PID
  }
  const pid = Number.parseInt(text.trim(), 10)
  return Number.isNaN(pid) ? NO_PID : pid
}

function releaseLock(path: string, pid: number, created: readonly string[]): void {
  if (readHolder(path) === pid) unlinkQuietly(path)
  cleanup(created)
}

// Folders the lock had to create, parents first.
function makeDirs(dir: string): string[] {
  const created: string[] = []
  let current = dir
  while (!existsSync(current)) {
    created.unshift(current)
    current = dirname(current)
  }
  // Another taker's release may remove a folder while mkdir -p checks it (EEXIST, then ENOENT from its stat):
  // make it again, a few times, before the error counts.
  for (let tries = 1; ; tries++) {
    try {
      mkdirSync(dir, { recursive: true })
      return created
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || tries >= 20) throw error
    }
  }
}

// Removes the given folders when empty, deepest first, so a refused run leaves no trace.
function cleanup(created: readonly string[]): void {
  for (const dir of [...created].sort((a, b) => b.length - a.length)) {
    try {
      if (readdirSync(dir).length === 0) rmdirSync(dir)
    } catch {
      return
    }
  }
}
