#!/usr/bin/env node
// `pnpm bench` (builder): times rdbpkg-build against cat|tee|sha256sum, tar -czf, Python's tarfile and pigz on
// the same seed-shaped data in one run, and reads the build's peak RSS. BENCH_MB sets the payload size
// (default 300), BENCH_RUNS the runs per command (best kept, default 2). Data lives in a temp dir, removed after.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MB = 1024 * 1024
const totalMb = Number(process.env.BENCH_MB ?? 300)
const runs = Number(process.env.BENCH_RUNS ?? 2)
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
if (!existsSync(cli)) {
  console.error('bench: build first (pnpm build): dist/cli.js is missing')
  process.exit(2)
}
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'rdbpkg-bench-'))

function sh(script, cwd = work) {
  const result = spawnSync('sh', ['-c', script], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
  })
  if (result.status !== 0) throw new Error(`bench: failed (${result.status}): ${script}\n${result.stderr}`)
  return result
}

/** Best wall time of `runs` runs of a shell script; `before` runs untimed before each (cleanup). */
function timeIt(script, before) {
  let best = Infinity
  for (let i = 0; i < runs; i++) {
    if (before) sh(before)
    const start = performance.now()
    sh(script)
    best = Math.min(best, (performance.now() - start) / 1000)
  }
  return best
}

/** Best wall time and the max peak RSS (KiB) of our CLI, read with /usr/bin/time when present. */
function timeBuild(args, before) {
  let best = Infinity
  let rssKb = 0
  for (let i = 0; i < runs; i++) {
    if (before) sh(before)
    const prefix = timeBin ? `${timeBin} -f '%M' -o rss.txt ` : ''
    const start = performance.now()
    sh(`${prefix}"${process.execPath}" "${cli}" -q ${args}`, join(work))
    best = Math.min(best, (performance.now() - start) / 1000)
    if (timeBin) rssKb = Math.max(rssKb, Number(sh('cat rss.txt').stdout.trim().split('\n').pop()))
  }
  return { seconds: best, rssKb }
}

function writeRandomFile(file, bytes) {
  const fd = openSync(file, 'w')
  for (let left = bytes; left > 0; left -= 4 * MB) writeSync(fd, randomBytes(Math.min(4 * MB, left)))
  closeSync(fd)
}

// --- seed-shaped data: an agent tree with a few big incompressible binaries and many small text files -------
console.log(`bench: generating a ~${totalMb} MiB agent payload in ${work}`)
const tree = join(work, 'payload')
const bigBytes = Math.floor(totalMb * MB * 0.92)
const bigFiles = [
  'fsbackup_kernel_4.x/bin/fsbackup',
  'fsbackup_kernel_4.x/lib/libfsbackup.so',
  'fsbackup_kernel_4.x/lib/libcrypto.so.1.1',
  'tools/bin/rdb-agent',
]
const weights = [0.45, 0.3, 0.15, 0.1]
for (const [i, rel] of bigFiles.entries()) {
  mkdirSync(join(tree, rel, '..'), { recursive: true })
  writeRandomFile(join(tree, rel), Math.floor(bigBytes * weights[i]))
}
const smallBudget = totalMb * MB - bigBytes
let small = 0
for (let i = 0; small < smallBudget; i++) {
  const dir = join(tree, i % 2 ? 'tools' : 'fsbackup_kernel_4.x', 'share', `d${i % 40}`)
  mkdirSync(dir, { recursive: true })
  const text = `# config ${i}\n${'key_%d = value of some setting that repeats\n'.replace('%d', String(i)).repeat(40 + (i % 160))}`
  writeFileSync(join(dir, `f${i}.conf`), text)
  small += text.length
}
writeFileSync(
  join(work, 'version.json'),
  JSON.stringify({
    package_name: 'rdb_agent_5.7.1.0_centos.x86_64',
    package_type: 'install_rdb_agent',
    os_release: 'centos',
  }),
)
sh(has('pigz') ? 'tar -C payload -cf - . | pigz -6 > package.tar.gz' : 'tar -C payload -czf package.tar.gz .')
const payloadSize = statSync(join(work, 'package.tar.gz')).size
sh('cat package.tar.gz > /dev/null; tar -cf - payload > /dev/null') // warm the page cache for every contender

