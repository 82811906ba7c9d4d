// Staging, the first phase of applying a planned transaction (apply.ts commits): every new file is written to a
// temporary name beside its target (`path;<tid in hex>`, as rpm names them) and nothing visible changes (but for
// rpm's safe-symlink rule: a directory of the package found as an unsafe symlink becomes a directory, as in rpm's
// unpacking). An undo removes the temps and the folders staging made. The hot loops use synchronous fs calls: one
// syscall each without a thread-pool round trip is what makes 10,000 small files fast.
import { setFileCaps } from '../base/_caps.js'
import { createHash } from 'node:crypto'
import {
  constants as fsConstants,
  copyFileSync,
  chmodSync,
  chownSync,
  closeSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  linkSync,
  lutimesSync,
  utimesSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import type { Stats } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, posix } from 'node:path'
import type { Readable } from 'node:stream'
import type { EnginePayloadEntry, PackageSource } from '../format/model.js'
import { nodeType } from '../format/model.js'
import { execFileSync } from 'node:child_process'
import { RootResolver, errCode, followsDirLink, inRootOf, lstatQuiet } from '../base/_fs.js'
import { TransactionError, fsTransactionError } from '../base/transaction-error.js'
import type { FileAction } from './_plan.js'
import type { Identity } from './apply.js'
import { writesContent } from './apply.js'

/** Options of {@link stagePackage}. */
export interface StageOptions {
  /** The root the package is installed into (host path). */
  root: string
  source: PackageSource
  /** Actions by their payload path ({@link byPayloadPath}); only those with a `temp` are staged. */
  actions: Map<string, FileAction>
  digestAlgo: string
  chown: boolean
  /** Who creates the files; without it every owner and mode is set explicitly (correct, a few syscalls more). */
  identity?: Identity | undefined
  /** Directories created while staging are appended here (host paths), so an undo can remove them. */
  createdDirs: string[]
}

const SMALL = 1 << 20
// Streamed content is private until its metadata is set; setMeta then gives it the packaged bits.
const TEMP_MODE = 0o600

async function collect(body: Readable, limit: number): Promise<Buffer[] | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
    if (size > limit) return undefined
  }
  return chunks
}

/** mkdir -p that records each directory it creates (host paths, parents first). */
export function mkdirRecorded(dir: string, created: string[], known: Set<string>): void {
  if (known.has(dir)) return
  let st: Stats | undefined
  try {
    st = lstatSync(dir)
  } catch (error) {
    if (errCode(error) !== 'ENOENT') throw error
  }
  if (st === undefined) {
    mkdirRecorded(dirname(dir), created, known)
    mkdirSync(dir, 0o755)
    created.push(dir)
  } else if (!st.isDirectory() && !(st.isSymbolicLink() && isDirFollow(dir))) {
    throw new TransactionError('E_IO', `${dir}: expected a directory, found another file type`, { file: dir })
  }
  known.add(dir)
}

function isDirFollow(p: string): boolean {
  try {
    return lstatQuiet(p) !== undefined && readdirSync(p) !== undefined
  } catch {
    return false
  }
}

/** How staged files get their owner: `chown` (as root) to the packaged owners, `identity` the creator's. */
type Ownership = Pick<StageOptions, 'chown' | 'identity'>

function needsChown(a: FileAction, o: Ownership): boolean {
  return o.chown && (o.identity === undefined || a.uid !== o.identity.uid || a.gid !== o.identity.gid)
}
// `createMode` is what open(2) was given; large and hand-made files are created 0600, small ones with their own
// bits. chown(2) clears setuid/setgid, so those always take an explicit chmod after it.
function needsChmod(a: FileAction, o: Ownership, createMode: number): boolean {
  const perm = a.mode & 0o7777
  if (o.identity === undefined) return true
  return (createMode & 0o777 & ~o.identity.umask) !== perm || (perm & 0o7000) !== 0
}

function setMeta(fd: number, a: FileAction, o: Ownership, createMode: number): void {
  if (needsChown(a, o)) fchownSync(fd, a.uid, a.gid)
  if (needsChmod(a, o, createMode)) fchmodSync(fd, a.mode & 0o7777)
  futimesSync(fd, a.mtime, a.mtime)
}

/** One element's unpacking failed as rpm reports it: `lines` are what rpm prints before `NEVRA: install failed`. */
export class UnpackError extends TransactionError {
  override name = 'UnpackError'

