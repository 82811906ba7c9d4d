// Lists a payload tarball without extracting it: one streaming pass reads the file once, hashing the raw bytes
// and inflating them into node-tar's Parser, stopping as soon as the expansion limit is passed.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { DEFAULT_MAX_RATIO, expansionLimit } from '@rdbpkg/core'
import type { ErrorCode } from '@rdbpkg/core'
import { Parser } from 'tar'
import type { ReadEntry } from 'tar'

/** One entry of a payload tarball as listed. */
export interface PayloadEntry {
  /** The name as `tar -t` lists it (folders end in `/`). */
  path: string
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other'
  size: number
  mode: number
  linkpath?: string
}

/** One problem found in a payload: a stable code and a one-line message naming the file and the entry. */
export interface PayloadIssue {
  code: ErrorCode
  entry?: string
  message: string
}

/** What one pass over a payload tarball found. */
export interface PayloadListing {
  entries: PayloadEntry[]
  issues: PayloadIssue[]
  /** sha256 of the payload file's bytes (undefined when reading stopped early). */
  sha256: string | undefined
  size: number
  unpackedSize: number
}

/** Options of {@link listPayload}. */
export interface ListPayloadOptions {
  /** How the file is named in messages. */
  displayName?: string
  /** Refuse when the unpacked tar is more than this many times the file's size. */
  maxRatio?: number
  /** Called with each entry whose content should be looked at (e.g. the rpm); returns a problem line or nothing. */
  inspectEntry?: (entry: PayloadEntry) => ((file: string) => Promise<PayloadIssue[]>) | undefined
  /** Bytes of the payload file read so far. */
  onProgress?: (bytesRead: number, total: number) => void
  /** Receives every raw byte of the file, in order, as it is read (so one read both checks and copies). */
  onChunk?: (chunk: Buffer) => Promise<void>
}

const TYPE_OF: Record<string, PayloadEntry['type']> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'dir',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
}

