// Test helpers for runs on a real `/` without touching the machine: an overlay of this machine's own root, entered
// in a private mount namespace (and, for systemd, a PID namespace with systemd as its PID 1). Everything a run
// writes lands in the overlay's upper folder, which tests read and which goes away with them.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import type { RunOutput } from './_test-e2e.js'
import { ownedTempDir, sweepDeadOwned } from './_test-owned.js'

const MOUNT_FAILED = 97

/** An overlay of `/`: `upper` holds what runs wrote (and what the test put there before), `merged` is the view. */
export interface Overlay {
  base: string
  upper: string
  work: string
  merged: string
}

/** A fresh overlay whose `/etc/os-release` says CentOS 7, holding `archives` under /srv/rdbpkg-e2e. */
export function newOverlay(archives: string[] = [], files: Record<string, string> = {}): Overlay {
  // tmpfs takes an overlay upper layer even where the temp folder is itself on an overlay (containers).
  const parent = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
  // A run killed before its cleanup leaves its overlay's folders behind (its namespaces die with it: see TIED), on
  // tmpfs, in memory: the next run removes them.
  sweepDeadOwned(parent, PREFIX)
  const base = ownedTempDir(parent, PREFIX)
  const o = { base, upper: join(base, 'upper'), work: join(base, 'work'), merged: join(base, 'merged') }
  for (const dir of [o.upper, o.work, o.merged]) mkdirSync(dir)
  const all = { 'etc/os-release': 'NAME="CentOS Linux"\nID="centos"\nVERSION_ID="7"\n', ...files }
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(o.upper, path)), { recursive: true })
    writeFileSync(join(o.upper, path), content)
  }
  for (const archive of archives)
    cpSync(archive, join(o.upper, 'srv/rdbpkg-e2e', basename(archive)), { recursive: true })
  return o
}

const PREFIX = 'rdbpkg-real-root-'

/** Removes an overlay's folders (after every namespace using it has ended). */
export function removeOverlay(o: Overlay): void {
  rmSync(o.base, { recursive: true, force: true })
}

// The namespace's processes die with the test's process, also when it is killed: setpriv gives unshare a parent-
// death signal, and unshare's --kill-child takes the namespace's PID 1 (and so every process in it) down with it.
const TIED = [
  '--pdeathsig',
  'KILL',
  'unshare',
  '--mount',
  '--pid',
  '--fork',
  '--kill-child',
  '--propagation',
  'private',
]

const MOUNT = `mount -t overlay overlay -o "lowerdir=/,upperdir=$U,workdir=$W" "$M" || exit ${MOUNT_FAILED}`

/**
 * Runs `command` with /bin/sh chrooted into the overlay, in its own mount and PID namespaces (gone when it ends): its
 * /proc shows only its own processes, so ./install's running-services check never sees another test's agent.
 */
export function inRealRoot(o: Overlay, command: string): RunOutput {
  const script = [
    MOUNT,
    `mount -t proc proc "$M/proc" && mount --rbind /dev "$M/dev" || exit ${MOUNT_FAILED}`,
    'exec chroot "$M" /bin/sh -c "$CMD"',
  ].join('\n')
  const run = spawnSync('setpriv', [...TIED, 'sh', '-c', script], {
    encoding: 'utf8',
    env: { ...process.env, U: o.upper, W: o.work, M: o.merged, CMD: command },
  })
  return { code: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? run.error?.message ?? '' }
}

/** `./install ARGS` of an archive that {@link newOverlay} placed, run in the real root. */
export function installInRealRoot(
  o: Overlay,
  archive: string,
  args = '',
  run: (command: string) => RunOutput = (command) => inRealRoot(o, command),
): RunOutput {
  return run(`cd /srv/rdbpkg-e2e/${basename(archive)} && ./install ${args}`)
}

