// Reads the output of `strace -f -ttt -y -xx -s N` into a log of file-system operations on one tree: the input of
// the crash-state builder (crash-states.ts). -y prints every descriptor with the path it is open on (fd<path>),
// -xx prints every string as \xNN escapes, so paths and written bytes are read back exactly; -f interleaves the
// threads and children of the traced process, so a call split into `<unfinished ...>` and `<... resumed>` is put
// back together and placed where it finished. Calls that failed, and paths outside the tree, are left out.
import { posix } from 'node:path'

/** One file-system operation on the traced tree, in the order the kernel finished them. */
export type FsOp =
  | { op: 'create'; path: string; mode: number; trunc: boolean; append: boolean; fd: number }
  | { op: 'open'; path: string; trunc: boolean; append: boolean; fd: number }
  | { op: 'write'; path: string; fd: number; data: Buffer; offset?: number }
  | { op: 'truncate'; path: string; size: number }
  | { op: 'rename'; from: string; to: string }
  | { op: 'link'; from: string; to: string }
  | { op: 'unlink'; path: string }
  | { op: 'mkdir'; path: string; mode: number }
  | { op: 'rmdir'; path: string }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'chown'; path: string; uid: number; gid: number }
  | { op: 'utime'; path: string; mtime: number }
  | { op: 'copy'; from: string; to: string; fd: number; length: number }
  | { op: 'fsync'; path: string; data: boolean }
  | { op: 'syncfs' }
  | { op: 'close'; fd: number }

/** An operation with where it came from (line of the trace, pid), for reports. */
export type TracedOp = FsOp & { line: number; pid: number; call: string }

/** The syscalls to give `strace -e trace=`: everything that changes a tree, makes it durable, or names a descriptor. */
export const TRACED_SYSCALLS = [
  'open',
  'openat',
  'creat',
  'write',
  'pwrite64',
  'writev',
  'pwritev',
  'pwritev2',
  'rename',
  'renameat',
  'renameat2',
  'link',
  'linkat',
  'unlink',
  'unlinkat',
  'mkdir',
  'mkdirat',
  'rmdir',
  'symlink',
  'symlinkat',
  'fsync',
  'fdatasync',
  'syncfs',
  'sync',
  'ftruncate',
  'truncate',
  'close',
  'fchmod',
  'fchmodat',
  'chmod',
  'fchown',
  'fchownat',
  'chown',
  'lchown',
  'utimensat',
  'copy_file_range',
  'sendfile',
  'fallocate',
] as const

/** The strace arguments that produce a trace this module reads (before `--` and the command). */
export function straceArgs(output: string, maxString: number): string[] {
  return [
    '-f',
    '-ttt',
    '-y',
    '-xx',
    '-qq',
    '-s',
    String(maxString),
    '-o',
    output,
    '-e',
    `trace=${TRACED_SYSCALLS.join(',')}`,
  ]
}

/** Decodes a C string as strace -xx prints it ("\x2f\x74"; other escapes as strace writes them). */
export function decodeCString(s: string): Buffer {
  const out: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'utf8'))
      continue
    }
    const n = s[i + 1]
    if (n === 'x') {
      out.push(Number.parseInt(s.slice(i + 2, i + 4), 16))
      i += 3
    } else if (n !== undefined && /[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(s.slice(i + 1)) as RegExpExecArray
      out.push(Number.parseInt(m[0], 8))
      i += m[0].length
    } else {
      const map: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, '"': 34, '\\': 92 }
      out.push(map[n ?? ''] ?? n?.charCodeAt(0) ?? 92)
      i += 1
    }
  }
  return Buffer.from(out)
}

// Splits a call's argument text at top-level commas (not inside quotes, [], {}, <> of -y, or parentheses).
function splitArgs(text: string): string[] {
  const args: string[] = []
  let depth = 0
  let quoted = false
  let cur = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quoted) {
      cur += c
      if (c === '\\') cur += text[++i] ?? ''
      else if (c === '"') quoted = false
      continue
    }
    if (c === '"') quoted = true
    else if ('[{(<'.includes(c)) depth++
    else if (']})>'.includes(c)) depth--
    else if (c === ',' && depth === 0) {
      args.push(cur.trim())
      cur = ''
      continue
    }
    cur += c
  }
  if (cur.trim() !== '') args.push(cur.trim())
  return args
}

