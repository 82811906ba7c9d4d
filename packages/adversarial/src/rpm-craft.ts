// Raw v4 .rpm writer for hostile packages. Written from the format (lead, signature header, main header, cpio
// payload) rather than on top of rpm-sim's writer, so a bug there cannot shape the very inputs meant to catch it,
// and so every field (index offsets, counts, sizes, cpio names) can be made to lie on purpose. Real `rpm -qpl`
// accepts what `craftRpm` writes when nothing is made to lie; the tests check that.
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { xzBuffer } from './tar-craft.js'

const TYPE = { INT16: 3, INT32: 4, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 } as const
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0])
const LEAD_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb])
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000

/** One file of a crafted package, as its header lists it. */
export interface CraftRpmFile {
  /** Absolute path in the header (`/opt/x/a`). */
  path: string
  /** Full st_mode (type bits included); default a 0644 regular file, or a symlink when `linkTarget` is set. */
  mode?: number
  data?: string | Uint8Array
  linkTarget?: string
  /** RPMFILE_* flags (1 = %config, 16 = noreplace, 64 = ghost). */
  flags?: number
}

/** One cpio entry as written to the payload; every field is taken literally. */
export interface CraftCpioEntry {
  name: string
  mode: number
  data?: Uint8Array
  /** The size field written; defaults to the data length. */
  declaredSize?: number
  nlink?: number
  ino?: number
  /** The namesize field written; defaults to the name's byte length + 1. */
  declaredNameSize?: number
}

/** What to craft. */
export interface CraftRpmSpec {
  name: string
  version: string
  release: string
  arch?: string
  files: readonly CraftRpmFile[]
  compressor?: 'gzip' | 'xz' | 'none'
  /** The payload's cpio entries; by default one per file, named `.` + path, in header order. */
  cpio?: readonly CraftCpioEntry[]
  /** Leave the cpio TRAILER!!! out. */
  omitTrailer?: boolean
  /** Replace the compressed payload wholesale (e.g. a bomb); digests are computed over it. */
  payloadOverride?: Uint8Array
}

/** The four parts of a crafted package, so a test can damage one and reassemble. */
export interface RpmParts {
  lead: Buffer
  signature: Buffer
  header: Buffer
  payload: Buffer
}

/** One header entry to serialise: a tag, its rpm type number and its value. */
export interface RawHeaderValue {
  tag: number
  type: number
  value: string | readonly string[] | readonly number[] | Uint8Array
}

function align(n: number, type: number): number {
  const a = type === TYPE.INT16 ? 2 : type === TYPE.INT32 ? 4 : 1
  return Math.ceil(n / a) * a
}

