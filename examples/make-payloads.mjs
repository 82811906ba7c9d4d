#!/usr/bin/env node
// Writes the generated parts of the examples (nothing large is committed): the aio / aio-airflow rpms (with
// @rdbpkg/rpm-sim's writer), two Python wheels (real zip files, written by the small stored-zip writer below:
// Node has no zip writer and a wheel needs nothing more), then examples/<type>/package.tar.gz from each
// examples/<type>/payload/ folder, as a release engineer would with tar. Run after `pnpm build`.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { crc32 } from 'node:zlib'

const here = dirname(fileURLToPath(import.meta.url))
// examples/ is no package (no node_modules): load rpm-sim's built entry point (run `pnpm build` first).
const { writeRpm } = await import(pathToFileURL(join(here, '..', 'packages', 'rpm-sim', 'dist', 'index.js')).href)

const VERSION = '5.7.1.0'
const quiet = process.argv.includes('-q')
const log = (line) => quiet || console.log(line)

// --- rpms -------------------------------------------------------------------------------------------------
async function makeRpm(type, name, files) {
  const dir = join(here, type, 'payload')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const out = join(dir, `${name}-${VERSION}-1.el7.x86_64.rpm`)
  await writeRpm(
    {
      name,
      version: VERSION,
      release: '1.el7',
      arch: 'x86_64',
      summary: `rdb ${type} (example)`,
      files,
      scripts: { post: { body: `echo "${name} ${VERSION} installed"` } },
    },
    out,
  )
  log(`wrote ${out}`)
}

const serverScript = '#!/bin/sh\necho "rdb server (example) $*"\n'
await makeRpm('server', 'aio', [
  { path: '/opt/rdb/server', kind: 'dir', mode: 0o755 },
  { path: '/opt/rdb/server/bin', kind: 'dir', mode: 0o755 },
  { path: '/opt/rdb/server/bin/rdb-server', kind: 'file', mode: 0o755, content: serverScript },
  { path: '/etc/rdb', kind: 'dir', mode: 0o755 },
  {
    path: '/etc/rdb/server.conf',
    kind: 'file',
    mode: 0o644,
    content: 'listen = 0.0.0.0:9800\n',
    flags: { config: true, noreplace: true },
  },
])
await makeRpm('worker', 'aio-airflow', [
  { path: '/opt/rdb/worker', kind: 'dir', mode: 0o755 },
  { path: '/opt/rdb/worker/bin', kind: 'dir', mode: 0o755 },
  {
    path: '/opt/rdb/worker/bin/rdb-worker',
    kind: 'file',
    mode: 0o755,
    content: '#!/bin/sh\necho "rdb worker (example) $*"\n',
  },
  { path: '/etc/rdb', kind: 'dir', mode: 0o755 },
  {
    path: '/etc/rdb/worker.conf',
    kind: 'file',
    mode: 0o644,
    content: 'concurrency = 4\n',
    flags: { config: true, noreplace: true },
  },
])

// --- wheels -----------------------------------------------------------------------------------------------
/** A zip of stored (uncompressed) members with fixed timestamps: enough for a wheel, and reproducible. */
function storedZip(members) {
  const DOS_TIME = 0 // 00:00:00
  const DOS_DATE = (0 << 9) | (1 << 5) | 1 // 1980-01-01
  const locals = []
  const centrals = []
  let offset = 0
  for (const { name, data } of members) {
    const nameBytes = Buffer.from(name)
    const crc = crc32(data) >>> 0
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed
    local.writeUInt16LE(0x0800, 6) // UTF-8 names
    local.writeUInt16LE(0, 8) // stored
    local.writeUInt16LE(DOS_TIME, 10)
    local.writeUInt16LE(DOS_DATE, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBytes.length, 26)
    local.writeUInt16LE(0, 28)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4) // made by: Unix
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(0, 10)
    central.writeUInt16LE(DOS_TIME, 12)
    central.writeUInt16LE(DOS_DATE, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBytes.length, 28)
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38) // external attributes: regular file 0644
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBytes, data)
    centrals.push(central, nameBytes)
    offset += local.length + nameBytes.length + data.length
  }
  const centralSize = centrals.reduce((sum, b) => sum + b.length, 0)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(members.length, 8)
  end.writeUInt16LE(members.length, 10)
  end.writeUInt32LE(centralSize, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, ...centrals, end])
}

function wheel(dist, module, version) {
  const info = `${dist}-${version}.dist-info`
  const files = [
    { name: `${module}/__init__.py`, data: Buffer.from(`__version__ = "${version}"\n`) },
    {
      name: `${info}/METADATA`,
      data: Buffer.from(
        `Metadata-Version: 2.1\nName: ${dist}\nVersion: ${version}\nSummary: rdb ${module} (example)\n`,
      ),
    },
    {
      name: `${info}/WHEEL`,
      data: Buffer.from('Wheel-Version: 1.0\nGenerator: rdbpkg-examples\nRoot-Is-Purelib: true\nTag: py3-none-any\n'),
    },
  ]
  const digest = (data) => createHash('sha256').update(data).digest('base64url')
  const record = `${files.map((f) => `${f.name},sha256=${digest(f.data)},${f.data.length}`).join('\n')}\n${info}/RECORD,,\n`
  files.push({ name: `${info}/RECORD`, data: Buffer.from(record) })
  return storedZip(files)
}

const codePayload = join(here, 'update-code', 'payload')
for (const [dist, module] of [
  ['aio', 'aio'],
  ['aio_tasks', 'aio_tasks'],
]) {
  const out = join(codePayload, `${dist}-${VERSION}-py3-none-any.whl`)
  writeFileSync(out, wheel(dist, module, VERSION))
  log(`wrote ${out}`)
}

// --- package.tar.gz of each example's payload/, as the old flow expects ------------------------------------
for (const type of ['agent', 'server', 'worker', 'update-agent', 'update-code']) {
  const out = join(here, type, 'package.tar.gz')
  execFileSync('tar', [
    '-C',
    join(here, type, 'payload'),
    '--sort=name',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-czf',
    out,
    '.',
  ])
  log(`wrote ${out}`)
}