  constructor(
    readonly lines: string[],
    file: string,
  ) {
    super('E_IO', lines.map((l) => l.replace(/^error: /, '')).join('; '), { file })
  }
}

// Whether staging writes the action's file under its temporary name. A touched file (%_minimize_writes) has one only
// for when it vanished before its element unpacks (see stagePackage), and is not written otherwise.
function writesTemp(a: FileAction): a is FileAction & { temp: string } {
  return a.temp !== undefined && a.fate !== 'touch'
}

/**
 * rpm's safe-symlink rule where this element writes (rpm's ensureDir and fsmVerify), checked after its %pre, in
 * payload order: every directory above something written may be a symlink only if the rule allows it
 * ({@link followsDirLink}) and it leads where a chrooted rpm would go; else the element fails as rpm's does
 * (`Too many levels of symbolic links`, {@link UnpackError}). A directory of the package found as an unsafe link
 * is replaced by a directory, as rpm's fsmVerify does (the link goes, what it pointed to stays).
 */
function guardLinks(o: StageOptions): void {
  const resolver = new RootResolver(o.root)
  const checked = new Set<string>()
  const target = (host: string): { host: string; st: Stats | undefined } => {
    const t = resolver.dir(inRootOf(o.root, host))
    return { host: t, st: lstatQuiet(t) }
  }
  const check = (dir: string, a: FileAction): void => {
    if (checked.has(dir) || dir.length <= o.root.length || !dir.startsWith(o.root)) return
    check(dirname(dir), a)
    const st = lstatQuiet(dir)
    if (st?.isSymbolicLink() === true) {
      const t = target(dir)
      if (!followsDirLink(st, t.st) || realpathSync(dir) !== realpathSync(t.host)) {
        const file = `${a.path}${a.temp !== undefined ? a.temp.slice(a.host.length) : ''}`
        const dn = posix.dirname(a.path)
        const opening = `error: failed to open dir ${posix.basename(dir)} of ${dn === '/' ? '/' : `${dn}/`}`
        // A link to nothing: rpm's ensureDir finds no folder there, tries to make one and the link is in the way.
        const lines =
          t.st === undefined
            ? [
                `${opening}: File exists`,
                `error: unpacking of archive failed on file ${file}: cpio: open failed - No such file or directory`,
              ]
            : [
                `${opening}: Too many levels of symbolic links`,
                `error: unpacking of archive failed on file ${file}: cpio: open failed - Too many levels of symbolic links`,
              ]
        throw new UnpackError(lines, inRootOf(o.root, dir))
      }
    }
    checked.add(dir)
  }
  for (const a of o.actions.values()) {
    const dir = a.kind === 'dir' && writesContent(a.fate)
    if (!writesTemp(a) && !dir) continue
    check(dirname(a.host), a)
    const st = dir ? lstatQuiet(a.host) : undefined
    // Where a link standing at the package's folder leads inside the root: still a link only when it loops (the
    // resolver leaves a looping link as it is).
    const leads = st?.isSymbolicLink() === true ? target(a.host).st : undefined
    // A symlink loop where the package has a folder: rpm's fsmVerify cannot stat through it and the element fails.
    // rpm's line carries whatever errno its cleanup left (its rmdir of the package's first folder); rpm-sim's says
    // why it failed.
    if (leads?.isSymbolicLink() === true) {
      throw new UnpackError(
        [
          `error: unpacking of archive failed on file ${a.path}: cpio: lstat failed - Too many levels of symbolic links`,
        ],
        a.host,
      )
    }
    // Anything but a directory or a safe link to one where the package creates a folder (a file an operator put
    // there) is removed first, as rpm's fsmVerify does. A folder that saves what is there (a modified %config file
    // becoming a folder) has it renamed aside when it commits, as rpm's backup does.
    if (st === undefined || st.isDirectory() || (st.isSymbolicLink() && followsDirLink(st, leads))) continue
    if (!st.isSymbolicLink() && (a.fate !== 'create' || a.keepInTheWay === true)) continue
    unlinkSync(a.host)
    mkdirSync(a.host, 0o755)
    resolver.clear()
  }
}

/** An element's actions by the path their content has in the payload (a relocated file's packaged path). */
export function byPayloadPath(actions: readonly FileAction[]): Map<string, FileAction> {
  return new Map(actions.map((a) => [a.payloadPath ?? a.path, a]))
}

