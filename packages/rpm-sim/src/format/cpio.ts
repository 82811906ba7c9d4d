import { Readable } from 'node:stream'
import { rpmError } from './errors.js'

const NEWC = '070701'
const CRC = '070702'
// rpm >= 4.12 writes "stripped" entries for packages with files >= 4 GiB: magic + file index, metadata in the header.
const STRIPPED = '07070X'
const TRAILER = 'TRAILER!!!'
const MAX_NAME = 4096
// Bodies up to this size are read whole (the entry's `data`): no stream per entry, which is most of the reader's
// cost on packages of many small files. Larger bodies stream, so memory stays bounded by this and one chunk.
const WHOLE_BODY = 1 << 20
const EMPTY = Buffer.alloc(0)

/** The metadata of one newc cpio entry. */
export interface CpioHeader {
  name: string
  ino: number
  mode: number
  uid: number
  gid: number
  nlink: number
  mtime: number
  size: number
  devMajor: number
  devMinor: number
  rdevMajor: number
  rdevMinor: number
  /** For rpm's stripped entries: the index of the file in the header; `name` is then empty. */
  fileIndex?: number
}

/** A cpio entry with its body; the body must be consumed (or is skipped) before the next entry is read. */
export interface CpioEntry extends CpioHeader {
  body: Readable
  /** The whole body, when it is small enough to be read at once (up to 1 MiB); `body` then streams these bytes. */
  data?: Buffer | undefined
}

/** Options of {@link readCpio}. */
export interface ReadCpioOptions {
  /** The file named in errors. */
  file: string
  /** Size of file `index` for stripped entries (from the header's file list); undefined rejects the index. */
  strippedSize?: (index: number) => number | undefined
}

// Pulls exact byte counts from an async chunk iterator, parsing in place where the bytes are already there. A
// streamed body's pulls and the skip that follows it go through one promise chain, so they never read the source
// at the same time; entry headers and whole bodies are read only when no body stream is open.
class ByteSource {
  private buf: Buffer = EMPTY
  private pos = 0
  // What is left of the last chunk after a straddling read (see need).
  private pending: Buffer | undefined
  private chain: Promise<unknown> = Promise.resolve()
  offset = 0

  constructor(
    private readonly iterator: AsyncIterator<Buffer>,
    private readonly file: string,
  ) {}

  get available(): number {
    return this.buf.length - this.pos
  }

  /** The buffer holding the next {@link available} bytes, from {@link at}. */
  get bytes(): Buffer {
    return this.buf
  }

  get at(): number {
    return this.pos
  }

  /**
   * Make at least `n` bytes available, failing if the input ends first. Bytes that straddle two chunks are copied
   * into a buffer of exactly `n` bytes; the rest of the last chunk waits uncopied (`pending`) for the next call.
   */
  async need(n: number, what: string): Promise<void> {
    if (this.available >= n) return
    const parts = [this.buf.subarray(this.pos)]
    let have = this.available
    while (have < n) {
      let value = this.pending
      this.pending = undefined
      if (value === undefined) {
        const next = await this.iterator.next()
        if (next.done) {
          this.buf = Buffer.concat(parts, have)
          this.pos = 0
          throw this.short(what, n)
        }
        value = next.value
      }
      if (have === 0) parts.length = 0
      parts.push(value)
      have += value.length
    }
    this.pos = 0
    if (parts.length === 1) {
      this.buf = parts[0] as Buffer
      return
    }
    const last = parts[parts.length - 1] as Buffer
    this.buf = Buffer.concat(parts, n)
    if (have > n) this.pending = last.subarray(last.length - (have - n))
  }

  /** Consume `n` available bytes. */
  advance(n: number): void {
    this.pos += n
    this.offset += n
  }

  /** Exactly `n` bytes (a view into the source's chunk), failing if the input ends first. */
  async read(n: number, what: string): Promise<Buffer> {
    if (this.available < n) await this.need(n, what)
    return this.readNow(n)
  }

