// The product's services: systemd units when systemd runs the target root, else processes found in /proc whose
// executable or command line lies under the install prefix, plus processes named like a service.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { basename, join, resolve, sep } from 'node:path'

/** One running service: a systemd unit, or a process (with what it takes to start it again). */
export type RunningService =
  | { kind: 'systemd'; name: string }
  | { kind: 'process'; name: string; pid: number; argv: string[]; cwd: string; env: Record<string, string> }

/** Where to look for services. */
export interface ServiceQuery {
  /** The target root (`/` for the host itself). */
  root: string
  /** The install prefix as the manifest names it (`/opt/rdb/agent`); joined to `root`. */
  prefix: string
  /** systemd units or process names from the manifest. */
  services: readonly string[]
  /** Force the systemd or the /proc method; by default systemd when root is `/` and systemd runs. */
  method?: 'systemd' | 'proc'
}

/** How a service is shown to users: `rdb-agent.service` or `pid 123 (sh /opt/rdb/agent/tools/agent.sh)`. */
export function describeService(service: RunningService): string {
  return service.kind === 'systemd' ? service.name : `pid ${service.pid} (${service.argv.join(' ')})`
}

/** True when systemd manages the host and the target root is the host itself. */
function systemdRuns(root: string): boolean {
  return resolve(root) === '/' && existsSync('/run/systemd/system')
}

/** Lists the product's running services; nothing when the type names none. */
export function findRunningServices(query: ServiceQuery): RunningService[] {
  if (query.services.length === 0) return []
  const method = query.method ?? (systemdRuns(query.root) ? 'systemd' : 'proc')
  if (method === 'systemd') {
    return query.services
      .filter((unit) => systemctl(['is-active', '--quiet', unit]))
      .map((name) => ({ kind: 'systemd', name }))
  }
  return findProcesses(query)
}

function systemctl(args: string[]): boolean {
  try {
    execFileSync('systemctl', args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function findProcesses(query: ServiceQuery): RunningService[] {
  const prefixDir = resolve(query.root, `.${query.prefix}`)
  const underPrefix = (path: string): boolean =>
    prefixDir !== '/' && (path === prefixDir || path.startsWith(prefixDir + sep))
  const excluded = ancestors(process.pid)
  const names = new Set(query.services)
  const found: (RunningService & { kind: 'process' })[] = []
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (excluded.has(pid)) continue
    const info = readProcess(pid)
    if (info === undefined || info.argv.length === 0 || info.state === 'Z') continue
    const matches =
      (info.exe !== undefined && underPrefix(info.exe)) ||
      info.argv.some((arg) => arg.startsWith('/') && underPrefix(arg)) ||
      names.has(info.comm) ||
      names.has(basename(info.argv[0]!))
    if (!matches) continue
    parents.set(pid, info.ppid)
    found.push({ kind: 'process', name: info.comm, pid, argv: info.argv, cwd: info.cwd, env: info.env })
  }
  // A match whose parent matches too is that service's own fork (a shell script forks itself before each command
  // it runs): stopping and starting the parent covers it, and starting it as a second service would double it.
  return found.filter((s) => !parents.has(parents.get(s.pid) ?? 0))
}

interface ProcInfo {
  argv: string[]
  exe: string | undefined
  comm: string
  cwd: string
  env: Record<string, string>
  state: string
  ppid: number
}

// State and parent of a process from /proc/N/stat (fields after the parenthesised name); undefined once it is gone.
function readStat(pid: number | string): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(join('/proc', String(pid), 'stat'), 'utf8')
    const tail = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { state: tail[0] ?? '?', ppid: Number(tail[1] ?? 0) }
  } catch {
    return undefined
  }
}

function readProcess(pid: number): ProcInfo | undefined {
  const dir = join('/proc', String(pid))
  try {
    const stat = readStat(pid)
    if (stat === undefined) return undefined
    const argv = readFileSync(join(dir, 'cmdline'), 'utf8').split('\0')
    if (argv.at(-1) === '') argv.pop()
    const env: Record<string, string> = {}
    try {
      for (const pair of readFileSync(join(dir, 'environ'), 'utf8').split('\0')) {
        const eq = pair.indexOf('=')
        if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1)
      }
    } catch {
      // not readable: restart with the installer's environment
    }
    return {
      argv,
      exe: safeReadlink(join(dir, 'exe')),
      comm: readFileSync(join(dir, 'comm'), 'utf8').trim(),
      cwd: safeReadlink(join(dir, 'cwd')) ?? '/',
      env,
      ...stat,
    }
  } catch {
    return undefined // exited while we looked
  }
}

function safeReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path).replace(/ \(deleted\)$/, '')
  } catch {
    return undefined
  }
}

// The installer, its launcher and whoever started them are never the product's services.
function ancestors(pid: number): Set<number> {
  const seen = new Set<number>()
  let current = pid
  while (current > 1 && !seen.has(current)) {
    seen.add(current)
    const info = readProcess(current)
    if (info === undefined) break
    current = info.ppid
  }
  return seen
}

// Descendants of a service process running the same command line: the forks a shell script makes of itself.
// Only /proc/N/stat of every process is read, and the command line of the service's descendants.
function forksOf(service: RunningService & { kind: 'process' }): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readStat(entry)
    if (stat !== undefined) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)])
  }
  const argv = `${service.argv.join('\0')}\0`
  const forks: number[] = []
  const walk = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      let cmdline: string | undefined
      try {
        cmdline = readFileSync(join('/proc', String(child), 'cmdline'), 'utf8')
      } catch {
        continue
      }
      if (cmdline !== argv) continue
      forks.push(child)
      walk(child)
    }
  }
  walk(service.pid)
  return forks
}

/** How long to wait after SIGTERM before SIGKILL, and how often to look. */
export interface StopOptions {
  graceMs?: number
  pollMs?: number
}

/** Stops services: `systemctl stop` for units; SIGTERM, wait, then SIGKILL for processes. Returns what stopped. */
export async function stopServices(
  services: readonly RunningService[],
  options: StopOptions = {},
): Promise<RunningService[]> {
  const graceMs = options.graceMs ?? 10_000
  const pollMs = options.pollMs ?? 50
  const stopped: RunningService[] = []
  const pids: number[] = []
  for (const service of services) {
    if (service.kind === 'systemd') {
      if (!systemctl(['stop', service.name])) throw new Error(`systemctl stop ${service.name} failed`)
      stopped.push(service)
      continue
    }
    // The service's own forks (same command line) go with it; only the service is started again.
    for (const pid of [service.pid, ...forksOf(service)]) {
      signal(pid, 'SIGTERM')
      pids.push(pid)
    }
    stopped.push(service)
  }
  const pending = () => pids.filter((pid) => isRunning(pid))
  const deadline = Date.now() + graceMs
  // Services are down from here: look again soon (most exit within milliseconds of SIGTERM), then every pollMs.
  for (let wait = Math.min(5, pollMs); pending().length > 0 && Date.now() < deadline; wait = Math.min(wait * 2, pollMs))
    await sleep(wait)
  for (const pid of pending()) signal(pid, 'SIGKILL')
  const killDeadline = Date.now() + 5_000
  while (pending().length > 0 && Date.now() < killDeadline) await sleep(pollMs)
  return stopped
}

/** Starts services again: `systemctl start` for units; the same command line, folder and environment for processes. */
export function startServices(services: readonly RunningService[]): {
  started: RunningService[]
  failed: { service: RunningService; error: string }[]
} {
  const started: RunningService[] = []
  const failed: { service: RunningService; error: string }[] = []
  for (const service of services) {
    if (service.kind === 'systemd') {
      if (systemctl(['start', service.name])) started.push(service)
      else failed.push({ service, error: `systemctl start ${service.name} failed` })
      continue
    }
    try {
      const [command, ...args] = service.argv
      const child = spawn(command!, args, {
        cwd: existsSync(service.cwd) ? service.cwd : '/',
        // An unreadable environ: the child inherits the installer's environment (spawn's default).
        ...(Object.keys(service.env).length > 0 ? { env: service.env } : {}),
        detached: true,
        stdio: 'ignore',
      })
      child.on('error', () => undefined)
      child.unref()
      started.push(service)
    } catch (error) {
      failed.push({ service, error: (error as Error).message })
    }
  }
  return { started, failed }
}

// A zombie has exited; only its parent's wait() removes it, so it counts as stopped.
function isRunning(pid: number): boolean {
  const stat = readStat(pid)
  return stat !== undefined && stat.state !== 'Z'
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // already gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms))
}
