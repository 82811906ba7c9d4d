// Durability: what a later step relies on must survive a power cut, not only a kill. A file written and renamed
// into place is made durable by fsync of the file before the rename and of its folder after it; many files
// written in a row are made durable at once by one syncfs(2) of their file system (Node has no syncfs: coreutils
// `sync -f`, or a plain `sync` where -f is missing, as in coreutils 8.22 of el7). ext4 and xfs may otherwise keep
// a rename while losing the renamed file's data (the zero-length files that made dpkg fsync what it installs).
import { spawnSync } from 'node:child_process'
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs'
import { mkdir, open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'

/** fsync a folder, so the entries made or removed in it (creates, renames, unlinks) survive a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY)
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** {@link syncDir}, synchronously. */
export function syncDirSync(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY)
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Writes `data` to `path` durably and atomically: temp file beside it (made with `mode`), fsync, rename, fsync of
 * the folder.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  const fh = await open(tmp, 'w', mode)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  await syncDir(dirname(path))
}

/** {@link writeFileAtomic}, synchronously. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  const fd = openSync(tmp, 'w', mode)
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  syncDirSync(dirname(path))
}

/**
 * Makes everything written so far on the file systems holding `paths` durable: one syncfs(2) per file system
 * (`sync -f`), or sync(2) of every file system where `sync -f` is missing or fails. Paths that do not exist are
 * skipped; those on one file system are synced once. Throws when neither command can run.
 */
export function syncFileSystems(paths: readonly string[]): void {
  const byDevice = new Map<number, string>()
  for (const p of paths) {
    try {
      const dev = statSync(p).dev
      if (!byDevice.has(dev)) byDevice.set(dev, p)
    } catch {
      // gone or never made: nothing of it to sync
    }
  }
  if (byDevice.size === 0) return
  const targeted = spawnSync('sync', ['-f', ...byDevice.values()], { stdio: 'ignore' })
  if (targeted.status === 0) return
  const all = spawnSync('sync', [], { stdio: 'ignore' })
  if (all.status !== 0)
    throw new Error(`cannot make the changes durable: sync failed (${all.error?.message ?? `exit ${all.status}`})`)
}
