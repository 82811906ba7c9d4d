// Verifies an archive folder before anything is written: every SHA256SUMS digest (streamed) and the signature.
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto'
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { InstallError } from './errors.js'

/** What a verified archive holds. */
export interface ArchiveVerification {
  /** Paths listed in SHA256SUMS with their digests, in listing order. */
  files: { path: string; sha256: string }[]
  /** `trusted-key`: signed by a key in <root>/etc/rdbpkg/trusted-keys; `archive-key`: by SHA256SUMS.pub only. */
  signature: 'none' | 'archive-key' | 'trusted-key'
  /** The trusted key file that verified the signature, when one did. */
  keyFile?: string
}

/** Files an archive must list in SHA256SUMS: what the installer reads before trusting it. */
const REQUIRED_ARCHIVE_FILES = ['version.json', 'package.tar.gz'] as const

/** Parses `sha256sum` output (`<hex>  <path>` or `<hex> *<path>`); throws naming the first bad line. */
export function parseSha256Sums(text: string, fileName = 'SHA256SUMS'): { path: string; sha256: string }[] {
  const entries: { path: string; sha256: string }[] = []
  const lines = text.split('\n')
  for (const [index, line] of lines.entries()) {
    if (line === '' && index === lines.length - 1) continue
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line)
    const path = match?.[2]
    if (match === null || path === undefined || path.startsWith('/') || path.split('/').includes('..')) {
      throw new InstallError(
        'E_ARCHIVE_DIGEST',
        `${fileName}: line ${index + 1}: expected "<sha256>  <relative path>", found ${JSON.stringify(line)}`,
        {
          file: fileName,
          field: `line ${index + 1}`,
        },
      )
    }
    entries.push({ path: path.replace(/^\.\//, ''), sha256: match[1]!.toLowerCase() })
  }
  return entries
}

/** Streams a file through sha256 and returns the hex digest. */
async function sha256File(path: string, onBytes?: (bytes: number) => void): Promise<string> {
  const hash = createHash('sha256')
  const stream = createReadStream(path, { highWaterMark: 1 << 20 })
  if (onBytes !== undefined) stream.on('data', (chunk) => onBytes(chunk.length))
  await pipeline(stream, hash)
  return hash.digest('hex')
}

/** Bytes read of all the bytes to read, for a progress line. */
export type BytesProgress = (bytesDone: number, bytesTotal: number) => void

/**
 * Checks every digest in `<dir>/SHA256SUMS` and the signature policy: when `<root>/etc/rdbpkg/trusted-keys/*.pem`
 * exist the archive must be signed by one of them; otherwise a present SHA256SUMS.sig must verify against
 * SHA256SUMS.pub (integrity only). Throws E_ARCHIVE_DIGEST / E_ARCHIVE_SIGNATURE naming the file at fault.
 */
export async function verifyArchive(
  dir: string,
  root: string,
  onProgress?: BytesProgress,
): Promise<ArchiveVerification> {
  const sumsPath = join(dir, 'SHA256SUMS')
  if (!existsSync(sumsPath)) {
    throw new InstallError('E_ARCHIVE_DIGEST', `${dir}: SHA256SUMS: missing (not an rdbpkg archive folder?)`, {
      file: 'SHA256SUMS',
    })
  }
  const sumsBytes = readFileSync(sumsPath)
  const files = parseSha256Sums(sumsBytes.toString('utf8'))
  for (const required of REQUIRED_ARCHIVE_FILES) {
    if (!files.some((entry) => entry.path === required)) {
      throw new InstallError(
        'E_ARCHIVE_DIGEST',
        `SHA256SUMS: ${required}: not listed (the archive is incomplete or tampered with)`,
        {
          file: 'SHA256SUMS',
          field: required,
        },
      )
    }
  }
  const signature = checkSignature(dir, root, sumsBytes)
  const total = files.reduce(
    (sum, entry) => sum + (statSync(join(dir, entry.path), { throwIfNoEntry: false })?.size ?? 0),
    0,
  )
  let done = 0
  const onBytes =
    onProgress === undefined
      ? undefined
      : (bytes: number): void => {
          done += bytes
          onProgress(done, total)
        }
  onProgress?.(0, total)
  for (const entry of files) {
    const path = join(dir, entry.path)
    if (!existsSync(path)) {
      throw new InstallError('E_ARCHIVE_DIGEST', `${entry.path}: missing (listed in SHA256SUMS)`, { file: entry.path })
    }
    if (!statSync(path).isFile()) {
      throw new InstallError(
        'E_ARCHIVE_DIGEST',
        `SHA256SUMS: ${entry.path}: not a regular file (the archive is damaged or tampered with)`,
        {
          file: 'SHA256SUMS',
          field: entry.path,
        },
      )
    }
    checkDigest(entry, await sha256File(path, onBytes))
  }
  return { files, ...signature }
}

/** Throws E_ARCHIVE_DIGEST naming the file when `actual` is not the digest SHA256SUMS lists. */
export function checkDigest(entry: { path: string; sha256: string }, actual: string): void {
  if (actual === entry.sha256) return
  throw new InstallError(
    'E_ARCHIVE_DIGEST',
    `${entry.path}: sha256 mismatch: expected ${entry.sha256}, found ${actual} (the archive is damaged or tampered with)`,
    {
      file: entry.path,
      expected: entry.sha256,
      found: actual,
    },
  )
}

function checkSignature(dir: string, root: string, sums: Buffer): Pick<ArchiveVerification, 'signature' | 'keyFile'> {
  const sigPath = join(dir, 'SHA256SUMS.sig')
  const trustedDir = join(root, 'etc', 'rdbpkg', 'trusted-keys')
  const trusted = existsSync(trustedDir)
    ? readdirSync(trustedDir)
        .filter((name) => name.endsWith('.pem'))
        .sort()
    : []
  const sig = existsSync(sigPath) ? decodeSignature(readFileSync(sigPath, 'utf8')) : undefined
  if (trusted.length > 0) {
    if (sig === undefined) {
      throw new InstallError(
        'E_ARCHIVE_SIGNATURE',
        `SHA256SUMS.sig: missing (this host trusts only signed archives: ${trustedDir})`,
        {
          file: 'SHA256SUMS.sig',
        },
      )
    }
    for (const name of trusted) {
      const keyFile = join(trustedDir, name)
      if (verifiesWith(readFileSync(keyFile, 'utf8'), sums, sig)) return { signature: 'trusted-key', keyFile }
    }
    throw new InstallError('E_ARCHIVE_SIGNATURE', `SHA256SUMS.sig: does not verify with any key in ${trustedDir}`, {
      file: 'SHA256SUMS.sig',
    })
  }
  if (sig === undefined) return { signature: 'none' }
  const pubPath = join(dir, 'SHA256SUMS.pub')
  if (!existsSync(pubPath)) {
    throw new InstallError(
      'E_ARCHIVE_SIGNATURE',
      'SHA256SUMS.pub: missing (the archive is signed but carries no public key)',
      { file: 'SHA256SUMS.pub' },
    )
  }
  if (!verifiesWith(readFileSync(pubPath, 'utf8'), sums, sig)) {
    throw new InstallError('E_ARCHIVE_SIGNATURE', 'SHA256SUMS.sig: bad signature over SHA256SUMS (SHA256SUMS.pub)', {
      file: 'SHA256SUMS.sig',
    })
  }
  return { signature: 'archive-key' }
}

function decodeSignature(text: string): Buffer {
  const trimmed = text.trim()
  const bytes = Buffer.from(trimmed, 'base64')
  if (bytes.length !== 64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new InstallError('E_ARCHIVE_SIGNATURE', 'SHA256SUMS.sig: expected a base64 Ed25519 signature (64 bytes)', {
      file: 'SHA256SUMS.sig',
    })
  }
  return bytes
}

function verifiesWith(pem: string, data: Buffer, sig: Buffer): boolean {
  try {
    const key = createPublicKey(pem)
    if (key.asymmetricKeyType !== 'ed25519') return false
    return verifySignature(null, data, key, sig)
  } catch {
    return false
  }
}
