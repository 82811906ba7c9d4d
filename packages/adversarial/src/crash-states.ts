// Crash states in the manner of ALICE (Pillai et al., OSDI 2014): from a recorded log of file-system operations
// (strace-log.ts) and the tree they started on, the trees a power cut could leave at each point of the run.
// The model is the generic POSIX one, weaker than any journaling file system promises by default:
// - a file's data and attributes are durable once the file is fsynced (or the whole file system synced);
//   until then a power cut may leave the file as it was when last made durable (a new file: empty);
// - a directory entry made or removed (create, mkdir, symlink, link, rename, unlink, rmdir) is durable once its
//   directory is fsynced (both directories for a rename) or the file system synced; until then it may be lost,
//   independently of later operations (so a later rename may survive while an earlier one is lost).
// Data is modelled at file granularity: a file holds either its latest content or its last durable one.
// At each point k (after the first k operations) the states built are:
//   kill         every operation persisted (what a SIGKILL leaves);
//   data-lost    every entry persisted, every file reverted to its last durable content (a rename survived but
//                the renamed file's unsynced data did not: present but empty or old);
//   entries-lost every non-durable entry operation lost, files at their durable content;
//   drop-N       (at points right after a sync, and at the end) one non-durable entry operation N lost alone,
//                every file at its latest content (a lost rename or unlink the program went on relying on).
// States that come out as the same tree are built once (fingerprints), and are laid out on a copy of the start.
import { createHash } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join, posix } from 'node:path'
import type { TracedOp } from './strace-log.js'

/** What a node (inode) is, at one moment. */
interface Meta {
  mode: number
  uid: number
  gid: number
  mtime?: number
}

interface Node {
  id: number
  kind: 'file' | 'dir' | 'symlink' | 'other'
  initial: boolean
  target?: string
  /** Content changes in order: each applies to the content before it. */
  data: { at: number; apply: (b: Buffer) => Buffer }[]
  meta: { at: number; meta: Partial<Meta> }[]
  /** Moments (op index + 1) the node was made durable. */
  synced: number[]
  createdAt: number
  start: { data: Buffer; meta: Meta }
  cache: Map<number, Buffer>
}

type EntryChange =
  | { kind: 'add'; path: string; node: number; at: number; op: number }
  | { kind: 'remove'; path: string; node: number; at: number; op: number; dir: boolean }
  | { kind: 'rename'; from: string; to: string; node: number; at: number; op: number }

/** A directory-entry change: the folders whose fsync it waits for, and when it became durable. */
type EntryOp = EntryChange & { waits: Set<string>; durableAt: number }

/** A crash state: which point, which variant, and the tree it leaves (path -> node id and versions). */
export interface CrashState {
  /** Operations before the cut. */
  point: number
  variant: string
  /** The entry operation lost alone (drop-N states): index into the operation log. */
  droppedOp?: number
  fingerprint: string
}

/** Lays out crash states of one recorded run. */
export class CrashModel {
  private readonly nodes: Node[] = []
  private readonly entryOps: EntryOp[] = []
  private readonly startEntries = new Map<string, number>()
  private readonly syncfsAt: number[] = []
  /** Operation indexes just before which a sync happened (points worth dropping single entries at). */
  private readonly syncPoints: number[] = []

  /**
   * @param start a copy of the tree as it was before the run (read, never changed)
   * @param tree the path the run worked on (the paths in `ops`)
   * @param ops the run's operations
   * @param umask the umask the run had
   */
  constructor(
    readonly start: string,
    readonly tree: string,
    readonly ops: TracedOp[],
    umask = 0o022,
  ) {
    this.loadStart('')
    this.replay(umask)
  }

  /** Entry operations the run made, and how many of them were never made durable before it ended. */
  get figures(): { ops: number; entryOps: number; neverDurable: number; syncs: number } {
    return {
      ops: this.ops.length,
      entryOps: this.entryOps.length,
      neverDurable: this.entryOps.filter((e) => e.durableAt === Number.POSITIVE_INFINITY).length,
      syncs: this.ops.filter((o) => o.op === 'fsync' || o.op === 'syncfs').length,
    }
  }

  private rel(p: string): string {
    return p === this.tree ? '' : p.slice(this.tree.length + 1)
  }

