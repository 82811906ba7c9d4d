// rpm -K (rpm 4.18's rpmpkgVerifySigs and rpmvsVerify): each digest and signature of a package file, checked and
// reported in rpm's order and words. rpm-sim has no keyring, so a signature it can read is NOKEY, as in a root
// whose database holds no imported key; digests are computed while the payload streams through.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { Header } from './header.js'
import type { SignatureNote, VerifyLevel } from './model.js'
import { parsePgpSignature, pgpIdent } from './_pgp.js'
import { readRpmHeaders } from './reader.js'
import type { RpmFile } from './reader.js'
import { SIGTAG, TAG } from './tags.js'

const needsDigests = (level: VerifyLevel): boolean => level === 'digest' || level === 'all'
const needsSignatures = (level: VerifyLevel): boolean => level === 'signature' || level === 'all'

/** What -K's --nodigest and --nosignature leave out, and what must verify (`level`, default `digest`). */
export interface ChecksigOptions {
  digests?: boolean
  signatures?: boolean
  level?: VerifyLevel
  /**
   * `false`: only what covers the header alone (its digests and signatures), as rpm checks a package it reads
   * before it installs it; the payload is not read.
   */
  payload?: boolean
}

/** One line of `rpm -Kv`: what was checked, rpm's result word, and its detail in parentheses (if any). */
export interface ChecksigItem {
  kind: 'digest' | 'signature'
  descr: string
  result: 'OK' | 'BAD' | 'NOKEY' | 'NOTFOUND'
  message?: string
}

/** What -K found for one package: the items rpm reports, in its order, and whether the package failed. */
export interface ChecksigReport {
  items: ChecksigItem[]
  failed: boolean
}

// RPMSIG_* ranges and types, RPMVSF_* disablers (rpmvs.c's rpmvfyitems, rpmts.h).
const HEADER = 1
const PAYLOAD = 2
const DIGEST = 1
const SIGNATURE = 2
type Source = 'signature' | 'header'
interface Item {
  tag: number
  source: Source
  type: typeof DIGEST | typeof SIGNATURE
  range: number
  disabler: number
  hash?: 'md5' | 'sha1' | 'sha256'
  alt?: boolean
}
// rpmvfyitems' verifiable entries in table order: the signature header's, then the main header's payload digests.
const ITEMS: readonly Item[] = [
  { tag: SIGTAG.PGP, source: 'signature', type: SIGNATURE, range: HEADER | PAYLOAD, disabler: 1 << 19 },
  { tag: SIGTAG.MD5, source: 'signature', type: DIGEST, range: HEADER | PAYLOAD, disabler: 1 << 17, hash: 'md5' },
  { tag: SIGTAG.GPG, source: 'signature', type: SIGNATURE, range: HEADER | PAYLOAD, disabler: 1 << 18 },
  { tag: SIGTAG.DSA, source: 'signature', type: SIGNATURE, range: HEADER, disabler: 1 << 10 },
  { tag: SIGTAG.RSA, source: 'signature', type: SIGNATURE, range: HEADER, disabler: 1 << 11 },
  { tag: SIGTAG.SHA1, source: 'signature', type: DIGEST, range: HEADER, disabler: 1 << 8, hash: 'sha1' },
  { tag: SIGTAG.SHA256, source: 'signature', type: DIGEST, range: HEADER, disabler: 1 << 9, hash: 'sha256' },
  { tag: TAG.PAYLOADDIGEST, source: 'header', type: DIGEST, range: PAYLOAD, disabler: 1 << 16, hash: 'sha256' },
  {
    tag: TAG.PAYLOADDIGESTALT,
    source: 'header',
    type: DIGEST,
    range: PAYLOAD,
    disabler: 1 << 16,
    hash: 'sha256',
    alt: true,
  },
]

interface Check extends Item {
  /** rpm's sinfo id: the tag (and value index) of a value it could read, else 0. */
  id: number
  result: ChecksigItem['result']
  message?: string
  expected?: string
  descr: string
}

const HASH_NAME = { md5: 'MD5', sha1: 'SHA1', sha256: 'SHA256' } as const
const RANGE_NAME: Record<number, string> = { [HEADER]: 'Header ', [PAYLOAD]: 'Payload ' }

