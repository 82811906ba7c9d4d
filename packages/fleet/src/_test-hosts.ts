// Test helpers: a fleet of real ssh hosts on this one machine. Each host is a network namespace with a veth into a
// bridge (in a controller namespace of its own, on a private /24 with no route out), and inside it
// `unshare --mount --pid --uts --ipc --fork`: an overlay of the machine's `/` with a tmpfs upper layer (its own
// /etc/os-release, ssh host key, /run, /tmp), and tini as PID 1 running `sshd -D`. Ansible runs inside the
// controller namespace, so every packet stays between namespaces this helper made. Names and the /24 derive from
// the pid, so concurrent runs do not collide; `destroy()` SIGKILLs each PID 1 and deletes veths and namespaces.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ownedTempDir, processAlive, sweepDeadOwned } from '@rdbpkg/e2e'

/** What one host is made of. */
export interface HostSpec {
  name: string
  /** `/etc/os-release` ID (`centos`, `bclinux`, ...). */
  osId: string
  /** The target's Python (`ansible_python_interpreter`). */
  python: string
}

/** A running host. */
export interface Host extends HostSpec {
  ip: string
  netns: string
  /** The host's PID 1 (tini) as this machine sees it. */
  pid: number
}

/** What a command run inside a host (or ansible in the controller namespace) returned. */
export interface CommandOutput {
  code: number | null
  stdout: string
  stderr: string
}

/** One ansible-playbook run: its exit code, the json callback's report, and stderr. */
export interface PlaybookRun extends CommandOutput {
  report: AnsibleReport | undefined
}

/** The parts of ansible's `json` stdout callback the tests read. */
export interface AnsibleReport {
  plays: { play: { name: string }; tasks: { task: { name: string }; hosts: Record<string, TaskResult> }[] }[]
  stats: Record<string, { ok: number; changed: number; failures: number; unreachable: number; skipped: number }>
}

/** One task's result on one host (the module's return values). */
export type TaskResult = Record<string, unknown> & {
  changed?: boolean
  failed?: boolean
  msg?: string
  skipped?: boolean
}

/** The repository root (where the collection lives under ansible/collections). */
export const REPO_ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..')

const PYENV = '/root/.pyenv/versions'

/** Interpreters for targets: pyenv's 2.7 and 3.6 where this machine has them; `missing` says what is not. */
export function targetPythons(): { py27: string; py36: string; missing: string[] } {
  const find = (version: string, exe: string): string | undefined => {
    if (!existsSync(PYENV)) return undefined
    const dir = readdirSync(PYENV).find((name) => name.startsWith(version))
    return dir === undefined || !existsSync(join(PYENV, dir, 'bin', exe)) ? undefined : join(PYENV, dir, 'bin', exe)
  }
  const py27 = find('2.7', 'python2.7')
  const py36 = find('3.6', 'python3.6')
  const missing = [...(py27 ? [] : ['Python 2.7']), ...(py36 ? [] : ['Python 3.6'])]
  const fallback = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
  return { py27: py27 ?? fallback, py36: py36 ?? fallback, missing }
}

/** Why a fleet cannot be made here, or undefined when it can. */
export function fleetUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, overlayfs, unshare)'
  for (const [tool, pkg] of [
    ['ansible-playbook', 'ansible'],
    ['ansible-galaxy', 'ansible'],
    ['sshd', 'openssh-server'],
    ['ssh-keygen', 'openssh-client'],
    ['tini', 'tini'],
    ['unshare', 'util-linux'],
    ['setpriv', 'util-linux'],
    ['nsenter', 'util-linux'],
    ['ip', 'iproute2'],
    ['ss', 'iproute2'],
    ['rpm', 'rpm'],
  ] as const) {
    if (which(tool) === undefined) return `${tool} is not installed (apt-get install ${pkg})`
  }
  return undefined
}

function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (existsSync(join(dir, tool))) return join(dir, tool)
  }
  return undefined
}

function sh(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(input === undefined ? {} : { input }),
  })
}

function quiet(command: string, args: string[]): void {
  spawnSync(command, args, { stdio: 'ignore' })
}

// A /24 in 10.0.0.0/8 from the pid, moved on while this machine already routes it.
function freeSubnet(): string {
  const routes = sh('ip', ['-4', 'route', 'show', 'table', 'all'])
  for (let n = process.pid; ; n++) {
    const subnet = `10.${(n >> 8) & 255}.${n & 255}`
    if (!routes.includes(`${subnet}.`)) return subnet
  }
}

