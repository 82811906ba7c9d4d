import { rpmError } from './errors.js'
import { TYPE } from './tags.js'
import type { TagType } from './tags.js'

/** The 8 bytes that start every header: magic, version 1, four reserved bytes. */
export const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0])

// rpm's own limits (hdrchkTags/hdrchkData): a header bigger than this is hostile or corrupt.
const MAX_INDEX = 0xffff
const MAX_DATA = 0x0fffffff
const FIXED_SIZE: Partial<Record<number, number>> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 }

/** One index entry of a header. */
export interface HeaderEntry {
  tag: number
  type: TagType
  count: number
  offset: number
  length: number
}

/** Where a header came from, for error messages. */
export interface HeaderContext {
  file: string
  what: 'signature header' | 'header'
}

/** Sizes read from a header's 16-byte preamble. */
export interface HeaderPreamble {
  indexCount: number
  dataLength: number
  /** Bytes of the whole header blob, preamble included. */
  totalLength: number
}

/** Checks a header preamble (magic, index count, data length) and returns its sizes. */
export function parsePreamble(preamble: Buffer, ctx: HeaderContext): HeaderPreamble {
  if (preamble.length < 16)
    throw rpmError('E_RPM_TRUNCATED', {
      file: ctx.file,
      field: ctx.what,
      expected: '16 bytes of header preamble',
      found: `${preamble.length}`,
    })
  if (!preamble.subarray(0, 8).equals(HEADER_MAGIC)) {
    throw rpmError('E_RPM_FORMAT', {
      file: ctx.file,
      field: ctx.what,
      expected: 'header magic 8eade801',
      found: preamble.subarray(0, 8).toString('hex'),
    })
  }
  const indexCount = preamble.readUInt32BE(8)
  const dataLength = preamble.readUInt32BE(12)
  if (indexCount < 1 || indexCount > MAX_INDEX)
    throw rpmError('E_RPM_FORMAT', {
      file: ctx.file,
      field: `${ctx.what} index count`,
      expected: `1..${MAX_INDEX}`,
      found: `${indexCount}`,
    })
  if (dataLength > MAX_DATA)
    throw rpmError('E_RPM_FORMAT', {
      file: ctx.file,
      field: `${ctx.what} data length`,
      expected: `at most ${MAX_DATA}`,
      found: `${dataLength}`,
    })
  return { indexCount, dataLength, totalLength: 16 + indexCount * 16 + dataLength }
}

/** A parsed header: its index and data store, with typed accessors. Values are decoded on demand. */
export class Header {
  constructor(
    /** The whole blob as stored in the file, magic included (what header digests cover). */
    readonly bytes: Buffer,
    readonly entries: ReadonlyMap<number, HeaderEntry>,
    private readonly data: Buffer,
  ) {}

  /** True when the header has `tag`. */
  has(tag: number): boolean {
    return this.entries.has(tag)
  }

  /** The first string of a STRING, STRING_ARRAY or I18NSTRING entry. */
  string(tag: number): string | undefined {
    return this.strings(tag)?.[0]
  }

  /** All strings of a string-typed entry. */
  strings(tag: number): string[] | undefined {
    const entry = this.entries.get(tag)
    if (!entry || (entry.type !== TYPE.STRING && entry.type !== TYPE.STRING_ARRAY && entry.type !== TYPE.I18NSTRING))
      return undefined
    if (entry.count === 0) return []
    // One decode of the whole entry (its NUL-terminated strings, bounds checked by parseHeader), then split: NUL
    // never occurs inside a UTF-8 sequence, so this is the strings decoded one by one, at a fraction of the calls.
    return this.data.toString('utf8', entry.offset, entry.offset + entry.length - 1).split('\0')
  }

  /** The values of an integer entry (INT8..INT64, CHAR), unsigned. */
  numbers(tag: number): number[] | undefined {
    const entry = this.entries.get(tag)
    if (!entry) return undefined
    const out: number[] = []
    const d = this.data
    for (let i = 0; i < entry.count; i++) {
      switch (entry.type) {
        case TYPE.CHAR:
        case TYPE.INT8:
          out.push(d.readUInt8(entry.offset + i))
          break
        case TYPE.INT16:
          out.push(d.readUInt16BE(entry.offset + 2 * i))
          break
        case TYPE.INT32:
          out.push(d.readUInt32BE(entry.offset + 4 * i))
          break
        case TYPE.INT64:
          out.push(Number(d.readBigUInt64BE(entry.offset + 8 * i)))
          break
        default:
          return undefined
      }
    }
    return out
  }

  /** The first value of an integer entry. */
  number(tag: number): number | undefined {
    return this.numbers(tag)?.[0]
  }

  /** The bytes of a BIN entry. */
  bin(tag: number): Buffer | undefined {
    const entry = this.entries.get(tag)
    if (!entry || entry.type !== TYPE.BIN) return undefined
    return this.data.subarray(entry.offset, entry.offset + entry.count)
  }
}

