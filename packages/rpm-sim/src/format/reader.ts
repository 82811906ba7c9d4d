import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { readCpio, safeEntryPath } from './cpio.js'
import { decompress } from './compress.js'
import { RpmFormatError, rpmError } from './errors.js'
import { parseHeader, parsePreamble } from './header.js'
import type { Header, HeaderContext } from './header.js'
import { LEAD_SIZE, parseLead } from './lead.js'
import type { Lead } from './lead.js'
import { packageFromHeader } from './package.js'
import type { RpmPackage } from './package.js'
import { DIGEST_ALGO, S_IF, SIGTAG, TAG } from './tags.js'

/** An opened package: its parsed parts and where its payload starts. */
export interface RpmFile {
  file: string
  lead: Lead
  signature: Header
  header: Header
  pkg: RpmPackage
  /** Byte offset of the main header in the file. */
  headerOffset: number
  /** Byte offset of the compressed payload in the file. */
  payloadOffset: number
  /** Size of the file on disk. */
  fileSize: number
}

/** One entry of a package payload, matched against the header's file list. */
export interface PayloadEntry {
  /** Absolute path, as in RpmFileEntry.path. */
  path: string
  mode: number
  size: number
  nlink: number
  ino: number
  mtime: number
  /** Index of this file in RpmPackage.files. */
  fileIndex: number
  /** For symlinks, the target (the body then yields the same bytes); '' otherwise. */
  linkTarget: string
  body: Readable
  /** The whole body when it was read at once (bodies up to 1 MiB); `body` then streams these bytes. */
  data?: Buffer | undefined
}

/** Options of {@link readRpmPayload}. */
export interface ReadPayloadOptions {
  /** Check PAYLOADDIGEST (or the MD5 signature of older packages) once the payload ends; default true. */
  verifyDigest?: boolean
}

const MAX_LINK = 4096

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return buffer.subarray(0, done)
}

async function readHeaderAt(handle: FileHandle, position: number, ctx: HeaderContext): Promise<Header> {
  const preamble = await readAt(handle, position, 16)
  if (preamble.length < 16)
    throw rpmError('E_RPM_TRUNCATED', {
      file: ctx.file,
      field: ctx.what,
      expected: '16 bytes of header preamble',
      found: `${preamble.length} bytes`,
    })
  const { totalLength } = parsePreamble(preamble, ctx)
  const bytes = await readAt(handle, position, totalLength)
  if (bytes.length < totalLength)
    throw rpmError('E_RPM_TRUNCATED', {
      file: ctx.file,
      field: ctx.what,
      expected: `${totalLength} bytes`,
      found: `${bytes.length} bytes`,
    })
  return parseHeader(bytes, ctx)
}

function checkDigest(file: string, field: string, expected: string | undefined, data: Buffer, algo: string): void {
  if (!expected) return
  const found = createHash(algo).update(data).digest('hex')
  if (found !== expected.toLowerCase())
    throw rpmError('E_RPM_DIGEST', { file, field, expected, found, hint: 'the package is corrupt or was altered' })
}

/** Opens a package: reads lead, signature and main header, verifies the header digests; does not read the payload. */
export async function openRpm(file: string): Promise<RpmFile> {
  const headers = await readRpmHeaders(file)
  return { ...headers, pkg: packageFromHeader(headers.header, headers.signature, file) }
}

/**
 * Lead, signature header and main header of a package file and where its parts lie, as {@link openRpm} reads them
 * before it builds the package model; `verify: false` leaves the header digests unchecked (rpm -K checks them itself).
 */