  /** `n` bytes already {@link available}: the parser's path without a promise when the chunk holds them. */
  readNow(n: number): Buffer {
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.advance(n)
    return out
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task)
    this.chain = next.catch(() => undefined)
    return next
  }

  /** Up to `max` bytes (at least 1), failing if the input ends first; serialised with other takes. */
  take(max: number, what: string): Promise<Buffer> {
    return this.serial(async () => {
      if (this.available === 0) await this.need(1, what)
      const n = Math.min(max, this.available)
      const out = this.buf.subarray(this.pos, this.pos + n)
      this.advance(n)
      return out
    })
  }

  short(what: string, wanted: number): Error {
    return rpmError('E_RPM_TRUNCATED', {
      file: this.file,
      field: `payload ${what}`,
      expected: `${wanted} more bytes at cpio offset ${this.offset}`,
      found: 'end of payload',
    })
  }
}

// An entry whose body is either read whole (`data`; a stream is made only if someone asks for `body`) or streamed.
class Entry implements CpioEntry {
  name: string
  ino: number
  mode: number
  uid: number
  gid: number
  nlink: number
  mtime: number
  size: number
  devMajor: number
  devMinor: number
  rdevMajor: number
  rdevMinor: number
  fileIndex?: number
  data?: Buffer | undefined
  private stream: Readable | undefined

  constructor(h: CpioHeader, body: { data: Buffer } | { stream: Readable }) {
    this.name = h.name
    this.ino = h.ino
    this.mode = h.mode
    this.uid = h.uid
    this.gid = h.gid
    this.nlink = h.nlink
    this.mtime = h.mtime
    this.size = h.size
    this.devMajor = h.devMajor
    this.devMinor = h.devMinor
    this.rdevMajor = h.rdevMajor
    this.rdevMinor = h.rdevMinor
    if (h.fileIndex !== undefined) this.fileIndex = h.fileIndex
    if ('data' in body) this.data = body.data
    else this.stream = body.stream
  }

  get body(): Readable {
    if (this.stream === undefined) this.stream = Readable.from(this.data?.length ? [this.data] : [])
    return this.stream
  }
}