  private newNode(
    kind: Node['kind'],
    at: number,
    start: { data: Buffer; meta: Meta },
    initial: boolean,
    target?: string,
  ): Node {
    const node: Node = {
      id: this.nodes.length,
      kind,
      initial,
      data: [],
      meta: [],
      synced: [],
      createdAt: at,
      start,
      cache: new Map(),
      ...(target !== undefined ? { target } : {}),
    }
    this.nodes.push(node)
    return node
  }

  private loadStart(rel: string): void {
    const abs = rel === '' ? this.start : join(this.start, rel)
    const st = lstatSync(abs)
    const meta: Meta = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000) }
    const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other'
    const node = this.newNode(
      kind,
      0,
      { data: kind === 'file' ? readFileSync(abs) : Buffer.alloc(0), meta },
      true,
      kind === 'symlink' ? readlinkSync(abs) : undefined,
    )
    node.synced.push(0)
    this.startEntries.set(rel, node.id)
    if (kind === 'dir') for (const name of readdirSync(abs).sort()) this.loadStart(rel === '' ? name : `${rel}/${name}`)
  }

  // One pass over the log: the entry operations with when each became durable, and each node's history.
  private replay(umask: number): void {
    const entries = new Map(this.startEntries)
    const fds = new Map<number, { node: number; pos: number; append: boolean }>()
    const pending: EntryOp[] = []
    const nodeAt = (abs: string): Node | undefined => {
      const id = entries.get(this.rel(abs))
      return id === undefined ? undefined : this.nodes[id]
    }
    const addEntry = (e: EntryChange, dirs: string[]): void => {
      const full: EntryOp = { ...e, waits: new Set(dirs), durableAt: Number.POSITIVE_INFINITY }
      this.entryOps.push(full)
      pending.push(full)
    }
    const sizeOf = (n: Node, at: number): number => this.contentAt(n, at).length
    for (const [i, op] of this.ops.entries()) {
      const at = i + 1
      switch (op.op) {
        case 'create': {
          let n = nodeAt(op.path)
          if (n === undefined) {
            n = this.newNode(
              'file',
              at,
              { data: Buffer.alloc(0), meta: { mode: op.mode & ~umask & 0o7777, uid: 0, gid: 0 } },
              false,
            )
            entries.set(this.rel(op.path), n.id)
            addEntry({ kind: 'add', path: this.rel(op.path), node: n.id, at, op: i }, [
              posix.dirname(this.rel(op.path)),
            ])
          } else if (op.trunc) n.data.push({ at, apply: () => Buffer.alloc(0) })
          fds.set(op.fd, { node: n.id, pos: 0, append: op.append })
          break
        }
        case 'open': {
          const n = nodeAt(op.path)
          if (n === undefined) break
          if (op.trunc) n.data.push({ at, apply: () => Buffer.alloc(0) })
          fds.set(op.fd, { node: n.id, pos: 0, append: op.append })
          break
        }
        case 'write': {
          const n = nodeAt(op.path)
          if (n === undefined || n.kind !== 'file') break
          let f = fds.get(op.fd)
          if (f === undefined || f.node !== n.id) {
            f = { node: n.id, pos: 0, append: false }
            fds.set(op.fd, f)
          }
          const pos = op.offset ?? (f.append ? sizeOf(n, at - 1) : f.pos)
          const data = op.data
          n.data.push({ at, apply: (b) => writeAt(b, pos, data) })
          if (op.offset === undefined) f.pos = pos + data.length
          break
        }
        case 'copy': {
          const n = nodeAt(op.to)
          const src = nodeAt(op.from)
          if (n === undefined || src === undefined) break
          const f = fds.get(op.fd)
          const pos = f !== undefined && f.node === n.id ? f.pos : 0
          const data = this.contentAt(src, at - 1).subarray(0, op.length)
          n.data.push({ at, apply: (b) => writeAt(b, pos, data) })
          if (f !== undefined && f.node === n.id) f.pos = pos + data.length
          break
        }
        case 'truncate': {
          const n = nodeAt(op.path)
          if (n === undefined) break
          const size = op.size
          n.data.push({
            at,
            apply: (b) => (b.length >= size ? b.subarray(0, size) : Buffer.concat([b, Buffer.alloc(size - b.length)])),
          })
          break
        }
        case 'chmod':
          nodeAt(op.path)?.meta.push({ at, meta: { mode: op.mode & 0o7777 } })
          break
        case 'chown':
          nodeAt(op.path)?.meta.push({
            at,
            meta: { ...(op.uid >= 0 ? { uid: op.uid } : {}), ...(op.gid >= 0 ? { gid: op.gid } : {}) },
          })
          break
        case 'utime':
          nodeAt(op.path)?.meta.push({ at, meta: { mtime: op.mtime } })
          break
        case 'mkdir': {
          if (nodeAt(op.path) !== undefined) break
          const n = this.newNode(
            'dir',
            at,
            { data: Buffer.alloc(0), meta: { mode: op.mode & ~umask & 0o7777, uid: 0, gid: 0 } },
            false,
          )
          entries.set(this.rel(op.path), n.id)
          addEntry({ kind: 'add', path: this.rel(op.path), node: n.id, at, op: i }, [posix.dirname(this.rel(op.path))])
          break
        }
        case 'symlink': {
          const n = this.newNode(
            'symlink',
            at,
            { data: Buffer.alloc(0), meta: { mode: 0o777, uid: 0, gid: 0 } },
            false,
            op.target,
          )
          entries.set(this.rel(op.path), n.id)
          addEntry({ kind: 'add', path: this.rel(op.path), node: n.id, at, op: i }, [posix.dirname(this.rel(op.path))])
          break
        }
        case 'link': {
          const n = nodeAt(op.from)
          if (n === undefined) break
          entries.set(this.rel(op.to), n.id)
          addEntry({ kind: 'add', path: this.rel(op.to), node: n.id, at, op: i }, [posix.dirname(this.rel(op.to))])
          break
        }
        case 'unlink':
        case 'rmdir': {
          const n = nodeAt(op.path)
          if (n === undefined) break
          entries.delete(this.rel(op.path))
          addEntry({ kind: 'remove', path: this.rel(op.path), node: n.id, at, op: i, dir: op.op === 'rmdir' }, [
            posix.dirname(this.rel(op.path)),
          ])
          break
        }
        case 'rename': {
          const n = nodeAt(op.from)
          if (n === undefined) break
          const from = this.rel(op.from)
          const to = this.rel(op.to)
          moveEntries(entries, from, to)
          addEntry({ kind: 'rename', from, to, node: n.id, at, op: i }, [posix.dirname(from), posix.dirname(to)])
          break
        }
        case 'fsync': {
          const n = nodeAt(op.path)
          if (n === undefined) break
          n.synced.push(at)
          if (n.kind === 'dir') {
            const dir = this.rel(op.path)
            for (const e of pending) {
              if (e.waits.delete(dir) && e.waits.size === 0) e.durableAt = at
            }
            pending.splice(0, pending.length, ...pending.filter((e) => e.waits.size > 0))
          }
          this.syncPoints.push(at)
          break
        }
        case 'syncfs':
          this.syncfsAt.push(at)
          for (const e of pending) {
            e.waits.clear()
            e.durableAt = at
          }
          pending.length = 0
          this.syncPoints.push(at)
          break
        case 'close':
          fds.delete(op.fd)
          break
      }
    }
  }

  /** A node's content after the first `at` operations. */
  private contentAt(n: Node, at: number): Buffer {
    let count = 0
    while (count < n.data.length && (n.data[count] as { at: number }).at <= at) count++
    const hit = n.cache.get(count)
    if (hit !== undefined) return hit
    let from = count
    while (from > 0 && !n.cache.has(from)) from--
    let b = from === 0 ? n.start.data : (n.cache.get(from) as Buffer)
    for (let j = from; j < count; j++) b = (n.data[j] as { apply: (b: Buffer) => Buffer }).apply(b)
    n.cache.set(count, b)
    return b
  }

  private metaAt(n: Node, at: number): Meta {
    const m = { ...n.start.meta }
    for (const e of n.meta) if (e.at <= at) Object.assign(m, e.meta)
    return m
  }

  /** When `n` was last made durable at or before `at` (its creation when never). */
  private durableAt(n: Node, at: number): number {
    let best = n.createdAt
    for (const s of n.synced) if (s <= at && s > best) best = s
    for (const s of this.syncfsAt) if (s <= at && s > best) best = s
    return best
  }

  /** The tree of a state: path -> [node, the moment its content and attributes are taken from]. */
  private treeOf(
    point: number,
    dropped: (e: EntryOp) => boolean,
    dataLost: boolean,
  ): Map<string, { node: Node; at: number }> {
    const entries = new Map(this.startEntries)
    for (const e of this.entryOps) {
      if (e.at > point || dropped(e)) continue
      if (e.kind === 'add') {
        const parent = posix.dirname(e.path)
        if ((parent === '.' || entries.has(parent)) && !entries.has(e.path)) entries.set(e.path, e.node)
      } else if (e.kind === 'remove') {
        if (entries.get(e.path) !== e.node) continue
        if (e.dir && [...entries.keys()].some((p) => p.startsWith(`${e.path}/`))) continue
        entries.delete(e.path)
      } else {
        const parent = posix.dirname(e.to)
        if (entries.get(e.from) !== e.node || !(parent === '.' || entries.has(parent))) continue
        moveEntries(entries, e.from, e.to)
      }
    }
    const out = new Map<string, { node: Node; at: number }>()
    for (const [p, id] of entries) {
      const node = this.nodes[id] as Node
      out.set(p === '' ? '.' : p, { node, at: dataLost ? this.durableAt(node, point) : point })
    }
    return out
  }

  private fingerprint(tree: Map<string, { node: Node; at: number }>): string {
    const h = createHash('sha256')
    for (const p of [...tree.keys()].sort()) {
      const { node, at } = tree.get(p) as { node: Node; at: number }
      const m = this.metaAt(node, at)
      h.update(`${p}\0${node.kind}\0${node.target ?? ''}\0${m.mode}\0${m.uid}\0${m.gid}\0${m.mtime ?? ''}\0`)
      if (node.kind === 'file') h.update(contentHash(this.contentAt(node, at)))
      h.update('\n')
    }
    return h.digest('hex')
  }

  /** Every distinct crash state, in order of the point (first occurrence of each tree), and how many were built. */
  states(): { built: number; distinct: CrashState[] } {
    const seen = new Set<string>()
    const distinct: CrashState[] = []
    let built = 0
    const add = (
      point: number,
      variant: string,
      dropped: (e: EntryOp) => boolean,
      dataLost: boolean,
      droppedOp?: number,
    ): void => {
      built++
      const fingerprint = this.fingerprint(this.treeOf(point, dropped, dataLost))
      if (seen.has(fingerprint)) return
      seen.add(fingerprint)
      distinct.push({ point, variant, fingerprint, ...(droppedOp !== undefined ? { droppedOp } : {}) })
    }
    const dropPoints = new Set([...this.syncPoints, this.ops.length])
    for (let point = 0; point <= this.ops.length; point++) {
      const notDurable = (e: EntryOp): boolean => e.at <= point && e.durableAt > point
      add(point, 'kill', () => false, false)
      add(point, 'data-lost', () => false, true)
      add(point, 'entries-lost', notDurable, true)
      if (!dropPoints.has(point)) continue
      for (const e of this.entryOps) if (notDurable(e)) add(point, `drop-${e.op}`, (x) => x === e, false, e.op)
    }
    return { built, distinct }
  }

  /** Lays out a state at `dest` (which must not exist): a copy of the start tree changed into the state. */
  layOut(state: CrashState, dest: string): void {
    const dropped =
      state.variant === 'entries-lost'
        ? (e: EntryOp) => e.at <= state.point && e.durableAt > state.point
        : (e: EntryOp) => e.op === state.droppedOp
    const dataLost = state.variant === 'data-lost' || state.variant === 'entries-lost'
    const tree = this.treeOf(state.point, state.variant === 'kill' ? () => false : dropped, dataLost)
    copyTree(this.start, dest)
    const unchanged = (p: string): boolean => {
      const t = tree.get(p)
      const id = this.startEntries.get(p === '.' ? '' : p)
      return (
        t !== undefined &&
        t.node.id === id &&
        t.node.data.every((d) => d.at > t.at) &&
        t.node.meta.every((m) => m.at > t.at)
      )
    }
    // Remove what the state does not have as it started (top-most paths first; rm takes what is below).
    for (const p of [...this.startEntries.keys()].map((x) => (x === '' ? '.' : x)).sort()) {
      if (p === '.' || unchanged(p) || tree.get(p)?.node.id === this.startEntries.get(p)) continue
      rmSync(join(dest, p), { recursive: true, force: true })
    }
    const written = new Map<number, string>()
    const dirMeta: [string, Meta][] = []
    for (const p of [...tree.keys()].sort()) {
      if (unchanged(p)) continue
      const { node, at } = tree.get(p) as { node: Node; at: number }
      const abs = p === '.' ? dest : join(dest, p)
      const m = this.metaAt(node, at)
      if (node.kind === 'dir') {
        mkdirSync(abs, { recursive: true })
        dirMeta.push([abs, m])
        continue
      }
      rmSync(abs, { recursive: true, force: true })
      if (node.kind === 'symlink') {
        symlinkSync(node.target ?? '', abs)
        continue
      }
      const twin = written.get(node.id)
      if (twin !== undefined) {
        linkSync(twin, abs)
        continue
      }
      writeFileSync(abs, this.contentAt(node, at))
      chownSync(abs, m.uid, m.gid)
      chmodSync(abs, m.mode)
      if (m.mtime !== undefined) utimesSync(abs, m.mtime, m.mtime)
      written.set(node.id, abs)
    }
    for (const [abs, m] of dirMeta.reverse()) {
      chmodSync(abs, m.mode)
      if (m.mtime !== undefined) utimesSync(abs, m.mtime, m.mtime)
    }
  }

  /** The operations behind a state, for a report: the cut point, and what was lost. */
  explain(state: CrashState, describe: (op: TracedOp) => string): string {
    const last = this.ops[state.point - 1]
    const cut = last === undefined ? 'before the first operation' : `after op ${state.point - 1} ${describe(last)}`
    if (state.variant === 'kill') return `cut ${cut}, everything persisted`
    if (state.variant.startsWith('drop-'))
      return `cut ${cut}; op ${state.droppedOp} ${describe(this.ops[state.droppedOp ?? 0] as TracedOp)} lost (its folder never fsynced)`
    const lost = [...new Set(this.nodesWithUnsyncedData(state.point))]
    const files = lost.length
      ? `: ${lost.slice(0, 2).join(', ')}${lost.length > 2 ? ` and ${lost.length - 2} more` : ''}`
      : ''
    return `cut ${cut}; ${state.variant === 'data-lost' ? 'unsynced file data lost' : 'unsynced entries and file data lost'}${files}`
  }

  private nodesWithUnsyncedData(point: number): string[] {
    const names: string[] = []
    const entries = this.treeOf(point, () => false, false)
    for (const [p, { node }] of entries) {
      if (node.kind !== 'file') continue
      const d = this.durableAt(node, point)
      if (node.data.some((x) => x.at > d && x.at <= point)) names.push(p)
    }
    return names
  }
}

