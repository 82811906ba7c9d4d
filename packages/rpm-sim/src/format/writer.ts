import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { compress, defaultLevel } from './compress.js'
import { cpioArchiveSize, safeEntryPath, writeCpio } from './cpio.js'
import type { CpioWriteEntry } from './cpio.js'
import { rpmError } from './errors.js'
import { parseHeader, serializeHeader } from './header.js'
import { serializeLead } from './lead.js'
import type { RpmFileFlags } from './package.js'
import { buildMainHeader } from './_writer-header.js'
import type { PayloadFacts } from './_writer-header.js'
import type { PlannedFile, RpmSpec } from './spec.js'
import { SIGTAG, TAG, TYPE } from './tags.js'

/** What {@link writeRpm} wrote. */
export interface WrittenRpm {
  path: string
  size: number
}

const TYPE_BITS = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const
const DEFAULT_PERM = { file: 0o644, dir: 0o755, symlink: 0o777 } as const

async function planFiles(spec: RpmSpec, buildTime: number, out: string): Promise<PlannedFile[]> {
  const seen = new Set<string>()
  const planned: PlannedFile[] = []
  for (const [i, f] of spec.files.entries()) {
    const field = `files[${i}] ${JSON.stringify(f.path)}`
    const bad = (expected: string, found: string): never => {
      throw rpmError('E_RPM_FORMAT', { file: out, field, expected, found })
    }
    if (!f.path.startsWith('/')) bad('an absolute path', JSON.stringify(f.path))
    const path = safeEntryPath(`.${f.path}`, out)
    if (seen.has(path)) bad('each path once', 'a duplicate')
    seen.add(path)
    const flags: RpmFileFlags = {
      config: false,
      noreplace: false,
      ghost: false,
      doc: false,
      missingok: false,
      license: false,
      readme: false,
      artifact: false,
      ...f.flags,
    }
    let size = 0
    let linkTarget = ''
    if (f.kind === 'symlink') {
      if (!f.linkTarget) bad('a linkTarget for a symlink', 'none')
      linkTarget = f.linkTarget ?? ''
      size = Buffer.byteLength(linkTarget)
    } else if (f.kind === 'file' && !flags.ghost) {
      if (f.source !== undefined) size = (await stat(f.source)).size
      else size = typeof f.content === 'string' ? Buffer.byteLength(f.content) : (f.content?.length ?? 0)
    }
    const perm = (f.mode ?? DEFAULT_PERM[f.kind]) & 0o7777
    planned.push({
      path,
      kind: f.kind,
      mode: TYPE_BITS[f.kind] | perm,
      size,
      user: f.user ?? 'root',
      group: f.group ?? 'root',
      mtime: f.mtime ?? buildTime,
      linkTarget,
      flags,
      digest: '',
      spec: f,
    })
  }
  // rpm looks files up by binary search: the header list must be sorted bytewise.
  return planned.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
}

// Yields the payload entries in header order, hashing each regular file's content as it streams by.
async function* payloadEntries(files: PlannedFile[]): AsyncGenerator<CpioWriteEntry> {
  for (const [i, f] of files.entries()) {
    if (f.flags.ghost) continue
    const header = {
      name: `.${f.path}`,
      ino: i + 1,
      mode: f.mode,
      uid: 0,
      gid: 0,
      nlink: f.kind === 'dir' ? 2 : 1,
      mtime: f.mtime,
      size: f.kind === 'dir' ? 0 : f.size,
      devMajor: 0,
      devMinor: 0,
      rdevMajor: 0,
      rdevMinor: 0,
    }
    if (f.kind === 'dir') yield { header }
    else if (f.kind === 'symlink') yield { header, body: Buffer.from(f.linkTarget) }
    else {
      const hash = createHash('sha256')
      async function* hashed(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
        for await (const chunk of source) {
          hash.update(chunk)
          yield chunk
        }
      }
      const content =
        f.spec.source !== undefined
          ? createReadStream(f.spec.source, { highWaterMark: 1 << 18 })
          : [typeof f.spec.content === 'string' ? Buffer.from(f.spec.content) : Buffer.from(f.spec.content ?? [])]
      yield { header, body: hashed(content as AsyncIterable<Uint8Array>) }
      f.digest = hash.digest('hex')
    }
  }
}

function counter(algo: string): { stream: Transform; bytes: () => number; digest: () => string } {
  const hash = createHash(algo)
  let bytes = 0
  let digest = ''
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk)
      bytes += chunk.length
      cb(null, chunk)
    },
    flush(cb) {
      digest = hash.digest('hex')
      cb()
    },
  })
  return { stream, bytes: () => bytes, digest: () => digest }
}

/**
 * Writes a v4 binary .rpm from a typed description, deterministically: files are streamed (never held whole) and
 * the result is renamed into place. Real rpm accepts it (`rpm -qpl`, `rpm -K`, `rpm -i`). An uncompressed payload
 * (tracked and repackaged packages) is written once, straight after room for its headers, whose size does not
 * depend on the digests; a compressed one goes to a temp file first, since its size is known only at the end.
 */
