// The service rule against a real systemd: the agent's unit runs under systemd (booted as PID 1 of its own PID
// namespace, in an overlay of this machine's root), ./install refuses while it is active (exit 4, naming the unit,
// nothing changed), and ./install -f stops it with systemctl, upgrades, and starts it again from the new files.
// Skips saying why where namespaces, overlayfs or systemd are not available.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARCH, buildAndExtract, workspace } from './_test-e2e.js'
import { bootSystemd, installInRealRoot, newOverlay, realRootUnavailable, removeOverlay } from './_test-real-root.js'
import type { BootedSystemd, Overlay } from './_test-real-root.js'

const DAEMON = (v: string) => `#!/bin/sh\n# agent daemon ${v}\nwhile :; do sleep 1; done\n`
const UNIT = '[Unit]\nDescription=rdb agent (test)\n[Service]\nExecStart=/opt/rdb/agent/tools/agentd.sh\n'

let unusable =
  realRootUnavailable() ??
  (existsSync('/lib/systemd/systemd') ? undefined : 'systemd is not installed (/lib/systemd/systemd)')
let ws: ReturnType<typeof workspace>
let overlay: Overlay | undefined
let systemd: BootedSystemd | undefined
let v1: string
let v2: string
let v3: string
beforeAll(async () => {
  if (unusable !== undefined) return
  ws = workspace()
  const manifest = (v: string) => ({
    package_name: `rdb_agent_${v}_centos.${ARCH}`,
    package_type: 'install_rdb_agent',
    os_release: 'centos',
  })
  v1 = await buildAndExtract(
    ws.dir,
    manifest('5.7.1.0'),
    { 'tools/agentd.sh': { content: DAEMON('v1'), mode: 0o755 }, 'fsbackup_kernel_4.x/m.ko': 'm1' },
    { nodeRuntime: process.execPath },
  )
  v2 = await buildAndExtract(
    ws.dir,
    manifest('5.7.2.0'),
    { 'tools/agentd.sh': { content: DAEMON('v2'), mode: 0o755 }, 'fsbackup_kernel_4.x/m.ko': 'm2' },
    { nodeRuntime: process.execPath },
  )
  v3 = await buildAndExtract(
    ws.dir,
    manifest('5.7.3.0'),
    {
      'tools/agentd.sh': { content: DAEMON('v3'), mode: 0o755 },
      'tools/plugins/p.sh': 'p',
      'fsbackup_kernel_4.x/m.ko': 'm3',
    },
    { nodeRuntime: process.execPath },
  )
  overlay = newOverlay([v1, v2, v3], { 'etc/systemd/system/rdb-agent.service': UNIT })
  try {
    systemd = await bootSystemd(overlay)
  } catch (error) {
    unusable = `systemd does not boot here: ${(error as Error).message}`
  }
}, 120_000)
afterAll(async () => {
  await systemd?.stop()
  if (overlay !== undefined) removeOverlay(overlay)
  ws?.cleanup()
})

describe('./install with the agent running under a real systemd', () => {
  it('refuses while the unit is active (exit 4); -f stops it, upgrades and starts it again, also when the upgrade fails', (ctx) => {
    if (unusable !== undefined || systemd === undefined || overlay === undefined) {
      console.warn(`skipping the systemd run: ${unusable ?? 'not booted'}`)
      ctx.skip()
      return
    }
    const sd = systemd
    const o = overlay
    const run = (command: string) => sd.exec(command)
    const mainPid = (): number =>
      Number(/MainPID=(\d+)/.exec(run('systemctl show -p MainPID rdb-agent').stdout)?.[1] ?? 0)
    const active = (): boolean => run('systemctl is-active --quiet rdb-agent').code === 0

    const first = installInRealRoot(o, v1, '', run)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(run('systemctl start rdb-agent').code).toBe(0)
    expect(active()).toBe(true)
    const before = mainPid()
    expect(before).toBeGreaterThan(0)
    expect(run(`cat /proc/${before}/cmdline`).stdout).toContain('/opt/rdb/agent/tools/agentd.sh')

    const refused = installInRealRoot(o, v2, '', run)
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain('services running: rdb-agent')
    expect(active()).toBe(true)
    expect(mainPid()).toBe(before)
    expect(readFileSync(join(o.upper, 'opt/rdb/agent/tools/agentd.sh'), 'utf8')).toBe(DAEMON('v1'))

    const forced = installInRealRoot(o, v2, '-f --json', run)
    expect(forced.code).toBe(0)
    const result = JSON.parse(forced.stdout) as {
      status: string
      services: { running: string[]; stopped: string[]; restarted: string[] }
    }
    expect(result.status).toBe('upgraded')
    expect(result.services).toMatchObject({ running: ['rdb-agent'], stopped: ['rdb-agent'], restarted: ['rdb-agent'] })
    expect(readFileSync(join(o.upper, 'opt/rdb/agent/tools/agentd.sh'), 'utf8')).toBe(DAEMON('v2'))
    expect(active()).toBe(true)
    const after = mainPid()
    expect(after).toBeGreaterThan(0)
    expect(after).not.toBe(before)
    // A forced upgrade that fails (a file of the operator's sits where v3 needs a folder) fails while staging,
    // before the service window: the unit is never stopped.
    expect(run("printf 'operator file\\n' > /opt/rdb/agent/tools/plugins").code).toBe(0)
    const failed = installInRealRoot(o, v3, '-f', run)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('/opt/rdb/agent/tools/plugins')
    expect(failed.stdout + failed.stderr).not.toContain('stopping rdb-agent')
    expect(active()).toBe(true)
    expect(mainPid()).toBe(after)
    expect(readFileSync(join(o.upper, 'opt/rdb/agent/tools/agentd.sh'), 'utf8')).toBe(DAEMON('v2'))
    expect(run('cat /opt/rdb/agent/tools/plugins').stdout).toBe('operator file\n')
    // The new main processes came from ./install -f's systemctl start, not from systemd restarting the unit itself.
    expect(run('systemctl show -p NRestarts rdb-agent').stdout.trim()).toBe('NRestarts=0')
  })
})
