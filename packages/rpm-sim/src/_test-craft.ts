// Test helper: assembles .rpm files by hand (lead, signature, header, raw payload) to feed the reader hostile input.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { cpioHeaderBytes } from './format/cpio.js'
import { serializeHeader } from './format/header.js'
import type { HeaderValue } from './format/header.js'
import { serializeLead } from './format/lead.js'
import { SIGTAG, TAG, TYPE } from './format/tags.js'

/** A file of a crafted package: its header path and mode, and what its cpio entry says. */
export interface CraftFile {
  path: string
  mode?: number
  content?: string
  /** The cpio entry name; default `.` + path. */
  cpioName?: string
  /** The cpio size field; default the content length (lie here). */
  cpioSize?: number
}

/** Writes a package whose payload is an uncompressed cpio archive with exactly the given names and sizes. */
export function craftRpm(
  file: string,
  files: CraftFile[],
  options: { extraHeader?: HeaderValue[]; digests?: boolean } = {},
): Buffer {
  const payload = Buffer.concat([
    ...files.flatMap((f, i) => {
      const body = Buffer.from(f.content ?? '')
      const size = f.cpioSize ?? body.length
      return [
        cpioHeaderBytes({
          name: f.cpioName ?? `.${f.path}`,
          ino: i + 1,
          mode: f.mode ?? 0o100644,
          uid: 0,
          gid: 0,
          nlink: 1,
          mtime: 0,
          size,
          devMajor: 0,
          devMinor: 0,
          rdevMajor: 0,
          rdevMinor: 0,
        }),
        body,
        Buffer.alloc((4 - (body.length % 4)) % 4),
      ]
    }),
    cpioHeaderBytes({
      name: 'TRAILER!!!',
      ino: 0,
      mode: 0,
      uid: 0,
      gid: 0,
      nlink: 1,
      mtime: 0,
      size: 0,
      devMajor: 0,
      devMinor: 0,
      rdevMajor: 0,
      rdevMinor: 0,
    }),
  ])
  const values: HeaderValue[] = [
    { tag: TAG.HEADERI18NTABLE, type: TYPE.STRING_ARRAY, value: ['C'] },
    { tag: TAG.NAME, type: TYPE.STRING, value: 'crafted' },
    { tag: TAG.VERSION, type: TYPE.STRING, value: '1' },
    { tag: TAG.RELEASE, type: TYPE.STRING, value: '1' },
    { tag: TAG.ARCH, type: TYPE.STRING, value: 'noarch' },
    { tag: TAG.OS, type: TYPE.STRING, value: 'linux' },
    { tag: TAG.SOURCERPM, type: TYPE.STRING, value: 'crafted-1-1.src.rpm' },
    { tag: TAG.PAYLOADFORMAT, type: TYPE.STRING, value: 'cpio' },
    { tag: TAG.PAYLOADCOMPRESSOR, type: TYPE.STRING, value: 'identity' },
    ...(files.length
      ? [
          { tag: TAG.OLDFILENAMES, type: TYPE.STRING_ARRAY, value: files.map((f) => f.path) },
          { tag: TAG.FILEMODES, type: TYPE.INT16, value: files.map((f) => f.mode ?? 0o100644) },
          { tag: TAG.FILESIZES, type: TYPE.INT32, value: files.map((f) => Buffer.byteLength(f.content ?? '')) },
        ]
      : []),
    ...(options.extraHeader ?? []),
  ]
  const header = serializeHeader(values, TAG.HEADERIMMUTABLE)
  const sig = serializeHeader(
    options.digests === false
      ? [{ tag: SIGTAG.SIZE, type: TYPE.INT32, value: [header.length + payload.length] }]
      : [
          { tag: SIGTAG.SHA256, type: TYPE.STRING, value: createHash('sha256').update(header).digest('hex') },
          { tag: SIGTAG.SIZE, type: TYPE.INT32, value: [header.length + payload.length] },
          { tag: SIGTAG.MD5, type: TYPE.BIN, value: createHash('md5').update(header).update(payload).digest() },
        ],
    TAG.HEADERSIGNATURES,
  )
  const bytes = Buffer.concat([
    serializeLead('crafted-1-1'),
    sig,
    Buffer.alloc((8 - (sig.length % 8)) % 8),
    header,
    payload,
  ])
  writeFileSync(file, bytes)
  return bytes
}