export async function writeRpm(spec: RpmSpec, outFile: string): Promise<WrittenRpm> {
  const buildTime = spec.buildTime ?? 0
  const compressor = spec.compressor ?? 'gzip'
  const level = spec.compressionLevel ?? defaultLevel(compressor)
  const files = await planFiles(spec, buildTime, outFile)
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`
  const outTmp = join(dirname(outFile), `.${basename(outFile)}.tmp-${tag}`)
  const lead = serializeLead(`${spec.name}-${spec.version}-${spec.release}`)
  const facts = (payloadDigest: string, archiveDigest: string): PayloadFacts => ({
    buildTime,
    compressor,
    level,
    payloadDigest,
    archiveDigest,
  })
  try {
    if (compressor === 'none') {
      const archiveSize = cpioArchiveSize(
        files.filter((f) => !f.flags.ghost).map((f) => ({ name: `.${f.path}`, size: f.kind === 'dir' ? 0 : f.size })),
      )
      const zero = '0'.repeat(64)
      // Every digest is 64 hex digits whatever its value, so placeholders give the headers' exact sizes.
      const placeholder = files.map((f) => (f.kind === 'file' && !f.flags.ghost ? { ...f, digest: zero } : f))
      const headerSize = serializeHeader(
        buildMainHeader(spec, placeholder, facts(zero, zero)),
        TAG.HEADERIMMUTABLE,
      ).length
      const sigSize = signatureHeader(Buffer.alloc(headerSize), Buffer.alloc(16), archiveSize, archiveSize).length
      const offset = lead.length + sigSize + sigPad(sigSize) + headerSize
      const archive = counter('sha256')
      await pipeline(
        writeCpio(payloadEntries(files), outFile),
        archive.stream,
        createWriteStream(outTmp, { start: offset, highWaterMark: 1 << 20 }),
      )
      const header = serializeHeader(
        buildMainHeader(spec, files, facts(archive.digest(), archive.digest())),
        TAG.HEADERIMMUTABLE,
      )
      if (archive.bytes() !== archiveSize || header.length !== headerSize) {
        throw new Error(
          `rpm writer: planned ${archiveSize}/${headerSize} payload/header bytes, wrote ${archive.bytes()}/${header.length}`,
        )
      }
      const signature = signatureHeader(header, await md5Of(header, outTmp, offset), archiveSize, archiveSize)
      const head = Buffer.concat([lead, signature, Buffer.alloc(sigPad(signature.length)), header])
      if (head.length !== offset) throw new Error(`rpm writer: planned ${offset} header bytes, made ${head.length}`)
      await finish(outTmp, head, outFile)
      return { path: outFile, size: offset + archiveSize }
    }
    const payloadTmp = join(dirname(outFile), `.${basename(outFile)}.payload-${tag}`)
    try {
      const archive = counter('sha256')
      const packed = counter('sha256')
      const cpio = writeCpio(payloadEntries(files), outFile)
      cpio.on('error', (error) => archive.stream.destroy(error))
      await pipeline(
        compress(cpio.pipe(archive.stream), compressor, level, outFile),
        packed.stream,
        createWriteStream(payloadTmp),
      )
      const header = serializeHeader(
        buildMainHeader(spec, files, facts(packed.digest(), archive.digest())),
        TAG.HEADERIMMUTABLE,
      )
      const signature = signatureHeader(header, await md5Of(header, payloadTmp, 0), packed.bytes(), archive.bytes())
      const head = Buffer.concat([lead, signature, Buffer.alloc(sigPad(signature.length)), header])
      async function* all(): AsyncGenerator<Buffer> {
        yield head
        yield* createReadStream(payloadTmp, { highWaterMark: 1 << 20 })
      }
      await pipeline(all(), createWriteStream(outTmp))
      await finish(outTmp, undefined, outFile)
      return { path: outFile, size: head.length + packed.bytes() }
    } finally {
      await rm(payloadTmp, { force: true })
    }
  } finally {
    await rm(outTmp, { force: true })
  }
}

// The signature header: header digests, the MD5 of header and payload, and the sizes rpm checks.
function signatureHeader(header: Buffer, md5: Buffer, payloadSize: number, archiveSize: number): Buffer {
  const total = header.length + payloadSize
  const signature = serializeHeader(
    [
      { tag: SIGTAG.SHA1, type: TYPE.STRING, value: createHash('sha1').update(header).digest('hex') },
      { tag: SIGTAG.SHA256, type: TYPE.STRING, value: createHash('sha256').update(header).digest('hex') },
      { tag: SIGTAG.MD5, type: TYPE.BIN, value: md5 },
      total > 0xffffffff
        ? { tag: SIGTAG.LONGSIZE, type: TYPE.INT64, value: [total] }
        : { tag: SIGTAG.SIZE, type: TYPE.INT32, value: [total] },
      archiveSize > 0xffffffff
        ? { tag: SIGTAG.LONGARCHIVESIZE, type: TYPE.INT64, value: [archiveSize] }
        : { tag: SIGTAG.PAYLOADSIZE, type: TYPE.INT32, value: [archiveSize] },
    ],
    TAG.HEADERSIGNATURES,
  )
  parseHeader(signature, { file: 'rpm writer', what: 'signature header' })
  return signature
}

function sigPad(size: number): number {
  return (8 - (size % 8)) % 8
}

// Writes `head` at the start (when given), makes the file durable, then renames it into place.
async function finish(tmp: string, head: Buffer | undefined, outFile: string): Promise<void> {
  const handle = await open(tmp, 'r+')
  try {
    if (head !== undefined) await handle.write(head, 0, head.length, 0)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, outFile)
}

async function md5Of(header: Buffer, payloadFile: string, start: number): Promise<Buffer> {
  const hash = createHash('md5').update(header)
  for await (const chunk of createReadStream(payloadFile, { start, highWaterMark: 1 << 20 }))
    hash.update(chunk as Buffer)
  return hash.digest()
}