export async function readRpmHeaders(file: string, options: { verify?: boolean } = {}): Promise<Omit<RpmFile, 'pkg'>> {
  let handle: FileHandle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    throw rpmError('E_IO', { file, message: `cannot open: ${(error as Error).message}`, cause: error })
  }
  try {
    const fileSize = (await handle.stat()).size
    const lead = parseLead(await readAt(handle, 0, LEAD_SIZE), file)
    const signature = await readHeaderAt(handle, LEAD_SIZE, { file, what: 'signature header' })
    const headerOffset = LEAD_SIZE + Math.ceil(signature.bytes.length / 8) * 8
    const header = await readHeaderAt(handle, headerOffset, { file, what: 'header' })
    if (options.verify !== false) {
      checkDigest(file, 'header SHA256 digest', signature.string(SIGTAG.SHA256), header.bytes, 'sha256')
      checkDigest(file, 'header SHA1 digest', signature.string(SIGTAG.SHA1), header.bytes, 'sha1')
    }
    const payloadOffset = headerOffset + header.bytes.length
    const declared = signature.number(SIGTAG.LONGSIZE) ?? signature.number(SIGTAG.SIZE)
    if (declared !== undefined && fileSize < headerOffset + declared) {
      throw rpmError('E_RPM_TRUNCATED', {
        file,
        field: 'payload',
        expected: `${headerOffset + declared} bytes (signature SIZE)`,
        found: `${fileSize} bytes`,
      })
    }
    if (fileSize <= payloadOffset)
      throw rpmError('E_RPM_TRUNCATED', {
        file,
        field: 'payload',
        expected: 'a payload after the header',
        found: 'end of file',
      })
    return { file, lead, signature, header, headerOffset, payloadOffset, fileSize }
  } finally {
    await handle.close()
  }
}

/** Reads lead, signature and main header (verifying header digests); does not read the payload. */
export async function readRpm(file: string): Promise<RpmPackage> {
  return (await openRpm(file)).pkg
}

// Hashes the compressed payload as it streams past; the digest is ready once the stream has ended.
function digestTap(algo: string, prefix: Buffer | undefined): { tap: Transform; result: () => string | undefined } {
  const hash = createHash(algo)
  if (prefix) hash.update(prefix)
  let digest: string | undefined
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      callback(null, chunk)
    },
    flush(callback) {
      digest = hash.digest('hex')
      callback()
    },
  })
  return { tap, result: () => digest }
}

function expectedPayloadDigest(
  rpm: RpmFile,
): { algo: string; expected: string; prefix?: Buffer; field: string } | undefined {
  const digest = rpm.header.string(TAG.PAYLOADDIGEST)
  if (digest) {
    const number = rpm.header.number(TAG.PAYLOADDIGESTALGO) ?? DIGEST_ALGO.sha256
    const algo =
      (Object.keys(DIGEST_ALGO) as (keyof typeof DIGEST_ALGO)[]).find((key) => DIGEST_ALGO[key] === number) ?? 'sha256'
    return { algo, expected: digest.toLowerCase(), field: 'payload digest' }
  }
  const md5 = rpm.signature.bin(SIGTAG.MD5)
  if (md5?.length === 16)
    return {
      algo: 'md5',
      expected: md5.toString('hex'),
      prefix: rpm.header.bytes,
      field: 'MD5 digest (header+payload)',
    }
  return undefined
}

// A payload entry whose body stream is made only when asked for (most bodies are read whole, as `data`).
class Entry implements PayloadEntry {
  constructor(
    readonly path: string,
    readonly mode: number,
    readonly size: number,
    readonly nlink: number,
    readonly ino: number,
    readonly mtime: number,
    readonly fileIndex: number,
    readonly linkTarget: string,
    private readonly from: { body: Readable; data?: Buffer | undefined },
  ) {}

  get data(): Buffer | undefined {
    return this.from.data
  }

  get body(): Readable {
    return this.from.body
  }
}

/**
 * Streams the payload's entries, decompressing on the fly; each body must be consumed (or is skipped) before the
 * next entry. Rejects names that are absolute or contain `..`, entries the header does not list, files the payload
 * lacks, and (at the end) a payload digest that does not match: callers must not commit anything before the
 * iteration has finished. `file` may be a package {@link openRpm} already opened (its header is not read again).
 */
