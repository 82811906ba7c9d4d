// OpenPGP signature packets as rpm shows them (rpmpgp.c): the fields -qi's Signature line and -K's lines name.

const PUBKEY_ALGO: Record<number, string> = { 1: 'RSA', 17: 'DSA', 19: 'ECDSA', 22: 'EdDSA' }
const HASH_ALGO: Record<number, string> = { 1: 'MD5', 2: 'SHA1', 8: 'SHA256', 9: 'SHA384', 10: 'SHA512', 11: 'SHA224' }

/** What rpm reads from a signature packet: version, algorithms, creation time and the signer's 8-byte key ID. */
export interface PgpSignature {
  version: number
  pubkey: number
  hash: number
  created: number
  /** The issuer's key ID, 16 lower-case hex digits. */
  keyId: string
}

/** `RSA/SHA256`: the public-key and hash algorithms by rpm's names (a number where rpm has none). */
export function pgpAlgorithms(sig: Pick<PgpSignature, 'pubkey' | 'hash'>): string {
  return `${PUBKEY_ALGO[sig.pubkey] ?? `${sig.pubkey}`}/${HASH_ALGO[sig.hash] ?? `${sig.hash}`}`
}

/** rpm's pgpIdentItem: `V4 RSA/SHA256 Signature, key ID 4ae0493b` (the key ID's last 4 bytes). */
export function pgpIdent(sig: PgpSignature): string {
  return `V${sig.version} ${pgpAlgorithms(sig)} Signature, key ID ${sig.keyId.slice(-8)}`
}

/** Parses a v3 or v4 OpenPGP signature packet; undefined when it is not one rpm-sim can read. */
export function parsePgpSignature(bytes: Buffer): PgpSignature | undefined {
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
        version,
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
    return { version, pubkey, hash, created, keyId }
  } catch {
    return undefined
  }
}