// rpmsinfoInit: the value as rpm reads it; a digest's expected hex, or a signature's ident (NOKEY: no keyring).
function initCheck(item: Item, sig: Header, main: Header, enabled: boolean): Check {
  const h = item.source === 'signature' ? sig : main
  const range = RANGE_NAME[item.range] ?? ''
  const digestDescr = `${range}${HASH_NAME[item.hash ?? 'sha256']}${item.alt ? ' ALT' : ''} digest`
  const base: Check = {
    ...item,
    id: 0,
    result: 'NOTFOUND',
    descr:
      item.type === DIGEST
        ? digestDescr
        : `${range}${item.tag === SIGTAG.DSA || item.tag === SIGTAG.GPG ? 'DSA' : 'RSA'} signature`,
  }
  if (!enabled || !h.has(item.tag)) return base
  // rpmvsAppend's origin word: the signature header rpmbuild writes is one region, read as `package`
  const origin = 'package'
  if (item.type === SIGNATURE) {
    const bytes = h.bin(item.tag)
    const parsed = bytes === undefined ? undefined : parsePgpSignature(bytes)
    if (parsed === undefined)
      return { ...base, result: 'BAD', message: `${origin} tag ${item.tag}: invalid OpenPGP signature` }
    return { ...base, id: item.tag * 65536, result: 'NOKEY', descr: `${range}${pgpIdent(parsed)}` }
  }
  const bin = h.bin(item.tag)
  const expected = bin !== undefined ? bin.toString('hex') : h.string(item.tag)
  if (expected === undefined || expected.length < 16)
    return { ...base, result: 'BAD', message: `${origin} tag ${item.tag}: invalid data` }
  if (bin === undefined && !/^[0-9a-fA-F]*$/.test(expected))
    return { ...base, result: 'BAD', message: `${origin}: tag ${item.tag}: invalid hex` }
  return { ...base, id: item.tag * 65536, result: 'OK', expected }
}

// rpmvsVerify's qsort order: by range, signatures before digests, then the higher id, then the higher disabler.
function order(a: Check, b: Check): number {
  return a.range - b.range || b.type - a.type || b.id - a.id || b.disabler - a.disabler
}

/**
 * rpm -K on one package file: its header and payload digests computed and compared, its signatures identified
 * (NOKEY), and the items rpm 4.18 reports, in its order: a failed digest whose alternative (PAYLOADDIGESTALT beside
 * PAYLOADDIGEST) verified is not reported, nor is one absent unless the range it covers has no verified digest.
 * A file rpm-sim cannot read throws the reader's error. `file` may be a package whose headers were read already.
 */
export async function checksigPackage(
  file: string | Omit<RpmFile, 'pkg'>,
  options: ChecksigOptions = {},
): Promise<ChecksigReport> {
  const digests = options.digests !== false
  const signatures = options.signatures !== false
  const level = options.level ?? 'digest'
  const rpm = typeof file === 'string' ? await readRpmHeaders(file, { verify: false }) : file
  const headerOnly = options.payload === false
  const checks = ITEMS.filter((item) => !headerOnly || item.range === HEADER).map((item) =>
    initCheck(item, rpm.signature, rpm.header, item.type === DIGEST ? digests : signatures),
  )
  // Every digest rpm computes: header ones over the header blob, payload ones over the rest of the file, MD5 over both.
  const header = { md5: createHash('md5'), sha1: createHash('sha1'), sha256: createHash('sha256') }
  for (const h of Object.values(header)) h.update(rpm.header.bytes)
  const payload = createHash('sha256')
  if (checks.some((c) => c.result === 'OK' && c.type === DIGEST && (c.range & PAYLOAD) !== 0)) {
    for await (const chunk of createReadStream(rpm.file, { start: rpm.payloadOffset, highWaterMark: 1 << 18 })) {
      payload.update(chunk as Buffer)
      header.md5.update(chunk as Buffer)
    }
  }
  const found = {
    header: { sha1: header.sha1.digest('hex'), sha256: header.sha256.digest('hex') },
    payload: payload.digest('hex'),
    md5: header.md5.digest('hex'),
  }
  for (const c of checks) {
    if (c.result !== 'OK' || c.type !== DIGEST || c.expected === undefined) continue
    const computed =
      c.hash === 'md5'
        ? found.md5
        : c.range === PAYLOAD
          ? found.payload
          : found.header[c.hash === 'sha1' ? 'sha1' : 'sha256']
    if (computed.toLowerCase() !== c.expected.toLowerCase()) {
      c.result = 'BAD'
      c.message = `Expected ${c.expected} != ${computed}`
    }
  }
  checks.sort(order)
  // The ranges the enabled items cover, and those a digest or a signature verified (rpmvsVerify).
  const range = checks.reduce((r, c) => r | c.range, 0)
  const verifiedBy = (type: number): number =>
    checks.reduce((r, c) => (c.type === type && c.result === 'OK' ? r | c.range : r), 0)
  const verified = { [DIGEST]: verifiedBy(DIGEST), [SIGNATURE]: verifiedBy(SIGNATURE) }
  // rpm rejects a partly signed package whatever the level: a verified signature makes signatures required.
  const required = {
    [DIGEST]: digests && needsDigests(level),
    [SIGNATURE]: signatures && (needsSignatures(level) || verified[SIGNATURE] !== 0),
  }
  const items: ChecksigItem[] = []
  let failed = false
  for (const c of checks) {
    if (c.result === 'BAD') {
      const alt = checks.find((o) => o.id !== c.id && o.disabler === c.disabler)
      if (alt !== undefined && alt.result === 'OK') c.result = 'NOTFOUND'
    }
    const missing = required[c.type] ? range & ~verified[c.type] & c.range : 0
    if (missing === 0 && c.result === 'NOTFOUND') continue
    items.push({
      kind: c.type === DIGEST ? 'digest' : 'signature',
      descr: c.descr,
      result: c.result,
      ...(c.message !== undefined ? { message: c.message } : {}),
    })
    if (c.result !== 'OK') failed = true
  }
  return { items, failed }
}

