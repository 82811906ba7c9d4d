import { listInstalled, runTransaction, writeRpm } from '@rdbpkg/rpm-sim'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hostRpmArch } from './host.js'
import { removeLeftoverStaging, removeStaging, stagingDirFor } from './payload.js'
import { listRecords, listStopped, recordsDir, saveStopped } from './records.js'
import { runInstall } from './run-install.js'
import type { InstallProgress } from './run-install.js'
import { findRunningServices } from './_services.js'
import { makeArchiveDir, makeRoot, tempDir, writeSums } from './_test-archive.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

const ARCH = hostRpmArch()

function setup() {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const v1 = makeArchiveDir(
    dir,
    { package_name: `rdb_agent_1.0_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
    {
      'tools/a.sh': 'v1\n',
      'fsbackup_kernel_4.x/k': 'k1\n',
    },
  )
  const v2 = makeArchiveDir(
    dir,
    { package_name: `rdb_agent_2.0_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
    {
      'tools/a.sh': 'v2\n',
      'fsbackup_kernel_4.x/k': 'k2\n',
    },
  )
  return { v1, v2, root: makeRoot(dir) }
}

// A run killed after its engine transaction but before it cleared its record leaves a pending record.
function markLastPending(root: string, dropTids: boolean): void {
  const last = listRecords(root).at(-1)!
  const file = join(recordsDir(root), `${last.id}.json`)
  const data = JSON.parse(readFileSync(file, 'utf8'))
  data.pending = true
  if (dropTids) data.tids = []
  writeFileSync(file, JSON.stringify(data))
}

describe('runInstall records', () => {
  it('rolls back a run that was killed after its transaction (found by its description)', async () => {
    const { v1, v2, root } = setup()
    expect((await runInstall({ archiveDir: v1, root })).exitCode).toBe(0)
    expect((await runInstall({ archiveDir: v2, root })).exitCode).toBe(0)
    markLastPending(root, true)
    const rolled = await runInstall({ archiveDir: v2, root, rollback: true })
    expect(rolled.error).toBeUndefined()
    expect(rolled).toMatchObject({ exitCode: 0, status: 'rolled-back', to: `rdb-agent-1.0-1.${ARCH}` })
    expect(readFileSync(join(root, 'opt/rdb/agent/tools/a.sh'), 'utf8')).toBe('v1\n')
  })

  it('drops a pending record with nothing behind it and rolls back the one before', async () => {
    const { v1, root } = setup()
    expect((await runInstall({ archiveDir: v1, root })).exitCode).toBe(0)
    const first = listRecords(root)[0]!
    // A second run that was killed before its engine transaction: a pending record and nothing else.
    writeFileSync(
      join(recordsDir(root), `${first.id}9.json`),
      JSON.stringify({ ...first, id: `${first.id}9`, pending: true, tids: [], action: 'upgrade' }),
    )
    const messages: string[] = []
    const rolled = await runInstall({ archiveDir: v1, root, rollback: true, onMessage: (m) => messages.push(m.text) })
    expect(rolled.exitCode).toBe(0)
    expect(messages.some((m) => m.includes('changed nothing; dropped'))).toBe(true)
    expect(await listInstalled(root)).toEqual([])
  })

  it('a failed run exits 1 and leaves no record behind', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const v1 = makeArchiveDir(
      dir,
      { package_name: `rdb_agent_1.0_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
      {
        'tools/shared.sh': 'agent\n',
        'fsbackup_kernel_4.x/k': 'k1\n',
      },
    )
    const root = makeRoot(dir)
    // Another package owns a path the agent ships: the engine refuses the conflicting transaction.
    const rpm = join(dir, 'other.rpm')
    await writeRpm(
      {
        name: 'other',
        version: '1',
        release: '1',
        arch: ARCH,
        files: [{ path: '/opt/rdb/agent/tools/shared.sh', kind: 'file', content: 'other\n' }],
      },
      rpm,
    )
    expect((await runTransaction({ root, op: 'install', packages: [rpm] })).ok).toBe(true)
    const failed = await runInstall({ archiveDir: v1, root })
    expect(failed).toMatchObject({ exitCode: 1, status: 'failed', code: 'E_TXN_PROBLEMS' })
    expect(listRecords(root)).toEqual([])
    expect(readFileSync(join(root, 'opt/rdb/agent/tools/shared.sh'), 'utf8')).toBe('other\n')
  })
})

describe('runInstall over what an operator changed', () => {
  it('an upgrade where an operator left a folder at a packaged file fails in one line naming it, and leaves v1 as it was', async () => {
    const { v1, v2, root } = setup()
    expect((await runInstall({ archiveDir: v1, root })).exitCode).toBe(0)
    const script = join(root, 'opt/rdb/agent/tools/a.sh')
    rmSync(script)
    mkdirSync(script)
    writeFileSync(join(script, 'notes'), 'mine\n')
    const failed = await runInstall({ archiveDir: v2, root })
    expect(failed).toMatchObject({ exitCode: 1, status: 'failed', code: 'E_TXN_PROBLEMS' })
    // rpm's reason, not an empty one: the element's unpacking failed on that path.
    expect(failed.error).toMatch(
      /^rdb-agent-2\.0-1\.\S+: not installed: unpacking of archive failed on file \/opt\/rdb\/agent\/tools\/a\.sh;[0-9a-f]{8}: cpio: File from package already exists as a directory in system$/,
    )
    expect((await listInstalled(root)).map((p) => p.nevra)).toEqual([`rdb-agent-1.0-1.${ARCH}`])
    expect(readFileSync(join(root, 'opt/rdb/agent/fsbackup_kernel_4.x/k'), 'utf8')).toBe('k1\n')
    expect(readFileSync(join(script, 'notes'), 'utf8')).toBe('mine\n')
    // Once the folder is gone the same upgrade goes through.
    rmSync(script, { recursive: true })
    expect(await runInstall({ archiveDir: v2, root })).toMatchObject({ exitCode: 0, status: 'upgraded' })
    expect(readFileSync(script, 'utf8')).toBe('v2\n')
  })
})

describe('runInstall log', () => {
  it('a failure before anything changed (corrupt payload) still logs what it said', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const archive = makeArchiveDir(
      dir,
      { package_name: `rdb_agent_1.0_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
      { 'tools/a': 'a\n', 'fsbackup_kernel_4.x/k': 'k\n' },
    )
    writeFileSync(join(archive, 'package.tar.gz'), 'not a tarball')
    writeSums(archive, ['package.tar.gz', 'version.json'])
    const root = makeRoot(dir)
    const result = await runInstall({ archiveDir: archive, root })
    expect(result).toMatchObject({ exitCode: 1, code: 'E_PAYLOAD_CORRUPT' })
    const log = readFileSync(join(root, 'var/log/rdbpkg/install.log'), 'utf8')
    expect(log).toContain('start:')
    expect(log).toContain('exit=1')
  })

  it('logs the uid it was given, the one it checks (the CLI passes process.geteuid()), or ? when none', async () => {
    const { v1, v2, root } = setup()
    expect((await runInstall({ archiveDir: v1, root, euid: 1234 })).exitCode).toBe(0)
    expect((await runInstall({ archiveDir: v2, root })).exitCode).toBe(0)
    const starts = readFileSync(join(root, 'var/log/rdbpkg/install.log'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('start:'))
    expect(starts).toHaveLength(2)
    expect(starts[0]).toContain(' uid=1234 ')
    expect(starts[1]).toContain(' uid=? ')
  })
})

describe('runInstall with /var on another filesystem', () => {
  // A separate /var partition (common on hardened hosts): the agent's files are staged beside the prefix, on the
  // filesystem where they land, so rpm-sim renames them into place; a killed run's leftover there is removed.
  it('stages beside the prefix, installs with renames, and leaves no staging folder', async (ctx) => {
    const { v1, v2, root } = setup()
    const varLib = join(root, 'var/lib')
    mkdirSync(varLib, { recursive: true })
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', varLib], { encoding: 'utf8' })
    if (mount.status !== 0) {
      console.warn(
        `skipped: cannot mount a tmpfs over var/lib (${(mount.stderr || mount.error?.message || '').trim()})`,
      )
      ctx.skip()
    }
    cleanups.unshift(() => spawnSync('umount', [varLib]))
    mkdirSync(join(root, 'opt/rdb'), { recursive: true })
    expect(stagingDirFor(root, '/opt/rdb/agent', 'x')).toBe(join(root, 'opt/rdb/.rdbpkg-staging-x'))
    // A run killed while staging left its folder beside the prefix.
    mkdirSync(join(root, 'opt/rdb/.rdbpkg-staging-old/sub'), { recursive: true })
    const first = await runInstall({ archiveDir: v1, root })
    expect(first.error).toBeUndefined()
    expect(first.exitCode).toBe(0)
    expect(readFileSync(join(root, 'opt/rdb/agent/tools/a.sh'), 'utf8')).toBe('v1\n')
    expect(readdirSync(join(root, 'opt/rdb'))).toEqual(['agent'])
    expect((await runInstall({ archiveDir: v2, root })).exitCode).toBe(0)
    expect(readFileSync(join(root, 'opt/rdb/agent/tools/a.sh'), 'utf8')).toBe('v2\n')
    expect(readdirSync(join(root, 'opt/rdb/agent')).filter((name) => name.startsWith('.rdbpkg'))).toEqual([])
    expect(existsSync(join(varLib, 'rdbpkg/staging'))).toBe(false)
  })

  it('keeps staging under var/lib/rdbpkg when that is on the prefix filesystem, and never removes a folder it did not make', () => {
    const { root } = setup()
    expect(stagingDirFor(root, '/opt/rdb/agent', 'x')).toBe(join(root, 'var/lib/rdbpkg/staging/x'))
    mkdirSync(join(root, 'opt/empty-parent/.rdbpkg-staging-y'), { recursive: true })
    removeStaging(join(root, 'opt/empty-parent/.rdbpkg-staging-y'))
    expect(existsSync(join(root, 'opt/empty-parent'))).toBe(true)
    mkdirSync(join(root, 'opt/rdb/agent/.rdbpkg-staging-z'), { recursive: true })
    mkdirSync(join(root, 'opt/rdb/agent/keep'), { recursive: true })
    expect(removeLeftoverStaging(root, '/opt/rdb/agent')).toEqual([join(root, 'opt/rdb/agent/.rdbpkg-staging-z')])
    expect(readdirSync(join(root, 'opt/rdb/agent'))).toEqual(['keep'])
  })
})

describe('runInstall service window', () => {
  const DAEMON = (v: string) => `# agent ${v}\nwhile :; do sleep 1; done\n`
  const started: number[] = []
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
  })

  function agentSetup(v2Payload?: Record<string, string>) {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const manifest = (v: string) => ({
      package_name: `rdb_agent_${v}_centos.${ARCH}`,
      package_type: 'install_rdb_agent',
      os_release: 'centos',
    })
    const v1 = makeArchiveDir(dir, manifest('1.0'), {
      'tools/agentd.sh': DAEMON('v1'),
      'fsbackup_kernel_4.x/k': 'k1\n'.repeat(50_000),
    })
    const v2 = makeArchiveDir(
      dir,
      manifest('2.0'),
      v2Payload ?? { 'tools/agentd.sh': DAEMON('v2'), 'fsbackup_kernel_4.x/k': 'k2\n'.repeat(50_000) },
    )
    return { dir, v1, v2, root: makeRoot(dir) }
  }

  const query = (root: string) => ({ root, prefix: '/opt/rdb/agent', services: ['rdb-agent'], method: 'proc' as const })
  const pids = (root: string): number[] =>
    findRunningServices(query(root)).map((s) => (s.kind === 'process' ? s.pid : 0))
  async function runDaemon(root: string): Promise<number> {
    const child = spawn('sh', [join(root, 'opt/rdb/agent/tools/agentd.sh')], { detached: true, stdio: 'ignore' })
    child.unref()
    started.push(child.pid!)
    for (let i = 0; i < 200 && !pids(root).includes(child.pid!); i++) await new Promise((done) => setTimeout(done, 25))
    return child.pid!
  }
  const alive = (pid: number): boolean => {
    try {
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
    } catch {
      return false
    }
  }

  it('verifies and stages while the agent runs, stops it only for the swap, and reports the window', async () => {
    const { v1, v2, root } = agentSetup()
    expect((await runInstall({ archiveDir: v1, root })).exitCode).toBe(0)
    const pid = await runDaemon(root)
    const seen: string[] = []
    const onProgress = (p: InstallProgress): void => {
      const line = `${p.step} agent ${alive(pid) ? 'running' : 'stopped'}`
      if (seen.at(-1) !== line) seen.push(line)
    }
    const result = await runInstall({
      archiveDir: v2,
      root,
      force: true,
      serviceMethod: 'proc',
      serviceGraceMs: 2000,
      onProgress,
    })
    expect(result.error).toBeUndefined()
    expect(result.status).toBe('upgraded')
    expect(seen).toEqual(['verify agent running', 'stage agent running', 'swap agent stopped'])
    expect(result.services.stopped).toEqual([`pid ${pid} (sh ${join(root, 'opt/rdb/agent/tools/agentd.sh')})`])
    expect(result.services.restarted).toHaveLength(1)
    const window = result.window!
    expect(Date.parse(window.startedAt) - Date.parse(window.stoppedAt)).toBe(window.downtimeMs)
    const log = readFileSync(join(root, 'var/log/rdbpkg/install.log'), 'utf8')
    expect(log).toMatch(/window: services down \d+ ms/)
    expect(log).toMatch(/summary: services down \d+\.\d\d s/)
    // The agent runs again, from v2; no note of stopped services is left.
    let again: number[] = []
    for (let i = 0; i < 200; i++) {
      again = pids(root)
      if (again.length > 0) break
      await new Promise((done) => setTimeout(done, 25))
    }
    started.push(...again)
    expect(again).toHaveLength(1)
    expect(listStopped(root)).toEqual([])
  })

  it('a failure before the swap (a corrupt payload) leaves the agent running, untouched, and the host as it was', async () => {
    const { v1, v2, root } = agentSetup()
    const whole = readFileSync(join(v2, 'package.tar.gz'))
    writeFileSync(join(v2, 'package.tar.gz'), whole.subarray(0, whole.length >> 1))
    writeSums(v2, ['package.tar.gz', 'version.json'])
    expect((await runInstall({ archiveDir: v1, root })).exitCode).toBe(0)
    const pid = await runDaemon(root)
    const before = readdirSync(join(root, 'opt/rdb/agent/tools'))
    const result = await runInstall({ archiveDir: v2, root, force: true, serviceMethod: 'proc', serviceGraceMs: 2000 })
    expect(result).toMatchObject({ exitCode: 1, code: 'E_PAYLOAD_CORRUPT' })
    expect(result.services.stopped).toEqual([])
    expect(result.window).toBeUndefined()
    expect(alive(pid)).toBe(true)
    expect(pids(root)).toEqual([pid])
    expect(readdirSync(join(root, 'opt/rdb/agent/tools'))).toEqual(before)
    expect(readFileSync(join(root, 'opt/rdb/agent/tools/agentd.sh'), 'utf8')).toBe(DAEMON('v1'))
    expect((await listInstalled(root)).map((p) => p.version)).toEqual(['1.0'])
  })

  it('starts again what a killed run left stopped', async () => {
    const { v1, v2, root } = agentSetup()
    expect((await runInstall({ archiveDir: v1, root })).exitCode).toBe(0)
    const pid = await runDaemon(root)
    const [service] = findRunningServices(query(root))
    // A run that stopped the agent and was killed before it started it again left its note.
    saveStopped(root, { id: 'killed-run', services: [service!] })
    process.kill(pid, 'SIGKILL')
    for (let i = 0; i < 200 && pids(root).length > 0; i++) await new Promise((done) => setTimeout(done, 25))
    const messages: string[] = []
    const result = await runInstall({
      archiveDir: v2,
      root,
      serviceMethod: 'proc',
      onMessage: (m) => messages.push(m.text),
    })
    expect(result.status).toBe('upgraded')
    expect(messages.some((m) => m.includes('was stopped by an interrupted run'))).toBe(true)
    let again: number[] = []
    for (let i = 0; i < 200; i++) {
      again = pids(root)
      if (again.length > 0) break
      await new Promise((done) => setTimeout(done, 25))
    }
    started.push(...again)
    expect(again).toHaveLength(1)
    expect(listStopped(root)).toEqual([])
  })
})