/** Serialises a header (with a region tag first, as rpmbuild writes it) from tag values. */
export function serializeRawHeader(values: readonly RawHeaderValue[], regionTag: number): Buffer {
  const sorted = [...values].sort((a, b) => a.tag - b.tag)
  const indexCount = sorted.length + 1
  const index: Buffer[] = []
  const data: Buffer[] = []
  let length = 0
  for (const { tag, type, value } of sorted) {
    const start = align(length, type)
    if (start > length) data.push(Buffer.alloc(start - length))
    let bytes: Buffer
    let count: number
    if (type === TYPE.STRING || type === TYPE.I18NSTRING) {
      bytes = Buffer.from(`${value as string}\0`)
      count = 1
    } else if (type === TYPE.STRING_ARRAY) {
      const list = value as readonly string[]
      bytes = Buffer.concat(list.map((s) => Buffer.from(`${s}\0`)))
      count = list.length
    } else if (type === TYPE.BIN) {
      bytes = Buffer.from(value as Uint8Array)
      count = bytes.length
    } else {
      const list = value as readonly number[]
      const width = type === TYPE.INT16 ? 2 : 4
      bytes = Buffer.alloc(list.length * width)
      for (const [i, n] of list.entries()) {
        if (width === 2) bytes.writeUInt16BE(n & 0xffff, i * 2)
        else bytes.writeUInt32BE(n >>> 0, i * 4)
      }
      count = list.length
    }
    const entry = Buffer.alloc(16)
    entry.writeUInt32BE(tag, 0)
    entry.writeUInt32BE(type, 4)
    entry.writeInt32BE(start, 8)
    entry.writeUInt32BE(count, 12)
    index.push(entry)
    data.push(bytes)
    length = start + bytes.length
  }
  // The region trailer: an entry stored in the data whose negative offset spans the whole index.
  const trailer = Buffer.alloc(16)
  trailer.writeUInt32BE(regionTag, 0)
  trailer.writeUInt32BE(TYPE.BIN, 4)
  trailer.writeInt32BE(-indexCount * 16, 8)
  trailer.writeUInt32BE(16, 12)
  const regionEntry = Buffer.alloc(16)
  regionEntry.writeUInt32BE(regionTag, 0)
  regionEntry.writeUInt32BE(TYPE.BIN, 4)
  regionEntry.writeInt32BE(length, 8)
  regionEntry.writeUInt32BE(16, 12)
  data.push(trailer)
  length += 16
  const preamble = Buffer.alloc(16)
  HEADER_MAGIC.copy(preamble)
  preamble.writeUInt32BE(indexCount, 8)
  preamble.writeUInt32BE(length, 12)
  return Buffer.concat([preamble, regionEntry, ...index, ...data])
}

/** A newc cpio archive of literal entries (and the trailer unless omitted). */
export function craftCpio(entries: readonly CraftCpioEntry[], omitTrailer = false): Buffer {
  const parts: Buffer[] = []
  const all = omitTrailer ? entries : [...entries, { name: 'TRAILER!!!', mode: 0, nlink: 1, ino: 0 }]
  all.forEach((entry, i) => {
    const name = Buffer.from(`${entry.name}\0`)
    const data = entry.data ?? new Uint8Array(0)
    const fields = [
      entry.ino ?? i + 1,
      entry.mode,
      0,
      0,
      entry.nlink ?? 1,
      1_700_000_000,
      entry.declaredSize ?? data.length,
      0,
      0,
      0,
      0,
      entry.declaredNameSize ?? name.length,
      0,
    ]
    const head = `070701${fields.map((n) => (n >>> 0).toString(16).padStart(8, '0')).join('')}`
    parts.push(Buffer.from(head, 'latin1'), name, Buffer.alloc((4 - ((110 + name.length) % 4)) % 4))
    parts.push(Buffer.from(data), Buffer.alloc((4 - (data.length % 4)) % 4))
  })
  return Buffer.concat(parts)
}

function fileMode(file: CraftRpmFile): number {
  if (file.mode !== undefined) return file.mode
  return file.linkTarget !== undefined ? S_IFLNK | 0o777 : S_IFREG | 0o644
}

function fileData(file: CraftRpmFile): Buffer {
  if (file.linkTarget !== undefined) return Buffer.from(file.linkTarget)
  return Buffer.from(file.data ?? '')
}

/** The default cpio entries of a spec: one per file, `./`-relative, carrying its content. */
export function defaultCpioEntries(files: readonly CraftRpmFile[]): CraftCpioEntry[] {
  return files.map((file, i) => {
    const mode = fileMode(file)
    const isDir = (mode & 0o170000) === S_IFDIR
    return { name: `.${file.path}`, mode, data: isDir ? new Uint8Array(0) : fileData(file), ino: i + 1 }
  })
}

async function compressPayload(cpio: Buffer, compressor: CraftRpmSpec['compressor']): Promise<Buffer> {
  if (compressor === 'none') return cpio
  if (compressor === 'xz') return xzBuffer(cpio)
  return gzipSync(cpio, { level: 6 })
}