/**
 * Why a package does not verify at `level` (the report's, from {@link checksigPackage} with that level; default
 * `digest`), as rpm's verifyPackageFiles says it: the first item that failed, in rpm's order; undefined when the
 * package verifies. A NOKEY signature passes unless signatures are required.
 */
export function verifyFailure(r: ChecksigReport, level: VerifyLevel = 'digest'): string | undefined {
  const bad = r.items.find((i) => i.result !== 'OK' && (i.result !== 'NOKEY' || needsSignatures(level)))
  if (bad === undefined) return undefined
  if (bad.result === 'NOTFOUND') return bad.kind === 'signature' ? 'no signature' : 'no digest'
  return checksigLine(bad).trimStart()
}

/**
 * What rpm 4.18 says of a package's signatures whenever it reads one (-qp, -i, -U; rpmReadPackageFile): each header
 * signature it can read, NOKEY here, which rpm prints as a warning once per key ID per command. The legacy
 * header-and-payload signatures are not checked there, as in rpm.
 */
export function signatureNotes(signature: Header): SignatureNote[] {
  const notes: SignatureNote[] = []
  for (const tag of [SIGTAG.RSA, SIGTAG.DSA]) {
    const bytes = signature.bin(tag)
    const parsed = bytes === undefined ? undefined : parsePgpSignature(bytes)
    if (parsed !== undefined) notes.push({ keyId: parsed.keyId, text: `Header ${pgpIdent(parsed)}: NOKEY` })
  }
  return notes
}

/**
 * The notes rpm prints of a package it reads: those whose key it has not warned of yet in this command (rpm's
 * stashKeyid). `warned` remembers the keys across packages.
 */
export function unwarnedNotes(notes: readonly SignatureNote[], warned: Set<string>): SignatureNote[] {
  const fresh: SignatureNote[] = []
  for (const n of notes) {
    if (warned.has(n.keyId)) continue
    warned.add(n.keyId)
    fresh.push(n)
  }
  return fresh
}

/** rpm -K's verdict on a package (without -v), after `file:`: `digests OK`, `digests SIGNATURES NOT OK`, ... */
export function checksigSummary(r: ChecksigReport): string {
  const kinds = (['digest', 'signature'] as const)
    .filter((k) => r.items.some((i) => i.kind === k))
    .map((k) => {
      const word = k === 'digest' ? 'digests' : 'signatures'
      return r.items.some((i) => i.kind === k && i.result !== 'OK') ? word.toUpperCase() : word
    })
  return [...kinds, r.failed ? 'NOT OK' : 'OK'].join(' ')
}

/** rpm -Kv's line for one item: `    Header SHA256 digest: OK`, `    MD5 digest: BAD (Expected ... != ...)`. */
export function checksigLine(i: ChecksigItem): string {
  return `    ${i.descr}: ${i.result}${i.message !== undefined ? ` (${i.message})` : ''}`
}
