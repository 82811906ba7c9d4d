// Extracts package.tar.gz into a staging folder as hostile input: nothing may land outside the staging folder.
import { DEFAULT_MAX_RATIO, PayloadError, expansionLimit, stripDotSlash, unsafeEntryReason } from '@rdbpkg/core'
import type { BytesProgress } from './verify.js'
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { basename, dirname, join, posix, resolve } from 'node:path'
import { extract } from 'tar'
import type { ReadEntry } from 'tar'

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link'])
// Metadata entries node-tar consumes itself; they never land on disk.
const META_TYPES = new Set([
  'ExtendedHeader',
  'GlobalExtendedHeader',
  'NextFileHasLongPath',
  'NextFileHasLongLinkpath',
  'OldExtendedHeader',
])

/**
 * Why an entry must not be extracted (absolute, `..`, devices, fifos, links that leave the target), or
 * undefined when it is safe. `./` prefixes are allowed.
 */
export function unsafePayloadEntry(path: string, type: string, linkpath: string | undefined): string | undefined {
  if (META_TYPES.has(type)) return undefined
  const nameReason = unsafeEntryReason(path)
  if (nameReason !== undefined) return nameReason
  if (!ALLOWED_TYPES.has(type)) return `${type} entries are not allowed`
  if (type === 'SymbolicLink' || type === 'Link') {
    if (linkpath === undefined || linkpath === '') return 'link without a target'
    if (linkpath.startsWith('/')) return `link to an absolute path (${linkpath})`
    const from = type === 'Link' ? '' : posix.dirname(stripDotSlash(path))
    const target = posix.normalize(posix.join(from, linkpath))
    if (target === '..' || target.startsWith('../')) return `link leaves the payload (${linkpath})`
  }
  return undefined
}

/** Why an entry is refused: hostile (`E_PAYLOAD_UNSAFE`) or past the expansion limit (`E_PAYLOAD_BOMB`). */
export interface EntryProblem {
  code: 'E_PAYLOAD_UNSAFE' | 'E_PAYLOAD_BOMB'
  message: string
}

/**
 * Checks a payload's entries in order, with what one entry cannot show alone: entries that go through a symlink
 * the payload itself made (`tools/s -> ..` then `tools/s/x`), and the expansion of the whole (a decompression
 * bomb: the builder refuses more than `maxRatio` times the compressed size, and so does the installer).
 */
export class PayloadGuard {
  readonly limit: number
  private readonly symlinks = new Set<string>()
  private expanded = 0

  constructor(
    compressedSize: number,
    private readonly maxRatio: number = DEFAULT_MAX_RATIO,
    private readonly fileName = 'package.tar.gz',
  ) {
    this.limit = expansionLimit(compressedSize, maxRatio)
  }

  /** The problem with the next entry, or undefined when it may be written. */
  check(path: string, type: string, linkpath: string | undefined, size: number): EntryProblem | undefined {
    const unsafe = (reason: string): EntryProblem => ({
      code: 'E_PAYLOAD_UNSAFE',
      message: `${this.fileName}: ${JSON.stringify(path)}: unsafe entry (${reason})`,
    })
    const reason = unsafePayloadEntry(path, type, linkpath)
    if (reason !== undefined) return unsafe(reason)
    this.expanded += 512 + Math.ceil(size / 512) * 512
    if (this.expanded > this.limit) {
      return {
        code: 'E_PAYLOAD_BOMB',
        message: `${this.fileName}: expands beyond ${this.maxRatio} times its size (more than ${this.limit} bytes; a decompression bomb?) (--max-ratio N raises the limit)`,
      }
    }
    if (META_TYPES.has(type)) return undefined
    const rel = stripDotSlash(path).replace(/\/+$/, '')
    const through =
      this.throughSymlink(rel) ??
      (type === 'Link' && linkpath !== undefined ? this.throughSymlink(stripDotSlash(linkpath), true) : undefined)
    if (through !== undefined) return unsafe(`goes through the payload's own symlink ${through}`)
    if (this.symlinks.has(rel) && type !== 'SymbolicLink') return unsafe('replaces a symlink listed before it')
    if (type === 'SymbolicLink') this.symlinks.add(rel)
    return undefined
  }

  private throughSymlink(rel: string, self = false): string | undefined {
    const parts = rel.split('/')
    for (let i = 1; i < parts.length + (self ? 1 : 0); i++) {
      const prefix = parts.slice(0, i).join('/')
      if (this.symlinks.has(prefix)) return prefix
    }
    return undefined
  }
}

