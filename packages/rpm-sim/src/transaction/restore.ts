// rpm --restore (and its old names --setperms, --setugids, --setcaps): put back the owner, mode, capabilities and mtime that
// installed packages' files have in the database, as rpm's TR_RESTORED elements do. Every file of a package is
// touched (rpm's FA_TOUCH) in its order; no scriptlet runs and the database does not change. A file that is gone is
// made again where that needs no payload (a directory, a symlink, a device node or fifo); a regular file that is
// gone fails the package (`error: NEVRA: restored failed`), and the packages after it are still restored.
//
// Where rpm 4.18 then removes every file of the failed package (its cleanup of a failed unpacking also takes the
// touched files), rpm-sim follows upstream's fix (027ef640b, "Fix FA_TOUCH'ed files getting removed on failed
// update", rpm 4.20): the files stay as they are. Metadata alone changes, so no journal is kept: a restore killed
// midway is finished by running it again.
import {
  chmodSync,
  closeSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  lutimesSync,
  mkdirSync,
  openSync,
  constants as fsConstants,
  symlinkSync,
} from 'node:fs'
import type { Stats } from 'node:fs'
import { join, posix, resolve } from 'node:path'
import { setFileCaps } from '../base/_caps.js'
import { RootResolver, inRootOf, lstatQuiet as lst } from '../base/_fs.js'
import { TransactionError } from '../base/transaction-error.js'
import { PackageDb } from '../db/db.js'
import type { InstalledFile } from '../db/db.js'
import { withDbLock } from '../db/_lock.js'
import { nodeType } from '../format/model.js'
import type { Identity } from './apply.js'
import { makeNodeAt } from './_stage.js'
import { resolveOwners } from './_owners.js'
import { recoverInterrupted } from './recovery.js'

/** Options of {@link restorePackages}. */
export interface RestoreOptions {
  root: string
  /** The installed packages to restore, by NEVRA, in this order. */
  nevras: string[]
  /** The running process's identity: as root, files get their packaged owners back. */
  identity?: Identity
  /** rpm's warnings and errors, one line each (`warning: user X does not exist - using root`). */
  onWarning?: (line: string) => void
  /** Called with each package's NEVRA as its restore starts (what rpm -v prints). */
  onPackage?: (nevra: string) => void
}

/** What {@link restorePackages} did: the packages restored, and those whose restore failed. */
export interface RestoreResult {
  restored: string[]
  failed: string[]
}

/** One file to restore: its package entry with the owner ids resolved in the root now. */
interface Touched {
  path: string
  kind: InstalledFile['kind']
  mode: number
  user: string
  group: string
  uid: number
  gid: number
  mtime: number
  linkTarget?: string
  rdev?: number
  caps?: string
}

/**
 * rpm --restore of the installed packages `nevras`, under the database lock (an interrupted transaction is
 * finished first). A package that is not installed fails with E_NOT_INSTALLED before anything is touched.
 */
export async function restorePackages(o: RestoreOptions): Promise<RestoreResult> {
  const root = resolve(o.root)
  const warn = (line: string): void => o.onWarning?.(line)
  return withDbLock(root, async () => {
    await recoverInterrupted(root, { onWarning: warn })
    const db = new PackageDb(root)
    const pkgs = []
    for (const nevra of o.nevras) {
      const pkg = await db.get(nevra)
      if (pkg === undefined)
        throw new TransactionError('E_NOT_INSTALLED', `package ${nevra} is not installed`, { field: nevra })
      pkgs.push(pkg)
    }
    const result: RestoreResult = { restored: [], failed: [] }
    const chown = o.identity?.uid === 0
    for (const pkg of pkgs) {
      o.onPackage?.(pkg.nevra)
      if (restoreFiles(root, pkg.files, chown, warn)) result.restored.push(pkg.nevra)
      else {
        warn(`error: ${pkg.nevra}: restored failed`)
        result.failed.push(pkg.nevra)
      }
    }
    return result
  })
}