/** Parses and bounds-checks a whole header blob (preamble, index, data); nothing in it may point outside the data. */
export function parseHeader(bytes: Buffer, ctx: HeaderContext): Header {
  const { indexCount, dataLength, totalLength } = parsePreamble(bytes, ctx)
  if (bytes.length < totalLength)
    throw rpmError('E_RPM_TRUNCATED', {
      file: ctx.file,
      field: ctx.what,
      expected: `${totalLength} bytes`,
      found: `${bytes.length}`,
    })
  const dataStart = 16 + indexCount * 16
  const data = bytes.subarray(dataStart, totalLength)
  const entries = new Map<number, HeaderEntry>()
  for (let i = 0; i < indexCount; i++) {
    const at = 16 + i * 16
    const tag = bytes.readInt32BE(at)
    const type = bytes.readUInt32BE(at + 4)
    const offset = bytes.readInt32BE(at + 8)
    const count = bytes.readUInt32BE(at + 12)
    const field = `${ctx.what} tag ${tag}`
    const bad = (expected: string, found: string): never => {
      throw rpmError('E_RPM_FORMAT', { file: ctx.file, field, expected, found })
    }
    if (type < TYPE.CHAR || type > TYPE.I18NSTRING) bad('a type 1..9', `${type}`)
    if (offset < 0 || offset >= dataLength) bad(`an offset inside the ${dataLength}-byte data`, `${offset}`)
    if (count < 1 || count > MAX_DATA) bad('a count of at least 1', `${count}`)
    if (type === TYPE.STRING && count !== 1) bad('count 1 for a string', `${count}`)
    const fixed = FIXED_SIZE[type]
    let length: number
    if (fixed !== undefined) {
      if (offset % fixed !== 0) bad(`an offset aligned to ${fixed}`, `${offset}`)
      length = fixed * count
      if (offset + length > dataLength) bad(`data inside the ${dataLength}-byte store`, `${offset}+${length}`)
    } else {
      // A byte loop, not indexOf per string: a package of 10,000 files has some 60,000 strings.
      let end = offset
      for (let n = 0; n < count; n++) {
        while (end < data.length && data[end] !== 0) end++
        if (end >= data.length) bad('NUL-terminated strings inside the data', 'a string running off the end')
        end++
      }
      length = end - offset
    }
    entries.set(tag, { tag, type: type as TagType, count, offset, length })
  }
  return new Header(bytes.subarray(0, totalLength), entries, data)
}

/** A value to serialize: strings for STRING/I18NSTRING/STRING_ARRAY, numbers for integers, bytes for BIN. */
export interface HeaderValue {
  tag: number
  type: TagType
  value: string | readonly string[] | readonly number[] | Uint8Array
}

/** Serializes entries into a header blob with an immutable region (tag 63 main, 62 signature), as rpm writes it. */
export function serializeHeader(values: readonly HeaderValue[], regionTag: number): Buffer {
  const sorted = [...values].sort((a, b) => a.tag - b.tag)
  const indexCount = sorted.length + 1
  const index = Buffer.alloc(indexCount * 16)
  const parts: Buffer[] = []
  let size = 0
  sorted.forEach((entry, i) => {
    const { bytes, count, align } = encodeValue(entry)
    const pad = (align - (size % align)) % align
    if (pad) parts.push(Buffer.alloc(pad))
    size += pad
    const at = (i + 1) * 16
    index.writeInt32BE(entry.tag, at)
    index.writeUInt32BE(entry.type, at + 4)
    index.writeInt32BE(size, at + 8)
    index.writeUInt32BE(count, at + 12)
    parts.push(bytes)
    size += bytes.length
  })
  // The region trailer closes the data: an entry whose negative offset spans the whole index.
  const trailer = Buffer.alloc(16)
  trailer.writeInt32BE(regionTag, 0)
  trailer.writeUInt32BE(TYPE.BIN, 4)
  trailer.writeInt32BE(-indexCount * 16, 8)
  trailer.writeUInt32BE(16, 12)
  index.writeInt32BE(regionTag, 0)
  index.writeUInt32BE(TYPE.BIN, 4)
  index.writeInt32BE(size, 8)
  index.writeUInt32BE(16, 12)
  parts.push(trailer)
  size += 16
  const preamble = Buffer.alloc(16)
  HEADER_MAGIC.copy(preamble)
  preamble.writeUInt32BE(indexCount, 8)
  preamble.writeUInt32BE(size, 12)
  return Buffer.concat([preamble, index, ...parts])
}

function encodeValue(entry: HeaderValue): { bytes: Buffer; count: number; align: number } {
  const { type, value } = entry
  if (type === TYPE.STRING || type === TYPE.STRING_ARRAY || type === TYPE.I18NSTRING) {
    const list = typeof value === 'string' ? [value] : (value as readonly string[])
    return { bytes: Buffer.from(list.map((s) => `${s}\0`).join(''), 'utf8'), count: list.length, align: 1 }
  }
  if (type === TYPE.BIN) {
    const bytes = Buffer.from(value as Uint8Array)
    return { bytes, count: bytes.length, align: 1 }
  }
  const nums = value as readonly number[]
  const width = FIXED_SIZE[type] ?? 1
  const bytes = Buffer.alloc(width * nums.length)
  nums.forEach((n, i) => {
    if (width === 1) bytes.writeUInt8(n & 0xff, i)
    else if (width === 2) bytes.writeUInt16BE(n & 0xffff, 2 * i)
    else if (width === 4) bytes.writeUInt32BE(n >>> 0, 4 * i)
    else bytes.writeBigUInt64BE(BigInt(n), 8 * i)
  })
  return { bytes, count: nums.length, align: width }
}
