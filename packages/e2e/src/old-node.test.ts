// ./install on the Node floor (core's NODE_FLOOR, 16.17.0), the oldest runtime the installer supports: the archive
// carries it as runtime/node (the builder's --node-runtime), so the launcher runs the bundle with it. `pnpm test`
// provides the binary (scripts/test-node.mjs sets RDBPKG_TEST_NODE_FLOOR); without one the suite skips and says why.
import { NODE_FLOOR } from '@rdbpkg/core'
import { spawnSync } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARCH, buildAndExtract, contents, logLines, makeRoot, runInstall, workspace } from './_test-e2e.js'

const FLOOR_NODE = process.env.RDBPKG_TEST_NODE_FLOOR
const version = FLOOR_NODE === undefined ? undefined : spawnSync(FLOOR_NODE, ['--version'], { encoding: 'utf8' }).stdout?.trim()
const usable = version === `v${NODE_FLOOR}`
if (!usable) console.warn(`skipping the run on Node ${NODE_FLOOR}: RDBPKG_TEST_NODE_FLOOR ${FLOOR_NODE === undefined ? 'is not set (pnpm test sets it)' : `(${FLOOR_NODE}) is not Node ${NODE_FLOOR} (${version ?? 'does not run'})`}`)

const V1 = {
  'tools/agent.conf': 'port=8000\n',
  'tools/run.sh': { content: '#!/bin/sh\necho v1\n', mode: 0o755 },
  'fsbackup_kernel_4.x/module.ko': 'module v1\n',
}
const V2 = {
  'tools/agent.conf': 'port=9000\n',
  'tools/run.sh': { content: '#!/bin/sh\necho v2\n', mode: 0o755 },
  'fsbackup_kernel_4.x/module.ko': 'module v2\n',
}

let ws: ReturnType<typeof workspace>
let v1: string
let v2: string
beforeAll(async () => {
  if (!usable) return
  ws = workspace()
  const manifest = (ver: string) => ({ package_name: `rdb_agent_${ver}_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' })
  v1 = await buildAndExtract(ws.dir, manifest('5.7.1.0'), V1, { nodeRuntime: FLOOR_NODE! })
  v2 = await buildAndExtract(ws.dir, manifest('5.7.2.0'), V2, { nodeRuntime: FLOOR_NODE! })
})
afterAll(() => ws?.cleanup())

describe.runIf(usable)(`./install on the Node floor (runtime/node ${version})`, () => {
  it('helps, installs, upgrades keeping an edited config, rolls back byte for byte, and refuses a tampered payload', async () => {
    expect(readFileSync(join(v1, 'runtime/node')).equals(readFileSync(FLOOR_NODE!))).toBe(true)
    const help = await runInstall(v1, ['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout.split('\n')[0]).toBe('usage: install [-h] [-f] [--dry-run] [--check] [--root DIR] [--json] [--rollback] [--history] [--noscripts] [-v]')

    const root = makeRoot(ws.dir, 'centos', 'root-floor')
    const agentDir = join(root, 'opt/rdb/agent')
    const first = await runInstall(v1, ['--root', root])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(readFileSync(join(agentDir, 'fsbackup_kernel_4.x/module.ko'), 'utf8')).toBe('module v1\n')
    // The log names the runtime each run used.
    expect(logLines(root).some((line) => line.includes(`node=${version}`))).toBe(true)

    writeFileSync(join(agentDir, 'tools/agent.conf'), 'port=8000\nedited=1\n')
    const before = contents(agentDir)
    const dry = await runInstall(v2, ['--root', root, '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/altname\s+\/opt\/rdb\/agent\/tools\/agent\.conf/)
    expect(contents(agentDir)).toEqual(before)

    const up = await runInstall(v2, ['--root', root, '--json'])
    expect(up.code).toBe(0)
    const result = JSON.parse(up.stdout) as { status: string; from: string; to: string; created: { path: string }[] }
    expect(result).toMatchObject({ status: 'upgraded', from: `rdb-agent-5.7.1.0-1.${ARCH}`, to: `rdb-agent-5.7.2.0-1.${ARCH}` })
    expect(readFileSync(join(agentDir, 'tools/agent.conf'), 'utf8')).toBe('port=8000\nedited=1\n')
    expect(readFileSync(join(agentDir, 'tools/agent.conf.rpmnew'), 'utf8')).toBe('port=9000\n')
    expect(readFileSync(join(agentDir, 'tools/run.sh'), 'utf8')).toContain('v2')

    const rolled = await runInstall(v2, ['--rollback', '--root', root])
    expect(rolled.code).toBe(0)
    expect(contents(agentDir)).toEqual(before)

    // A payload changed after the build: exit 5, nothing changed.
    const tampered = join(ws.dir, 'tampered')
    cpSync(v2, tampered, { recursive: true })
    const payload = readFileSync(join(tampered, 'package.tar.gz'))
    const middle = payload.length >> 1
    payload[middle] = payload[middle]! ^ 0xff
    writeFileSync(join(tampered, 'package.tar.gz'), payload)
    const refused = await runInstall(tampered, ['--root', root])
    expect(refused.code).toBe(5)
    expect(refused.stderr).toContain('package.tar.gz: sha256 mismatch')
    expect(contents(agentDir)).toEqual(before)
  })
})
