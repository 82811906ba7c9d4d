// A failed install: the engine refuses (a file conflict, found while planning), the run exits 1, the host keeps
// the old version, and the services -f would stop are never stopped: the plan comes before the service window.
import { writeRpm } from '@rdbpkg/rpm-sim'
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARCH, buildAndExtract, contents, makeRoot, pidsRunning, runInstall, waitFor, workspace } from './_test-e2e.js'

let ws: ReturnType<typeof workspace>
const started: number[] = []
beforeAll(() => {
  ws = workspace()
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

describe('failed install', () => {
  it('exits 1, keeps the installed version, and never stops the services', async () => {
    const daemon = '#!/bin/sh\nwhile :; do sleep 1; done\n'
    const v1 = await buildAndExtract(
      ws.dir,
      { package_name: `rdb_agent_5.7.1.0_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
      {
        'tools/agentd.sh': { content: daemon, mode: 0o755 },
        'fsbackup_kernel_4.x/k': 'k1\n',
      },
    )
    const v2 = await buildAndExtract(
      ws.dir,
      { package_name: `rdb_agent_5.7.2.0_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
      {
        'tools/agentd.sh': { content: daemon, mode: 0o755 },
        'tools/shared.sh': 'from the agent\n',
        'fsbackup_kernel_4.x/k': 'k2\n',
      },
    )
    // The server rpm owns a path the new agent also ships: rpm refuses the conflicting transaction.
    const rpmDir = join(ws.dir, 'server-payload')
    mkdirSync(rpmDir)
    const rpmName = `aio-5.7.1.0-1.${ARCH}.rpm`
    await writeRpm(
      {
        name: 'aio',
        version: '5.7.1.0',
        release: '1',
        arch: ARCH,
        files: [{ path: '/opt/rdb/agent/tools/shared.sh', kind: 'file', content: 'from the server\n' }],
      },
      join(rpmDir, rpmName),
    )
    const server = await buildAndExtract(
      ws.dir,
      { package_name: `rdb_server_5.7.1.0_centos.${ARCH}`, package_type: 'install_rdb_server', os_release: 'centos' },
      {
        [rpmName]: { content: readFileSync(join(rpmDir, rpmName), 'latin1'), mode: 0o644, encoding: 'latin1' },
      },
    )
    const root = makeRoot(ws.dir)
    expect((await runInstall(v1, ['--root', root])).code).toBe(0)
    expect((await runInstall(server, ['--root', root])).code).toBe(0)
    const agentDir = join(root, 'opt/rdb/agent')
    const path = join(agentDir, 'tools/agentd.sh')
    const agent = spawn(path, [], { detached: true, stdio: 'ignore' })
    agent.unref()
    started.push(agent.pid!)
    expect(await waitFor(() => pidsRunning(path).includes(agent.pid!))).toBe(true)
    const before = contents(agentDir)

    const out = await runInstall(v2, ['-f', '--root', root, '--json'])
    expect(out.code).toBe(1)
    const result = JSON.parse(out.stdout)
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 })
    expect(result.error).toContain('conflicts')
    expect(result.services.running).toHaveLength(1)
    expect(result.services.stopped).toEqual([])
    expect(result.services.restarted).toEqual([])
    expect(result.window).toBeUndefined()
    expect(contents(agentDir)).toEqual(before)
    expect(pidsRunning(path)).toEqual([agent.pid])
  })
})