/** The main header for a spec, given the digest of its (compressed) payload. */
export function craftMainHeader(spec: CraftRpmSpec, payloadSha256: string, payloadCompressor: string): Buffer {
  const files = spec.files
  const dirs: string[] = []
  const dirIndexes: number[] = []
  const baseNames: string[] = []
  for (const file of files) {
    const slash = file.path.lastIndexOf('/')
    const dir = file.path.slice(0, slash + 1) || '/'
    let at = dirs.indexOf(dir)
    if (at === -1) at = dirs.push(dir) - 1
    dirIndexes.push(at)
    baseNames.push(file.path.slice(slash + 1))
  }
  const modes = files.map(fileMode)
  const sizes = files.map((f) => ((fileMode(f) & 0o170000) === S_IFDIR ? 4096 : fileData(f).length))
  const digests = files.map((f) =>
    (fileMode(f) & 0o170000) === S_IFREG ? createHash('sha256').update(fileData(f)).digest('hex') : '',
  )
  const values: RawHeaderValue[] = [
    { tag: 100, type: TYPE.STRING_ARRAY, value: ['C'] },
    { tag: 1000, type: TYPE.STRING, value: spec.name },
    { tag: 1001, type: TYPE.STRING, value: spec.version },
    { tag: 1002, type: TYPE.STRING, value: spec.release },
    { tag: 1004, type: TYPE.I18NSTRING, value: `crafted ${spec.name}` },
    { tag: 1005, type: TYPE.I18NSTRING, value: 'crafted by the rdbpkg adversarial suite' },
    { tag: 1006, type: TYPE.INT32, value: [1_700_000_000] },
    { tag: 1009, type: TYPE.INT32, value: [sizes.reduce((a, b) => a + b, 0)] },
    { tag: 1014, type: TYPE.STRING, value: 'MIT' },
    { tag: 1016, type: TYPE.I18NSTRING, value: 'Unspecified' },
    { tag: 1021, type: TYPE.STRING, value: 'linux' },
    { tag: 1022, type: TYPE.STRING, value: spec.arch ?? 'x86_64' },
    { tag: 1064, type: TYPE.STRING, value: '4.18.0' },
    { tag: 1124, type: TYPE.STRING, value: 'cpio' },
    { tag: 1125, type: TYPE.STRING, value: payloadCompressor },
    { tag: 1126, type: TYPE.STRING, value: payloadCompressor === 'xz' ? '2' : '9' },
    { tag: 5092, type: TYPE.STRING_ARRAY, value: [payloadSha256] },
    { tag: 5093, type: TYPE.INT32, value: [8] },
    { tag: 1047, type: TYPE.STRING_ARRAY, value: [spec.name] },
    { tag: 1112, type: TYPE.INT32, value: [8] },
    { tag: 1113, type: TYPE.STRING_ARRAY, value: [`${spec.version}-${spec.release}`] },
  ]
  if (files.length) {
    values.push(
      { tag: 1028, type: TYPE.INT32, value: sizes },
      { tag: 1030, type: TYPE.INT16, value: modes },
      { tag: 1033, type: TYPE.INT16, value: files.map(() => 0) },
      { tag: 1034, type: TYPE.INT32, value: files.map(() => 1_700_000_000) },
      { tag: 1035, type: TYPE.STRING_ARRAY, value: digests },
      { tag: 1036, type: TYPE.STRING_ARRAY, value: files.map((f) => f.linkTarget ?? '') },
      { tag: 1037, type: TYPE.INT32, value: files.map((f) => f.flags ?? 0) },
      { tag: 1039, type: TYPE.STRING_ARRAY, value: files.map(() => 'root') },
      { tag: 1040, type: TYPE.STRING_ARRAY, value: files.map(() => 'root') },
      { tag: 1045, type: TYPE.INT32, value: files.map(() => 0xffffffff) },
      { tag: 1095, type: TYPE.INT32, value: files.map(() => 1) },
      { tag: 1096, type: TYPE.INT32, value: files.map((_, i) => i + 1) },
      { tag: 1097, type: TYPE.STRING_ARRAY, value: files.map(() => '') },
      { tag: 1116, type: TYPE.INT32, value: dirIndexes },
      { tag: 1117, type: TYPE.STRING_ARRAY, value: baseNames },
      { tag: 1118, type: TYPE.STRING_ARRAY, value: dirs },
      { tag: 5011, type: TYPE.INT32, value: [8] },
    )
  }
  return serializeRawHeader(values, 63)
}