/**
 * Write every staged file of one package from its payload to its temporary name, checking each file's digest.
 * Symlinks are staged as links. Nothing visible changes; an undo removes the temps and `createdDirs`.
 */
export async function stagePackage(o: StageOptions): Promise<void> {
  // rpm's fsm: a file planned to be only touched (%_minimize_writes) that is gone by now ("vanished unexpectedly",
  // removed by the element's %pre) is created from the payload instead; the others are left as they are.
  for (const a of o.actions.values()) if (a.fate === 'touch' && lstatQuiet(a.host) === undefined) a.fate = 'create'
  guardLinks(o)
  const known = new Set<string>()
  const linkWaiting = new Map<string, FileAction[]>()
  const staged = new Set<string>()
  for await (const entry of o.source.payload()) {
    const a = o.actions.get(entry.path)
    if (a === undefined || !writesTemp(a)) {
      // Not written itself, but it may carry the data of hard-linked members that are.
      const waiting = a?.kind === 'file' ? (linkWaiting.get(a.digest ?? a.path) ?? []) : []
      const [first, ...rest] = waiting
      if (a !== undefined && first !== undefined && (entry.data ?? entry.body) !== undefined && entry.size > 0) {
        linkWaiting.delete(a.digest ?? a.path)
        mkdirRecorded(dirname(first.temp as string), o.createdDirs, known)
        if (entry.data !== undefined) writeWhole(first, entry.data, o)
        else await writeStream(first, entry.body as Readable, o)
        staged.add(first.path)
        for (const m of rest) linkMember(first, m, o, known, staged)
        continue
      }
      await drain(entry)
      continue
    }
    mkdirRecorded(dirname(a.temp), o.createdDirs, known)
    if (a.kind === 'symlink') {
      await drain(entry)
      rmTemp(a.temp)
      symlinkSync(a.linkTarget ?? '', a.temp)
      // rpm sets a link's own mtime too (lutimes), so a rollback puts back exactly what was there.
      lutimesSync(a.temp, a.mtime, a.mtime)
      if (o.chown) {
        try {
          // lchown: symlinks carry an owner too
          chownSync(a.temp, a.uid, a.gid)
        } catch {
          /* a dangling link cannot be chowned by chown(2); ignore */
        }
      }
      staged.add(a.path)
      continue
    }
    if (a.kind !== 'file') {
      await drain(entry)
      if (nodeType(a.mode) !== undefined) {
        makeNode(a, o)
        staged.add(a.path)
      }
      continue
    }
    // A hard-link group's members come first with no data; the last member carries it. Once it arrives the
    // members' temps are hard links to it, and renaming each into place keeps them linked, as rpm leaves them.
    if (entry.size === 0 && (a.size ?? 0) > 0 && (entry.nlink ?? 1) > 1) {
      await drain(entry)
      const k = a.digest ?? a.path
      linkWaiting.set(k, [...(linkWaiting.get(k) ?? []), a])
      continue
    }
    const waiting = linkWaiting.get(a.digest ?? a.path) ?? []
    linkWaiting.delete(a.digest ?? a.path)
    for (const m of waiting) mkdirRecorded(dirname(m.temp as string), o.createdDirs, known)
    if (entry.file !== undefined) {
      adoptFile(entry.file, a, o)
      for (const m of waiting) linkMember(a, m, o, known, staged)
      staged.add(a.path)
      continue
    }
    const chunks =
      entry.data !== undefined
        ? [entry.data]
        : entry.body && entry.size <= SMALL
          ? await collect(entry.body, SMALL)
          : undefined
    if (chunks !== undefined || entry.body === undefined) {
      writeWhole(a, chunks ?? [], o)
      for (const m of waiting) linkMember(a, m, o, known, staged)
    } else {
      await writeStream(a, entry.body, o)
      for (const m of waiting) linkMember(a, m, o, known, staged)
    }
    staged.add(a.path)
  }
  const orphan = [...linkWaiting.values()].flat()[0]
  if (orphan !== undefined) {
    throw new TransactionError('E_CPIO_FORMAT', `${o.source.origin}: ${orphan.path}: hard link whose data never came`, {
      file: o.source.origin,
      field: orphan.path,
    })
  }
  // Zero-length files may be absent from a payload built by hand; every other missing file is an error.
  for (const a of o.actions.values()) {
    if (!writesTemp(a) || staged.has(a.path)) continue
    if (a.kind === 'file') {
      mkdirRecorded(dirname(a.temp), o.createdDirs, known)
      rmTemp(a.temp)
      const fd = openSync(a.temp, 'wx', TEMP_MODE)
      try {
        setMeta(fd, a, o, TEMP_MODE)
      } finally {
        closeSync(fd)
      }
    } else if (a.kind === 'symlink') {
      mkdirRecorded(dirname(a.temp), o.createdDirs, known)
      rmTemp(a.temp)
      symlinkSync(a.linkTarget ?? '', a.temp)
      lutimesSync(a.temp, a.mtime, a.mtime)
    } else if (nodeType(a.mode) !== undefined) {
      mkdirRecorded(dirname(a.temp), o.createdDirs, known)
      makeNode(a, o)
    }
  }
  // rpm's commit renames each file over its path: where a directory stands there (an operator's, or one nothing
  // owns) rename(2) fails and so does the element. Checked after every other staging failure, as rpm's commit runs
  // after its unpacking.
  for (const a of o.actions.values()) {
    if (a.dirInTheWay !== true || !writesTemp(a) || lstatQuiet(a.host)?.isDirectory() !== true) continue
    throw new UnpackError(
      [
        `error: unpacking of archive failed on file ${a.path}${a.temp.slice(a.host.length)}: cpio: File from package already exists as a directory in system`,
      ],
      a.host,
    )
  }
  // Capabilities last: setcap(8) on the staged file, after its owner (a chown clears them) and mode.
  for (const a of o.actions.values()) {
    if (a.caps === undefined || !writesTemp(a) || a.kind !== 'file' || lstatQuiet(a.temp) === undefined) continue
    try {
      setFileCaps(a.temp, a.caps)
    } catch (error) {
      throw new UnpackError(
        [
          `error: unpacking of archive failed on file ${a.path}: cpio: cap_set_file failed (${(error as Error).message})`,
        ],
        a.host,
      )
    }
  }
}

