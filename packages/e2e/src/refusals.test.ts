// Every refusal through the real ./install: its exit code, its message, and nothing changed but one log line.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARCH, buildAndExtract, logLines, makeRoot, runInstall, snapshotWithoutLog, workspace } from './_test-e2e.js'

const AGENT_PAYLOAD = {
  'tools/agentd.sh': { content: '#!/bin/sh\nwhile :; do sleep 1; done\n', mode: 0o755 },
  'tools/agent.conf': 'port=1\n',
  'fsbackup_kernel_4.x/module.ko': 'kernel module\n',
}

let ws: ReturnType<typeof workspace>
let agent: string
beforeAll(async () => {
  ws = workspace()
  agent = await buildAndExtract(
    ws.dir,
    {
      package_name: `rdb_agent_5.7.1.0_centos.${ARCH}`,
      package_type: 'install_rdb_agent',
      os_release: 'centos,bclinux',
    },
    AGENT_PAYLOAD,
  )
})
afterAll(() => ws.cleanup())

function expectOnlyLogLine(root: string, before: string[], exit: number): void {
  expect(snapshotWithoutLog(root)).toEqual(before)
  const lines = logLines(root)
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain(`exit=${exit}`)
}

describe('refused runs change nothing', () => {
  it('unknown flag: exit 2 with usage', async () => {
    const root = makeRoot(ws.dir, 'centos', 'root-usage')
    const before = snapshotWithoutLog(root)
    const out = await runInstall(agent, ['--root', root, '--frobnicate'])
    expect(out.code).toBe(2)
    expect(out.stderr).toContain('install: error: unrecognized arguments: --frobnicate')
    expectOnlyLogLine(root, before, 2)
  })

  it('wrong OS: exit 3 naming the ID found and the IDs allowed', async () => {
    const root = makeRoot(ws.dir, 'ubuntu', 'root-os')
    const before = snapshotWithoutLog(root)
    const out = await runInstall(agent, ['--root', root])
    expect(out.code).toBe(3)
    expect(out.stderr).toContain('"ubuntu"')
    expect(out.stderr).toContain('centos, bclinux')
    expectOnlyLogLine(root, before, 3)
  })

  it('wrong arch: exit 7', async () => {
    const other = ARCH === 'aarch64' ? 'x86_64' : 'aarch64'
    const foreign = await buildAndExtract(
      ws.dir,
      { package_name: `rdb_agent_5.7.1.0_centos.${other}`, package_type: 'install_rdb_agent', os_release: 'centos' },
      AGENT_PAYLOAD,
    )
    const root = makeRoot(ws.dir, 'centos', 'root-arch')
    const before = snapshotWithoutLog(root)
    const out = await runInstall(foreign, ['--root', root])
    expect(out.code).toBe(7)
    expect(out.stderr).toContain(other)
    expectOnlyLogLine(root, before, 7)
  })

  it('tampered archive: exit 5 naming the file, before anything is written', async () => {
    const tampered = await buildAndExtract(
      ws.dir,
      { package_name: `rdb_agent_5.7.1.1_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
      AGENT_PAYLOAD,
    )
    appendFileSync(join(tampered, 'package.tar.gz'), Buffer.from([0]))
    const root = makeRoot(ws.dir, 'centos', 'root-tamper')
    const before = snapshotWithoutLog(root)
    const out = await runInstall(tampered, ['--root', root])
    expect(out.code).toBe(5)
    expect(out.stderr).toContain('package.tar.gz')
    expectOnlyLogLine(root, before, 5)
    const check = await runInstall(tampered, ['--check', '--root', root])
    expect(check.code).toBe(5)
  })

  it('held lock: exit 6 naming the holder pid', async () => {
    const root = makeRoot(ws.dir, 'centos', 'root-lock')
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' })
    try {
      mkdirSync(join(root, 'var/lib/rdbpkg'), { recursive: true })
      writeFileSync(join(root, 'var/lib/rdbpkg/install.lock'), `${holder.pid}\n`)
      const before = snapshotWithoutLog(root)
      const out = await runInstall(agent, ['--root', root])
      expect(out.code).toBe(6)
      expect(out.stderr).toContain(`pid ${holder.pid}`)
      expectOnlyLogLine(root, before, 6)
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('works from any current directory', async () => {
    const root = makeRoot(ws.dir, 'centos', 'root-cwd')
    const out = await runInstall(agent, ['--check', '--root', root], { cwd: '/' })
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('archive verified')
  })
})