// One package's files, in order; false at the first that cannot be restored (rpm stops its element there).
function restoreFiles(root: string, files: InstalledFile[], chown: boolean, warn: (line: string) => void): boolean {
  // rpm leaves %ghost files and files not installed (replaced, excluded) alone.
  const touched: Touched[] = files
    .filter((f) => f.state === 'normal' && f.flags.ghost !== true)
    .map((f) => ({
      path: f.path,
      kind: f.kind,
      mode: f.mode,
      user: f.user,
      group: f.group,
      uid: 0,
      gid: 0,
      mtime: f.mtime,
      ...(f.linkTarget !== undefined ? { linkTarget: f.linkTarget } : {}),
      ...(f.rdev !== undefined ? { rdev: f.rdev } : {}),
      ...(f.caps !== undefined ? { caps: f.caps } : {}),
    }))
  // As rpm maps every owner of the element before it touches the first file.
  resolveOwners(root, touched, warn)
  const resolver = new RootResolver(root)
  for (const a of touched) {
    const dir = a.path === '/' ? { host: root } : openDirChain(root, posix.dirname(a.path), resolver)
    if ('why' in dir) {
      const dn = posix.dirname(a.path)
      warn(`error: failed to open dir ${dir.at} of ${dn === '/' ? '/' : `${dn}/`}: ${dir.why}`)
      return false
    }
    const host = a.path === '/' ? root : join(dir.host, posix.basename(a.path))
    let st = lst(host)
    if (st === undefined) {
      // rpm's "vanished unexpectedly": made again where no payload is needed
      if (a.kind === 'dir') mkdirSync(host, 0o700)
      else if (a.kind === 'symlink') symlinkSync(a.linkTarget ?? '', host)
      else if (nodeType(a.mode) !== undefined) makeNodeAt(host, a)
      else return false
      st = lst(host) as Stats
    }
    if (!setMeta(root, a, host, st, resolver, chown)) return false
  }
  return true
}

// rpm's fsmSetmeta for one file: a regular file or directory through a descriptor (fsmOpenat: a symlink in its
// place is followed only when root or the target's owner owns it, and a directory must be one); anything else by
// path, a symlink's own owner and mtime.
function setMeta(root: string, a: Touched, host: string, st: Stats, resolver: RootResolver, chown: boolean): boolean {
  const perm = a.mode & 0o7777
  if (a.kind === 'file' || a.kind === 'dir') {
    let target = host
    let tst: Stats | undefined = st
    if (st.isSymbolicLink()) {
      target = resolver.dir(inRootOf(root, host))
      tst = lst(target)
      if (tst === undefined || (st.uid !== 0 && st.uid !== tst.uid)) return false
    }
    if (a.kind === 'dir' && !tst.isDirectory()) return false
    let fd: number
    try {
      fd = openSync(target, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK)
    } catch {
      return false
    }
    try {
      if (chown) fchownSync(fd, a.uid, a.gid)
      fchmodSync(fd, perm)
      // as root, a regular file's capabilities after its owner (which drops them) and mode, as rpm's fsmSetmeta
      if (chown && a.kind === 'file' && a.caps !== undefined && !setCaps(target, a.caps)) return false
      futimesSync(fd, a.mtime, a.mtime)
    } finally {
      closeSync(fd)
    }
    return true
  }
  if (chown) lchownSync(host, a.uid, a.gid)
  // by the package's type, as rpm's fsmChmod: a symlink has no mode
  if (a.kind !== 'symlink') chmodSync(host, perm)
  lutimesSync(host, a.mtime, a.mtime)
  return true
}

// false when the capabilities cannot be set (rpm's fsmSetcap failing fails the element)
function setCaps(host: string, caps: string): boolean {
  try {
    setFileCaps(host, caps)
    return true
  } catch {
    return false
  }
}

/**
 * rpm's ensureDir, without creating anything: each directory of `dir` (inside the root) opened from the root, a
 * symlink followed only under the safe-symlink rule (fsmOpenat). Its host path, or the component it stopped at
 * and why, in strerror's words.
 */
function openDirChain(
  root: string,
  dir: string,
  resolver: RootResolver,
): { host: string } | { at: string; why: string } {
  let host = root
  for (const bn of dir.split('/').filter((x) => x !== '')) {
    const here = join(host, bn)
    const st = lst(here)
    if (st === undefined) return { at: bn, why: 'No such file or directory' }
    if (st.isSymbolicLink()) {
      const target = resolver.dir(inRootOf(root, here))
      const tst = lst(target)
      if (tst === undefined) return { at: bn, why: 'No such file or directory' }
      if (st.uid !== 0 && st.uid !== tst.uid) return { at: bn, why: 'Too many levels of symbolic links' }
      if (!tst.isDirectory()) return { at: bn, why: 'Not a directory' }
      host = target
    } else if (!st.isDirectory()) return { at: bn, why: 'Not a directory' }
    else host = here
  }
  return { host }
}