/** The string of an argument `"..."` (with a trailing `...` when strace cut it: then undefined). */
function str(arg: string | undefined): Buffer | undefined {
  if (arg === undefined) return undefined
  const m = /^"((?:[^"\\]|\\.)*)"(\.\.\.)?$/.exec(arg)
  if (m === null || m[2] !== undefined) return undefined
  return decodeCString(m[1] as string)
}

/** The fd number and path of a -y descriptor argument `3<\x2f...>` or `AT_FDCWD<...>`. */
function fdArg(arg: string | undefined): { fd: number; path?: string } {
  if (arg === undefined) return { fd: -1 }
  const m = /^(-?\d+|AT_FDCWD)(?:<(.*)>)?$/s.exec(arg)
  if (m === null) return { fd: -1 }
  const fd = m[1] === 'AT_FDCWD' ? -100 : Number(m[1])
  if (m[2] === undefined) return { fd }
  return { fd, path: decodeCString(m[2]).toString('utf8') }
}

/** Resolves `dirfd, "path"` to an absolute path (undefined when it cannot be known). */
function atPath(dirArg: string | undefined, pathArg: string | undefined): string | undefined {
  const p = str(pathArg)?.toString('utf8')
  if (p === undefined) return undefined
  if (p.startsWith('/')) return posix.normalize(p)
  const dir = fdArg(dirArg).path
  return dir === undefined ? undefined : posix.normalize(posix.join(dir, p))
}

function num(arg: string | undefined): number {
  if (arg === undefined) return Number.NaN
  return arg.startsWith('0') && arg.length > 1 && !arg.startsWith('0x') ? Number.parseInt(arg, 8) : Number(arg)
}

/** Bytes of a writev iovec array `[{iov_base="..", iov_len=3}, ...]`, or undefined when a buffer was cut. */
function iovData(arg: string | undefined): Buffer | undefined {
  if (arg === undefined) return undefined
  const parts: Buffer[] = []
  for (const m of arg.matchAll(/iov_base=("(?:[^"\\]|\\.)*"(?:\.\.\.)?)/g)) {
    const b = str(m[1])
    if (b === undefined) return undefined
    parts.push(b)
  }
  return Buffer.concat(parts)
}

/** The mtime (seconds) of a utimensat times array, or undefined for UTIME_OMIT/NOW (treated as unchanged). */
function mtimeOf(arg: string | undefined): number | undefined {
  if (arg === undefined || arg === 'NULL') return undefined
  const secs = [...arg.matchAll(/tv_sec=(\d+)/g)].map((m) => Number(m[1]))
  return secs[1]
}

/** Thrown when a line of the trace cannot be read although it is a call this module must understand. */
export class TraceError extends Error {}

/**
 * Parses a trace into the operations under `tree` (an absolute path), in completion order. Writes whose buffers
 * strace cut (raise -s) throw a TraceError: a crash state built from a guessed content would prove nothing.
 */
