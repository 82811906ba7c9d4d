// The agent archive end to end: install, no-op, services rule (exit 4, then -f stops and restarts a real
// process), an operator-edited config surviving an upgrade (.rpmnew), rollback byte for byte, history, dry run.
import { listInstalled } from '@rdbpkg/rpm-sim'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ARCH,
  buildAndExtract,
  contents,
  logLines,
  makeRoot,
  pidsRunning,
  runInstall,
  snapshotWithoutLog,
  waitFor,
  workspace,
} from './_test-e2e.js'

const DAEMON = '#!/bin/sh\n# agent daemon v1\nwhile :; do sleep 1; done\n'
const V1 = {
  'tools/agentd.sh': { content: DAEMON, mode: 0o755 },
  'tools/agent.conf': 'port=8000\nlevel=info\n',
  'tools/old-only.sh': { content: '#!/bin/sh\necho old\n', mode: 0o755 },
  'fsbackup_kernel_4.x/module.ko': 'kernel module v1\n',
}
const V2 = {
  'tools/agentd.sh': { content: DAEMON.replace('v1', 'v2'), mode: 0o755 },
  'tools/agent.conf': 'port=9000\nlevel=info\n',
  'tools/new-only.sh': { content: '#!/bin/sh\necho new\n', mode: 0o755 },
  'fsbackup_kernel_4.x/module.ko': 'kernel module v2\n',
}

let ws: ReturnType<typeof workspace>
let v1: string
let v2: string
const started: number[] = []
beforeAll(async () => {
  ws = workspace()
  v1 = await buildAndExtract(
    ws.dir,
    {
      package_name: `rdb_agent_5.7.1.0_centos.${ARCH}`,
      package_type: 'install_rdb_agent',
      os_release: 'centos,bclinux',
    },
    V1,
  )
  v2 = await buildAndExtract(
    ws.dir,
    {
      package_name: `rdb_agent_5.7.2.0_centos.${ARCH}`,
      package_type: 'install_rdb_agent',
      os_release: 'centos,bclinux',
    },
    V2,
  )
})
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  ws.cleanup()
})