/**
 * Create the device node or fifo `a` (its type from `a.mode`) at `host`, mode 0600: nothing else can open it
 * before its owner, mode and mtime are set. Throws E_IO naming `a.path` when mknod(1) fails.
 */
export function makeNodeAt(host: string, a: Pick<FileAction, 'path' | 'mode' | 'rdev'>): void {
  const type = nodeType(a.mode) as 'c' | 'b' | 'p'
  const numbers = type === 'p' ? [] : splitDev(a.rdev ?? 0).map(String)
  try {
    execFileSync('mknod', ['-m', '0600', host, type, ...numbers], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim()
    throw new TransactionError(
      'E_IO',
      `${a.path}: cannot create the ${type === 'p' ? 'fifo' : 'device node'}: ${stderr || String(error)}`,
      { file: a.path },
    )
  }
}

/** Major and minor of a device number as glibc's major(3)/minor(3) split it. */
export function splitDev(rdev: number): [number, number] {
  return [(rdev >>> 8) & 0xfff, (rdev & 0xff) | ((rdev >>> 12) & 0xfff00)]
}

// A device node or fifo under its temporary name. Node has no mknod(2): coreutils' mknod(1) makes it (rare entries,
// one process each), private until its owner, mode and mtime are set by path (opening a fifo would block).
function makeNode(a: FileAction, o: Ownership): void {
  const temp = a.temp as string
  rmTemp(temp)
  makeNodeAt(temp, a)
  if (needsChown(a, o)) chownSync(temp, a.uid, a.gid)
  chmodSync(temp, a.mode & 0o7777)
  utimesSync(temp, a.mtime, a.mtime)
}

// Read to the end a body nothing is written from (a body held whole needs nothing).
async function drain(entry: EnginePayloadEntry): Promise<void> {
  if (entry.data === undefined && entry.body !== undefined) for await (const _ of entry.body);
}

// A body in memory: digest checked first, then written with direct syscalls (a thread-pool hop per call costs more
// CPU than the call itself on small files).
function writeWhole(a: FileAction, data: Buffer | Buffer[], o: StageOptions): void {
  const chunks = Array.isArray(data) ? data : [data]
  if (a.digest !== undefined) {
    const hash = createHash(o.digestAlgo)
    for (const c of chunks) hash.update(c)
    checkDigest(o, a, hash)
  }
  writeSmallSync(a, chunks, o)
}

async function writeStream(a: FileAction, body: Readable, o: StageOptions): Promise<void> {
  const hash = a.digest !== undefined ? createHash(o.digestAlgo) : undefined
  const fh = await openTemp(a.temp as string)
  try {
    for await (const chunk of body) {
      hash?.update(chunk as Buffer)
      await fh.write(chunk as Buffer)
    }
    setMeta(fh.fd, a, o, TEMP_MODE)
  } finally {
    await fh.close()
  }
  checkDigest(o, a, hash)
}

// A body the source staged itself: renamed to the temporary name (across filesystems copied, O_EXCL), then given
// its packaged owner, mode and mtime through a descriptor that never follows a link.
function adoptFile(file: string, a: FileAction, o: Ownership): void {
  const temp = a.temp as string
  rmTemp(temp)
  try {
    renameSync(file, temp)
  } catch (error) {
    if (errCode(error) !== 'EXDEV') throw error
    copyFileSync(file, temp, fsConstants.COPYFILE_EXCL)
    unlinkSync(file)
  }
  const fd = openSync(temp, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW)
  try {
    if (needsChown(a, o)) fchownSync(fd, a.uid, a.gid)
    fchmodSync(fd, a.mode & 0o7777)
    futimesSync(fd, a.mtime, a.mtime)
  } finally {
    closeSync(fd)
  }
}

function linkMember(from: FileAction, m: FileAction, o: StageOptions, known: Set<string>, staged: Set<string>): void {
  mkdirRecorded(dirname(m.temp as string), o.createdDirs, known)
  rmTemp(m.temp as string)
  linkSync(from.temp as string, m.temp as string)
  staged.add(m.path)
}

// O_EXCL, as rpm: never write through something already at the temporary name (a planted symlink); a leftover
// of an earlier attempt is removed first.
async function openTemp(p: string, mode = TEMP_MODE): Promise<import('node:fs/promises').FileHandle> {
  try {
    return await open(p, 'wx', mode)
  } catch (error) {
    if (errCode(error) !== 'EEXIST') throw error
    rmTemp(p)
    return open(p, 'wx', mode)
  }
}

function checkDigest(o: StageOptions, a: FileAction, hash: ReturnType<typeof createHash> | undefined): void {
  if (hash === undefined || a.digest === undefined) return
  const found = hash.digest('hex')
  if (found !== a.digest) {
    throw new TransactionError('E_RPM_DIGEST', `${o.source.origin}: ${a.path}: digest mismatch`, {
      file: o.source.origin,
      field: a.path,
      expected: a.digest,
      found,
    })
  }
}

function writeSmallSync(a: FileAction, chunks: Buffer[], o: Ownership): void {
  let fd: number
  try {
    fd = openSync(a.temp as string, 'wx', a.mode & 0o777)
  } catch (error) {
    if (errCode(error) !== 'EEXIST') throw error
    rmTemp(a.temp as string)
    fd = openSync(a.temp as string, 'wx', a.mode & 0o777)
  }
  try {
    for (const c of chunks) {
      let off = 0
      while (off < c.length) off += writeSync(fd, c, off, c.length - off)
    }
    setMeta(fd, a, o, a.mode & 0o777)
  } finally {
    closeSync(fd)
  }
}

function rmTemp(p: string): void {
  // Look first: unlink(2) of a name that was never created fails with EROFS, not ENOENT, in a read-only folder.
  if (lstatQuiet(p) === undefined) return
  try {
    unlinkSync(p)
  } catch (error) {
    if (errCode(error) !== 'ENOENT') throw error
  }
}

/**
 * Undo staging: remove temps and the directories staging created (deepest first, only when empty). Temps that
 * were never created are skipped; when one that exists cannot be removed, every other one is still tried and then
 * a TransactionError (E_JOURNAL) names the first such path and its errno.
 */
export function unstage(actions: Iterable<FileAction>, createdDirs: string[]): void {
  const stuck: unknown[] = []
  for (const a of actions) {
    if (a.temp === undefined) continue
    try {
      rmTemp(a.temp)
    } catch (error) {
      stuck.push(error)
    }
  }
  if (stuck.length > 0) {
    const more = stuck.length > 1 ? ` (and ${stuck.length - 1} more)` : ''
    throw fsTransactionError(
      stuck[0],
      'E_JOURNAL',
      `cannot remove the staged file${more}`,
      'make the folder writable; the next rpm-sim command finishes the undo',
    )
  }
  for (const d of [...createdDirs].reverse()) {
    try {
      rmdirSync(d)
    } catch {
      /* not empty or gone: leave it */
    }
  }
}