export function parseTrace(text: string, tree: string): TracedOp[] {
  const pending = new Map<number, string>()
  const ops: TracedOp[] = []
  const inTree = (p: string | undefined): p is string => p !== undefined && (p === tree || p.startsWith(`${tree}/`))
  const lines = text.split('\n')
  for (const [index, raw] of lines.entries()) {
    const head = /^(\d+)\s+\d+\.\d+\s+(.*)$/.exec(raw)
    if (head === null) continue
    const pid = Number(head[1])
    let body = head[2] as string
    if (body.endsWith('<unfinished ...>')) {
      pending.set(pid, body.slice(0, -'<unfinished ...>'.length).trimEnd())
      continue
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/s.exec(body)
    if (resumed !== null) {
      const start = pending.get(pid)
      pending.delete(pid)
      if (start === undefined) continue
      body = `${start}${resumed[1] as string}`
    }
    const call = /^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)(?:<(.*)>)?(.*)$/s.exec(body)
    if (call === null) continue
    const [, name, argText, retText, retPath] = call as unknown as [string, string, string, string, string | undefined]
    const ret = Number(retText)
    if (!(ret >= 0)) continue
    const a = splitArgs(argText)
    const base = { line: index + 1, pid, call: name }
    const push = (op: FsOp): void => void ops.push({ ...op, ...base } as TracedOp)
    const retAbs = retPath === undefined ? undefined : decodeCString(retPath).toString('utf8')
    const cutWrite = (): never => {
      throw new TraceError(`trace line ${index + 1}: ${name}: the written buffer was cut by strace (raise -s)`)
    }
    switch (name) {
      case 'open':
      case 'openat':
      case 'creat': {
        const path = retAbs ?? (name === 'openat' ? atPath(a[0], a[1]) : atPath('AT_FDCWD', a[0]))
        if (!inTree(path)) break
        const flags = name === 'creat' ? 'O_CREAT|O_WRONLY|O_TRUNC' : ((name === 'openat' ? a[2] : a[1]) ?? '')
        const modeArg = name === 'creat' ? a[1] : name === 'openat' ? a[3] : a[2]
        const trunc = flags.includes('O_TRUNC')
        if (flags.includes('O_CREAT'))
          push({ op: 'create', path, mode: num(modeArg), trunc, append: flags.includes('O_APPEND'), fd: ret })
        else push({ op: 'open', path, trunc, append: flags.includes('O_APPEND'), fd: ret })
        break
      }
      case 'write':
      case 'pwrite64':
      case 'writev':
      case 'pwritev':
      case 'pwritev2': {
        const { fd, path } = fdArg(a[0])
        if (!inTree(path)) break
        const data = name.includes('writev') ? iovData(a[1]) : str(a[1])
        if (data === undefined) cutWrite()
        const offset = name === 'pwrite64' ? num(a[3]) : name.startsWith('pwritev') ? num(a[3]) : undefined
        push({
          op: 'write',
          path,
          fd,
          data: (data as Buffer).subarray(0, ret),
          ...(offset !== undefined ? { offset } : {}),
        })
        break
      }
      case 'ftruncate':
      case 'truncate': {
        const path = name === 'ftruncate' ? fdArg(a[0]).path : atPath('AT_FDCWD', a[0])
        if (inTree(path)) push({ op: 'truncate', path, size: num(a[1]) })
        break
      }
      case 'fallocate':
        break
      case 'rename':
      case 'renameat':
      case 'renameat2':
      case 'link':
      case 'linkat': {
        const from = name === 'rename' || name === 'link' ? atPath('AT_FDCWD', a[0]) : atPath(a[0], a[1])
        const to = name === 'rename' || name === 'link' ? atPath('AT_FDCWD', a[1]) : atPath(a[2], a[3])
        if (!inTree(from) && !inTree(to)) break
        if (from === undefined || to === undefined)
          throw new TraceError(`trace line ${index + 1}: ${name}: a path cannot be resolved`)
        push({ op: name.startsWith('rename') ? 'rename' : 'link', from, to })
        break
      }
      case 'unlink':
      case 'unlinkat':
      case 'rmdir': {
        const path = name === 'unlinkat' ? atPath(a[0], a[1]) : atPath('AT_FDCWD', a[0])
        if (!inTree(path)) break
        push({
          op: name === 'rmdir' || (name === 'unlinkat' && (a[2] ?? '').includes('AT_REMOVEDIR')) ? 'rmdir' : 'unlink',
          path,
        })
        break
      }
      case 'mkdir':
      case 'mkdirat': {
        const path = name === 'mkdirat' ? atPath(a[0], a[1]) : atPath('AT_FDCWD', a[0])
        if (inTree(path)) push({ op: 'mkdir', path, mode: num(name === 'mkdirat' ? a[2] : a[1]) })
        break
      }
      case 'symlink':
      case 'symlinkat': {
        const path = name === 'symlinkat' ? atPath(a[1], a[2]) : atPath('AT_FDCWD', a[1])
        const target = str(a[0])?.toString('utf8')
        if (inTree(path) && target !== undefined) push({ op: 'symlink', target, path })
        break
      }
      case 'fchmod':
      case 'fchmodat':
      case 'chmod': {
        const path =
          name === 'fchmod' ? fdArg(a[0]).path : name === 'fchmodat' ? atPath(a[0], a[1]) : atPath('AT_FDCWD', a[0])
        if (inTree(path))
          push({ op: 'chmod', path, mode: num(name === 'fchmod' ? a[1] : name === 'fchmodat' ? a[2] : a[1]) })
        break
      }
      case 'fchown':
      case 'fchownat':
      case 'chown':
      case 'lchown': {
        const path =
          name === 'fchown' ? fdArg(a[0]).path : name === 'fchownat' ? atPath(a[0], a[1]) : atPath('AT_FDCWD', a[0])
        const ids = name === 'fchownat' ? [a[2], a[3]] : [a[1], a[2]]
        if (inTree(path)) push({ op: 'chown', path, uid: num(ids[0]), gid: num(ids[1]) })
        break
      }
      case 'utimensat': {
        const path = a[1] === 'NULL' ? fdArg(a[0]).path : atPath(a[0], a[1])
        const mtime = mtimeOf(a[2])
        if (inTree(path) && mtime !== undefined) push({ op: 'utime', path, mtime })
        break
      }
      case 'copy_file_range':
      case 'sendfile': {
        const inArg = name === 'sendfile' ? a[1] : a[0]
        const outArg = name === 'sendfile' ? a[0] : a[2]
        const out = fdArg(outArg)
        if (!inTree(out.path)) break
        const from = fdArg(inArg).path
        if (from === undefined) throw new TraceError(`trace line ${index + 1}: ${name}: the source cannot be resolved`)
        push({ op: 'copy', from, to: out.path, fd: out.fd, length: ret })
        break
      }
      case 'fsync':
      case 'fdatasync': {
        const path = fdArg(a[0]).path
        if (inTree(path)) push({ op: 'fsync', path, data: name === 'fdatasync' })
        break
      }
      case 'syncfs':
      case 'sync':
        // syncfs of a descriptor on another file system would not help; the traced trees live on one.
        push({ op: 'syncfs' })
        break
      case 'close': {
        const { fd, path } = fdArg(a[0])
        if (inTree(path)) push({ op: 'close', fd })
        break
      }
    }
  }
  return ops
}