describe('install_rdb_agent', () => {
  it('installs, upgrades around a running agent and an edited config, and rolls back byte for byte', async () => {
    const root = makeRoot(ws.dir)
    const agentDir = join(root, 'opt/rdb/agent')
    const daemon = join(agentDir, 'tools/agentd.sh')

    const first = await runInstall(v1, ['--root', root])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`installed rdb-agent-5.7.1.0-1.${ARCH}`)
    expect(readFileSync(join(agentDir, 'fsbackup_kernel_4.x/module.ko'), 'utf8')).toBe('kernel module v1\n')
    expect(readFileSync(daemon, 'utf8')).toBe(DAEMON)
    expect((await listInstalled(root)).map((p) => `${p.name}-${p.version}-${p.release}.${p.arch}`)).toEqual([
      `rdb-agent-5.7.1.0-1.${ARCH}`,
    ])
    expect(logLines(root).some((line) => line.includes('exit=0') && line.includes('status=installed'))).toBe(true)

    const again = await runInstall(v1, ['--root', root])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('already installed')

    // The operator edits the config and the agent runs from the installed tools/.
    writeFileSync(join(agentDir, 'tools/agent.conf'), 'port=8000\nlevel=debug\n')
    const agent = spawn(daemon, [], { detached: true, stdio: 'ignore' })
    agent.unref()
    started.push(agent.pid!)
    expect(await waitFor(() => pidsRunning(daemon).includes(agent.pid!))).toBe(true)
    const beforeUpgrade = contents(agentDir)
    const beforeSnapshot = snapshotWithoutLog(root)

    const refused = await runInstall(v2, ['--root', root])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain(`pid ${agent.pid}`)
    expect(snapshotWithoutLog(root)).toEqual(beforeSnapshot)
    expect(pidsRunning(daemon)).toContain(agent.pid)

    const dry = await runInstall(v2, ['--root', root, '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('dry run: would upgrade')
    expect(dry.stdout).toMatch(/altname\s+\/opt\/rdb\/agent\/tools\/agent\.conf/)
    expect(dry.stdout).toContain(`would stop (needs -f): pid ${agent.pid}`)
    expect(snapshotWithoutLog(root)).toEqual(beforeSnapshot)

    const forced = await runInstall(v2, ['-f', '--root', root])
    expect(forced.code).toBe(0)
    expect(forced.stdout).toContain(`upgraded rdb-agent-5.7.1.0-1.${ARCH} -> rdb-agent-5.7.2.0-1.${ARCH}`)
    expect(forced.stdout).toContain('tools/agent.conf.rpmnew')
    expect(forced.stderr).toContain('agent.conf created as')
    expect(readFileSync(join(agentDir, 'tools/agent.conf'), 'utf8')).toBe('port=8000\nlevel=debug\n')
    expect(readFileSync(join(agentDir, 'tools/agent.conf.rpmnew'), 'utf8')).toBe('port=9000\nlevel=info\n')
    expect(existsSync(join(agentDir, 'tools/old-only.sh'))).toBe(false)
    expect(readFileSync(daemon, 'utf8')).toContain('v2')
    // The old agent was stopped and a new one started from the upgraded tools/.
    expect(await waitFor(() => !pidsRunning(daemon).includes(agent.pid!))).toBe(true)
    expect(await waitFor(() => pidsRunning(daemon).length === 1)).toBe(true)
    const restarted = pidsRunning(daemon)
    started.push(...restarted)
    expect(forced.stdout).toContain('services restarted')

    // Rollback obeys the service rule too, then restores the previous version byte for byte.
    const refusedRollback = await runInstall(v2, ['--rollback', '--root', root])
    expect(refusedRollback.code).toBe(4)
    const rolled = await runInstall(v2, ['--rollback', '-f', '--root', root])
    expect(rolled.stderr).not.toContain('error')
    expect(rolled.code).toBe(0)
    expect(rolled.stdout).toContain(`rolled back rdb-agent-5.7.2.0-1.${ARCH} -> rdb-agent-5.7.1.0-1.${ARCH}`)
    expect(contents(agentDir)).toEqual(beforeUpgrade)
    expect((await listInstalled(root)).map((p) => `${p.name}-${p.version}`)).toEqual(['rdb-agent-5.7.1.0'])
    expect(await waitFor(() => pidsRunning(daemon).length === 1)).toBe(true)
    started.push(...pidsRunning(daemon))

    const history = await runInstall(v1, ['--history', '--root', root, '--json'])
    expect(history.code).toBe(0)
    const records = JSON.parse(history.stdout).history as { action: string }[]
    expect(records.map((r) => r.action)).toEqual(['install', 'upgrade', 'rollback'])
  })

  it('two installs at once: never both write', async () => {
    const root = makeRoot(ws.dir, 'centos', 'root-race')
    const [a, b] = await Promise.all([
      runInstall(v1, ['--root', root, '--json']),
      runInstall(v1, ['--root', root, '--json']),
    ])
    const results = [a, b].map((out) => JSON.parse(out.stdout) as { exitCode: number; status: string })
    const statuses = results.map((r) => `${r.exitCode} ${r.status}`).sort()
    expect([
      ['0 installed', '6 refused'],
      ['0 installed', '0 unchanged'],
    ]).toContainEqual(statuses)
    expect((await listInstalled(root)).length).toBe(1)
  })

  it('update_agent refuses without an installed agent and upgrades one that is', async () => {
    const update = await buildAndExtract(
      ws.dir,
      {
        package_name: `update_agent_5.7.3.0_centos.${ARCH}`,
        package_type: 'install_update_agent',
        os_release: 'centos',
      },
      V2,
    )
    const root = makeRoot(ws.dir, 'centos', 'root-update')
    const before = snapshotWithoutLog(root)
    const refused = await runInstall(update, ['--root', root])
    expect(refused.code).toBe(7)
    expect(refused.stderr).toContain('rdb-agent is not installed')
    expect(snapshotWithoutLog(root)).toEqual(before)
    expect((await runInstall(v1, ['--root', root])).code).toBe(0)
    const upgraded = await runInstall(update, ['--root', root])
    expect(upgraded.code).toBe(0)
    expect(upgraded.stdout).toContain(`-> rdb-agent-5.7.3.0-1.${ARCH}`)
    const older = await runInstall(v1, ['--root', root])
    expect(older.code).toBe(7)
    expect(older.stderr).toContain('-f')
    const reinstall = await runInstall(update, ['-f', '--root', root])
    expect(reinstall.code).toBe(0)
    expect(reinstall.stdout).toContain(`reinstalled rdb-agent-5.7.3.0-1.${ARCH} -> rdb-agent-5.7.3.0-1.${ARCH}`)
    const downgrade = await runInstall(v1, ['-f', '--root', root])
    expect(downgrade.code).toBe(0)
    expect(downgrade.stdout).toContain(`downgraded rdb-agent-5.7.3.0-1.${ARCH} -> rdb-agent-5.7.1.0-1.${ARCH}`)
    expect(readFileSync(join(root, 'opt/rdb/agent/fsbackup_kernel_4.x/module.ko'), 'utf8')).toBe('kernel module v1\n')
  })
})
