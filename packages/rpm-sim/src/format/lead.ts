import { rpmError } from './errors.js'

/** Size of the legacy lead that starts every .rpm file. */
export const LEAD_SIZE = 96
/** The first four bytes of every rpm package file. */
export const LEAD_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb])

/** What the lead says (informational only: rpm trusts the headers, not the lead). */
export interface Lead {
  major: number
  minor: number
  type: 'binary' | 'source'
  name: string
  signatureType: number
}

/** The package type a lead gives (its bytes 6-7): `source` for what rpmbuild -bs writes, else `binary`. */
export function leadType(bytes: Buffer): Lead['type'] {
  return bytes.readUInt16BE(6) === 1 ? 'source' : 'binary'
}

/** Parses the 96-byte lead; rejects wrong magic and versions other than 3. */
export function parseLead(bytes: Buffer, file: string): Lead {
  if (bytes.length < LEAD_SIZE)
    throw rpmError('E_RPM_TRUNCATED', {
      file,
      field: 'lead',
      expected: `${LEAD_SIZE} bytes`,
      found: `${bytes.length} bytes`,
    })
  if (!bytes.subarray(0, 4).equals(LEAD_MAGIC)) {
    throw rpmError('E_RPM_FORMAT', {
      file,
      field: 'lead magic',
      expected: 'edabeedb',
      found: bytes.subarray(0, 4).toString('hex'),
      hint: 'not an rpm package',
    })
  }
  const major = bytes.readUInt8(4)
  if (major !== 3 && major !== 4)
    throw rpmError('E_RPM_FORMAT', { file, field: 'lead version', expected: '3', found: `${major}` })
  const nul = bytes.indexOf(0, 10)
  return {
    major,
    minor: bytes.readUInt8(5),
    type: leadType(bytes),
    name: bytes.toString('utf8', 10, nul < 0 || nul > 76 ? 76 : nul),
    signatureType: bytes.readUInt16BE(78),
  }
}

/** Writes a binary package lead as rpmbuild does (version 3.0, header-style signature). */
export function serializeLead(name: string): Buffer {
  const lead = Buffer.alloc(LEAD_SIZE)
  LEAD_MAGIC.copy(lead)
  lead.writeUInt8(3, 4)
  lead.writeUInt8(0, 5)
  lead.writeUInt16BE(0, 6)
  lead.writeUInt16BE(1, 8)
  Buffer.from(name, 'utf8').subarray(0, 65).copy(lead, 10)
  lead.writeUInt16BE(1, 76)
  lead.writeUInt16BE(5, 78)
  return lead
}
