// Builds the payload tarball from a folder, deterministically (sorted, fixed owners, normalized modes and
// mtimes), compressing blocks in parallel on the libuv threadpool so both cores work, as pigz does.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readFile, readdir, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { GzipWriter } from './_gzip-writer.js'
import { tarEnd, tarHeader, tarPadding } from './_tar.js'
import type { PayloadEntry, PayloadIssue } from './_inspect-payload.js'
import { linkIssues } from './_inspect-payload.js'

/** One entry of a scanned payload folder: the tar entry plus where its content comes from. */
export interface ScannedEntry extends PayloadEntry {
  source: string
}

/** What {@link scanPayloadDir} found: entries in tar order and the problems that refuse the folder. */
export interface PayloadDirScan {
  dir: string
  entries: ScannedEntry[]
  issues: PayloadIssue[]
  totalBytes: number
}

/** The written payload tarball's digest and size, and the size of the tar stream inside it. */
export interface PackedPayload {
  sha256: string
  size: number
  unpackedSize: number
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))

/** Walks `dir` without following links: entries sorted by name, depth first, as `tar --sort=name` lists them. */
export async function scanPayloadDir(dir: string, displayName = dir): Promise<PayloadDirScan> {
  const entries: ScannedEntry[] = []
  const issues: PayloadIssue[] = []
  let totalBytes = 0
  const rootStat = await lstat(dir)
  if (!rootStat.isDirectory()) {
    issues.push({ code: 'E_USAGE', message: `${displayName}: expected a folder for --payload-dir, found a file` })
    return { dir, entries, issues, totalBytes }
  }
  const walk = async (abs: string, rel: string): Promise<void> => {
    const names = (await readdir(abs)).sort(byBytes)
    for (const name of names) {
      const source = join(abs, name)
      const path = rel === '' ? name : `${rel}/${name}`
      const st = await lstat(source)
      if (st.isDirectory()) {
        entries.push({ path: `${path}/`, type: 'dir', size: 0, mode: 0o755, source })
        await walk(source, path)
      } else if (st.isFile()) {
        entries.push({ path, type: 'file', size: st.size, mode: st.mode & 0o111 ? 0o755 : 0o644, source })
        totalBytes += st.size
      } else if (st.isSymbolicLink()) {
        entries.push({ path, type: 'symlink', size: 0, mode: 0o777, linkpath: await readlink(source), source })
      } else {
        entries.push({ path, type: 'other', size: 0, mode: st.mode & 0o7777, source })
      }
    }
  }
  await walk(dir, '')
  issues.push(...linkIssues(entries, displayName))
  return { dir, entries, issues, totalBytes }
}

/** Writes the scanned folder as a deterministic .tar.gz to `write`, in order (compressing on all cores). */
export async function packPayloadDir(
  scan: PayloadDirScan,
  write: (chunk: Buffer) => Promise<void>,
  options: { mtime: number; level?: number; onProgress?: (bytesDone: number, total: number) => void },
): Promise<PackedPayload> {
  const hash = createHash('sha256')
  let done = 0
  const gz = new GzipWriter(async (chunks) => {
    for (const chunk of chunks) {
      hash.update(chunk)
      await write(chunk)
    }
  })
  await gz.compressed(options.level ?? 6)
  for (const entry of scan.entries) {
    if (entry.type === 'other') continue
    await gz.write(tarHeader({ ...entry, mtime: options.mtime, type: entry.type === 'hardlink' ? 'file' : entry.type }))
    if (entry.type !== 'file') continue
    let read = 0
    if (entry.size <= 256 * 1024) {
      const data = await readFile(entry.source)
      read = data.length
      if (read === entry.size) await gz.write(data)
    } else {
      for await (const chunk of createReadStream(entry.source, { highWaterMark: 1 << 20, end: entry.size - 1 })) {
        read += (chunk as Buffer).length
        await gz.write(chunk as Buffer)
        options.onProgress?.(done + read, scan.totalBytes)
      }
    }
    if (read !== entry.size) {
      throw Object.assign(
        new Error(`${entry.source}: changed while it was read (expected ${entry.size} bytes, found ${read})`),
        { code: 'ECHANGED' },
      )
    }
    await gz.write(Buffer.alloc(tarPadding(entry.size)))
    done += entry.size
    options.onProgress?.(done, scan.totalBytes)
  }
  await gz.write(tarEnd())
  await gz.finish()
  return { sha256: hash.digest('hex'), size: gz.outputSize, unpackedSize: gz.inputSize }
}
