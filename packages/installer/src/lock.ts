// The install lock under <root>/var/lib/rdbpkg/: one writer at a time; a lock left by a dead process is taken over.
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs'
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
 * Takes the lock atomically (a private file hard-linked to the lock name, which fails when it exists). Throws
 * E_LOCKED naming the holder's pid when a live process holds it; a lock whose process is gone is taken over.
 */
export function acquireLock(root: string, pid: number = process.pid): InstallLock {
  const path = lockPath(root)
  const dir = join(path, '..')
  const created = makeDirs(dir)
  const mine = `${path}.${pid}.tmp`
  writeFileSync(mine, `${pid}\n`)
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(mine, path)
        return { path, release: () => releaseLock(path, pid, created) }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const holder = readHolder(path)
      if (holder !== undefined && processAlive(holder)) {
        throw new InstallError('E_LOCKED', `${path}: held by pid ${holder} (another install is running; wait for it to finish)`, {
          file: path,
          found: `pid ${holder}`,
        })
      }
      // Stale: move it aside under a unique name rather than unlinking, so two takers cannot both remove a lock
      // that a third has just taken; only the one whose rename succeeds retries the link.
      const aside = `${path}.stale.${pid}`
      try {
        renameSync(path, aside)
      } catch {
        continue // someone else moved it first: look again
      }
      const moved = readHolder(aside)
      if (moved !== undefined && moved !== holder && processAlive(moved)) {
        // We raced another taker and moved its fresh lock: put it back and yield to it.
        try {
          linkSync(aside, path)
        } catch {
          // a third taker holds it now; either way it is not ours
        }
        unlinkSync(aside)
        throw new InstallError('E_LOCKED', `${path}: held by pid ${moved} (another install is running; wait for it to finish)`, {
          file: path,
          found: `pid ${moved}`,
        })
      }
      unlinkSync(aside)
    }
    throw new InstallError('E_LOCKED', `${path}: could not be taken (contended)`, { file: path })
  } catch (error) {
    cleanup(created, dir)
    throw error
  } finally {
    try {
      unlinkSync(mine)
    } catch {
      // already gone
    }
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
  cleanup(created, join(path, '..'))
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

function cleanup(created: string[], _dir: string): void {
  for (const dir of [...created].reverse()) {
    try {
      if (readdirSync(dir).length === 0) rmdirSync(dir)
    } catch {
      return
    }
  }
}