/** Streams the entries of a newc cpio archive (as in rpm payloads), up to its TRAILER!!! entry. */
export async function* readCpio(source: AsyncIterable<Buffer>, options: ReadCpioOptions): AsyncGenerator<CpioEntry> {
  const { file } = options
  const iterator = source[Symbol.asyncIterator]()
  const bytes = new ByteSource(iterator, file)
  let open: { body: Readable; remaining: { n: number }; pad: number } | undefined
  try {
    for (;;) {
      if (open) {
        open.body.destroy()
        if (!skipNow(bytes, open.remaining.n + open.pad)) await skip(bytes, open.remaining.n + open.pad, 'entry body')
        open = undefined
      }
      if (bytes.available < 6) await bytes.need(6, 'entry header')
      const magic = bytes.bytes.toString('latin1', bytes.at, bytes.at + 6)
      bytes.advance(6)
      let header: CpioHeader
      if (magic === STRIPPED) {
        if (bytes.available < 8) await bytes.need(8, 'entry header')
        const index = hex8(bytes.bytes, bytes.at, 'file index', file)
        bytes.advance(8)
        const size = options.strippedSize?.(index)
        if (size === undefined)
          throw rpmError('E_CPIO_FORMAT', {
            file,
            field: 'payload stripped entry',
            expected: 'a file index of the header',
            found: `${index}`,
          })
        if (!skipNow(bytes, pad4(14))) await skip(bytes, pad4(14), 'entry header')
        header = {
          name: '',
          ino: 0,
          mode: 0,
          uid: 0,
          gid: 0,
          nlink: 1,
          mtime: 0,
          size,
          devMajor: 0,
          devMinor: 0,
          rdevMajor: 0,
          rdevMinor: 0,
          fileIndex: index,
        }
      } else {
        if (magic !== NEWC && magic !== CRC) {
          throw rpmError('E_CPIO_FORMAT', {
            file,
            field: `payload entry at cpio offset ${bytes.offset - 6}`,
            expected: 'newc magic 070701',
            found: JSON.stringify(magic),
          })
        }
        if (bytes.available < 13 * 8) await bytes.need(13 * 8, 'entry header')
        const b = bytes.bytes
        const at = bytes.at
        header = {
          name: '',
          ino: hex8(b, at, 'ino', file),
          mode: hex8(b, at + 8, 'mode', file),
          uid: hex8(b, at + 16, 'uid', file),
          gid: hex8(b, at + 24, 'gid', file),
          nlink: hex8(b, at + 32, 'nlink', file),
          mtime: hex8(b, at + 40, 'mtime', file),
          size: hex8(b, at + 48, 'size', file),
          devMajor: hex8(b, at + 56, 'devMajor', file),
          devMinor: hex8(b, at + 64, 'devMinor', file),
          rdevMajor: hex8(b, at + 72, 'rdevMajor', file),
          rdevMinor: hex8(b, at + 80, 'rdevMinor', file),
        }
        const nameSize = hex8(b, at + 88, 'nameSize', file)
        hex8(b, at + 96, 'check', file)
        bytes.advance(13 * 8)
        if (nameSize < 2 || nameSize > MAX_NAME)
          throw rpmError('E_CPIO_FORMAT', {
            file,
            field: 'payload entry name size',
            expected: `2..${MAX_NAME}`,
            found: `${nameSize}`,
          })
        if (bytes.available < nameSize) await bytes.need(nameSize, 'entry name')
        const nb = bytes.bytes
        const nat = bytes.at
        if (nb[nat + nameSize - 1] !== 0)
          throw rpmError('E_CPIO_FORMAT', {
            file,
            field: 'payload entry name',
            expected: 'a NUL-terminated name',
            found: JSON.stringify(nb.toString('latin1', nat, nat + nameSize)),
          })
        const name = nb.toString('utf8', nat, nat + nameSize - 1)
        bytes.advance(nameSize)
        if (!skipNow(bytes, pad4(110 + nameSize))) await skip(bytes, pad4(110 + nameSize), 'entry name')
        if (name.includes('\0'))
          throw rpmError('E_CPIO_UNSAFE', {
            file,
            field: 'payload entry name',
            expected: 'no NUL inside a name',
            found: JSON.stringify(name),
          })
        if (name === TRAILER) return
        header.name = name
      }
      const pad = pad4(header.size)
      if (header.size <= WHOLE_BODY) {
        // Read whole: a view into the decompressed chunk, as a streamed body's chunks are.
        const data =
          header.size === 0
            ? EMPTY
            : bytes.available >= header.size
              ? bytes.readNow(header.size)
              : await bytes.read(header.size, 'entry body')
        if (!skipNow(bytes, pad)) await skip(bytes, pad, 'entry body')
        yield new Entry(header, { data })
        continue
      }
      const remaining = { n: header.size }
      const body = bodyStream(bytes, remaining)
      open = { body, remaining, pad }
      yield new Entry(header, { stream: body })
    }
  } finally {
    open?.body.destroy()
    await iterator.return?.()
  }
}

function bodyStream(bytes: ByteSource, remaining: { n: number }): Readable {
  return new Readable({
    highWaterMark: 1 << 16,
    read() {
      if (remaining.n === 0) {
        this.push(null)
        return
      }
      bytes.take(Math.min(remaining.n, 1 << 16), 'entry body').then(
        (chunk) => {
          remaining.n -= chunk.length
          if (this.destroyed) return
          this.push(chunk)
          if (remaining.n === 0) this.push(null)
        },
        (error: unknown) => this.destroy(error as Error),
      )
    },
  })
}

// Skips `n` bytes when the chunk holds them (true); else the caller awaits {@link skip}. Most entries never leave
// their chunk, and an await per header field costs more than parsing it.
function skipNow(bytes: ByteSource, n: number): boolean {
  if (bytes.available < n) return false
  bytes.advance(n)
  return true
}
async function skip(bytes: ByteSource, n: number, what: string): Promise<void> {
  if (skipNow(bytes, n)) return
  let left = n
  while (left > 0) left -= (await bytes.take(left, what)).length
}

// Eight hex digits at `at`, parsed in place (thirteen per entry header).
function hex8(b: Buffer, at: number, field: string, file: string): number {
  let v = 0
  for (let i = at; i < at + 8; i++) {
    const c = b[i] as number
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1
    if (d < 0)
      throw rpmError('E_CPIO_FORMAT', {
        file,
        field: `payload entry ${field}`,
        expected: '8 hex digits',
        found: JSON.stringify(b.toString('latin1', at, at + 8)),
      })
    v = v * 16 + d
  }
  return v
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4
}