const HOST_SCRIPT = `set -e
mount -t tmpfs -o mode=0755 tmpfs "$BASE"
mkdir "$BASE/upper" "$BASE/work" "$BASE/merged"
cp -a "$SEED/." "$BASE/upper/"
mount -t overlay overlay -o "lowerdir=/,upperdir=$BASE/upper,workdir=$BASE/work" "$BASE/merged"
mount -t proc proc "$BASE/merged/proc"
mount --rbind /dev "$BASE/merged/dev"
mount -t tmpfs -o mode=0755 tmpfs "$BASE/merged/run"
mkdir -p "$BASE/merged/run/sshd"
mount -t tmpfs -o mode=1777 tmpfs "$BASE/merged/tmp"
hostname "$HOSTNAME_"
exec chroot "$BASE/merged" /usr/bin/tini -- /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config.rdbpkg
`

/** A fleet of namespaced ssh hosts and the ansible that drives them. */
export class Fleet {
  readonly dir: string
  readonly hosts: Host[] = []
  readonly controller: string
  readonly bridge: string
  readonly subnet: string
  private readonly tag: string
  private readonly key: string
  private readonly knownHosts: string
  private readonly veths: string[] = []
  private readonly namespaces: string[] = []
  private readonly starters: number[] = []

  private constructor() {
    sweepDeadFleets()
    this.dir = fleetTempDir('')
    this.tag = `rf${process.pid.toString(36)}`
    this.controller = `rdbpkg-fleet-${process.pid}-ctl`
    this.bridge = `${this.tag}br`
    this.subnet = freeSubnet()
    this.key = join(this.dir, 'id_ed25519')
    this.knownHosts = join(this.dir, 'known_hosts')
  }

  /** Makes the controller namespace, the bridge and one host per spec; tears down what it made on failure. */
  static async create(specs: readonly HostSpec[]): Promise<Fleet> {
    const fleet = new Fleet()
    try {
      fleet.setUpController()
      for (const [index, spec] of specs.entries()) fleet.hosts.push(fleet.startHost(spec, index + 2))
      for (const host of fleet.hosts) await fleet.waitForSshd(host)
      return fleet
    } catch (error) {
      await fleet.destroy()
      throw error
    }
  }

