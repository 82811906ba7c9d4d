import { Readable } from 'node:stream'
import { rpmError } from './errors.js'

const NEWC = '070701'
const CRC = '070702'
// rpm >= 4.12 writes "stripped" entries for packages with files >= 4 GiB: magic + file index, metadata in the header.
const STRIPPED = '07070X'
const TRAILER = 'TRAILER!!!'
const MAX_NAME = 4096
const FIELDS = [
  'ino',
  'mode',
  'uid',
  'gid',
  'nlink',
  'mtime',
  'size',
  'devMajor',
  'devMinor',
  'rdevMajor',
  'rdevMinor',
  'nameSize',
  'check',
] as const

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
}

/** Options of {@link readCpio}. */
export interface ReadCpioOptions {
  /** The file named in errors. */
  file: string
  /** Size of file `index` for stripped entries (from the header's file list); undefined rejects the index. */
  strippedSize?: (index: number) => number | undefined
}

// Pulls exact byte counts from an async chunk iterator. All pulls go through one promise chain, so a body
// stream and the skip that follows it never read the source at the same time.
class ByteSource {
  private pending: Buffer = Buffer.alloc(0)
  private chain: Promise<unknown> = Promise.resolve()
  offset = 0

  constructor(
    private readonly iterator: AsyncIterator<Buffer>,
    private readonly file: string,
  ) {}

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task)
    this.chain = next.catch(() => undefined)
    return next
  }

  private async fill(): Promise<boolean> {
    const { value, done } = await this.iterator.next()
    if (done) return false
    this.pending = this.pending.length ? Buffer.concat([this.pending, value]) : value
    return true
  }

  /** Exactly `n` bytes, failing if the input ends first. */
  read(n: number, what: string): Promise<Buffer> {
    return this.serial(async () => {
      while (this.pending.length < n) {
        if (!(await this.fill())) throw this.short(what, n)
      }
      const out = this.pending.subarray(0, n)
      this.pending = this.pending.subarray(n)
      this.offset += n
      return out
    })
  }

  /** Up to `max` bytes (at least 1), failing if the input ends first. */
  take(max: number, what: string): Promise<Buffer> {
    return this.serial(async () => {
      if (this.pending.length === 0 && !(await this.fill())) throw this.short(what, max)
      const out = this.pending.subarray(0, Math.min(max, this.pending.length))
      this.pending = this.pending.subarray(out.length)
      this.offset += out.length
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
        await skip(bytes, open.remaining.n + open.pad, 'entry body')
        open = undefined
      }
      const magic = (await bytes.read(6, 'entry header')).toString('latin1')
      let header: CpioHeader
      let pad: number
      if (magic === STRIPPED) {
        const index = parseHex((await bytes.read(8, 'entry header')).toString('latin1'), 'file index', file)
        const size = options.strippedSize?.(index)
        if (size === undefined)
          throw rpmError('E_CPIO_FORMAT', {
            file,
            field: 'payload stripped entry',
            expected: 'a file index of the header',
            found: `${index}`,
          })
        await skip(bytes, pad4(14), 'entry header')
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
        pad = pad4(size)
      } else {
        if (magic !== NEWC && magic !== CRC) {
          throw rpmError('E_CPIO_FORMAT', {
            file,
            field: `payload entry at cpio offset ${bytes.offset - 6}`,
            expected: 'newc magic 070701',
            found: JSON.stringify(magic),
          })
        }
        const raw = (await bytes.read(13 * 8, 'entry header')).toString('latin1')
        const f = Object.fromEntries(
          FIELDS.map((key, i) => [key, parseHex(raw.slice(i * 8, i * 8 + 8), key, file)]),
        ) as Record<(typeof FIELDS)[number], number>
        if (f.nameSize < 2 || f.nameSize > MAX_NAME)
          throw rpmError('E_CPIO_FORMAT', {
            file,
            field: 'payload entry name size',
            expected: `2..${MAX_NAME}`,
            found: `${f.nameSize}`,
          })
        const nameBytes = await bytes.read(f.nameSize, 'entry name')
        if (nameBytes[f.nameSize - 1] !== 0)
          throw rpmError('E_CPIO_FORMAT', {
            file,
            field: 'payload entry name',
            expected: 'a NUL-terminated name',
            found: JSON.stringify(nameBytes.toString('latin1')),
          })
        await skip(bytes, pad4(110 + f.nameSize), 'entry name')
        const name = nameBytes.toString('utf8', 0, f.nameSize - 1)
        if (name.includes('\0'))
          throw rpmError('E_CPIO_UNSAFE', {
            file,
            field: 'payload entry name',
            expected: 'no NUL inside a name',
            found: JSON.stringify(name),
          })
        if (name === TRAILER) return
        header = {
          name,
          ino: f.ino,
          mode: f.mode,
          uid: f.uid,
          gid: f.gid,
          nlink: f.nlink,
          mtime: f.mtime,
          size: f.size,
          devMajor: f.devMajor,
          devMinor: f.devMinor,
          rdevMajor: f.rdevMajor,
          rdevMinor: f.rdevMinor,
        }
        pad = pad4(f.size)
      }
      const remaining = { n: header.size }
      const body = bodyStream(bytes, remaining)
      open = { body, remaining, pad }
      yield { ...header, body }
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

async function skip(bytes: ByteSource, n: number, what: string): Promise<void> {
  let left = n
  while (left > 0) left -= (await bytes.take(left, what)).length
}

function parseHex(text: string, field: string, file: string): number {
  if (!/^[0-9a-fA-F]{8}$/.test(text))
    throw rpmError('E_CPIO_FORMAT', {
      file,
      field: `payload entry ${field}`,
      expected: '8 hex digits',
      found: JSON.stringify(text),
    })
  return Number.parseInt(text, 16)
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
