// Writes `<package_name>.tar.gz`: one folder with the launcher, the installer bundle, version.json, the payload
// byte for byte, an optional Node runtime, SHA256SUMS and its optional signature; sorted, fixed owners, modes
// and mtimes. The file is two gzip members, so the payload is streamed exactly once, straight into place:
//   member 1: everything sorted before the payload (folder, SHA256SUMS*, install, installer.mjs, the payload's
//             tar header). Its digest-dependent parts are stored, not deflated, so its size is known before the
//             payload's digest is: the payload is written right after the space it takes, and member 1 last.
//   member 2: the payload (stored: it is compressed already), runtime/node (deflated on all cores),
//             version.json, the end of the tar.
// Concatenated members are one valid .tar.gz (RFC 1952 section 2.2; gzip, GNU tar, busybox, Python, Node read it).
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { GzipWriter, fileSink, memorySink } from './_gzip-writer.js'
import { tarEnd, tarHeader, tarPadding } from './_tar.js'
import type { SigningKey } from './_sign.js'
import { signatureFile } from './_sign.js'

/** One line of SHA256SUMS, plus the file's size. */
export interface FileDigest {
  path: string
  sha256: string
  size: number
}

/** The payload: a file (digest known from the checks), or produced while the archive is written. */
export type ArchivePayload =
  | { file: string; size: number; sha256: string }
  | { produce: (write: (chunk: Buffer) => Promise<void>) => Promise<{ sha256: string; size: number }> }

/** Options of {@link writeArchive}. */
export interface WriteArchiveOptions {
  outFile: string
  /** The folder inside the archive (the package name). */
  folder: string
  mtime: number
  /** The `install` launcher. */
  launcher: string
  /** The installer bundle's bytes. */
  installer: Buffer
  payload: ArchivePayload
  /** version.json's text, made once the payload's digest and size are known. */
  versionJson: (payload: { sha256: string; size: number }) => string
  /** A Node runtime to carry as runtime/node, with its LICENSE as runtime/LICENSE. */
  runtime?: { file: string; size: number; license?: Buffer }
  signingKey?: SigningKey
  onProgress?: (bytesDone: number, total: number | undefined) => void
}

/** What {@link writeArchive} wrote. */
export interface WrittenArchive {
  path: string
  size: number
  payload: { sha256: string; size: number }
  versionJson: string
  /** Every file of the folder with its digest and size, sorted by path. */
  files: FileDigest[]
  sha256sums: string
}

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))
const SMALL_LEVEL = 9
const PARALLEL_LEVEL = 6
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

/** SHA256SUMS text (`<hex>  <path>`, sorted by path, `sha256sum -c` format). */
function sha256sumsText(files: readonly FileDigest[]): string {
  return [...files]
    .sort((a, b) => byBytes(a.path, b.path))
    .map((file) => `${file.sha256}  ${file.path}\n`)
    .join('')
}