/** The signature header over a main header and payload (SHA256 of the header, SIZE, MD5 of both). */
export function craftSignature(header: Buffer, payload: Buffer): Buffer {
  const md5 = createHash('md5').update(header).update(payload).digest()
  const values: RawHeaderValue[] = [
    { tag: 1000, type: TYPE.INT32, value: [header.length + payload.length] },
    { tag: 1004, type: TYPE.BIN, value: md5 },
    { tag: 273, type: TYPE.STRING, value: createHash('sha256').update(header).digest('hex') },
  ]
  return serializeRawHeader(values, 62)
}

/** The 96-byte lead rpmbuild writes. */
export function craftLead(name: string): Buffer {
  const lead = Buffer.alloc(96)
  LEAD_MAGIC.copy(lead)
  lead.writeUInt8(3, 4)
  lead.writeUInt16BE(1, 8)
  Buffer.from(name).subarray(0, 65).copy(lead, 10)
  lead.writeUInt16BE(1, 76)
  lead.writeUInt16BE(5, 78)
  return lead
}

/** The parts of a package crafted from a spec; `assembleRpm` joins them (the signature padded to 8 bytes). */
export async function craftRpmParts(spec: CraftRpmSpec): Promise<RpmParts> {
  const compressor = spec.compressor ?? 'gzip'
  const cpio = craftCpio(spec.cpio ?? defaultCpioEntries(spec.files), spec.omitTrailer)
  const payload = spec.payloadOverride ? Buffer.from(spec.payloadOverride) : await compressPayload(cpio, compressor)
  const header = craftMainHeader(
    spec,
    createHash('sha256').update(payload).digest('hex'),
    compressor === 'none' ? 'gzip' : compressor,
  )
  return {
    lead: craftLead(`${spec.name}-${spec.version}-${spec.release}`),
    signature: craftSignature(header, payload),
    header,
    payload,
  }
}

/** Joins the parts of a package; the signature is padded to a multiple of 8 bytes as the format requires. */
export function assembleRpm(parts: RpmParts): Buffer {
  const pad = (8 - (parts.signature.length % 8)) % 8
  return Buffer.concat([parts.lead, parts.signature, Buffer.alloc(pad), parts.header, parts.payload])
}

/** A whole crafted package. */
export async function craftRpm(spec: CraftRpmSpec): Promise<Buffer> {
  return assembleRpm(await craftRpmParts(spec))
}

/** Re-signs parts whose header or payload was altered, so the damage reaches the parser past the digests. */
export function resign(parts: RpmParts): RpmParts {
  return { ...parts, signature: craftSignature(parts.header, parts.payload) }
}

/** Overwrites index entry `i` (0 = the region entry) of a header blob with new fields. */
export function patchIndexEntry(
  header: Buffer,
  i: number,
  fields: { tag?: number; type?: number; offset?: number; count?: number },
): Buffer {
  const out = Buffer.from(header)
  const at = 16 + i * 16
  if (fields.tag !== undefined) out.writeUInt32BE(fields.tag >>> 0, at)
  if (fields.type !== undefined) out.writeUInt32BE(fields.type >>> 0, at + 4)
  if (fields.offset !== undefined) out.writeInt32BE(fields.offset | 0, at + 8)
  if (fields.count !== undefined) out.writeUInt32BE(fields.count >>> 0, at + 12)
  return out
}

/** Index position of `tag` in a header blob, or -1. */
export function findIndexEntry(header: Buffer, tag: number): number {
  const count = header.readUInt32BE(8)
  for (let i = 0; i < count; i++) if (header.readUInt32BE(16 + i * 16) === tag) return i
  return -1
}