/** Why runs in a real root cannot happen here (not root, no rpm, no overlayfs), or undefined when they can. */
export function realRootUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'needs root (mount namespaces, overlayfs, chroot)'
  try {
    execFileSync('rpm', ['--version'], { stdio: 'ignore' })
  } catch {
    return 'rpm is not installed'
  }
  const o = newOverlay()
  try {
    const r = inRealRoot(o, 'test -x /bin/sh && test -d /proc/self')
    return r.code === 0
      ? undefined
      : `cannot chroot into an overlay of / here (exit ${r.code}: ${r.stderr.trim().split('\n').pop()})`
  } finally {
    removeOverlay(o)
  }
}

/** A systemd booted as PID 1 of its own PID namespace, chrooted into an overlay; `exec` runs commands beside it. */
export interface BootedSystemd {
  pid: number
  exec(command: string): RunOutput
  /** Kills the namespace's PID 1 (and with it every process inside) and waits for it to go. */
  stop(): Promise<void>
}

const TARGET = 'rdbpkg-test.target'

/**
 * Boots `/lib/systemd/systemd --system` into `rdbpkg-test.target` (an empty target, so only the units a test
 * starts run) inside the overlay, and waits until `systemctl is-system-running` answers running or degraded.
 * Rejects with the reason (and systemd's own output) when it does not come up.
 */
export async function bootSystemd(o: Overlay, timeoutMs = 30_000): Promise<BootedSystemd> {
  mkdirSync(join(o.upper, 'etc/systemd/system'), { recursive: true })
  writeFileSync(join(o.upper, 'etc/systemd/system', TARGET), '[Unit]\nDescription=rdbpkg end-to-end tests\n')
  const script = [
    MOUNT,
    'mount -t proc proc "$M/proc" && mount --rbind /sys "$M/sys" && mount --rbind /dev "$M/dev" || exit ' +
      MOUNT_FAILED,
    `mount -t tmpfs tmpfs "$M/run" && mount -t tmpfs tmpfs "$M/tmp" || exit ${MOUNT_FAILED}`,
    `exec chroot "$M" /lib/systemd/systemd --system --unit=${TARGET} --log-target=console`,
  ].join('\n')
  const log = join(o.base, 'systemd.log')
  const out = spawn('setpriv', [...TIED, 'sh', '-c', script], {
    env: { ...process.env, U: o.upper, W: o.work, M: o.merged, container: 'rdbpkg-test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  out.stdout.on('data', (chunk) => (output += chunk))
  out.stderr.on('data', (chunk) => (output += chunk))
  let exited = false
  out.on('exit', () => (exited = true))
  const why = (text: string): Error => {
    writeFileSync(log, output)
    return new Error(`${text}; systemd said: ${output.trim().split('\n').slice(-5).join(' | ')}`)
  }
  const deadline = Date.now() + timeoutMs
  let pid: number | undefined
  while (Date.now() < deadline && !exited) {
    // unshare --fork: systemd is unshare's only child (sh and chroot exec into it).
    const children = readFileSync(`/proc/${out.pid}/task/${out.pid}/children`, 'utf8').trim()
    pid = children === '' ? undefined : Number(children.split(' ')[0])
    if (pid !== undefined && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'systemd') {
      const state = nsExec(pid, 'systemctl is-system-running').stdout.trim()
      if (state === 'running' || state === 'degraded') break
    }
    await new Promise((done) => setTimeout(done, 200))
  }
  if (exited || pid === undefined) throw why('systemd exited while booting')
  if (Date.now() >= deadline) {
    out.kill('SIGKILL')
    throw why(`systemd did not reach ${TARGET} within ${timeoutMs} ms`)
  }
  const booted = pid
  return {
    pid: booted,
    exec: (command) => nsExec(booted, command),
    stop: async () => {
      if (exited) return
      const gone = new Promise((done) => out.once('exit', done))
      try {
        process.kill(booted, 'SIGKILL')
      } catch {
        // already gone
      }
      await gone
    },
  }
}

function nsExec(pid: number, command: string): RunOutput {
  const run = spawnSync(
    'nsenter',
    ['--target', String(pid), '--mount', '--pid', '--root', '--wd', '/bin/sh', '-c', command],
    { encoding: 'utf8', env: { ...process.env } },
  )
  return { code: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? run.error?.message ?? '' }
}
