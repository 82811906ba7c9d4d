// Small filesystem helpers shared by the database, the journal and the applier.
import { lstat } from 'node:fs/promises'
import { accessSync, constants, lstatSync, readlinkSync } from 'node:fs'
import { fsErrorParts } from '@rdbpkg/core'
import type { Stats } from 'node:fs'
import { join, posix } from 'node:path'

/** errno code of a Node fs error, or undefined. */
export function errCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined
}

/** A Node fs error's text as glibc's strerror words it, as rpm prints it (`No such file or directory`). */
export function strerrorText(error: unknown): string {
  const parts = fsErrorParts(error)
  const glibc = parts === undefined ? undefined : GLIBC_WORDS[parts.code]
  if (glibc !== undefined) return glibc
  // libuv's words are glibc's, lower-cased, for most errnos.
  const text = parts?.text ?? String(error)
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`
}

// The errnos whose text libuv words otherwise than glibc (`too many symbolic links encountered`, `file already
// exists`, ...).
const GLIBC_WORDS: Readonly<Record<string, string>> = {
  ELOOP: 'Too many levels of symbolic links',
  EEXIST: 'File exists',
  EISDIR: 'Is a directory',
  ENAMETOOLONG: 'File name too long',
  EBUSY: 'Device or resource busy',
  EIO: 'Input/output error',
  ETXTBSY: 'Text file busy',
  EXDEV: 'Invalid cross-device link',
  ENFILE: 'Too many open files in system',
}

/** Why `file` cannot be read, as {@link strerrorText} words it; undefined when it can. */
export function unreadable(file: string): string | undefined {
  try {
    accessSync(file, constants.R_OK)
    return undefined
  } catch (error) {
    return strerrorText(error)
  }
}

// The durable writes are core's (the installer uses them too); re-exported for the engine's modules.
export { syncDir, writeFileAtomic, writeJsonAtomicSync } from '@rdbpkg/core'

/** lstat that returns null for a missing path (or a path under a non-directory). */
export async function lstatOrNull(path: string): Promise<import('node:fs').Stats | null> {
  try {
    return await lstat(path)
  } catch (error) {
    const c = errCode(error)
    if (c === 'ENOENT' || c === 'ENOTDIR') return null
    throw error
  }
}

/**
 * rpm's safe-symlink rule (CVE-2021-35939, fsmOpenat and fsmVerify in rpm's lib/fsm.c): a symlink stands in for a
 * directory only when it points to a directory and is owned by root or by that directory's owner. `link` is the
 * lstat of the link, `target` the lstat of where it leads (resolved inside the root), undefined when nothing is there.
 */
export function followsDirLink(
  link: Pick<Stats, 'uid'>,
  target: Pick<Stats, 'uid' | 'isDirectory'> | undefined,
): boolean {
  return target?.isDirectory() === true && (link.uid === 0 || link.uid === target.uid)
}

// An absolute path with no empty, `.` or `..` segment and no trailing slash: what path.normalize leaves as it is.
function isNormal(p: string): boolean {
  return p.startsWith('/') && (p.length === 1 || !p.endsWith('/')) && !/\/\/|\/\.\.?(?:\/|$)/.test(p)
}

/** lstat of `p`, undefined when nothing is there (or a parent is no directory, or a symlink loop). */
export function lstatQuiet(p: string): Stats | undefined {
  try {
    return lstatSync(p, { throwIfNoEntry: false })
  } catch (error) {
    const c = errCode(error)
    if (c === 'ENOENT' || c === 'ENOTDIR' || c === 'ELOOP') return undefined
    throw error
  }
}

/** The path inside the root of the host path `host` below `root`. */
export const inRootOf = (root: string, host: string): string => (root === '/' ? host : host.slice(root.length) || '/')

/** Options of {@link RootResolver}. */
export interface RootResolverOptions {
  /**
   * Follow a symlinked directory only under rpm's safe-symlink rule ({@link followsDirLink}), as rpm does when it
   * writes; an unsafe link is left in the path as it is (so writing below it fails, or the package's directory
   * entry replaces it). Without it every link is followed, as rpm's fingerprints and -V do.
   */
  safeLinks?: boolean
}

/**
 * Maps package paths to host paths under `root`, resolving symlinked parent directories inside the root the
 * way a chrooted rpm would, so an absolute link such as `/lib -> /usr/lib` never leads outside the root.
 * The last component is never followed. Results are cached per directory.
 */
export class RootResolver {
  private readonly cache = new Map<string, string>()
  // Host directories found absent when resolved: nothing below them exists either, so no call needs to look.
  private readonly missing = new Set<string>()
  private readonly safeLinks: boolean

  constructor(
    readonly root: string,
    options: RootResolverOptions = {},
  ) {
    this.safeLinks = options.safeLinks === true
  }

  /** Host path of the package path `p` (absolute inside the root). */
  host(p: string): string {
    // Package paths are nearly always normal already (`/a/b`): those skip path.normalize, and a parent resolved
    // before is taken from the cache without a call (this runs a few times per file of every package).
    const norm = isNormal(p) ? p : posix.normalize(`/${p}`)
    if (norm === '/') return this.root
    const cut = norm.lastIndexOf('/')
    const parent = cut === 0 ? '/' : norm.slice(0, cut)
    const dir = this.cache.get(parent) ?? this.dir(parent)
    return dir.endsWith('/') ? `${dir}${norm.slice(cut + 1)}` : `${dir}${norm.slice(cut)}`
  }

  /**
   * What a chrooted process finds at the host path `host` (inside the root), following symlinks as it would: an
   * absolute link's target names a path inside the root, not on the host. Undefined when nothing is there.
   */
  leadsTo(host: string): Stats | undefined {
    return lstatQuiet(this.dir(inRootOf(this.root, host)))
  }

  /** Host path of the directory `d`, following symlinks inside the root. */
  dir(d: string): string {
    const cached = this.cache.get(d)
    if (cached !== undefined) return cached
    const real = this.resolve(d, 0)
    this.cache.set(d, real)
    return real
  }

  /**
   * True when the host directory `hostDir` was found absent when it (or a parent) was resolved, so nothing is below
   * it: a fresh install's files need no look each. Valid until the tree changes ({@link clear}).
   */
  knownMissing(hostDir: string): boolean {
    return this.missing.has(hostDir)
  }

  /** Forget cached resolutions (after directories were created or replaced). */
  clear(): void {
    this.cache.clear()
    this.missing.clear()
  }

  private resolve(d: string, depth: number): string {
    if (d === '/' || d === '') return this.root
    if (depth > 40) throw Object.assign(new Error(`too many levels of symbolic links: ${d}`), { code: 'ELOOP' })
    const parentHost = this.dir(posix.dirname(d))
    const here = join(parentHost, posix.basename(d))
    if (this.missing.has(parentHost)) {
      this.missing.add(here)
      return here
    }
    // Synchronous calls: one per directory, cached, and each a syscall of microseconds, where the promise API's
    // thread-pool round trip costs more than the call (much more on a loaded machine).
    let st: Stats | undefined
    try {
      st = lstatSync(here, { throwIfNoEntry: false })
    } catch {
      return here
    }
    if (st === undefined) this.missing.add(here)
    if (st === undefined || !st.isSymbolicLink()) return here
    const target = readlinkSync(here)
    // The parent's resolved in-root path: strip the root prefix back off.
    const parentInRoot =
      this.root === '/' ? parentHost : parentHost === this.root ? '/' : parentHost.slice(this.root.length)
    const next = target.startsWith('/') ? posix.normalize(target) : posix.normalize(posix.join(parentInRoot, target))
    let resolved: string
    try {
      resolved = this.resolve(next.startsWith('/') ? next : `/${next}`, depth + 1)
    } catch (error) {
      // A symlink loop (an operator's `ln -s x x`): the path stays the link itself, which leads nowhere; whoever
      // writes through it fails as rpm does (see the safe-symlink guard in staging).
      if (errCode(error) === 'ELOOP') return here
      throw error
    }
    if (this.safeLinks && !followsDirLink(st, lstatQuiet(resolved))) return here
    return resolved
  }
}
