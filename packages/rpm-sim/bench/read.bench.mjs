// Reads the payload of a large package (BENCH_MIB, default 300 MiB of files) with readRpmPayload, beside
// `rpm2cpio | cpio -t` on the same file, for gzip and xz payloads; prints times, the ratio and our peak RSS.
import { execFileSync, spawnSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readRpmPayload, writeRpm } from '../dist/index.js'

const MIB = Number(process.env.BENCH_MIB ?? 300)
const dir = mkdtempSync(join(tmpdir(), 'rpm-sim-bench-'))
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0

async function makeSource(file, mib, seed) {
  // Half-compressible data (text-like runs with varying bytes), so compressors do real work.
  const out = createWriteStream(file)
  const chunk = Buffer.alloc(1 << 20)
  for (let i = 0; i < mib; i++) {
    for (let j = 0; j < chunk.length; j += 64)
      chunk.write(`${seed}:${i}:${j}:${(i * 2654435761 + j) >>> 0}\n`.padEnd(64, 'abcdefgh'), j, 'latin1')
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r))
  }
  await new Promise((r) => out.end(r))
}

async function ours(file) {
  let bytes = 0
  let entries = 0
  let peak = 0
  const started = process.hrtime.bigint()
  for await (const entry of readRpmPayload(file)) {
    entries++
    for await (const chunk of entry.body) bytes += chunk.length
    peak = Math.max(peak, process.memoryUsage().rss)
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes, entries, peak }
}

function theirs(file) {
  const started = process.hrtime.bigint()
  const listed = execFileSync('sh', ['-c', `rpm2cpio '${file}' | cpio -t --quiet | wc -l`], { encoding: 'utf8' })
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, entries: Number(listed.trim()) }
}

try {
  const files = []
  const perFile = Math.max(1, Math.floor(MIB / 6))
  for (let i = 0; i < 6; i++) {
    const source = join(dir, `src-${i}.bin`)
    await makeSource(source, perFile, i)
    files.push({ path: `/opt/bench/data-${i}.bin`, kind: 'file', source })
  }
  for (let i = 0; i < 2000; i++)
    files.push({ path: `/opt/bench/small/f${i}.txt`, kind: 'file', content: `small file ${i}\n`.repeat(i % 50) })
  for (const compressor of ['gzip', 'xz']) {
    const file = join(dir, `bench-${compressor}.rpm`)
    const t0 = process.hrtime.bigint()
    await writeRpm(
      {
        name: 'bench',
        version: '1',
        release: '1',
        arch: 'noarch',
        compressor,
        compressionLevel: compressor === 'xz' ? 1 : 6,
        files,
      },
      file,
    )
    const wrote = Number(process.hrtime.bigint() - t0) / 1e9
    const size = statSync(file).size
    const a = await ours(file)
    const line = [
      `${compressor}: ${(a.bytes / 2 ** 20).toFixed(0)} MiB payload in ${(size / 2 ** 20).toFixed(1)} MiB package (written in ${wrote.toFixed(1)} s)`,
      `readRpmPayload ${a.seconds.toFixed(2)} s (${a.entries} entries, peak RSS ${(a.peak / 2 ** 20).toFixed(0)} MiB)`,
    ]
    if (has('rpm2cpio') && has('cpio')) {
      const b = theirs(file)
      line.push(
        `rpm2cpio|cpio -t ${b.seconds.toFixed(2)} s (${b.entries} entries)`,
        `ratio ours/theirs ${(a.seconds / b.seconds).toFixed(2)}`,
      )
    } else line.push('rpm2cpio or cpio not installed: no comparison')
    console.log(line.join('; '))
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