// --- timings --------------------------------------------------------------------------------------------------
const rows = []
const row = (name, seconds, note = '') => rows.push({ name, seconds, note })
console.log(`bench: timing (${runs} runs each, best kept)`)
const ours = timeBuild('--out out1', 'rm -rf out1')
row('rdbpkg-build (package.tar.gz)', ours.seconds, timeBin ? `peak RSS ${(ours.rssKb / 1024).toFixed(0)} MiB` : '')
const catTee = timeIt('cat package.tar.gz | tee copy.bin | sha256sum > /dev/null', 'rm -f copy.bin')
row('cat payload | tee copy | sha256sum', catTee)
const tarCzf = timeIt('tar -czf folder.tar.gz -C payload .', 'rm -f folder.tar.gz')
row('tar -czf of the folder', tarCzf)
let python
if (has('python3')) {
  python = timeIt(
    `python3 -c "import tarfile; t = tarfile.open('py.tar.gz', 'w:gz'); t.add('payload', arcname='.'); t.close()"`,
    'rm -f py.tar.gz',
  )
  row('python3 tarfile w:gz of the folder', python)
}
const oursDir = timeBuild('--payload-dir payload --out out2', 'rm -rf out2')
row('rdbpkg-build --payload-dir', oursDir.seconds, timeBin ? `peak RSS ${(oursDir.rssKb / 1024).toFixed(0)} MiB` : '')
let pigz
if (has('pigz')) {
  pigz = timeIt('tar -C payload -cf - . | pigz -6 > pigz.tar.gz', 'rm -f pigz.tar.gz')
  row('tar -cf - DIR | pigz -6', pigz)
}

// --- report ---------------------------------------------------------------------------------------------------
console.log(
  `\npayload: ${(payloadSize / MB).toFixed(1)} MiB (package.tar.gz), folder ${totalMb} MiB; ${spawnSync('nproc').stdout?.toString().trim()} cores\n`,
)
const width = Math.max(...rows.map((r) => r.name.length))
for (const r of rows) console.log(`  ${r.name.padEnd(width)}  ${r.seconds.toFixed(2).padStart(7)} s  ${r.note}`)
const checks = [
  ['build / (cat|tee|sha256sum)', ours.seconds / catTee, '<= 1.5', (x) => x <= 1.5],
  ['(tar -czf) / build', tarCzf / ours.seconds, '>= 3', (x) => x >= 3],
  ...(python ? [['(python tarfile) / build', python / ours.seconds, '>= 3', (x) => x >= 3]] : []),
  ...(pigz ? [['--payload-dir / (tar | pigz -6)', oursDir.seconds / pigz, '<= 1.1', (x) => x <= 1.1]] : []),
  ['(tar -czf) / --payload-dir', tarCzf / oursDir.seconds, '>= 1.5', (x) => x >= 1.5],
  ...(timeBin
    ? [['peak RSS, MiB (max of both builds)', Math.max(ours.rssKb, oursDir.rssKb) / 1024, '< 200', (x) => x < 200]]
    : []),
]
console.log('')
const cw = Math.max(...checks.map((c) => c[0].length))
let failed = 0
for (const [name, value, target, ok] of checks) {
  const pass = ok(value)
  if (!pass) failed++
  console.log(
    `  ${name.padEnd(cw)}  ${value.toFixed(2).padStart(7)}  target ${target.padEnd(7)} ${pass ? 'ok' : 'MISSED'}`,
  )
}
rmSync(work, { recursive: true, force: true })
console.log(`\nbench: ${checks.length - failed} targets met, ${failed} missed`)
process.exitCode = failed > 0 ? 1 : 0
