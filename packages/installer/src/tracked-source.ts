// A file payload (agent, tools) installed straight from package.tar.gz: one pass lists and digests the entries
// (refusing hostile ones), a second streams the bodies into rpm-sim's transaction. No staging copy and no
// intermediate .rpm: the payload's bytes are written once, where they belong.
import { PayloadError, isRdbpkgError, stripDotSlash } from '@rdbpkg/core'
import type { TransactionOptions } from '@rdbpkg/rpm-sim'
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import type { Hash } from 'node:crypto'
import { Readable } from 'node:stream'
import { posix } from 'node:path'
import { globToRegExp, matchesAny } from './_glob.js'
import { tarEntries } from './_tar-stream.js'
import { DEFAULT_MAX_RATIO } from '@rdbpkg/core'
import { PayloadGuard } from './payload.js'
import { checkDigest, sha256File } from './verify.js'

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
}

/** What a scan found; `hardlinks` payloads cannot be streamed (their bodies live in other entries). */
export interface PayloadScan {
  entries: ScannedEntry[]
  hardlinks: boolean
}

const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const

/**
 * Lists and digests `tarGz` (sha256), refusing unsafe entries (E_PAYLOAD_UNSAFE) and damaged archives. With
 * `expected` (its SHA256SUMS line) the archive's own digest is checked in the same read: a mismatch is
 * E_ARCHIVE_DIGEST, whatever else went wrong.
 */
export async function scanPayload(
  tarGz: string,
  only?: readonly string[],
  fileName = 'package.tar.gz',
  expected?: { path: string; sha256: string },
  maxRatio: number = DEFAULT_MAX_RATIO,
): Promise<PayloadScan> {
  const raw = expected === undefined ? undefined : createHash('sha256')
  try {
    const scan = await scanEntries(tarGz, only, new PayloadGuard(statSync(tarGz).size, maxRatio, fileName), raw, fileName)
    if (expected !== undefined) checkDigest(expected, raw!.digest('hex'))
    return scan
  } catch (error) {
    // A payload that fails to parse is first of all a damaged archive when its digest is wrong.
    if (expected !== undefined && !(isRdbpkgError(error) && error.code === 'E_ARCHIVE_DIGEST')) checkDigest(expected, await sha256File(tarGz))
    throw error
  }
}

async function scanEntries(
  tarGz: string,
  only: readonly string[] | undefined,
  guard: PayloadGuard,
  raw: Hash | undefined,
  fileName: string,
): Promise<PayloadScan> {
  const entries: ScannedEntry[] = []
  const seen = new Set<string>()
  let hardlinks = false
  try {
    for await (const entry of tarEntries(tarGz, raw === undefined ? undefined : (chunk) => raw.update(chunk))) {
      const problem = guard.check(entry.path, entry.type, entry.linkpath, entry.size ?? 0)
      if (problem !== undefined) {
        entry.resume()
        throw new PayloadError(problem.code, problem.message, { file: fileName, field: entry.path })
      }
      const rel = stripDotSlash(entry.path).replace(/\/+$/, '')
      if (rel === '' || !included(rel, only)) {
        entry.resume()
        continue
      }
      if (seen.has(rel) && entry.type !== 'Directory') {
        entry.resume()
        throw new PayloadError('E_PAYLOAD_UNSAFE', `${fileName}: ${entry.path}: unsafe entry (listed more than once)`, { file: fileName, field: entry.path })
      }
      seen.add(rel)
      const perm = (entry.mode ?? 0o644) & 0o777
      const mtime = Math.floor((entry.mtime?.getTime() ?? 0) / 1000)
      if (entry.type === 'Directory') {
        entry.resume()
        if (!entries.some((e) => e.rel === rel)) entries.push({ rel, kind: 'dir', perm, size: 0, mtime })
      } else if (entry.type === 'SymbolicLink') {
        entry.resume()
        entries.push({ rel, kind: 'symlink', perm: 0o777, size: Buffer.byteLength(entry.linkpath ?? ''), mtime, linkTarget: entry.linkpath ?? '' })
      } else if (entry.type === 'Link') {
        entry.resume()
        hardlinks = true
      } else if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') {
        const hash = createHash('sha256')
        let size = 0
        for await (const chunk of entry as unknown as AsyncIterable<Buffer>) {
          hash.update(chunk)
          size += chunk.length
        }
        entries.push({ rel, kind: 'file', perm, size, mtime, digest: hash.digest('hex') })
      } else entry.resume()
    }
  } catch (error) {
    if (error instanceof PayloadError) throw error
    throw new PayloadError('E_PAYLOAD_CORRUPT', `${fileName}: cannot be read (${(error as Error).message})`, { file: fileName, cause: error })
  }
  // Folders a payload implies but does not list are created like rpm's own (0755).
  const dirs = new Set(entries.filter((e) => e.kind === 'dir').map((e) => e.rel))
  for (const entry of [...entries]) {
    let parent = posix.dirname(entry.rel)
    while (parent !== '.' && !dirs.has(parent)) {
      dirs.add(parent)
      entries.push({ rel: parent, kind: 'dir', perm: 0o755, size: 0, mtime: entry.mtime })
      parent = posix.dirname(parent)
    }
  }
  entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
  return { entries, hardlinks }
}

function included(rel: string, only: readonly string[] | undefined): boolean {
  if (only === undefined) return true
  const top = rel.split('/')[0]!
  return only.includes(top)
}

/** Identity and placement of a tracked package streamed from a payload. */
export interface StreamedPackage {
  name: string
  version: string
  release: string
  arch: string
  prefix: string
  configGlobs: readonly string[]
  /** update_code: only these top-level entries (`tools`). */
  only?: readonly string[]
}

/** The package source rpm-sim installs: header from the scan, bodies streamed from a second read of `tarGz`. */
export function streamedSource(tarGz: string, pkg: StreamedPackage, scan: PayloadScan): PackageSource {
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
  const wanted = new Set(scan.entries.filter((e) => e.kind === 'file').map((e) => e.rel))
  return {
    origin: `${tarGz} (${pkg.name})`,
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
      for await (const entry of tarEntries(tarGz)) {
        const rel = stripDotSlash(entry.path).replace(/\/+$/, '')
        if (!wanted.has(rel) || (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile')) {
          entry.resume()
          continue
        }
        // The engine re-digests every body against the header, so a payload changed between the passes fails.
        yield { path: at(rel), size: entry.size ?? 0, body: Readable.from(coalesce(entry as unknown as AsyncIterable<Buffer>, COALESCE_BYTES), { objectMode: false }) }
        // A body the engine skipped must still be drained for the parser to move on.
        entry.resume()
      }
    },
  }
}

// gunzip hands out 16 KiB pieces; the engine awaits one write per piece, so large files go in 1 MiB writes.
const COALESCE_BYTES = 1 << 20

async function* coalesce(body: AsyncIterable<Buffer>, limit: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    parts.push(chunk)
    size += chunk.length
    if (size >= limit) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)
      parts = []
      size = 0
    }
  }
  if (size > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)
}
