// Writes `<package_name>.tar.gz`: one folder with the launcher, the installer bundle, version.json, the payload
// byte for byte, an optional Node runtime, SHA256SUMS and its optional signature; sorted, fixed owners, modes
// and mtimes, one deterministic gzip member (small files deflated, the payload stored: it is compressed already).
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { GzipWriter } from './_gzip-writer.js'
import { tarEnd, tarHeader, tarPadding } from './_tar.js'
import type { SigningKey } from './sign.js'
import { signatureFile } from './sign.js'

/** A file to put into the archive folder, from memory or streamed from disk. */
export type ArchiveFile =
  | { path: string; mode: number; content: Buffer }
  | { path: string; mode: number; source: string; size: number; sha256: string; compression: 'stored' | 'parallel' }

/** One line of SHA256SUMS. */
export interface FileDigest {
  path: string
  sha256: string
  size: number
}

/** What {@link writeArchive} wrote. */
export interface WrittenArchive {
  path: string
  size: number
  /** Every file of the folder with its digest, SHA256SUMS and its signature included, sorted by path. */
  files: FileDigest[]
  sha256sums: string
}

/** Options of {@link writeArchive}. */
export interface WriteArchiveOptions {
  outFile: string
  folder: string
  files: ArchiveFile[]
  mtime: number
  signingKey?: SigningKey
  onProgress?: (bytesDone: number, total: number) => void
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))
const SMALL_LEVEL = 9
const PARALLEL_LEVEL = 6

/** Digests and SHA256SUMS text (`<hex>  <path>`, sorted by path) for files whose digests are known. */
export function sha256sumsText(files: readonly FileDigest[]): string {
  return [...files]
    .sort((a, b) => byBytes(a.path, b.path))
    .map((file) => `${file.sha256}  ${file.path}\n`)
    .join('')
}

function memoryFile(path: string, mode: number, content: string | Buffer): ArchiveFile {
  return { path, mode, content: typeof content === 'string' ? Buffer.from(content) : content }
}

/** Writes the archive to a temporary name beside `outFile` and renames it into place when complete. */
export async function writeArchive(options: WriteArchiveOptions): Promise<WrittenArchive> {
  const files = [...options.files]
  const digestOf = (file: ArchiveFile): FileDigest =>
    'content' in file
      ? { path: file.path, sha256: createHash('sha256').update(file.content).digest('hex'), size: file.content.length }
      : { path: file.path, sha256: file.sha256, size: file.size }
  if (options.signingKey) files.push(memoryFile('SHA256SUMS.pub', 0o644, options.signingKey.publicKeyPem))
  const digests = files.map(digestOf)
  const sums = sha256sumsText(digests)
  const sumsBytes = Buffer.from(sums)
  files.push(memoryFile('SHA256SUMS', 0o644, sumsBytes))
  if (options.signingKey) files.push(memoryFile('SHA256SUMS.sig', 0o644, signatureFile(sumsBytes, options.signingKey)))
  files.sort((a, b) => byBytes(a.path, b.path))

  const total = files.reduce((sum, file) => sum + ('content' in file ? file.content.length : file.size), 0)
  const tmp = join(dirname(options.outFile), `.${basename(options.outFile)}.tmp-${process.pid}-${Date.now()}`)
  const fh = await open(tmp, 'wx', 0o644)
  let done = 0
  try {
    const gz = new GzipWriter(fh)
    await gz.compressed(SMALL_LEVEL)
    const folder = options.folder
    await gz.write(tarHeader({ path: `${folder}/`, type: 'dir', mode: 0o755, size: 0, mtime: options.mtime }))
    const dirsWritten = new Set<string>()
    for (const file of files) {
      const parent = posixDirname(file.path)
      if (parent !== '' && !dirsWritten.has(parent)) {
        dirsWritten.add(parent)
        await gz.write(tarHeader({ path: `${folder}/${parent}/`, type: 'dir', mode: 0o755, size: 0, mtime: options.mtime }))
      }
      const size = 'content' in file ? file.content.length : file.size
      await gz.write(tarHeader({ path: `${folder}/${file.path}`, type: 'file', mode: file.mode, size, mtime: options.mtime }))
      if ('content' in file) {
        await gz.write(file.content)
      } else {
        if (file.compression === 'stored') await gz.stored()
        else await gz.compressed(PARALLEL_LEVEL)
        let read = 0
        for await (const chunk of createReadStream(file.source, { highWaterMark: 1 << 20 })) {
          read += (chunk as Buffer).length
          if (read > size) break
          await gz.write(chunk as Buffer)
          options.onProgress?.(done + read, total)
        }
        if (read !== size) {
          throw Object.assign(new Error(`${file.source}: changed while the archive was written (expected ${size} bytes, found ${read})`), { code: 'ECHANGED' })
        }
        await gz.compressed(SMALL_LEVEL)
      }
      await gz.write(Buffer.alloc(tarPadding(size)))
      done += size
      options.onProgress?.(done, total)
    }
    await gz.write(tarEnd())
    await gz.finish()
    await fh.close()
    await rename(tmp, options.outFile)
    const all = [...digests, { path: 'SHA256SUMS', sha256: createHash('sha256').update(sumsBytes).digest('hex'), size: sumsBytes.length }]
    const sig = files.find((file) => file.path === 'SHA256SUMS.sig')
    if (sig) all.push(digestOf(sig))
    return { path: options.outFile, size: gz.outputSize, files: all.sort((a, b) => byBytes(a.path, b.path)), sha256sums: sums }
  } catch (error) {
    await fh.close().catch(() => undefined)
    await rm(tmp, { force: true })
    throw error
  }
}

function posixDirname(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash === -1 ? '' : path.slice(0, slash)
}