/** Lists and hashes a gzip-compressed payload tarball in one pass; problems are returned, never thrown. */
export async function listPayload(file: string, options: ListPayloadOptions = {}): Promise<PayloadListing> {
  const name = options.displayName ?? 'package.tar.gz'
  const maxRatio = options.maxRatio ?? DEFAULT_MAX_RATIO
  const size = (await stat(file)).size
  const limit = expansionLimit(size, maxRatio)
  const entries: PayloadEntry[] = []
  const issues: PayloadIssue[] = []
  const hash = createHash('sha256')
  let bytesRead = 0
  let unpacked = 0
  let bomb = false
  let scratch: string | undefined
  let sinkError: Error | undefined
  const inspections: Promise<PayloadIssue[]>[] = []

  const parser = new Parser({
    strict: false,
    // The parser would otherwise try to detect compression itself; it gets plain tar from us.
    maxDecompressionRatio: Number.POSITIVE_INFINITY,
  })
  let stopping = false
  const open = new Set<ReadEntry>()
  parser.on('warn', (code: string, message: string | Error) => {
    if (stopping) return
    const text = typeof message === 'string' ? message : message.message
    issues.push({
      code: 'E_PAYLOAD_CORRUPT',
      message: `${name}: not a valid tar archive (${text.replace(/^TAR_\w+: /, '')}) [${code}]`,
    })
  })
  parser.on('entry', (entry: ReadEntry) => {
    const item: PayloadEntry = {
      path: entry.path,
      type: TYPE_OF[entry.type] ?? 'other',
      size: entry.size ?? 0,
      mode: entry.mode ?? 0,
      ...(entry.linkpath ? { linkpath: entry.linkpath } : {}),
    }
    if (item.type === 'dir' && !item.path.endsWith('/')) item.path += '/'
    entries.push(item)
    const inspect = item.type === 'file' ? options.inspectEntry?.(item) : undefined
    if (!inspect) {
      entry.resume()
      return
    }
    inspections.push(
      (async () => {
        scratch ??= await mkdtemp(join(tmpdir(), 'rdbpkg-build-'))
        const out = join(scratch, `entry-${inspections.length}`)
        open.add(entry)
        try {
          await pipeline(entry, createWriteStream(out))
        } finally {
          open.delete(entry)
        }
        try {
          return await inspect(out)
        } finally {
          await rm(out, { force: true })
        }
      })(),
    )
  })

  const hashTap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      bytesRead += chunk.length
      options.onProgress?.(bytesRead, size)
      if (options.onChunk === undefined) callback(null, chunk)
      else {
        options.onChunk(chunk).then(
          () => callback(null, chunk),
          (error: Error) => {
            sinkError = error
            callback(error)
          },
        )
      }
    },
  })
  const gunzip = createGunzip({ chunkSize: 256 * 1024 })
  const feed = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      unpacked += chunk.length
      if (unpacked > limit) {
        bomb = true
        issues.push(bombIssue(name, maxRatio, unpacked, size, true))
        return
      }
      if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve))
    }
  }
  const parsed = new Promise<void>((resolve) => {
    parser.on('end', resolve)
    parser.on('abort', resolve)
    parser.on('error', (error: Error) => {
      if (stopping) return resolve()
      issues.push({ code: 'E_PAYLOAD_CORRUPT', message: `${name}: not a valid tar archive (${error.message})` })
      resolve()
    })
  })
  try {
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), hashTap, gunzip, feed)
  } catch (error) {
    // The copy failed (disk full, ...): not the payload's fault; the caller reports it.
    if (sinkError !== undefined) {
      stopping = true
      for (const entry of open) entry.destroy(new Error('payload reading stopped'))
      throw sinkError
    }
    // Stopping early for a bomb closes the pipeline before its end: that is not corruption.
    if (!bomb)
      issues.push({
        code: 'E_PAYLOAD_CORRUPT',
        message: `${name}: ${describeGzipError(error as NodeJS.ErrnoException)}`,
      })
  }
  if (!bomb && !issues.some((issue) => issue.code === 'E_PAYLOAD_CORRUPT')) {
    parser.end()
    await parsed
  } else {
    stopping = true
    parser.abort(new Error('stopped'))
    for (const entry of open) entry.destroy(new Error('payload reading stopped'))
  }
  try {
    for (const result of await Promise.allSettled(inspections)) {
      if (result.status === 'fulfilled') issues.push(...result.value)
      else if (!bomb)
        issues.push({ code: 'E_PAYLOAD_CORRUPT', message: `${name}: ${(result.reason as Error).message}` })
    }
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
  issues.push(...linkIssues(entries, name))
  const complete = bytesRead === size && !bomb
  return {
    entries,
    issues: dedupe(issues),
    sha256: complete ? hash.digest('hex') : undefined,
    size,
    unpackedSize: unpacked,
  }
}

/** The refusal of a payload past its expansion limit, worded the same for a tarball and a packed folder. */
export function bombIssue(
  name: string,
  maxRatio: number,
  unpacked: number,
  size: number,
  stopped: boolean,
): PayloadIssue {
  const figures = stopped ? `stopped after ${unpacked} bytes from ${size}` : `${unpacked} bytes from ${size}`
  // The installer checks again with the same default, so a raised limit must be given to both.
  return {
    code: 'E_PAYLOAD_BOMB',
    message: `${name}: expands more than ${maxRatio}-fold (${figures}); a decompression bomb? (if intended, pass --max-ratio N to rdbpkg-build and to ./install)`,
  }
}

function describeGzipError(error: NodeJS.ErrnoException): string {
  if (error.code === 'Z_DATA_ERROR' && /header/.test(error.message)) return 'not a gzip file (expected a .tar.gz)'
  if (error.code === 'Z_BUF_ERROR' || /unexpected end/.test(error.message))
    return 'truncated (the gzip stream ends early)'
  return `corrupt gzip data (${error.message})`
}

/** Problems with links that would point outside the payload, entries written through or over a symlink entry,
 * hard links through one, and special files. Entries are judged in tar order, as an extractor meets them: a symlink entry earlier in the
 * stream changes where every later path through it lands, so link targets are resolved through earlier links. */
