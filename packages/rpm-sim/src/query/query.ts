import type { RpmPackage } from '../format/package.js'
import type { Header } from '../format/header.js'
import { SIGTAG } from '../format/tags.js'

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** A time as strftime("%c") prints it in the C locale, in local time: `Thu Jan  1 00:00:00 1970`. */
export function formatCDate(seconds: number): string {
  const d = new Date(seconds * 1000)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`
}

/** What `rpm -qp` prints for a package: `name-version-release.arch`. */
export function formatNevra(pkg: Pick<RpmPackage, 'name' | 'version' | 'release' | 'arch'>): string {
  return `${pkg.name}-${pkg.version}-${pkg.release}.${pkg.arch}`
}

/** What `rpm -qpl` prints: one path a line, or `(contains no files)`. */
export function formatFileList(pkg: Pick<RpmPackage, 'files'>): string {
  if (pkg.files.length === 0) return '(contains no files)\n'
  return pkg.files.map((f) => `${f.path}\n`).join('')
}

/** What `rpm -qpi` prints (rpm 4.18's --info query format, C locale). */
export function formatInfo(pkg: RpmPackage, options: { signature?: Header; installTime?: number } = {}): string {
  const none = (value: string): string => (value === '' ? '(none)' : value)
  const lines = [`Name        : ${pkg.name}`]
  if (pkg.epoch !== undefined) lines.push(`Epoch       : ${pkg.epoch}`)
  lines.push(
    `Version     : ${pkg.version}`,
    `Release     : ${pkg.release}`,
    `Architecture: ${none(pkg.arch)}`,
    `Install Date: ${options.installTime === undefined ? '(not installed)' : formatCDate(options.installTime)}`,
    `Group       : ${none(pkg.group)}`,
    `Size        : ${pkg.installedSize}`,
    pkg.license === '' ? '' : `License     : ${pkg.license}`,
    `Signature   : ${signatureText(options.signature)}`,
    `Source RPM  : ${none(pkg.sourceRpm)}`,
    `Build Date  : ${formatCDate(pkg.buildTime)}`,
    `Build Host  : ${none(pkg.buildHost)}`,
  )
  if (pkg.packager) lines.push(`Packager    : ${pkg.packager}`)
  if (pkg.vendor) lines.push(`Vendor      : ${pkg.vendor}`)
  if (pkg.url) lines.push(`URL         : ${pkg.url}`)
  lines.push(`Summary     : ${pkg.summary}`, 'Description :', pkg.description)
  return `${lines.join('\n')}\n`
}

const PUBKEY_ALGO: Record<number, string> = { 1: 'RSA', 17: 'DSA', 19: 'ECDSA', 22: 'EdDSA' }
const HASH_ALGO: Record<number, string> = { 1: 'MD5', 2: 'SHA1', 8: 'SHA256', 9: 'SHA384', 10: 'SHA512', 11: 'SHA224' }

/** The `Signature` field of `rpm -qi`: `RSA/SHA256, <date>, Key ID <id>` from the OpenPGP signature, or `(none)`. */
export function signatureText(signature: Header | undefined): string {
  const packet =
    signature?.bin(SIGTAG.DSA) ?? signature?.bin(SIGTAG.RSA) ?? signature?.bin(SIGTAG.GPG) ?? signature?.bin(SIGTAG.PGP)
  if (!packet) return '(none)'
  const info = parsePgpSignature(packet)
  if (!info) return '(none)'
  return `${PUBKEY_ALGO[info.pubkey] ?? `${info.pubkey}`}/${HASH_ALGO[info.hash] ?? `${info.hash}`}, ${formatCDate(info.created)}, Key ID ${info.keyId}`
}

function parsePgpSignature(
  bytes: Buffer,
): { pubkey: number; hash: number; created: number; keyId: string } | undefined {
  try {
    const tag = bytes[0] ?? 0
    let at: number
    if (tag & 0x40) {
      const first = bytes[1] ?? 0
      at = first < 192 ? 2 : first < 224 ? 3 : 6
    } else {
      at = 1 + [1, 2, 4, 0][tag & 3]!
    }
    const version = bytes[at]
    if (version === 3) {
      return {
        created: bytes.readUInt32BE(at + 3),
        keyId: bytes.toString('hex', at + 7, at + 15),
        pubkey: bytes[at + 15] ?? 0,
        hash: bytes[at + 16] ?? 0,
      }
    }
    if (version !== 4) return undefined
    const pubkey = bytes[at + 2] ?? 0
    const hash = bytes[at + 3] ?? 0
    let created = 0
    let keyId = ''
    const hashedLen = bytes.readUInt16BE(at + 4)
    const areas = [[at + 6, at + 6 + hashedLen]]
    const unhashedAt = at + 6 + hashedLen
    areas.push([unhashedAt + 2, unhashedAt + 2 + bytes.readUInt16BE(unhashedAt)])
    for (const [start, end] of areas as [number, number][]) {
      for (let p = start; p < end; ) {
        const first = bytes[p] ?? 0
        let len: number
        if (first < 192) [len, p] = [first, p + 1]
        else if (first < 255) [len, p] = [((first - 192) << 8) + (bytes[p + 1] ?? 0) + 192, p + 2]
        else [len, p] = [bytes.readUInt32BE(p + 1), p + 5]
        const type = (bytes[p] ?? 0) & 0x7f
        if (type === 2) created = bytes.readUInt32BE(p + 1)
        if (type === 16) keyId = bytes.toString('hex', p + 1, p + 9)
        if (type === 33 && !keyId) keyId = bytes.toString('hex', p + len - 8, p + len)
        p += len
      }
    }
    return { pubkey, hash, created, keyId }
  } catch {
    return undefined
  }
}
