#!/usr/bin/env node
// `pnpm bench` (builder, second part): what embedding a Node runtime costs. Builds the same agent archive without
// and with `--node-runtime 16.20.2` (fetched through npm, cached after the first run), then prints the archive sizes,
// the build times and the time of `./install --root` (the real launcher, which checks runtime/node against
// SHA256SUMS) with the embedded runtime beside the same install with the host's node on PATH; BENCH_RUNTIME_MB sets
// the payload size (default 50), BENCH_RUNS the runs (taken in turns, best kept, default 3). Without the registry
// it says so and exits 0. Data lives in a temp dir, removed after.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const MB = 1024 * 1024
const payloadMb = Number(process.env.BENCH_RUNTIME_MB ?? 50)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const { RECOMMENDED_NODE_RUNTIME } = await import(new URL('../dist/index.js', import.meta.url).href)
if (!existsSync(cli)) {
  console.error('bench: build first (pnpm build): dist/cli.js is missing')
  process.exit(2)
}
const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch]
if (arch === undefined) {
  console.log(`bench runtime: skipped: no official Node runtime for ${process.arch} on the npm registry`)
  process.exit(0)
}
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'rdbpkg-runtime-bench-'))

function sh(script, env = {}) {
  const result = spawnSync('sh', ['-c', script], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000', ...env },
  })
  return result
}
function must(script, env) {
  const result = sh(script, env)
  if (result.status !== 0) throw new Error(`bench: failed (${result.status}): ${script}\n${result.stderr}`)
  return result
}
const seconds = (fn) => {
  const start = performance.now()
  fn()
  return (performance.now() - start) / 1000
}

try {
  const name = `rdb_agent_5.7.1.0_centos.${arch}`
  mkdirSync(join(work, 'in/payload/fsbackup_kernel_4.x'), { recursive: true })
  mkdirSync(join(work, 'in/payload/tools'), { recursive: true })
  for (let i = 0; i < 4; i++)
    writeFileSync(
      join(work, `in/payload/fsbackup_kernel_4.x/m${i}.ko`),
      Buffer.concat([randomBytes((payloadMb * MB) / 8), Buffer.alloc((payloadMb * MB) / 8, 'a')]),
    )
  for (let i = 0; i < 200; i++) writeFileSync(join(work, `in/payload/tools/t${i}.sh`), `#!/bin/sh\necho ${i}\n`)
  writeFileSync(
    join(work, 'in/version.json'),
    JSON.stringify({ package_name: name, package_type: 'install_rdb_agent', os_release: 'centos' }),
  )

  const build = (out, extra) =>
    seconds(() => must(`cd in && node '${cli}' -q --payload-dir payload --out '../${out}' ${extra}`))
  const plainBuild = build('plain', '')
  const fetched = sh(
    `cd in && node '${cli}' -q --payload-dir payload --out ../fetch --node-runtime ${RECOMMENDED_NODE_RUNTIME}`,
  )
  if (fetched.status !== 0) {
    console.log(
      `bench runtime: skipped: the builder could not fetch the runtime (${fetched.stderr.trim().split('\n').pop()})`,
    )
    process.exit(0)
  }
  // Timed once the runtime is in npm's cache: what a release build costs, not the download.
  const runtimeBuild = build('runtime', `--node-runtime ${RECOMMENDED_NODE_RUNTIME}`)
  const size = (dir) => statSync(join(work, dir, `${name}.tar.gz`)).size
  for (const dir of ['plain', 'runtime']) must(`mkdir -p x-${dir} && tar -xzf '${dir}/${name}.tar.gz' -C x-${dir}`)

  // The host's node only on PATH for the archive without a runtime; the other finds none there, as on a bare el7 host.
  const hostPath = `${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin`
  const barePath = '/usr/sbin:/usr/bin:/sbin:/bin'
  const hasSystemNode = spawnSync('sh', ['-c', 'command -v node'], { env: { PATH: barePath } }).status === 0
  const cases = [
    { label: `./install, node ${process.version} on PATH, no runtime`, dir: 'plain', env: { PATH: hostPath } },
    { label: `./install, embedded runtime v${RECOMMENDED_NODE_RUNTIME}`, dir: 'runtime', env: { PATH: barePath } },
  ]
  const best = cases.map(() => Infinity)
  for (let i = 0; i < runs; i++) {
    for (const [index, c] of cases.entries()) {
      must(
        `rm -rf root-${c.dir} && mkdir -p root-${c.dir}/etc && echo 'ID="centos"' > root-${c.dir}/etc/os-release && sync`,
      )
      const t = seconds(() => must(`'x-${c.dir}/${name}/install' --root root-${c.dir}`, c.env))
      best[index] = Math.min(best[index], t)
    }
  }
  const log = must(`cat root-runtime/var/log/rdbpkg/install.log`).stdout
  const ranOn = /node=(\S+)/.exec(log)?.[1]

  console.log(
    `\nbench runtime: ${payloadMb} MiB agent payload, ${arch}; best of ${runs} (shared, loaded machines make these noisy)`,
  )
  console.log(
    `  archive without runtime        ${(size('plain') / MB).toFixed(1).padStart(7)} MiB   build ${plainBuild.toFixed(2)} s`,
  )
  console.log(
    `  archive with runtime/node      ${(size('runtime') / MB).toFixed(1).padStart(7)} MiB   build ${runtimeBuild.toFixed(2)} s   (+${((size('runtime') - size('plain')) / MB).toFixed(1)} MiB)`,
  )
  for (const [index, c] of cases.entries()) console.log(`  ${c.label.padEnd(52)} ${best[index].toFixed(2)} s`)
  console.log(
    `  with runtime / without: ${(best[1] / best[0]).toFixed(2)}x install time (ran on ${ranOn}${hasSystemNode ? '; note: a node is also on the bare PATH' : ''})`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
