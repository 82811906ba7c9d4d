// Installs and then upgrades a package of BENCH_FILES files (default 10,000) with rpm-sim's CLI and with real
// `rpm --root` on the same two packages, in one run; prints wall times, the ratios (target <= 1.0) and peak RSS.
// Also, for information: each time plus the `sync` right after it, i.e. until the data is on disk. rpm-sim makes
// its changes durable before it exits (journal barriers, for power cuts); rpm leaves its writes in the page cache.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeRpm } from '../dist/index.js'

const FILES = Number(process.env.BENCH_FILES ?? 10_000)
// Rounds alternate which tool goes first; more than the default 2 steadies the best-of on a loaded machine.
const ROUNDS = Math.max(2, Number(process.env.BENCH_ROUNDS ?? 2))
const here = dirname(fileURLToPath(import.meta.url))
const cli = join(here, '../dist/cli.js')
// The least any installer on Node does for the same install (see floor.mjs), timed in the same rounds.
const floor = join(here, 'floor.mjs')
const dir = mkdtempSync(join(tmpdir(), 'rpm-sim-txbench-'))
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
// Both tools run with the environment sudo(8) leaves an operator (env_reset: PATH and the like), not this shell's.
// What a build machine exports can cost Node alone: NODE_EXTRA_CA_CERTS (set on these machines) makes every Node
// start read a CA bundle, about 40 ms before the first line of any script runs, and rpm-sim makes no TLS calls.
const toolEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' }

function files(version, count = FILES) {
  const out = [
    { path: '/etc/bench/bench.conf', kind: 'file', content: `v${version}\n`, flags: { config: true, noreplace: true } },
  ]
  for (let i = 0; i < count; i++) {
    // ~40 bytes to ~4 KiB each, 100 directories; v2 changes every file, drops 5% and adds 5%.
    const name = version === 2 && i % 20 === 0 ? `n${i}` : `f${i}`
    out.push({
      path: `/opt/bench/d${i % 100}/${name}`,
      kind: 'file',
      content: `v${version} ${i} `.repeat(1 + (i % 400)),
      mtime: 1_700_000_000,
    })
  }
  return out
}

function run(cmd, args) {
  // Flush what earlier steps left dirty, so no run pays for another's writeback.
  spawnSync('sync')
  const full = timeBin ? [timeBin, ['-f', '%e %M', cmd, ...args]] : [cmd, args]
  const started = process.hrtime.bigint()
  const r = spawnSync(full[0], full[1], { encoding: 'utf8', env: toolEnv })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  const flushed = process.hrtime.bigint()
  spawnSync('sync')
  const syncSeconds = Number(process.hrtime.bigint() - flushed) / 1e9
  const last = r.stderr.trim().split('\n').at(-1) ?? ''
  const rssKiB = timeBin ? Number(last.split(' ')[1]) : undefined
  return { seconds, syncSeconds, rssMiB: rssKiB === undefined ? undefined : rssKiB / 1024 }
}

const fmt = (x) =>
  `${x.seconds.toFixed(2)} s (+ sync ${x.syncSeconds.toFixed(2)} s)${x.rssMiB !== undefined ? `, peak RSS ${x.rssMiB.toFixed(0)} MiB` : ''}`

