// Durability: what a later step relies on must survive a power cut, not only a kill. A file written and renamed
// into place is made durable by fsync of the file before the rename and of its folder after it; many files
// written in a row are made durable at once by one syncfs(2) of their file system (Node has no syncfs: coreutils
// `sync -f`, or a plain `sync` where -f is missing, as in coreutils 8.22 of el7). ext4 and xfs may otherwise keep
// a rename while losing the renamed file's data (the zero-length files that made dpkg fsync what it installs).
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs'
import { mkdir, open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { jsonPieces } from './_json-pieces.js'

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
  replaceSync(path, mode, (fd) => {
    const buf = typeof data === 'string' ? Buffer.from(data) : data
    writeAllSync(fd, buf, buf.length)
  })
}

/**
 * Writes `value` as JSON to `path` durably and atomically, as {@link writeFileAtomicSync} does, without ever holding
 * the text whole: it goes out in pieces of about 64 KiB, long arrays one element a line. For records of thousands
 * of entries, where one string, its flattened copy and its bytes would each cost fresh memory. Ends with a newline.
 */
export function writeJsonAtomicSync(path: string, value: unknown, mode = 0o644): void {
  replaceSync(path, mode, (fd) => {
    // Pieces are encoded straight into one reused buffer: no string of the whole, no buffer per piece.
    const buf = Buffer.allocUnsafe(1 << 16)
    let used = 0
    const put = (piece: string): void => {
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      if (used + piece.length * 3 > buf.length) {
        writeAllSync(fd, buf, used)
        used = 0
      }
      if (piece.length * 3 > buf.length) {
        const bytes = Buffer.from(piece)
        writeAllSync(fd, bytes, bytes.length)
      } else used += buf.write(piece, used)
    }
    jsonPieces(value, put)
    put('\n')
    writeAllSync(fd, buf, used)
  })
}

// The durable replace both sync writers share: temp file beside `path` (made with `mode`), written by `write`,
// fsync, rename, fsync of the folder.
function replaceSync(path: string, mode: number, write: (fd: number) => void): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  const fd = openSync(tmp, 'w', mode)
  try {
    write(fd)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  syncDirSync(dirname(path))
}

// The first `length` bytes of `buf`, however many writes it takes.
function writeAllSync(fd: number, buf: Uint8Array, length: number): void {
  let off = 0
  while (off < length) off += writeSync(fd, buf, off, length - off)
}

/**
 * Makes everything written so far on the file systems holding `paths` durable: one syncfs(2) per file system
 * (`sync -f`), or sync(2) of every file system where `sync -f` is missing or fails. Paths that do not exist are
 * skipped; those on one file system are synced once. Throws when neither command can run.
 */
export function syncFileSystems(paths: readonly string[]): void {
  const targets = deviceRepresentatives(paths)
  if (targets.length === 0) return
  const targeted = spawnSync('sync', ['-f', ...targets], { stdio: 'ignore' })
  if (targeted.status === 0) return
  const all = spawnSync('sync', [], { stdio: 'ignore' })
  if (all.status !== 0) throw syncFailed(all.error?.message ?? `exit ${all.status}`)
}

// One existing path per file system among `paths`.
function deviceRepresentatives(paths: readonly string[]): string[] {
  const byDevice = new Map<number, string>()
  for (const p of paths) {
    try {
      const dev = statSync(p).dev
      if (!byDevice.has(dev)) byDevice.set(dev, p)
    } catch {
      // gone or never made: nothing of it to sync
    }
  }
  return [...byDevice.values()]
}

const syncFailed = (why: string): Error => new Error(`cannot make the changes durable: sync failed (${why})`)

// The helper's loop: paths one per line, an empty line runs `sync -f` on them (a plain `sync` where that fails) and
// answers one line: 0 synced, 2 failed. It ends when its stdin closes, so it never outlives its owner.
const SYNC_LOOP =
  'set --; while IFS= read -r p; do if [ -n "$p" ]; then set -- "$@" "$p"; continue; fi; ' +
  'if { [ $# -gt 0 ] && sync -f "$@" 2>/dev/null; } || sync 2>/dev/null; then echo 0; else echo 2; fi; set --; done'

/**
 * {@link syncFileSystems} through one small helper process (`sh` running `sync -f` on request), started before the
 * caller grows: forking a large process for every barrier costs more than the sync itself (its page tables are
 * copied, then every page it writes takes a copy-on-write fault; tens of milliseconds each on some virtual
 * machines). Where the helper cannot run (no `sh`, a path with a newline, closed), a request falls back to
 * {@link syncFileSystems}. Stateful: call {@link FileSystemSyncer.close} when done; an idle helper never keeps
 * the caller's process alive, and it exits when the caller dies.
 */
export class FileSystemSyncer {
  private readonly waiting: ((line: string | undefined) => void)[] = []
  private buffered = ''
  private alive = true

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null> | undefined) {
    if (child === undefined) {
      this.alive = false
      return
    }
    child.on('error', () => this.stop())
    child.on('exit', () => this.stop())
    child.stdin.on('error', () => this.stop())
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (text: string) => {
      this.buffered += text
      for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, nl)
        this.buffered = this.buffered.slice(nl + 1)
        this.waiting.shift()?.(line)
      }
      this.idle()
    })
    this.idle()
  }

  /** Start the helper (spawns `sh`); a syncer whose helper cannot start falls back to {@link syncFileSystems}. */
  static start(): FileSystemSyncer {
    try {
      return new FileSystemSyncer(spawn('sh', ['-c', SYNC_LOOP], { stdio: ['pipe', 'pipe', 'ignore'] }))
    } catch {
      return new FileSystemSyncer(undefined)
    }
  }

  /** Make everything written so far on the file systems holding `paths` durable ({@link syncFileSystems}). */
  async sync(paths: readonly string[]): Promise<void> {
    const targets = deviceRepresentatives(paths)
    if (targets.length === 0) return
    if (!this.alive || targets.some((t) => t.includes('\n'))) return syncFileSystems(targets)
    const child = this.child as ChildProcessByStdio<Writable, Readable, null>
    const answer = new Promise<string | undefined>((resolve) => this.waiting.push(resolve))
    this.busy()
    child.stdin.write(`${targets.join('\n')}\n\n`)
    const line = await answer
    if (line === '0') return
    if (line === undefined) return syncFileSystems(targets)
    throw syncFailed('sync -f and sync both failed')
  }

  /** End the helper; later requests fall back to {@link syncFileSystems}. */
  close(): void {
    if (this.child !== undefined && this.alive) this.child.stdin.end()
    this.stop()
  }

  // Gone: whoever waits gets no answer and falls back.
  private stop(): void {
    this.alive = false
    for (const w of this.waiting.splice(0)) w(undefined)
    this.idle()
  }

  // Referenced only while an answer is awaited: an idle helper never keeps the event loop (the process) alive.
  private busy(): void {
    this.child?.ref()
    ;(this.child?.stdout as { ref?: () => void } | undefined)?.ref?.()
  }

  private idle(): void {
    if (this.waiting.length > 0) return
    this.child?.unref()
    ;(this.child?.stdout as { unref?: () => void } | undefined)?.unref?.()
    ;(this.child?.stdin as { unref?: () => void } | undefined)?.unref?.()
  }
}
