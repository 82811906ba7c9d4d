// Temporary folders a killed test run cannot remove itself: each holds an `owner` file with its run's pid, and
// the next run removes those whose owner is gone. The one place for it: the real-root overlays and the fleet's
// folders use it alike.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** True while a process with this pid exists (EPERM says it does: another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A new folder `<parent>/<prefix>XXXXXX` marked with this process as its owner (see {@link sweepDeadOwned}). */
export function ownedTempDir(parent: string, prefix: string): string {
  const dir = mkdtempSync(join(parent, prefix))
  writeFileSync(join(dir, 'owner'), `${process.pid}\n`)
  return dir
}

/**
 * Removes the folders `<parent>/<prefix>*` a killed run left: those whose owner process is gone and that nothing
 * has mounted. Folders of live runs (another worktree's tests) and folders without an owner file are left alone.
 */
export function sweepDeadOwned(parent: string, prefix: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue
    const dir = join(parent, name)
    let owner: number
    try {
      owner = Number.parseInt(readFileSync(join(dir, 'owner'), 'utf8'), 10)
    } catch {
      continue
    }
    if (!Number.isInteger(owner) || owner <= 0 || processAlive(owner) || mounts.includes(dir)) continue
    rmSync(dir, { recursive: true, force: true })
  }
}