/**
 * Turns a payload entry name (`./usr/bin/x`) into the absolute path it installs to (`/usr/bin/x`); rejects names
 * that are absolute, contain `..`, or are empty, since those could land outside the root. A name of only `.`
 * segments (`./`, as rpmbuild names the entry of a package that owns `/`) is the root directory itself, `/`;
 * nothing maps above it.
 */
export function safeEntryPath(name: string, file: string): string {
  const field = 'payload entry name'
  if (name.startsWith('/'))
    throw rpmError('E_CPIO_UNSAFE', { file, field, expected: 'a relative name (./path)', found: JSON.stringify(name) })
  const parts = name.split('/').filter((part) => part !== '' && part !== '.')
  if (parts.includes('..'))
    throw rpmError('E_CPIO_UNSAFE', { file, field, expected: 'no .. component', found: JSON.stringify(name) })
  if (parts.length === 0 && /^\.[./]*$/.test(name)) return '/'
  if (parts.length === 0)
    throw rpmError('E_CPIO_UNSAFE', {
      file,
      field,
      expected: 'a path below the root, or ./ for the root itself',
      found: JSON.stringify(name),
    })
  return `/${parts.join('/')}`
}

/** One entry to write: the header, and for regular files a body of exactly `size` bytes. */
export interface CpioWriteEntry {
  header: Omit<CpioHeader, 'fileIndex'>
  body?: AsyncIterable<Uint8Array> | Uint8Array
}

/** The newc header bytes of an entry, name and padding included. */
export function cpioHeaderBytes(header: Omit<CpioHeader, 'fileIndex'>): Buffer {
  const name = Buffer.from(`${header.name}\0`, 'utf8')
  const values = [
    header.ino,
    header.mode,
    header.uid,
    header.gid,
    header.nlink,
    header.mtime,
    header.size,
    header.devMajor,
    header.devMinor,
    header.rdevMajor,
    header.rdevMinor,
    name.length,
    0,
  ]
  const text = NEWC + values.map((v) => (v >>> 0).toString(16).padStart(8, '0')).join('')
  return Buffer.concat([Buffer.from(text, 'latin1'), name, Buffer.alloc(pad4(110 + name.length))])
}

/** The exact size of the newc archive {@link writeCpio} writes for entries of these names and body sizes. */
export function cpioArchiveSize(entries: Iterable<{ name: string; size: number }>): number {
  const entry = (name: string, size: number): number => {
    const head = 110 + Buffer.byteLength(name) + 1
    return head + pad4(head) + size + pad4(size)
  }
  let total = entry(TRAILER, 0)
  for (const { name, size } of entries) total += entry(name, size)
  return total
}

/** Streams a newc archive of `entries` followed by the trailer; a body whose length differs from its size fails. */
export function writeCpio(entries: AsyncIterable<CpioWriteEntry> | Iterable<CpioWriteEntry>, file: string): Readable {
  async function* generate(): AsyncGenerator<Buffer> {
    for await (const { header, body } of entries) {
      if (header.size > 0xffffffff)
        throw rpmError('E_CPIO_FORMAT', {
          file,
          field: header.name,
          expected: 'a file under 4 GiB',
          found: `${header.size} bytes`,
        })
      yield cpioHeaderBytes(header)
      let written = 0
      if (body instanceof Uint8Array) {
        written = body.length
        if (written) yield Buffer.from(body.buffer, body.byteOffset, body.byteLength)
      } else if (body) {
        for await (const chunk of body) {
          written += chunk.length
          if (written > header.size) break
          yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
        }
      }
      if (written !== header.size) {
        throw rpmError('E_IO', {
          file,
          field: header.name,
          expected: `${header.size} bytes`,
          found: `${written} bytes`,
          hint: 'the file changed while it was being packaged',
        })
      }
      const pad = pad4(header.size)
      if (pad) yield Buffer.alloc(pad)
    }
    yield cpioHeaderBytes({
      name: TRAILER,
      ino: 0,
      mode: 0,
      uid: 0,
      gid: 0,
      nlink: 1,
      mtime: 0,
      size: 0,
      devMajor: 0,
      devMinor: 0,
      rdevMajor: 0,
      rdevMinor: 0,
    })
  }
  return Readable.from(generate(), { objectMode: false, highWaterMark: 1 << 16 })
}
