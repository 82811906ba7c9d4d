// Commits a staged transaction (see _stage.ts for staging): renames staged files into place, makes the
// .rpmsave/.rpmorig/.rpmnew renames and removes what the old packages alone owned. Every commit step is
// idempotent, so a journal can replay it after a kill. The hot loops use synchronous fs calls: one syscall each
// without a thread-pool round trip is what makes 10,000 small files fast.
import { setFileCaps } from '../base/_caps.js'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  lchownSync,
  lutimesSync,
  mkdirSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  utimesSync,
} from 'node:fs'
import { createReadStream } from 'node:fs'
import { dirname } from 'node:path'
import type { FileFate } from '@rdbpkg/core'
import { RootResolver, errCode, followsDirLink, lstatQuiet } from '../base/_fs.js'
import type { EraseAction, FileAction } from './_plan.js'

/** True when the fate writes the package's content somewhere (target or .rpmnew). */
export function writesContent(fate: FileFate): boolean {
  return fate === 'create' || fate === 'save' || fate === 'backup' || fate === 'altname'
}

/** Hex digest of a file on disk. */
export async function digestFile(host: string, algo: string): Promise<string> {
  const hash = createHash(algo)
  const stream = createReadStream(host)
  for await (const chunk of stream) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * The process that writes the files: its effective uid and gid and its umask (the CLIs pass the running process's).
 * A new file already has that owner and `createMode & ~umask`, so the calls that would set the same again are skipped.
 */
export interface Identity {
  uid: number
  gid: number
  umask: number
}

/** A rename rpm reports on stderr, and where it left the file. */
export interface RenameNote {
  path: string
  decision: { fate: FileFate; suffix?: '.rpmsave' | '.rpmnew' | '.rpmorig'; reason: string }
}

// Moves whatever is at `host` out of the way before a file of another type takes its place.
function clearForReplace(host: string, kind: FileAction['kind'], onNote: (n: RenameNote) => void, path: string): void {
  const st = lstatQuiet(host)
  if (st === undefined || !st.isDirectory() || kind === 'dir') return
  try {
    rmdirSync(host)
  } catch {
    // A non-empty directory is never thrown away: it is kept beside as .rpmsave, as nothing may be lost.
    renameSync(host, `${host}.rpmsave`)
    onNote({ path, decision: { fate: 'save', suffix: '.rpmsave', reason: 'directory replaced by a file' } })
  }
}

/**
 * Commit one package's file actions (idempotent: a replay after a kill finds the temps already renamed and does
 * nothing twice). `onNote` receives each rename that rpm would warn about, once.
 */
export function commitActions(
  root: string,
  actions: FileAction[],
  chown: boolean,
  onNote: (n: RenameNote) => void,
  onStep?: () => void,
): void {
  const dirs: FileAction[] = []
  for (const a of actions) {
    if (a.kind === 'dir') {
      if (writesContent(a.fate)) dirs.push(a)
      continue
    }
    if (a.fate === 'touch') {
      touch(a, chown)
      continue
    }
    if (a.temp === undefined) continue
    const keepAs = a.fate === 'save' || a.fate === 'backup' ? a.suffix : undefined
    // A hard link to a setuid program being replaced must not keep its privilege: cleared first (rpm's removeSBITS)
    if (a.oldSetid === true) clearSetid(a.host)
    if (a.fate !== 'altname' && keepAs === undefined) {
      // The common case costs one rename(2), as in rpm: no look first. A missing temp is one committed before (a
      // replay); a directory in the way is moved aside (clearForReplace) and the rename tried again.
      try {
        renameSync(a.temp, a.host)
      } catch (error) {
        const c = errCode(error)
        if (c === 'ENOENT') continue
        if (c !== 'EISDIR' && c !== 'ENOTEMPTY' && c !== 'EEXIST') throw error
        clearForReplace(a.host, a.kind, onNote, a.path)
        renameSync(a.temp, a.host)
      }
      onStep?.()
      continue
    }
    if (lstatQuiet(a.temp) === undefined) continue // already committed
    if (a.fate === 'altname') {
      renameSync(a.temp, `${a.host}${a.suffix ?? '.rpmnew'}`)
      onNote({ path: a.path, decision: { fate: a.fate, suffix: a.suffix ?? '.rpmnew', reason: a.reason } })
      continue
    }
    // save / backup: what is there is kept beside under the suffix first.
    if (keepAs !== undefined && lstatQuiet(a.host) !== undefined) {
      renameSync(a.host, `${a.host}${keepAs}`)
      onNote({ path: a.path, decision: { fate: a.fate, suffix: keepAs, reason: a.reason } })
    }
    renameSync(a.temp, a.host)
    onStep?.()
  }
  // Where a link standing in for a folder leads, as a chrooted rpm sees it (made for the first such link).
  let resolver: RootResolver | undefined
  for (const a of dirs) {
    let st = lstatQuiet(a.host)
    if (st !== undefined && !st.isDirectory()) {
      // A link to a directory stands in for it under rpm's safe-symlink rule (else it is replaced, as rpm does).
      resolver ??= new RootResolver(root)
      if (st.isSymbolicLink() && followsDirLink(st, resolver.leadsTo(a.host))) continue
      if (a.fate === 'save' || a.fate === 'backup') {
        renameSync(a.host, `${a.host}${a.suffix ?? '.rpmsave'}`)
        onNote({ path: a.path, decision: { fate: a.fate, suffix: a.suffix ?? '.rpmsave', reason: a.reason } })
      } else unlinkSync(a.host)
      st = undefined
    }
    if (st === undefined) mkdirSync(a.host, { recursive: true, mode: 0o755 })
    if (chown) chownSync(a.host, a.uid, a.gid)
    chmodSync(a.host, a.mode & 0o7777)
  }
}

// rpm's removeSBITS: a regular file about to be replaced loses its setuid and setgid bits, so no other hard link to
// it keeps them.
function clearSetid(host: string): void {
  const st = lstatQuiet(host)
  if (st?.isFile() === true && (st.mode & 0o6000) !== 0) chmodSync(host, st.mode & 0o777)
}

// rpm's FA_TOUCH: the file on disk already holds the new content; only its metadata becomes the new header's. One
// that vanished was staged instead (see stagePackage): a replay of the journal's plan, which still says touch, finds
// its temporary name and puts it in place.
function touch(a: FileAction, chown: boolean): void {
  const st = lstatQuiet(a.host)
  if (st === undefined) {
    if (a.temp !== undefined && lstatQuiet(a.temp) !== undefined) renameSync(a.temp, a.host)
    return
  }
  if (st.isSymbolicLink()) {
    if (chown && (st.uid !== a.uid || st.gid !== a.gid)) lchownSync(a.host, a.uid, a.gid)
    lutimesSync(a.host, a.mtime, a.mtime)
    return
  }
  if (chown && (st.uid !== a.uid || st.gid !== a.gid)) chownSync(a.host, a.uid, a.gid)
  if ((st.mode & 0o7777) !== (a.mode & 0o7777)) chmodSync(a.host, a.mode & 0o7777)
  // rpm's setmeta of a touched file sets its capabilities too (after the chown, which clears them).
  if (a.caps !== undefined && st.isFile()) setFileCaps(a.host, a.caps)
  utimesSync(a.host, a.mtime, a.mtime)
}

/**
 * Remove what an erased package alone owned (idempotent); directories go last, deepest first, only when empty.
 * `onWarn` gets rpm's warning for each entry that was already gone (its removal fails) where its folder is there.
 */
export function commitErase(
  actions: EraseAction[],
  onNote: (n: RenameNote) => void,
  onStep?: () => void,
  onWarn?: (line: string) => void,
): void {
  const dirs: string[] = []
  for (const a of actions) {
    if (a.missing === true) {
      // rpm 4.18 names only the base name here; upstream prints the path (dcf8c5abc), as rpm-sim does.
      if (lstatQuiet(a.host) === undefined && lstatQuiet(dirname(a.host))?.isDirectory() === true)
        onWarn?.(`warning: file ${a.path}: remove failed: No such file or directory`)
      continue
    }
    if (a.kind === 'dir') {
      // The root itself (a package owning `/`) is never removed: rpm's rmdir("/") in its chroot fails (EBUSY).
      if (a.fate !== 'erase' || a.path === '/') continue
      // rpm removes what is at the path by its type on disk: a file an operator put where the folder was goes too.
      const st = lstatQuiet(a.host)
      if (st !== undefined && !st.isDirectory() && !st.isSymbolicLink()) {
        unlinkSync(a.host)
        onStep?.()
      } else dirs.push(a.host)
      continue
    }
    const st = lstatQuiet(a.host)
    if (st === undefined) continue
    if (a.fate === 'save' && a.suffix !== undefined) {
      renameSync(a.host, `${a.host}${a.suffix}`)
      onNote({ path: a.path, decision: { fate: 'save', suffix: a.suffix, reason: a.reason } })
    } else if (a.fate === 'erase') {
      if (st.isDirectory()) dirs.push(a.host)
      else {
        // rpm's removeSBITS: another hard link to a setuid or setgid file must not keep its privilege
        if (st.isFile() && (st.mode & 0o6000) !== 0) chmodSync(a.host, st.mode & 0o777)
        unlinkSync(a.host)
      }
      onStep?.()
    }
  }
  dirs.sort((x, y) => y.length - x.length)
  for (const d of dirs) {
    try {
      // A symlink standing in for the folder (an operator moved it elsewhere) goes, by its type on disk as rpm
      // removes everything; what it leads to stays.
      if (lstatQuiet(d)?.isSymbolicLink() === true) unlinkSync(d)
      else rmdirSync(d)
    } catch {
      /* not empty (shared or holding unowned files) or gone: rpm keeps it */
    }
  }
}