/** Writes the archive under a temporary name beside `outFile` and renames it into place when complete. */
export async function writeArchive(options: WriteArchiveOptions): Promise<WrittenArchive> {
  const { folder, mtime } = options
  const launcher = Buffer.from(options.launcher)
  const pub = options.signingKey ? Buffer.from(options.signingKey.publicKeyPem) : undefined
  const knownPayloadSize = 'file' in options.payload ? options.payload.size : undefined
  // Every path SHA256SUMS lists, so its length (and member 1's) is fixed before any digest is known.
  const listed = [
    'install',
    'installer.mjs',
    'package.tar.gz',
    'version.json',
    ...(pub ? ['SHA256SUMS.pub'] : []),
    ...(options.runtime ? ['runtime/node'] : []),
    ...(options.runtime?.license ? ['runtime/LICENSE'] : []),
  ]

  const header = (path: string, size: number, mode = 0o644, type: 'file' | 'dir' = 'file'): Buffer =>
    tarHeader({ path: `${folder}/${path}`, type, mode, size, mtime })

  // Member 1, made twice: with placeholder digests to learn its size, then for real; both have the same length.
  const memberOne = async (sums: Buffer, sig: Buffer | undefined, payloadSize: number): Promise<Buffer> => {
    const mem = memorySink()
    const gz = new GzipWriter(mem.sink)
    await gz.compressed(SMALL_LEVEL)
    await gz.write(tarHeader({ path: `${folder}/`, type: 'dir', mode: 0o755, size: 0, mtime }))
    await gz.write(header('SHA256SUMS', sums.length))
    await gz.stored()
    await gz.write(Buffer.concat([sums, Buffer.alloc(tarPadding(sums.length))]))
    await gz.compressed(SMALL_LEVEL)
    if (pub)
      await gz.write(Buffer.concat([header('SHA256SUMS.pub', pub.length), pub, Buffer.alloc(tarPadding(pub.length))]))
    if (sig) {
      await gz.write(header('SHA256SUMS.sig', sig.length))
      await gz.stored()
      await gz.write(Buffer.concat([sig, Buffer.alloc(tarPadding(sig.length))]))
      await gz.compressed(SMALL_LEVEL)
    }
    await gz.write(
      Buffer.concat([header('install', launcher.length, 0o755), launcher, Buffer.alloc(tarPadding(launcher.length))]),
    )
    await gz.write(header('installer.mjs', options.installer.length))
    await gz.write(options.installer)
    await gz.write(Buffer.alloc(tarPadding(options.installer.length)))
    await gz.stored()
    await gz.write(header('package.tar.gz', payloadSize))
    await gz.finish()
    return mem.bytes()
  }
  const placeholder = (length: number): Buffer => Buffer.alloc(length, 0x30)
  const sumsLength = listed.reduce((sum, path) => sum + 64 + 2 + Buffer.byteLength(path) + 1, 0)
  const sigLength = options.signingKey ? 89 : 0
  const reserved = (
    await memberOne(
      placeholder(sumsLength),
      options.signingKey ? placeholder(sigLength) : undefined,
      knownPayloadSize ?? 0,
    )
  ).length

  const tmp = join(dirname(options.outFile), `.${basename(options.outFile)}.tmp-${process.pid}-${Date.now()}`)
  const fh = await open(tmp, 'wx', 0o644)
  try {
    // Member 2, from byte `reserved` on.
    const two = new GzipWriter(fileSink(fh, reserved))
    await two.stored()
    let payload: { sha256: string; size: number }
    let done = 0
    if ('file' in options.payload) {
      const { file, size } = options.payload
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        done += (chunk as Buffer).length
        if (done > size) break
        await two.write(chunk as Buffer)
        options.onProgress?.(done, size)
      }
      if (done !== size) throw changed(file, size, done)
      payload = { sha256: options.payload.sha256, size }
    } else {
      payload = await options.payload.produce(async (chunk) => {
        done += chunk.length
        await two.write(chunk)
        options.onProgress?.(done, undefined)
      })
    }
    await two.write(Buffer.alloc(tarPadding(payload.size)))
    const digests: FileDigest[] = [
      { path: 'install', sha256: sha256(launcher), size: launcher.length },
      { path: 'installer.mjs', sha256: sha256(options.installer), size: options.installer.length },
      { path: 'package.tar.gz', ...payload },
    ]
    if (pub) digests.push({ path: 'SHA256SUMS.pub', sha256: sha256(pub), size: pub.length })
    await two.compressed(PARALLEL_LEVEL)
    if (options.runtime) {
      const { file, size } = options.runtime
      await two.write(tarHeader({ path: `${folder}/runtime/`, type: 'dir', mode: 0o755, size: 0, mtime }))
      await two.write(header('runtime/node', size, 0o755))
      const hash = createHash('sha256')
      let read = 0
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        read += (chunk as Buffer).length
        if (read > size) break
        hash.update(chunk as Buffer)
        await two.write(chunk as Buffer)
      }
      if (read !== size) throw changed(file, size, read)
      await two.write(Buffer.alloc(tarPadding(size)))
      digests.push({ path: 'runtime/node', sha256: hash.digest('hex'), size })
      const license = options.runtime.license
      if (license) {
        await two.write(
          Buffer.concat([header('runtime/LICENSE', license.length), license, Buffer.alloc(tarPadding(license.length))]),
        )
        digests.push({ path: 'runtime/LICENSE', sha256: sha256(license), size: license.length })
      }
    }
    await two.compressed(SMALL_LEVEL)
    const versionJson = Buffer.from(options.versionJson(payload))
    await two.write(
      Buffer.concat([
        header('version.json', versionJson.length),
        versionJson,
        Buffer.alloc(tarPadding(versionJson.length)),
      ]),
    )
    digests.push({ path: 'version.json', sha256: sha256(versionJson), size: versionJson.length })
    await two.write(tarEnd())
    await two.finish()

    // Member 1, now that every digest is known, into the space left for it.
    const sums = sha256sumsText(digests)
    const sumsBytes = Buffer.from(sums)
    const sig = options.signingKey ? Buffer.from(signatureFile(sumsBytes, options.signingKey)) : undefined
    const one = await memberOne(sumsBytes, sig, payload.size)
    if (one.length !== reserved) {
      throw new Error(`archive layout: member 1 is ${one.length} bytes, ${reserved} were reserved (a bug)`)
    }
    await fileSink(fh, 0)([one])
    await fh.close()
    await rename(tmp, options.outFile)
    const files = [...digests, { path: 'SHA256SUMS', sha256: sha256(sumsBytes), size: sumsBytes.length }]
    if (sig) files.push({ path: 'SHA256SUMS.sig', sha256: sha256(sig), size: sig.length })
    return {
      path: options.outFile,
      size: reserved + two.outputSize,
      payload,
      versionJson: versionJson.toString(),
      files: files.sort((a, b) => byBytes(a.path, b.path)),
      sha256sums: sums,
    }
  } catch (error) {
    await fh.close().catch(() => undefined)
    await rm(tmp, { force: true })
    throw error
  }
}

function changed(file: string, expected: number, found: number): Error {
  return Object.assign(
    new Error(`${file}: changed while the archive was written (expected ${expected} bytes, found ${found})`),
    {
      code: 'ECHANGED',
    },
  )
}