export async function* readRpmPayload(
  file: string | RpmFile,
  options: ReadPayloadOptions = {},
): AsyncGenerator<PayloadEntry> {
  const rpm = typeof file === 'string' ? await openRpm(file) : file
  const { pkg } = rpm
  file = rpm.file
  if (pkg.payloadFormat !== 'cpio')
    throw rpmError('E_RPM_FORMAT', {
      file,
      field: 'PAYLOADFORMAT',
      expected: 'cpio',
      found: JSON.stringify(pkg.payloadFormat),
    })
  const byPath = new Map(pkg.files.map((f, i) => [f.path, i]))
  const check = options.verifyDigest === false ? undefined : expectedPayloadDigest(rpm)
  const source = createReadStream(file, { start: rpm.payloadOffset, highWaterMark: 1 << 18 })
  const tap = check ? digestTap(check.algo, check.prefix) : undefined
  const compressed = tap ? source.pipe(tap.tap) : source
  source.on('error', (error) => tap?.tap.destroy(error))
  const plain = decompress(compressed, pkg.payloadCompressor, file)
  const iterator = plain[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const seen = new Set<number>()
  try {
    const cpio = readCpio(
      { [Symbol.asyncIterator]: () => ({ next: () => iterator.next() }) },
      {
        file,
        strippedSize: (index) => (index < pkg.files.length ? pkg.files[index]?.size : undefined),
      },
    )
    for await (const entry of cpio) {
      const safe = safeEntryPath(entry.name, file)
      // A source package lists its files by name alone (`hello.spec`), not as paths.
      const fileIndex =
        entry.fileIndex ?? byPath.get(safe) ?? (pkg.specIndex !== undefined ? byPath.get(safe.slice(1)) : undefined)
      const meta = fileIndex === undefined ? undefined : pkg.files[fileIndex]
      if (fileIndex === undefined || meta === undefined) {
        throw rpmError('E_CPIO_UNSAFE', {
          file,
          field: `payload entry ${JSON.stringify(entry.name)}`,
          expected: 'a file the header lists',
          found: 'an unlisted entry',
        })
      }
      if (seen.has(fileIndex))
        throw rpmError('E_CPIO_FORMAT', {
          file,
          field: `payload entry ${meta.path}`,
          expected: 'each file once',
          found: 'a duplicate',
        })
      seen.add(fileIndex)
      const mode = entry.fileIndex === undefined ? entry.mode : meta.mode
      if ((mode & S_IF.MT) !== (meta.mode & S_IF.MT)) {
        throw rpmError('E_CPIO_FORMAT', {
          file,
          field: `payload entry ${meta.path}`,
          expected: `file type ${(meta.mode & S_IF.MT).toString(8)} as in the header`,
          found: (mode & S_IF.MT).toString(8),
        })
      }
      if ((mode & S_IF.MT) === S_IF.REG && entry.size !== meta.size && !(entry.size === 0 && entry.nlink > 1)) {
        throw rpmError('E_CPIO_FORMAT', {
          file,
          field: `payload entry ${meta.path}`,
          expected: `${meta.size} bytes as in the header`,
          found: `${entry.size}`,
        })
      }
      let from: { body: Readable; data?: Buffer | undefined } = entry
      let linkTarget = ''
      if ((mode & S_IF.MT) === S_IF.LNK) {
        if (entry.size > MAX_LINK)
          throw rpmError('E_CPIO_FORMAT', {
            file,
            field: `payload entry ${meta.path}`,
            expected: `a link target under ${MAX_LINK} bytes`,
            found: `${entry.size}`,
          })
        const target = entry.data ?? (await collect(entry.body))
        linkTarget = target.toString('utf8')
        if (entry.data === undefined) from = { body: Readable.from([target]), data: target }
      }
      yield new Entry(
        meta.path,
        mode,
        entry.size,
        entry.nlink,
        entry.ino,
        entry.fileIndex === undefined ? entry.mtime : meta.mtime,
        fileIndex,
        linkTarget,
        from,
      )
    }
    const missing = pkg.files.find((f, i) => !seen.has(i) && !f.flags.ghost && f.kind === 'file')
    if (missing)
      throw rpmError('E_CPIO_FORMAT', {
        file,
        field: `payload entry ${missing.path}`,
        expected: 'every non-ghost file of the header',
        found: 'missing from the payload',
      })
    // Read to the very end, so the digest covers every byte and trailing damage is noticed.
    for (let r = await iterator.next(); !r.done; r = await iterator.next());
    if (check && tap) {
      const found = tap.result()
      if (found !== check.expected)
        throw rpmError('E_RPM_DIGEST', {
          file,
          field: check.field,
          expected: check.expected,
          found: found ?? 'an unfinished stream',
          hint: 'the package is corrupt or was altered',
        })
    }
  } catch (error) {
    if (error instanceof RpmFormatError) throw error
    throw rpmError('E_RPM_FORMAT', { file, field: 'payload', message: (error as Error).message, cause: error })
  } finally {
    await iterator.return?.()
    source.destroy()
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of stream) parts.push(chunk as Buffer)
  return Buffer.concat(parts)
}