/**
 * Streams `tarGz` into `dest` (created; removed again when the payload is unsafe or corrupt). Owners are not
 * kept, setuid/setgid/sticky bits are dropped. Throws PayloadError E_PAYLOAD_UNSAFE / E_PAYLOAD_CORRUPT.
 */
export async function extractPayload(
  tarGz: string,
  dest: string,
  fileName = 'package.tar.gz',
  maxRatio = DEFAULT_MAX_RATIO,
  onProgress?: BytesProgress,
): Promise<void> {
  mkdirSync(dest, { recursive: true })
  const problems: EntryProblem[] = []
  const size = statSync(tarGz).size
  const guard = new PayloadGuard(size, maxRatio, fileName)
  // Streamed through a counter so a terminal can show the bytes read of package.tar.gz.
  let done = 0
  onProgress?.(0, size)
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      done += chunk.length
      onProgress?.(done, size)
      next(null, chunk)
    },
  })
  try {
    await pipeline(
      createReadStream(tarGz, { highWaterMark: 1 << 20 }),
      counter,
      extract({
        cwd: dest,
        strict: true,
        preservePaths: false,
        preserveOwner: false,
        noMtime: false,
        maxReadSize: 1 << 20,
        filter: (path: string, entry: unknown) => {
          const read = entry as ReadEntry
          const problem = guard.check(path, read.type, read.linkpath, read.size ?? 0)
          if (problem !== undefined) {
            if (problems.length < 20) problems.push(problem)
            return false
          }
          if (read.mode !== undefined) read.mode &= 0o777
          return true
        },
      }),
    )
  } catch (cause) {
    rmSync(dest, { recursive: true, force: true })
    throw new PayloadError('E_PAYLOAD_CORRUPT', `${fileName}: cannot be extracted (${(cause as Error).message})`, {
      file: fileName,
      cause,
    })
  }
  const first = problems[0]
  if (first !== undefined) {
    rmSync(dest, { recursive: true, force: true })
    throw new PayloadError(first.code, first.message, {
      file: fileName,
      field: problems.map((p) => p.message).join('; '),
    })
  }
}

/** The staging folder for one run. */
export function stagingDir(root: string, runId: string): string {
  return join(root, 'var', 'lib', 'rdbpkg', 'staging', runId)
}

/** Name of a staging folder kept beside the install prefix (see {@link stagingDirFor}). */
const BESIDE_STAGING = '.rdbpkg-staging-'

/**
 * The staging folder for one run's file payload, on the filesystem where the files land, so the engine renames
 * each staged body into place instead of copying it: `<root>/var/lib/rdbpkg/staging/<id>` when that is on the
 * same filesystem as `prefix` (most hosts), else `.rdbpkg-staging-<id>` in the nearest existing folder of the
 * prefix (a separate /var partition).
 */
export function stagingDirFor(root: string, prefix: string, runId: string): string {
  const preferred = stagingDir(root, runId)
  const landing = nearestExisting(resolve(root, `.${prefix}`), root)
  if (statSync(landing).dev === statSync(nearestExisting(dirname(preferred), root)).dev) return preferred
  return join(landing, `${BESIDE_STAGING}${runId}`)
}

function nearestExisting(path: string, root: string): string {
  let at = path
  while (!existsSync(at) && at !== root && at !== dirname(at)) at = dirname(at)
  return at
}

/** Removes a staging folder, and the `staging` folder above it when that is left empty. */
export function removeStaging(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  if (basename(dirname(dir)) !== 'staging') return
  try {
    rmdirSync(dirname(dir))
  } catch {
    // not empty or already gone
  }
}

/**
 * Removes staging folders an interrupted run left under the root: those under var/lib/rdbpkg/staging and, with
 * `prefix`, those kept beside it (call only while holding the install lock).
 */
export function removeLeftoverStaging(root: string, prefix?: string): string[] {
  const removed: string[] = []
  const parent = join(root, 'var', 'lib', 'rdbpkg', 'staging')
  if (existsSync(parent)) {
    removed.push(...readdirSync(parent).map((name) => join(parent, name)))
    for (const dir of removed) rmSync(dir, { recursive: true, force: true })
    try {
      rmdirSync(parent)
    } catch {
      // not empty or already gone
    }
  }
  if (prefix !== undefined && prefix !== '') {
    for (let at = resolve(root, `.${prefix}`); ; at = dirname(at)) {
      if (existsSync(at)) {
        for (const name of readdirSync(at).filter((entry) => entry.startsWith(BESIDE_STAGING))) {
          rmSync(join(at, name), { recursive: true, force: true })
          removed.push(join(at, name))
        }
      }
      if (at === root || at === dirname(at)) break
    }
  }
  return removed
}
