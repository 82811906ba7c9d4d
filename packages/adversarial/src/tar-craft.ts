// Raw tar writer for hostile entries. Written by hand because every tar library refuses (or silently fixes) the
// very things we need to produce: `..` and absolute names, NUL and newline in names, lying size fields, truncated
// streams, duplicate entries. Crafted archives are small, so entries are built in memory; bombs are streamed.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { gzipSync } from 'node:zlib'
import { execa } from 'execa'

const BLOCK = 512

/** Tar typeflags by name; a raw one-character flag may be passed instead. */
export const TAR_TYPES = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
  contiguous: '7',
} as const

/** A tar entry type by name. */
export type TarTypeName = keyof typeof TAR_TYPES

/** One entry as the crafter writes it; every field is taken literally, nothing is normalised. */
export interface CraftEntry {
  /** Entry name, byte for byte (a string is UTF-8 encoded). May hold `..`, a leading `/`, NUL or newline. */
  name: string | Uint8Array
  /** Entry type (default `file`), or a raw one-character typeflag. */
  type?: TarTypeName | string
  /** Mode bits, including setuid/setgid/sticky (default 0o644, dirs 0o755). */
  mode?: number
  /** Link target of symlinks and hardlinks. */
  linkname?: string | Uint8Array
  /** Content of regular files. */
  data?: Uint8Array | string
  /** The size field written in the header; defaults to the data length. Set it to lie. */
  declaredSize?: number
  /** How a name longer than 100 bytes (or with bytes ustar cannot carry) is written: pax (default) or GNU `L`. */
  longName?: 'pax' | 'gnu' | 'truncate'
  /** Extra pax records written before this entry (e.g. `{ path: 'a\nb' }`). */
  pax?: Record<string, string | Uint8Array>
  /** Device numbers for char/block entries. */
  devmajor?: number
  devminor?: number
  uid?: number
  gid?: number
  mtime?: number
}

/** Options for the whole archive. */
export interface CraftTarOptions {
  /** Leave out the two zero blocks that end an archive. */
  omitEnd?: boolean
  /** Cut the archive after this many bytes (a truncated stream). */
  truncateAt?: number
}

const encoder = new TextEncoder()

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value
}

function octal(value: number, width: number): Uint8Array {
  return encoder.encode(
    `${Math.max(0, Math.floor(value))
      .toString(8)
      .padStart(width - 1, '0')
      .slice(-(width - 1))}\0`,
  )
}

function padLength(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK
}

function paxRecord(key: string, value: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')])
  let length = body.length + 1
  while (String(length).length + body.length !== length) length = String(length).length + body.length
  return Buffer.concat([Buffer.from(String(length)), body])
}

/** The fields of one raw tar header block, taken literally. */
export interface RawTarHeader {
  name: Uint8Array
  typeflag: string
  mode: number
  size: number
  linkname: Uint8Array
  uid: number
  gid: number
  mtime: number
  devmajor: number
  devminor: number
  gnu?: boolean
}

/** One 512-byte header block with a correct checksum, fields copied literally (over-long fields cut). */
export function rawHeaderBlock(header: RawTarHeader): Buffer {
  const block = Buffer.alloc(BLOCK)
  block.set(header.name.subarray(0, 100), 0)
  block.set(octal(header.mode & 0o7777777, 8), 100)
  block.set(octal(header.uid, 8), 108)
  block.set(octal(header.gid, 8), 116)
  block.set(octal(header.size, 12), 124)
  block.set(octal(header.mtime, 12), 136)
  block.write('        ', 148, 'latin1')
  block.write(header.typeflag.slice(0, 1), 156, 'latin1')
  block.set(header.linkname.subarray(0, 100), 157)
  if (header.gnu) block.write('ustar  \0', 257, 'latin1')
  else block.write('ustar\x0000', 257, 'latin1')
  block.write('root', 265, 'latin1')
  block.write('root', 297, 'latin1')
  block.set(octal(header.devmajor, 8), 329)
  block.set(octal(header.devminor, 8), 337)
  let sum = 0
  for (const byte of block) sum += byte
  block.set(encoder.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148)
  return block
}

function needsLongForm(bytes: Uint8Array): boolean {
  return bytes.length > 100 || bytes.includes(0)
}