// Install then upgrade, rpm-sim and real rpm, ROUNDS rounds in roots under `base`; prints the rounds and ratios.
function measure(base, v1, v2, haveRpm) {
  // Rounds in alternating orders, best of each: the disk's state after one tool's run slows the next one's.
  const best = { simI: Infinity, simU: Infinity, rpmI: Infinity, rpmU: Infinity, floorI: Infinity }
  const durable = { simI: Infinity, simU: Infinity, rpmI: Infinity, rpmU: Infinity }
  let rss = 0
  // Each round's own ratios too: the disk's state swings both tools' times within one run (ext4 creating 10,000
  // files took 0.8 s or 3.3 s for the same rpm), so the median of same-round ratios shows the usual gap.
  const paired = { install: [], upgrade: [] }
  for (let round = 0; round < ROUNDS; round++) {
    const times = {}
    const simRoot = join(base, `sim-${round}`)
    const rpmRoot = join(base, `rpm-${round}`)
    mkdirSync(simRoot)
    mkdirSync(join(rpmRoot, 'var/lib/rpm'), { recursive: true })
    const sim = () => {
      const i = run(process.execPath, [cli, '--root', simRoot, '-i', v1])
      const u = run(process.execPath, [cli, '--root', simRoot, '-U', v2])
      best.simI = Math.min(best.simI, i.seconds)
      best.simU = Math.min(best.simU, u.seconds)
      durable.simI = Math.min(durable.simI, i.seconds + i.syncSeconds)
      durable.simU = Math.min(durable.simU, u.seconds + u.syncSeconds)
      rss = Math.max(rss, i.rssMiB ?? 0, u.rssMiB ?? 0)
      times.simI = i.seconds
      times.simU = u.seconds
      console.log(`round ${round + 1}: rpm-sim  install ${fmt(i)}; upgrade ${fmt(u)}`)
    }
    const real = () => {
      if (!haveRpm) return
      spawnSync('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '--initdb'])
      const i = run('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '--nodeps', '-i', v1])
      const u = run('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '--nodeps', '-U', v2])
      best.rpmI = Math.min(best.rpmI, i.seconds)
      best.rpmU = Math.min(best.rpmU, u.seconds)
      durable.rpmI = Math.min(durable.rpmI, i.seconds + i.syncSeconds)
      durable.rpmU = Math.min(durable.rpmU, u.seconds + u.syncSeconds)
      times.rpmI = i.seconds
      times.rpmU = u.seconds
      console.log(`round ${round + 1}: real rpm install ${fmt(i)}; upgrade ${fmt(u)}`)
    }
    if (round % 2 === 0) {
      sim()
      real()
    } else {
      real()
      sim()
    }
    const floorRoot = join(base, `floor-${round}`)
    mkdirSync(floorRoot)
    best.floorI = Math.min(best.floorI, run(process.execPath, [floor, floorRoot, v1]).seconds)
    rmSync(floorRoot, { recursive: true, force: true })
    if (times.rpmI !== undefined) {
      paired.install.push(times.simI / times.rpmI)
      paired.upgrade.push(times.simU / times.rpmU)
    }
    rmSync(simRoot, { recursive: true, force: true })
    rmSync(rpmRoot, { recursive: true, force: true })
  }
  console.log(`rpm-sim peak RSS ${rss ? `${rss.toFixed(0)} MiB` : 'n/a (no /usr/bin/time)'} for ${FILES} files`)
  if (haveRpm) {
    console.log(
      `ratio rpm-sim/rpm install ${FILES} files: ${(best.simI / best.rpmI).toFixed(2)} (best ${best.simI.toFixed(2)} s vs ${best.rpmI.toFixed(2)} s; target <= 1.00)`,
    )
    console.log(
      `ratio rpm-sim/rpm upgrade ${FILES} files: ${(best.simU / best.rpmU).toFixed(2)} (best ${best.simU.toFixed(2)} s vs ${best.rpmU.toFixed(2)} s; target <= 1.00)`,
    )
    console.log(
      `floor under any installer on Node (bench/floor.mjs: Node's start, the readers, digests, writes and renames; no database, journal or checks): install ${best.floorI.toFixed(2)} s, ratio to real rpm ${(best.floorI / best.rpmI).toFixed(2)}`,
    )
    const median = (xs) => {
      const s = [...xs].sort((a, b) => a - b)
      return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
    }
    console.log(
      `median of same-round ratios (${ROUNDS} rounds): install ${median(paired.install).toFixed(2)}, upgrade ${median(paired.upgrade).toFixed(2)}`,
    )
    console.log(
      `with the sync after each (until on disk): install ${(durable.simI / durable.rpmI).toFixed(2)} (${durable.simI.toFixed(2)} s vs ${durable.rpmI.toFixed(2)} s), upgrade ${(durable.simU / durable.rpmU).toFixed(2)} (${durable.simU.toFixed(2)} s vs ${durable.rpmU.toFixed(2)} s)`,
    )
  }
}

// BENCH_SIZES=1000,10000,50000: installs of each size on tmpfs, rpm-sim and real rpm, best of ROUNDS each, and
// what one more file costs each tool between two sizes: the part of the gap that is per file, and what is the same
// for any package (Node's start, loading rpm-sim, the durability barriers).
async function scaling(base, sizes) {
  console.log(`== install by package size on tmpfs (${sizes.join(', ')} files; best of ${ROUNDS})`)
  const rows = []
  for (const count of sizes) {
    const pkg = join(base, `scale-${count}-1.noarch.rpm`)
    const spec = { name: 'scale', version: '1', release: '1', arch: 'noarch', files: files(1, count) }
    await writeRpm({ ...spec, summary: 'bench', description: 'bench', license: 'MIT' }, pkg)
    let sim = Infinity
    let rpm = Infinity
    for (let round = 0; round < ROUNDS; round++) {
      const simRoot = join(base, `scale-sim-${round}`)
      const rpmRoot = join(base, `scale-rpm-${round}`)
      mkdirSync(simRoot)
      mkdirSync(join(rpmRoot, 'var/lib/rpm'), { recursive: true })
      sim = Math.min(sim, run(process.execPath, [cli, '--root', simRoot, '-i', pkg]).seconds)
      spawnSync('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '--initdb'])
      rpm = Math.min(rpm, run('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '--nodeps', '-i', pkg]).seconds)
      rmSync(simRoot, { recursive: true, force: true })
      rmSync(rpmRoot, { recursive: true, force: true })
    }
    rmSync(pkg, { force: true })
    rows.push({ count, sim, rpm })
    console.log(
      `${count} files: rpm-sim ${sim.toFixed(2)} s, real rpm ${rpm.toFixed(2)} s, ratio ${(sim / rpm).toFixed(2)}`,
    )
  }
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]]
    const per = (x, y) => ((1e6 * (y - x)) / (b.count - a.count)).toFixed(0)
    console.log(
      `each file from ${a.count} to ${b.count}: rpm-sim ${per(a.sim, b.sim)} µs, real rpm ${per(a.rpm, b.rpm)} µs`,
    )
  }
}

// Node's own start (an empty script, best of 5) with this shell's environment and with the reset one, so the
// difference the reset makes is printed, not hidden.
function nodeStart() {
  const best = (env) => {
    let t = Infinity
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint()
      spawnSync(process.execPath, ['-e', '0'], { env })
      t = Math.min(t, Number(process.hrtime.bigint() - started) / 1e6)
    }
    return t.toFixed(0)
  }
  console.log(
    `node's start (empty script): ${best(process.env)} ms with this shell's environment, ${best(toolEnv)} ms with the reset one the tools run with`,
  )
}

function isTmpfs(path) {
  const r = spawnSync('stat', ['-f', '-c', '%T', path], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() === 'tmpfs'
}

try {
  const [v1, v2] = [1, 2].map((version) => join(dir, `bench-${version}-1.noarch.rpm`))
  for (const [version, out] of [
    [1, v1],
    [2, v2],
  ]) {
    const spec = { name: 'bench', version: `${version}`, release: '1', arch: 'noarch', files: files(version) }
    await writeRpm({ ...spec, summary: 'bench', description: 'bench', license: 'MIT' }, out)
  }
  const haveRpm = has('rpm')
  nodeStart()
  if (!haveRpm) console.log('real rpm not installed: no comparison (apt-get install rpm)')
  console.log(`== on disk (${dir})`)
  measure(dir, v1, v2, haveRpm)
  // The same rounds in RAM: the disk's swings (several-fold within one run on a shared disk) left out, what is
  // left is each tool's own work.
  const shm = '/dev/shm'
  if (process.env.BENCH_TMPFS !== '0' && isTmpfs(shm)) {
    const ram = mkdtempSync(join(shm, 'rpm-sim-txbench-'))
    try {
      console.log(`== on tmpfs (${ram})`)
      measure(ram, v1, v2, haveRpm)
      const sizes = (process.env.BENCH_SIZES ?? '').split(',').filter(Boolean).map(Number)
      if (sizes.length > 0 && haveRpm) await scaling(ram, sizes)
    } finally {
      rmSync(ram, { recursive: true, force: true })
    }
  } else console.log('no tmpfs run (BENCH_TMPFS=0, or /dev/shm is not a writable tmpfs)')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
