// A file payload (agent, tools) installed from package.tar.gz in one read: each entry is checked (hostile ones
// refused), digested and, for a real run, written once into a private staging folder beside the root's database;
// rpm-sim then renames the staged files into place inside its transaction. No second decompression, no
// intermediate .rpm. A dry run scans without writing.
import { DEFAULT_MAX_RATIO, PayloadError, fsErrorParts, isRdbpkgError, stripDotSlash } from '@rdbpkg/core'
import type { TransactionOptions } from '@rdbpkg/rpm-sim'
import { createHash } from 'node:crypto'
import { closeSync, linkSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs'
import { join, posix } from 'node:path'
import { globToRegExp, matchesAny } from './_glob.js'
import { tarEntries } from './_tar-stream.js'
import { PayloadGuard } from './payload.js'

/** rpm-sim's in-memory package source (header plus a payload streamed once). */
export type PackageSource = NonNullable<TransactionOptions['sources']>[number]

/** One payload entry as scanned: where it goes and what it holds. */
export interface ScannedEntry {
  /** Relative path inside the payload, without `./`. */
  rel: string
  kind: 'file' | 'dir' | 'symlink'
  /** Permission bits (setuid, setgid and sticky dropped). */
  perm: number
  size: number
  mtime: number
  digest?: string
  linkTarget?: string
  /** Files of a staged scan: the staged copy of the body (private, 0600). */
  staged?: string
}

/** What a scan found, folders the payload implies included, sorted by path. */
export interface PayloadScan {
  entries: ScannedEntry[]
}

/** How to read a payload. */
export interface ScanOptions {
  /** Name used in messages (default `package.tar.gz`). */
  fileName?: string
  maxRatio?: number
  /** Compressed bytes read of package.tar.gz's size, as the read goes. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void
}

const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const
const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile'])

/**
 * Lists and digests `tarGz` (sha256) without writing anything, refusing unsafe entries (E_PAYLOAD_UNSAFE),
 * bombs (E_PAYLOAD_BOMB) and damaged archives (E_PAYLOAD_CORRUPT).
 */
export async function scanPayload(tarGz: string, options: ScanOptions = {}): Promise<PayloadScan> {
  return readPayload(tarGz, options, undefined)
}

/**
 * {@link scanPayload} that also writes every file's body, once, to `dir` (created 0700; the caller removes it).
 * Hard links become hard links between staged files, so they land linked as rpm leaves them.
 */
export async function stagePayload(tarGz: string, dir: string, options: ScanOptions = {}): Promise<PayloadScan> {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  return readPayload(tarGz, options, dir)
}

async function readPayload(tarGz: string, options: ScanOptions, stageDir: string | undefined): Promise<PayloadScan> {
  const fileName = options.fileName ?? 'package.tar.gz'
  const size = statSync(tarGz).size
  const guard = new PayloadGuard(size, options.maxRatio ?? DEFAULT_MAX_RATIO, fileName)
  const progress = options.onProgress
  return scanEntries(
    tarGz,
    guard,
    fileName,
    stageDir,
    progress === undefined ? undefined : (read) => progress(read, size),
  )
}

async function scanEntries(
  tarGz: string,
  guard: PayloadGuard,
  fileName: string,
  stageDir: string | undefined,
  onRead: ((bytesRead: number) => void) | undefined,
): Promise<PayloadScan> {
  const entries: ScannedEntry[] = []
  const files = new Map<string, ScannedEntry>()
  const seen = new Set<string>()
  const dirs = new Set<string>()
  const unsafe = (path: string, why: string): PayloadError =>
    new PayloadError('E_PAYLOAD_UNSAFE', `${fileName}: ${path}: unsafe entry (${why})`, { file: fileName, field: path })
  try {
    for await (const entry of tarEntries(tarGz, onRead)) {
      const problem = guard.check(entry.path, entry.type, entry.linkpath, entry.size ?? 0)
      if (problem !== undefined) {
        entry.resume()
        throw new PayloadError(problem.code, problem.message, { file: fileName, field: entry.path })
      }
      const rel = stripDotSlash(entry.path).replace(/\/+$/, '')
      if (rel === '') {
        entry.resume()
        continue
      }
      if (seen.has(rel) && entry.type !== 'Directory') {
        entry.resume()
        throw unsafe(entry.path, 'listed more than once')
      }
      seen.add(rel)
      const perm = (entry.mode ?? 0o644) & 0o777
      const mtime = Math.floor((entry.mtime?.getTime() ?? 0) / 1000)
      if (entry.type === 'Directory') {
        entry.resume()
        if (!dirs.has(rel)) {
          dirs.add(rel)
          entries.push({ rel, kind: 'dir', perm, size: 0, mtime })
        }
      } else if (entry.type === 'SymbolicLink') {
        entry.resume()
        entries.push({
          rel,
          kind: 'symlink',
          perm: 0o777,
          size: Buffer.byteLength(entry.linkpath ?? ''),
          mtime,
          linkTarget: entry.linkpath ?? '',
        })
      } else if (entry.type === 'Link') {
        entry.resume()
        // A hard link shares the body of a file listed before it (tar's rule); anything else is refused.
        const target = files.get(stripDotSlash(entry.linkpath ?? '').replace(/\/+$/, ''))
        if (target === undefined)
          throw unsafe(entry.path, `hard link to ${entry.linkpath ?? ''}, which is not a file listed before it`)
        const staged = target.staged === undefined ? undefined : join(stageDir!, String(entries.length))
        if (staged !== undefined) linkSync(target.staged!, staged)
        const linked: ScannedEntry = {
          rel,
          kind: 'file',
          perm: target.perm,
          size: target.size,
          mtime: target.mtime,
          digest: target.digest!,
          ...(staged ? { staged } : {}),
        }
        entries.push(linked)
        files.set(rel, linked)
      } else if (FILE_TYPES.has(entry.type)) {
        const staged = stageDir === undefined ? undefined : join(stageDir, String(entries.length))
        const body = await readBody(entry as unknown as AsyncIterable<Buffer>, staged)
        const file: ScannedEntry = {
          rel,
          kind: 'file',
          perm,
          size: body.size,
          mtime,
          digest: body.digest,
          ...(staged ? { staged } : {}),
        }
        entries.push(file)
        files.set(rel, file)
      } else entry.resume()
    }
  } catch (error) {
    if (isRdbpkgError(error)) throw error
    const io = stageDir === undefined ? undefined : fsErrorParts(error)
    if (io !== undefined) {
      throw new PayloadError(
        'E_IO',
        `${stageDir}: cannot stage the payload (${io.code}: ${(error as Error).message})`,
        { file: stageDir, cause: error },
      )
    }
    throw new PayloadError('E_PAYLOAD_CORRUPT', `${fileName}: cannot be read (${(error as Error).message})`, {
      file: fileName,
      cause: error,
    })
  }
  // Folders a payload implies but does not list are created like rpm's own (0755).
  for (const entry of [...entries]) {
    let parent = posix.dirname(entry.rel)
    while (parent !== '.' && !dirs.has(parent)) {
      dirs.add(parent)
      entries.push({ rel: parent, kind: 'dir', perm: 0o755, size: 0, mtime: entry.mtime })
      parent = posix.dirname(parent)
    }
  }
  entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
  return { entries }
}

// Digests a body and, when `staged` is given, writes it there (O_EXCL, 0600) in the same read. Writes are
// synchronous: they land in the page cache, and a thread-pool hop per piece costs more than the copy.
async function readBody(
  body: AsyncIterable<Buffer>,
  staged: string | undefined,
): Promise<{ size: number; digest: string }> {
  const hash = createHash('sha256')
  let size = 0
  const fd = staged === undefined ? undefined : openSync(staged, 'wx', 0o600)
  try {
    for await (const chunk of body) {
      hash.update(chunk)
      size += chunk.length
      if (fd !== undefined) {
        let off = 0
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off)
      }
    }
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  return { size, digest: hash.digest('hex') }
}

/** Identity and placement of a tracked package streamed from a payload. */
export interface StreamedPackage {
  name: string
  version: string
  release: string
  arch: string
  prefix: string
  configGlobs: readonly string[]
}

/** The package source rpm-sim installs: header from the scan, bodies moved from the staged files. */
export function streamedSource(pkg: StreamedPackage, scan: PayloadScan): PackageSource {
  const globs = pkg.configGlobs.map(globToRegExp)
  const base = pkg.prefix.replace(/\/+$/, '') || '/'
  const at = (rel: string): string => posix.join(base, rel)
  const files: PackageSource['header']['files'] = [
    { path: base, kind: 'dir', mode: TYPE_BITS.dir | 0o755, size: 0, user: 'root', group: 'root', mtime: 0, flags: {} },
  ]
  for (const entry of scan.entries) {
    const config = entry.kind === 'file' && matchesAny(entry.rel, globs)
    files.push({
      path: at(entry.rel),
      kind: entry.kind,
      mode: TYPE_BITS[entry.kind] | entry.perm,
      size: entry.size,
      ...(entry.digest === undefined ? {} : { digest: entry.digest }),
      ...(entry.linkTarget === undefined ? {} : { linkTarget: entry.linkTarget }),
      user: 'root',
      group: 'root',
      mtime: entry.mtime,
      flags: config ? { config: true, noreplace: true } : {},
    })
  }
  return {
    origin: `package.tar.gz (${pkg.name})`,
    header: {
      name: pkg.name,
      version: pkg.version,
      release: pkg.release,
      arch: pkg.arch,
      digestAlgo: 'sha256',
      files,
      scripts: {},
      triggers: [],
      summary: `${pkg.name} (installed by rdbpkg)`,
    },
    payload: async function* () {
      for (const entry of scan.entries) {
        if (entry.kind !== 'file') continue
        if (entry.staged === undefined)
          throw new PayloadError(
            'E_IO',
            `package.tar.gz: ${entry.rel}: not staged (a dry-run scan cannot be installed)`,
            { field: entry.rel },
          )
        yield { path: at(entry.rel), size: entry.size, file: entry.staged }
      }
    },
  }
}