/** The header blocks (pax or GNU long-name blocks first when needed) and padded data of one entry. */
export function craftEntry(entry: CraftEntry): Buffer {
  const type = entry.type ?? 'file'
  const typeflag = type in TAR_TYPES ? TAR_TYPES[type as TarTypeName] : type
  const name = toBytes(entry.name)
  const linkname = toBytes(entry.linkname ?? '')
  const data = entry.data === undefined ? new Uint8Array(0) : toBytes(entry.data)
  const size = entry.declaredSize ?? data.length
  const longName = entry.longName ?? 'pax'
  const parts: Buffer[] = []
  const base = {
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    mtime: entry.mtime ?? 1_700_000_000,
    devmajor: entry.devmajor ?? 0,
    devminor: entry.devminor ?? 0,
  }
  const paxRecords: Buffer[] = []
  for (const [key, value] of Object.entries(entry.pax ?? {})) paxRecords.push(paxRecord(key, toBytes(value)))
  let headerName = name
  let headerLink = linkname
  if (longName === 'pax') {
    if (needsLongForm(name)) {
      paxRecords.push(paxRecord('path', name))
      headerName = name.subarray(0, Math.min(100, name.indexOf(0) === -1 ? 100 : name.indexOf(0)))
    }
    if (needsLongForm(linkname)) {
      paxRecords.push(paxRecord('linkpath', linkname))
      headerLink = linkname.subarray(0, 100)
    }
  } else if (longName === 'gnu') {
    for (const [flag, value] of [
      ['L', name],
      ['K', linkname],
    ] as const) {
      if (!needsLongForm(value)) continue
      const body = Buffer.concat([Buffer.from(value), Buffer.alloc(1)])
      parts.push(
        rawHeaderBlock({
          ...base,
          name: encoder.encode('././@LongLink'),
          typeflag: flag,
          mode: 0o644,
          size: body.length,
          linkname: new Uint8Array(0),
          gnu: true,
        }),
      )
      parts.push(body, Buffer.alloc(padLength(body.length)))
    }
    headerName = name.subarray(0, 100)
    headerLink = linkname.subarray(0, 100)
  }
  if (paxRecords.length) {
    const body = Buffer.concat(paxRecords)
    parts.push(
      rawHeaderBlock({
        ...base,
        name: encoder.encode('PaxHeader/entry'),
        typeflag: 'x',
        mode: 0o644,
        size: body.length,
        linkname: new Uint8Array(0),
      }),
    )
    parts.push(body, Buffer.alloc(padLength(body.length)))
  }
  const mode = entry.mode ?? (typeflag === '5' ? 0o755 : 0o644)
  parts.push(
    rawHeaderBlock({ ...base, name: headerName, typeflag, mode, size, linkname: headerLink, gnu: longName === 'gnu' }),
  )
  // Only the real data is written: a lying size field makes the reader swallow the next header or run short.
  parts.push(Buffer.from(data), Buffer.alloc(padLength(data.length)))
  return Buffer.concat(parts)
}

/** A whole tar archive of crafted entries, byte for byte as given (optionally unterminated or truncated). */
export function craftTar(entries: readonly CraftEntry[], options: CraftTarOptions = {}): Buffer {
  const parts = entries.map(craftEntry)
  if (!options.omitEnd) parts.push(Buffer.alloc(BLOCK * 2))
  const tar = Buffer.concat(parts)
  return options.truncateAt === undefined ? tar : tar.subarray(0, options.truncateAt)
}

/** A gzip-compressed crafted tar (as a payload `package.tar.gz`); truncation applies to the compressed bytes. */
export function craftTarGz(
  entries: readonly CraftEntry[],
  options: CraftTarOptions & { truncateGzAt?: number } = {},
): Buffer {
  const gz = gzipSync(craftTar(entries, options))
  return options.truncateGzAt === undefined ? gz : gz.subarray(0, options.truncateGzAt)
}

/** Options of the bomb writers. */
export interface BombOptions {
  /** Bytes of zeros inside the single tar entry once expanded (rounded up to whole MiB). */
  expandedBytes: number
  /** Name of the one entry (default `tools/zeros`). */
  entryName?: string
  /** Entries written before the bomb entry, so a payload can look otherwise valid. */
  before?: readonly CraftEntry[]
}

const MIB = 1 << 20

// A bomb is a multi-member stream: one compressed member of 1 MiB of zeros, written again and again. Every
// decompressor (gzip, Node's zlib, xz) concatenates members, so the file stays ~1/1000 of what it expands to and
// is written without ever holding more than one member in memory.
async function writeBomb(
  file: string,
  options: BombOptions,
  compressMember: (data: Buffer) => Promise<Buffer>,
): Promise<number> {
  const mebibytes = Math.max(1, Math.ceil(options.expandedBytes / MIB))
  const size = mebibytes * MIB
  const head = Buffer.concat([
    ...(options.before ?? []).map(craftEntry),
    rawHeaderBlock({
      name: encoder.encode(options.entryName ?? 'tools/zeros'),
      typeflag: '0',
      mode: 0o644,
      size,
      linkname: new Uint8Array(0),
      uid: 0,
      gid: 0,
      mtime: 1_700_000_000,
      devmajor: 0,
      devminor: 0,
    }),
  ])
  const headMember = await compressMember(head)
  const zerosMember = await compressMember(Buffer.alloc(MIB))
  const endMember = await compressMember(Buffer.alloc(BLOCK * 2))
  const out = createWriteStream(file)
  let written = 0
  const write = async (chunk: Buffer): Promise<void> => {
    written += chunk.length
    if (!out.write(chunk)) await once(out, 'drain')
  }
  await write(headMember)
  for (let i = 0; i < mebibytes; i++) await write(zerosMember)
  await write(endMember)
  out.end()
  await once(out, 'finish')
  return written
}

/** Writes a gzip bomb tarball to `file`; returns its compressed size. */
export function writeGzipBomb(file: string, options: BombOptions): Promise<number> {
  return writeBomb(file, options, async (data) => gzipSync(data, { level: 9 }))
}

/** Writes an xz bomb tarball to `file` with the system `xz`; returns its compressed size. */
export function writeXzBomb(file: string, options: BombOptions): Promise<number> {
  return writeBomb(file, options, async (data) => {
    const { stdout } = await execa('xz', ['-9e', '-c', '-T1'], { input: data, encoding: 'buffer' })
    return Buffer.from(stdout)
  })
}

/** xz-compresses a buffer with the system `xz` (for crafted xz payloads). */
export async function xzBuffer(data: Uint8Array): Promise<Buffer> {
  const { stdout } = await execa('xz', ['-c', '-T1'], { input: data, encoding: 'buffer' })
  return Buffer.from(stdout)
}