export function linkIssues(entries: readonly PayloadEntry[], name: string): PayloadIssue[] {
  const issues: PayloadIssue[] = []
  // Path without `.` or empty parts (no `./`, no trailing `/`) of every symlink entry seen so far -> its target text.
  const links = new Map<string, string>()
  for (const entry of entries) {
    // Not normalised: `a/link/../x` still passes through `a/link` on its way.
    const clean = entry.path
      .split('/')
      .filter((part) => part !== '' && part !== '.')
      .join('/')
    if (entry.type === 'other') {
      issues.push({
        code: 'E_PAYLOAD_UNSAFE',
        entry: entry.path,
        message: `${name}: ${entry.path}: unsafe entry (device, fifo or other special file; only files, folders and links are allowed)`,
      })
      continue
    }
    const through = linkOnPath(links, posix.dirname(clean))
    if (through !== undefined) {
      issues.push({
        code: 'E_PAYLOAD_UNSAFE',
        entry: entry.path,
        message: `${name}: ${entry.path}: unsafe entry (written through symlink ${through})`,
      })
      continue
    }
    // As ./install judges them: what it would refuse, the builder refuses first.
    if (entry.type !== 'symlink' && links.has(clean)) {
      issues.push({
        code: 'E_PAYLOAD_UNSAFE',
        entry: entry.path,
        message: `${name}: ${entry.path}: unsafe entry (replaces symlink ${clean} listed before it)`,
      })
      continue
    }
    if (entry.linkpath === undefined) continue
    const target = entry.linkpath
    const linkedThrough =
      entry.type === 'hardlink'
        ? linkOnPath(
            links,
            target
              .split('/')
              .filter((part) => part !== '' && part !== '.')
              .join('/'),
          )
        : undefined
    if (linkedThrough !== undefined) {
      issues.push({
        code: 'E_PAYLOAD_UNSAFE',
        entry: entry.path,
        message: `${name}: ${entry.path}: unsafe entry (hard link through symlink ${linkedThrough})`,
      })
      continue
    }
    const base = entry.type === 'symlink' ? posix.dirname(clean) : '.'
    if (target.startsWith('/') || target.includes('\0') || resolveInside(links, base, target) === undefined) {
      const kind = entry.type === 'symlink' ? 'symlink' : 'hard link'
      issues.push({
        code: 'E_PAYLOAD_UNSAFE',
        entry: entry.path,
        message: `${name}: ${entry.path}: unsafe entry (${kind} to ${JSON.stringify(target)} points outside the payload)`,
      })
    }
    if (entry.type === 'symlink') links.set(clean, target)
  }
  return issues
}

/** The first symlink entry among `dir` and the folders above it, if any. */
function linkOnPath(links: ReadonlyMap<string, string>, dir: string): string | undefined {
  if (links.size === 0 || dir === '.' || dir === '') return undefined
  let prefix = ''
  for (const part of dir.split('/')) {
    prefix = prefix === '' ? part : `${prefix}/${part}`
    if (links.has(prefix)) return prefix
  }
  return undefined
}

/** Where `target`, read from folder `base`, lands once every earlier symlink on the way is followed; undefined
 * when it leaves the payload root (or loops). The payload root is the empty path. */
function resolveInside(links: ReadonlyMap<string, string>, base: string, target: string): string | undefined {
  let hops = 0
  const walk = (from: string[], text: string): string[] | undefined => {
    const at = [...from]
    for (const part of text.split('/')) {
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (at.length === 0) return undefined
        at.pop()
        continue
      }
      at.push(part)
      const link = links.get(at.join('/'))
      if (link === undefined) continue
      if (link.startsWith('/') || ++hops > 40) return undefined
      at.pop()
      const landed = walk(at, link)
      if (landed === undefined) return undefined
      at.splice(0, at.length, ...landed)
    }
    return at
  }
  const start = walk([], base)
  return start === undefined ? undefined : walk(start, target)?.join('/')
}

/** The issues with repeated messages dropped (the first of each kept, in order). */
export function dedupe(issues: PayloadIssue[]): PayloadIssue[] {
  const seen = new Set<string>()
  return issues.filter((issue) => {
    if (seen.has(issue.message)) return false
    seen.add(issue.message)
    return true
  })
}
