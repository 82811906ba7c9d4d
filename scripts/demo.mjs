// `pnpm demo`: the README's main job, end to end, on the agent example: generate the example payloads, build
// the archive with the built rdbpkg-build CLI, unpack it with real tar, and run its ./install on a temporary
// root whose /etc/os-release says ID=centos. Prints each step and its output; exits non-zero if a step fails.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('..', import.meta.url))
const cli = join(repo, 'packages', 'builder', 'dist', 'cli.js')
const example = join(repo, 'examples', 'agent')
const work = mkdtempSync(join(tmpdir(), 'rdbpkg-demo-'))
// `pnpm demo -- --keep` leaves the temporary folder (archive, extracted folder, root) for a look around.
const keep = process.argv.includes('--keep')

function step(title, command, args, options = {}) {
  console.log(`\n$ ${[command, ...args].join(' ')}${options.cwd ? `    # in ${options.cwd}` : ''}`)
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  process.stdout.write(result.stdout ?? '')
  process.stderr.write(result.stderr ?? '')
  const ok = (options.expect ?? [0]).includes(result.status)
  console.log(`-> ${title}: exit ${result.status}${ok ? '' : ' (unexpected)'}`)
  if (!ok) {
    rmSync(work, { recursive: true, force: true })
    process.exit(1)
  }
  return result
}

try {
  step('example payloads generated', process.execPath, [join(repo, 'examples', 'make-payloads.mjs'), '-q'])
  const out = join(work, 'out')
  step('archive built', process.execPath, [cli, '--out', out], {
    cwd: example,
    env: { ...process.env, SOURCE_DATE_EPOCH: process.env.SOURCE_DATE_EPOCH ?? '1700000000' },
  })
  const name = 'rdb_agent_5.7.1.0_centos.x86_64'
  const host = join(work, 'host')
  mkdirSync(host)
  step('archive unpacked', 'tar', ['-zxvf', join(out, `${name}.tar.gz`)], { cwd: host })
  const root = join(work, 'root')
  mkdirSync(join(root, 'etc'), { recursive: true })
  writeFileSync(join(root, 'etc', 'os-release'), 'NAME="CentOS Linux"\nID="centos"\nVERSION_ID="7"\n')
  const folder = join(host, name)
  step('installer help', './install', ['--help'], { cwd: folder })
  step('archive verified', './install', ['--check'], { cwd: folder })
  step('agent installed', './install', ['--root', root], { cwd: folder })
  const rpmSim = join(repo, 'packages', 'rpm-sim', 'dist', 'cli.js')
  step('installed packages', process.execPath, [rpmSim, '--root', root, '-qa'])
  step('files of rdb-agent', process.execPath, [rpmSim, '--root', root, '-ql', 'rdb-agent'])
  step('database matches the disk', process.execPath, [rpmSim, '--root', root, '-V', 'rdb-agent'])
  step('same version again is a no-op', './install', ['--root', root], { cwd: folder })
  step('transaction history', './install', ['--root', root, '--history'], { cwd: folder })
  console.log(`\ndemo done: built, unpacked, verified and installed ${name} into the temporary root ${root}`)
  if (keep) console.log(`kept ${work} (--keep)`)
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true })
}
