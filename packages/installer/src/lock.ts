// The install lock under <root>/var/lib/rdbpkg/: one writer at a time; a lock left by a dead process is taken over.
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
import { join } from 'node:path'
import { InstallError } from './errors.js'

/** A held install lock; `release()` removes it (and the folders it created, when left empty). */
export interface InstallLock {
  path: string
  release(): void
}

/** Where the install lock lives under a root. */
export function lockPath(root: string): string {
  return join(root, 'var', 'lib', 'rdbpkg', 'install.lock')
}

/** True when a process with this pid exists (EPERM means it exists but is not ours). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the lock atomically (a private file holding our pid, hard-linked to the lock name, which fails when it
 * exists, so nobody ever reads a half-written lock). Throws E_LOCKED naming the holder's pid when a live process
 * holds it; a lock whose process is gone is removed only by the holder of a takeover guard (see takeOverStale).
 */
export function acquireLock(root: string, pid: number = process.pid): InstallLock {
  const path = lockPath(root)
  const dir = join(path, '..')
  const mine = `${path}.${pid}.tmp`
  const created: string[] = []
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) pause(Math.min(attempt, 10))
      try {
        // A run that just released (or was refused) removes the folder when empty: make it again each time.
        for (const made of makeDirs(dir)) if (!created.includes(made)) created.push(made)
        writeFileSync(mine, `${pid}\n`)
        linkSync(mine, path)
        return { path, release: () => releaseLock(path, pid, created) }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT') continue // the folder went away between mkdir and write: make it again
        if (code !== 'EEXIST') throw error
      }
      const holder = readHolder(path)
      if (holder !== undefined && processAlive(holder)) throw lockedBy(path, holder)
      if (existsSync(path)) takeOverStale(path, holder, mine)
    }
    throw new InstallError(
      'E_LOCKED',
      `${path}: could not be taken (contended; another install is starting or finishing, try again)`,
      { file: path },
    )
  } catch (error) {
    unlinkQuietly(mine)
    cleanup(created)
    throw error
  } finally {
    unlinkQuietly(mine)
  }
}

const MAX_ATTEMPTS = 50

// Backs off a few milliseconds between attempts so a run in its release or takeover window can finish it.
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function lockedBy(path: string, holder: number): InstallError {
  return new InstallError(
    'E_LOCKED',
    `${path}: held by pid ${holder} (another install is running; wait for it to finish)`,
    {
      file: path,
      found: `pid ${holder}`,
    },
  )
}

/**
 * Removes a lock left by a dead process. Only the process that holds `<lock>.takeover` (taken by the same atomic
 * link) may remove the lock, and it re-reads the holder under that guard: nobody else can replace a lock file
 * that exists, so the file removed is the dead one it read, never a live taker's fresh lock. A guard left by a
 * process killed inside this microsecond window is removed when its pid is gone.
 */
function takeOverStale(path: string, stale: number | undefined, mine: string): void {
  const guard = `${path}.takeover`
  try {
    linkSync(mine, guard)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return
    const guardHolder = readHolder(guard)
    if (guardHolder !== undefined && !processAlive(guardHolder)) unlinkQuietly(guard)
    return
  }
  try {
    const holder = readHolder(path)
    if (holder === stale && (holder === undefined || !processAlive(holder))) unlinkQuietly(path)
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

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10)
    return Number.isNaN(pid) ? undefined : pid
  } catch {
    return undefined
  }
}

function releaseLock(path: string, pid: number, created: string[]): void {
  if (readHolder(path) === pid) {
    try {
      unlinkSync(path)
    } catch {
      // already gone
    }
  }
  cleanup(created)
}

// Folders the lock had to create are removed again when empty, so a refused run leaves no trace but its log line.
function makeDirs(dir: string): string[] {
  const created: string[] = []
  let current = dir
  while (!existsSync(current)) {
    created.unshift(current)
    current = join(current, '..')
  }
  mkdirSync(dir, { recursive: true })
  return created
}

function cleanup(created: readonly string[]): void {
  for (const dir of [...created].sort((a, b) => b.length - a.length)) {
    try {
      if (readdirSync(dir).length === 0) rmdirSync(dir)
    } catch {
      return
    }
  }
}