function writeAt(b: Buffer, pos: number, data: Buffer): Buffer {
  const end = Math.max(b.length, pos + data.length)
  const out = Buffer.alloc(end)
  b.copy(out, 0)
  data.copy(out, pos)
  return out
}

const hashes = new WeakMap<Buffer, string>()
function contentHash(b: Buffer): string {
  let h = hashes.get(b)
  if (h === undefined) {
    h = createHash('sha256').update(b).digest('hex')
    hashes.set(b, h)
  }
  return h
}

// A rename moves the entry and, for a directory, everything below it.
function moveEntries(entries: Map<string, number>, from: string, to: string): void {
  const moved: [string, number][] = []
  for (const [p, id] of entries) {
    if (p === from) moved.push([to, id])
    else if (p.startsWith(`${from}/`)) moved.push([`${to}${p.slice(from.length)}`, id])
  }
  for (const [p] of [...entries])
    if (p === from || p.startsWith(`${from}/`) || p === to || p.startsWith(`${to}/`)) entries.delete(p)
  for (const [p, id] of moved) entries.set(p, id)
}

function copyTree(from: string, to: string): void {
  // cp -a keeps owners, modes and times, as the start tree had them.
  const st = lstatSync(from)
  if (st.isDirectory()) {
    mkdirSync(to)
    for (const name of readdirSync(from)) copyTree(join(from, name), join(to, name))
    chmodSync(to, st.mode & 0o7777)
    chownSync(to, st.uid, st.gid)
    utimesSync(to, st.atime, st.mtime)
  } else if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to)
  else {
    writeFileSync(to, readFileSync(from))
    chownSync(to, st.uid, st.gid)
    chmodSync(to, st.mode & 0o7777)
    utimesSync(to, st.atime, st.mtime)
  }
}
