// Deterministic tar (ustar + pax) headers, written by hand so every byte is under our control: fixed owners,
// modes and mtimes, no atime/ctime, no host user names. node-tar's Pack adds fields we would have to strip.

/** One entry of a tar stream as we write it. */
export interface TarEntry {
  path: string
  type: 'file' | 'dir' | 'symlink'
  mode: number
  size: number
  mtime: number
  linkpath?: string
}

const BLOCK = 512
const enc = new TextEncoder()

function octal(value: number, width: number): string {
  // width includes the trailing NUL
  return value.toString(8).padStart(width - 1, '0')
}

function writeString(block: Buffer, offset: number, width: number, value: string | Uint8Array): void {
  const bytes = typeof value === 'string' ? enc.encode(value) : value
  block.set(bytes.subarray(0, width), offset)
}

function splitUstarPath(path: string): { name: string; prefix: string } | undefined {
  const bytes = Buffer.byteLength(path)
  if (bytes <= 100) return { name: path, prefix: '' }
  if (bytes > 256) return undefined
  // Split at a '/' so that name fits 100 bytes and prefix 155 bytes.
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i)
    const name = path.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { name, prefix }
  }
  return undefined
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let len = Buffer.byteLength(body) + 1
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body)
  return `${len}${body}`
}

const TYPEFLAG = { file: '0', dir: '5', symlink: '2' } as const
const MAX_OCTAL_SIZE = 0o77777777777

function ustarBlock(
  name: string | Uint8Array,
  prefix: string,
  typeflag: string,
  mode: number,
  size: number,
  mtime: number,
  linkpath: string,
): Buffer {
  const block = Buffer.alloc(BLOCK)
  writeString(block, 0, 100, name)
  writeString(block, 100, 8, octal(mode & 0o7777, 8))
  writeString(block, 108, 8, octal(0, 8))
  writeString(block, 116, 8, octal(0, 8))
  if (size > MAX_OCTAL_SIZE) {
    // GNU base-256 (read by GNU tar, node-tar, Python): keeps the header one block, whatever the size.
    block[124] = 0x80
    let rest = BigInt(size)
    for (let i = 135; i > 124; i--) {
      block[i] = Number(rest & 0xffn)
      rest >>= 8n
    }
  } else {
    writeString(block, 124, 12, octal(size, 12))
  }
  writeString(block, 136, 12, octal(mtime, 12))
  writeString(block, 148, 8, '        ')
  writeString(block, 156, 1, typeflag)
  writeString(block, 157, 100, linkpath)
  writeString(block, 257, 6, 'ustar\0')
  writeString(block, 263, 2, '00')
  writeString(block, 265, 32, 'root')
  writeString(block, 297, 32, 'root')
  writeString(block, 329, 8, octal(0, 8))
  writeString(block, 337, 8, octal(0, 8))
  writeString(block, 345, 155, prefix)
  let sum = 0
  for (const byte of block) sum += byte
  writeString(block, 148, 8, `${octal(sum, 7)}\0 `)
  return block
}

/** The header blocks (a pax extended header first when a path or size does not fit ustar) for one entry. */
export function tarHeader(entry: TarEntry): Buffer {
  const path = entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path
  const linkpath = entry.linkpath ?? ''
  const size = entry.type === 'file' ? entry.size : 0
  const mtime = Math.max(0, Math.floor(entry.mtime))
  const split = splitUstarPath(path)
  let pax = ''
  if (!split) pax += paxRecord('path', path)
  if (Buffer.byteLength(linkpath) > 100) pax += paxRecord('linkpath', linkpath)
  const main = ustarBlock(
    split?.name ?? Buffer.from(path).subarray(0, 100),
    split?.prefix ?? '',
    TYPEFLAG[entry.type],
    entry.mode,
    size,
    mtime,
    Buffer.byteLength(linkpath) > 100 ? '' : linkpath,
  )
  if (!pax) return main
  const paxBody = Buffer.from(pax)
  const base = path.replace(/\/$/, '').split('/').pop() ?? 'entry'
  const paxName = `PaxHeader/${Buffer.from(base)
    .subarray(0, 80)
    .toString('utf8')
    .replace(/\uFFFD/g, '')}`
  const paxHead = ustarBlock(paxName, '', 'x', 0o644, paxBody.length, mtime, '')
  return Buffer.concat([paxHead, paxBody, Buffer.alloc(tarPadding(paxBody.length)), main])
}

/** Zero bytes needed after `size` bytes of content to reach the next 512-byte block. */
export function tarPadding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK
}

/** The end-of-archive marker: two zero blocks. */
export function tarEnd(): Buffer {
  return Buffer.alloc(BLOCK * 2)
}
