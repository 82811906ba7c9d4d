// The least a Node program does to install a package's files as rpm does, run by the transaction bench beside
// rpm-sim and real rpm: rpm-sim's header and cpio readers (no package model, no checks beyond each file's digest),
// the payload inflated by zlib on its thread, each regular file written under a temporary name with its mode and
// mtime, then every one renamed into place, and one JSON record of the paths. No database, lock, journal, barriers,
// conflicts, owners, folders' metadata, links, scriptlets or undo: not an installer, only the floor under any
// installer written for Node. Usage: node floor.mjs ROOT PACKAGE.rpm (gzip payloads only)
import {
  createReadStream,
  closeSync,
  futimesSync,
  mkdirSync,
  openSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { createHash } from 'node:crypto'
import { dirname } from 'node:path'
import { createGunzip } from 'node:zlib'
// The format modules alone, not the package's index: loading all of rpm-sim is part of rpm-sim's cost, not the floor's.
import { readCpio } from '../dist/format/cpio.js'
import { readRpmHeaders } from '../dist/format/reader.js'

// rpm's header tags this reads (lib/rpmtag.h).
const TAG = { dirindexes: 1116, basenames: 1117, dirnames: 1118, modes: 1030, mtimes: 1034, digests: 1035 }
const [root, file] = process.argv.slice(2)
const { header, payloadOffset } = await readRpmHeaders(file)
const dirs = header.strings(TAG.dirnames)
const dirIndexes = header.numbers(TAG.dirindexes)
const paths = header.strings(TAG.basenames).map((base, i) => `${dirs[dirIndexes[i]]}${base}`)
const modes = header.numbers(TAG.modes)
const mtimes = header.numbers(TAG.mtimes)
const digests = header.strings(TAG.digests)
const index = new Map(paths.map((p, i) => [p, i]))
const payload = createReadStream(file, { start: payloadOffset, highWaterMark: 1 << 18 }).pipe(
  createGunzip({ chunkSize: 1 << 17 }),
)
const made = new Set()
const placed = []
for await (const entry of readCpio(payload, { file })) {
  const i = index.get(entry.name.slice(1))
  if (i === undefined || (modes[i] & 0o170000) !== 0o100000 || entry.data === undefined) {
    for await (const _ of entry.body);
    continue
  }
  if (createHash('sha256').update(entry.data).digest('hex') !== digests[i]) throw new Error(`${paths[i]}: digest`)
  const host = root + paths[i]
  const dir = dirname(host)
  if (!made.has(dir)) mkdirSync(dir, { recursive: true })
  made.add(dir)
  const temp = `${host};floor`
  const fd = openSync(temp, 'wx', modes[i] & 0o7777)
  try {
    for (let at = 0; at < entry.data.length; ) at += writeSync(fd, entry.data, at)
    futimesSync(fd, mtimes[i], mtimes[i])
  } finally {
    closeSync(fd)
  }
  placed.push(temp, host)
}
for (let k = 0; k < placed.length; k += 2) renameSync(placed[k], placed[k + 1])
mkdirSync(`${root}/var/lib/floor`, { recursive: true })
writeFileSync(`${root}/var/lib/floor/record.json`, JSON.stringify(paths))