/** One line naming an operation, for reports (paths shown relative to `tree`). */
export function describeOp(op: TracedOp, tree: string): string {
  const rel = (p: string): string => (p === tree ? '.' : p.startsWith(`${tree}/`) ? p.slice(tree.length + 1) : p)
  switch (op.op) {
    case 'create':
      return `${op.call}(${rel(op.path)}, O_CREAT${op.trunc ? '|O_TRUNC' : ''}${op.append ? '|O_APPEND' : ''})`
    case 'open':
      return `${op.call}(${rel(op.path)}${op.trunc ? ', O_TRUNC' : ''}${op.append ? ', O_APPEND' : ''})`
    case 'write':
      return `${op.call}(${rel(op.path)}, ${op.data.length} bytes${op.offset !== undefined ? ` at ${op.offset}` : ''})`
    case 'truncate':
      return `${op.call}(${rel(op.path)}, ${op.size})`
    case 'rename':
    case 'link':
    case 'copy':
      return `${op.call}(${rel(op.from)} -> ${rel(op.to)})`
    case 'symlink':
      return `${op.call}(${op.target} at ${rel(op.path)})`
    case 'chmod':
      return `${op.call}(${rel(op.path)}, 0${op.mode.toString(8)})`
    case 'chown':
      return `${op.call}(${rel(op.path)}, ${op.uid}:${op.gid})`
    case 'utime':
      return `${op.call}(${rel(op.path)}, mtime ${op.mtime})`
    case 'syncfs':
      return op.call
    case 'close':
      return `${op.call}(${op.fd})`
    default:
      return `${op.call}(${rel(op.path)})`
  }
}