  private setUpController(): void {
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'rdbpkg-fleet-test', '-f', this.key])
    writeFileSync(this.knownHosts, '')
    // An empty config of our own: no ansible.cfg of the machine or the cwd changes how the tests run.
    writeFileSync(join(this.dir, 'ansible.cfg'), '[defaults]\n')
    sh('ip', ['netns', 'add', this.controller])
    this.namespaces.push(this.controller)
    const inCtl = (...args: string[]): string => sh('ip', ['netns', 'exec', this.controller, 'ip', ...args])
    inCtl('link', 'set', 'lo', 'up')
    inCtl('link', 'add', this.bridge, 'type', 'bridge')
    inCtl('addr', 'add', `${this.subnet}.1/24`, 'dev', this.bridge)
    inCtl('link', 'set', this.bridge, 'up')
  }

  private startHost(spec: HostSpec, octet: number): Host {
    const ip = `${this.subnet}.${octet}`
    const netns = `rdbpkg-fleet-${process.pid}-${spec.name}`
    const outside = `${this.tag}h${octet}`
    const inside = `${this.tag}p${octet}`
    const hostDir = join(this.dir, spec.name)
    const seed = join(hostDir, 'seed')
    const base = join(hostDir, 'base')
    mkdirSync(base, { recursive: true })
    // The host's own files, copied into its tmpfs upper layer before the overlay is mounted.
    const files: Record<string, string> = {
      'etc/os-release': `NAME="${spec.osId} test host"\nID="${spec.osId}"\nVERSION_ID="7"\n`,
      'etc/hostname': `${spec.name}\n`,
      'etc/ssh/sshd_config.rdbpkg': [
        `ListenAddress ${ip}`,
        'Port 22',
        'HostKey /etc/ssh/rdbpkg_host_ed25519_key',
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'AuthorizedKeysFile /root/.ssh/authorized_keys',
        'UsePAM no',
        'StrictModes no',
        'PidFile /run/sshd.pid',
        'MaxSessions 50',
        'MaxStartups 50',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
      'root/.ssh/authorized_keys': readFileSync(`${this.key}.pub`, 'utf8'),
      // A target's plain root shell: this machine's own ~/.bashrc (pyenv init and the like) would run in every
      // non-interactive bash an ssh session starts, rpm's macro expansions included.
      'root/.bashrc': '# rdbpkg fleet test host\n',
      'root/.profile': '# rdbpkg fleet test host\n',
    }
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(seed, path)), { recursive: true })
      writeFileSync(join(seed, path), content)
    }
    chmodSync(join(seed, 'root'), 0o700)
    chmodSync(join(seed, 'root/.ssh'), 0o700)
    chmodSync(join(seed, 'root/.ssh/authorized_keys'), 0o600)
    const hostKey = join(seed, 'etc/ssh/rdbpkg_host_ed25519_key')
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', spec.name, '-f', hostKey])
    const publicKey = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')
    writeFileSync(this.knownHosts, `${readFileSync(this.knownHosts, 'utf8')}${ip} ${publicKey}\n`)

    sh('ip', ['netns', 'add', netns])
    this.namespaces.push(netns)
    sh('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside])
    this.veths.push(outside)
    sh('ip', ['link', 'set', inside, 'netns', netns])
    sh('ip', ['link', 'set', outside, 'netns', this.controller])
    sh('ip', ['netns', 'exec', this.controller, 'ip', 'link', 'set', outside, 'master', this.bridge, 'up'])
    const inHost = (...args: string[]): string => sh('ip', ['netns', 'exec', netns, 'ip', ...args])
    inHost('link', 'set', 'lo', 'up')
    inHost('link', 'set', inside, 'name', 'eth0')
    inHost('addr', 'add', `${ip}/24`, 'dev', 'eth0')
    inHost('link', 'set', 'eth0', 'up')

    const log = openSync(join(hostDir, 'host.log'), 'a')
    // setpriv: the host dies with the test's process, also when that is killed (a parent-death signal survives
    // ip's exec of unshare, and --kill-child takes the host's PID 1, so every process in it, down with unshare).
    const child = spawn(
      'setpriv',
      [
        '--pdeathsig',
        'KILL',
        'ip',
        'netns',
        'exec',
        netns,
        'unshare',
        '--mount',
        '--pid',
        '--uts',
        '--ipc',
        '--fork',
        '--kill-child',
        '--propagation',
        'private',
        'sh',
        '-c',
        HOST_SCRIPT,
      ],
      {
        env: { ...process.env, BASE: base, SEED: seed, HOSTNAME_: spec.name },
        stdio: ['ignore', log, log],
        detached: true,
      },
    )
    closeSync(log)
    child.unref()
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start unshare`)
    this.starters.push(child.pid)
    return { ...spec, ip, netns, pid: child.pid }
  }

  // unshare --fork's child is the host's PID 1 (sh, then chroot, then tini); sshd listening means it is up.
  private async waitForSshd(host: Host): Promise<void> {
    const deadline = Date.now() + 30_000
    for (;;) {
      const child = childOf(host.pid)
      const listening =
        spawnSync('ip', ['netns', 'exec', host.netns, 'ss', '-Hltn', `sport = :22`], { encoding: 'utf8' }).stdout ?? ''
      if (child !== undefined && listening.includes(host.ip)) {
        host.pid = child
        return
      }
      if (Date.now() > deadline) {
        const log = readFileSync(join(this.dir, host.name, 'host.log'), 'utf8')
        throw new Error(
          `${host.name}: sshd did not come up within 30 s: ${log.trim().split('\n').slice(-5).join(' | ')}`,
        )
      }
      await new Promise((done) => setTimeout(done, 100))
    }
  }

  /** Writes an ini inventory of `names` (in that order), each with its Python and the test's ssh key. */
  inventory(file: string, names: readonly string[] = this.hosts.map((h) => h.name)): string {
    const lines = ['[fleet]']
    for (const name of names) {
      const host = this.host(name)
      lines.push(`${host.name} ansible_host=${host.ip} ansible_python_interpreter=${host.python}`)
    }
    const ssh = `-o UserKnownHostsFile=${this.knownHosts} -o StrictHostKeyChecking=yes -o ControlMaster=auto -o ControlPersist=120s -o ControlPath=${join(this.dir, 'cp-%C')}`
    lines.push(
      '',
      '[fleet:vars]',
      'ansible_user=root',
      `ansible_ssh_private_key_file=${this.key}`,
      `ansible_ssh_common_args='${ssh}'`,
      '',
    )
    const path = join(this.dir, file)
    writeFileSync(path, lines.join('\n'))
    return path
  }

  /** A host by name. */
  host(name: string): Host {
    const host = this.hosts.find((h) => h.name === name)
    if (host === undefined) throw new Error(`no host ${name}`)
    return host
  }

  /** Runs `ansible-playbook ARGS` from the repo root inside the controller namespace, with the json callback. */
  playbook(args: readonly string[], env: Record<string, string> = {}): Promise<PlaybookRun> {
    return new Promise((done, fail) => {
      const child = spawn('ip', ['netns', 'exec', this.controller, 'ansible-playbook', ...args], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ANSIBLE_COLLECTIONS_PATH: 'ansible/collections',
          ANSIBLE_STDOUT_CALLBACK: 'json',
          ANSIBLE_PIPELINING: 'True',
          ANSIBLE_FORKS: '10',
          ANSIBLE_NOCOLOR: '1',
          ANSIBLE_RETRY_FILES_ENABLED: 'False',
          ANSIBLE_LOCAL_TEMP: join(this.dir, 'ansible-tmp'),
          ANSIBLE_HOME: join(this.dir, 'ansible-home'),
          ANSIBLE_CONFIG: join(this.dir, 'ansible.cfg'),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.on('error', fail)
      child.on('close', (code) => {
        let report: AnsibleReport | undefined
        try {
          report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as AnsibleReport
        } catch {
          report = undefined
        }
        done({ code, stdout, stderr, report })
      })
    })
  }

  /** Runs `sh -c command` inside a host: its mount, pid, uts, ipc and network namespaces and its root. */
  exec(name: string, command: string): CommandOutput {
    const host = this.host(name)
    const run = spawnSync(
      'nsenter',
      ['-t', String(host.pid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', 'sh', '-c', command],
      { encoding: 'utf8' },
    )
    return { code: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? run.error?.message ?? '' }
  }

  /** Ends every host (SIGKILL to each PID 1 takes its namespaces and mounts along), deletes veths, namespaces, files. */
  async destroy(): Promise<void> {
    // ssh ControlPersist masters ansible left in the controller namespace.
    for (const ns of this.namespaces) {
      for (const pid of netnsPids(ns)) killQuietly(pid)
    }
    for (const host of this.hosts) killQuietly(host.pid)
    for (const pid of this.starters) killQuietly(pid)
    const deadline = Date.now() + 10_000
    while ([...this.hosts.map((h) => h.pid), ...this.starters].some(processAlive) && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 50))
    for (const veth of this.veths) {
      quiet('ip', ['netns', 'exec', this.controller, 'ip', 'link', 'del', veth])
      quiet('ip', ['link', 'del', veth])
    }
    quiet('ip', ['netns', 'exec', this.controller, 'ip', 'link', 'del', this.bridge])
    for (const ns of [...this.namespaces].reverse()) quiet('ip', ['netns', 'del', ns])
    // The tmpfs each host mounted lived in its own mount namespace; what is left on disk is empty folders and seeds.
    rmSync(this.dir, { recursive: true, force: true })
  }
}

function childOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
    return children === '' ? undefined : Number(children.split(' ')[0])
  } catch {
    return undefined
  }
}

const FLEET_PREFIX = 'rdbpkg-fleet-'

/** A temporary folder `rdbpkg-fleet-<name>XXXXXX` marked with this process as its owner, so a run killed before
 * its cleanup leaves nothing the next fleet does not remove (see sweepDeadFleets). */
export function fleetTempDir(name: string): string {
  return ownedTempDir(tmpdir(), `${FLEET_PREFIX}${name}`)
}

/**
 * A run killed before destroy() leaves its namespaces (its hosts' processes die with it: see startHost) and its
 * folder behind. A new fleet first removes those of runs whose process is gone: namespaces are named
 * `rdbpkg-fleet-<pid>-<host>`, folders hold an `owner` file. Those of live runs (another worktree's) stay.
 */
function sweepDeadFleets(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? ''
  for (const line of list.split('\n')) {
    const m = /^(rdbpkg-fleet-(\d+)-\S+)/.exec(line)
    if (m === null || processAlive(Number(m[2]))) continue
    for (const pid of netnsPids(m[1]!)) killQuietly(pid)
    quiet('ip', ['netns', 'del', m[1]!])
  }
  sweepDeadOwned(tmpdir(), FLEET_PREFIX)
}

function netnsPids(ns: string): number[] {
  const out = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? ''
  return out
    .split('\n')
    .filter((line) => /^\d+$/.test(line))
    .map(Number)
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
