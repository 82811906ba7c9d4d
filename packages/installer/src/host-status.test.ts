import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hostRpmArch } from './host.js'
import { main } from './main.js'
import { listRecords, newRecordId, saveRecord, saveStopped } from './records.js'
import { runInstall } from './run-install.js'
import { makeArchiveDir, makeRoot, tempDir } from './_test-archive.js'

const ARCH = hostRpmArch()
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function setup() {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const archive = (version: string, conf: string) =>
    makeArchiveDir(
      dir,
      { package_name: `rdb_agent_${version}_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
      {
        'tools/a.sh': `v${version}\n`,
        'tools/agent.conf': conf,
        'fsbackup_kernel_4.x/k': 'k\n',
      },
    )
  return { v1: archive('1.0', 'port=1\n'), v2: archive('2.0', 'port=2\n'), root: makeRoot(dir) }
}

async function statusJson(archive: string, root: string) {
  const out = { stdout: '', stderr: '' }
  const code = await main(['--status', '--json', '--root', root, '--archive', archive], {
    stdout: (t) => {
      out.stdout += t
    },
    stderr: (t) => {
      out.stderr += t
    },
    cwd: process.cwd(),
  })
  return { code, result: JSON.parse(out.stdout), stderr: out.stderr }
}

describe('install --status', () => {
  it('on a host without the product: not installed, no transaction, exit 0', async () => {
    const { v1, root } = setup()
    const { code, result } = await statusJson(v1, root)
    expect(code).toBe(0)
    expect(result.status).toBe('reported')
    expect(result.host).toEqual({
      product: 'rdb-agent',
      installed: null,
      version: null,
      last: null,
      pending: [],
      drift: [],
      stopped: [],
    })
  })

  it('from an older archive of the product: the version installed, the last upgrade, its .rpmnew and the drift rpm -V sees', async () => {
    const { v1, v2, root } = setup()
    expect((await runInstall({ archiveDir: v1, root })).exitCode).toBe(0)
    appendFileSync(join(root, 'opt/rdb/agent/tools/agent.conf'), 'operator=edit\n')
    const upgraded = await runInstall({ archiveDir: v2, root })
    expect(upgraded.status).toBe('upgraded')
    // A file the package owns changes behind its back.
    writeFileSync(join(root, 'opt/rdb/agent/tools/a.sh'), 'tampered, and longer than before\n')

    const { code, result } = await statusJson(v1, root)
    expect(code).toBe(0)
    expect(result.host.installed).toBe(`rdb-agent-2.0-1.${ARCH}`)
    expect(result.host.version).toBe('2.0')
    expect(result.host.last).toMatchObject({
      action: 'upgrade',
      from: `rdb-agent-1.0-1.${ARCH}`,
      to: `rdb-agent-2.0-1.${ARCH}`,
      packageName: `rdb_agent_2.0_centos.${ARCH}`,
    })
    expect(result.host.pending).toEqual([
      { path: '/opt/rdb/agent/tools/agent.conf', savedAs: '/opt/rdb/agent/tools/agent.conf.rpmnew', kind: 'rpmnew' },
    ])
    expect(result.host.drift).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^S\.5\S*\s+c \/opt\/rdb\/agent\/tools\/agent\.conf$/),
        expect.stringMatching(/^S\.5.*\/opt\/rdb\/agent\/tools\/a\.sh$/),
      ]),
    )
    expect(result.host.drift).toHaveLength(2)
  })

  it('after a rollback: the older version, the rollback as last transaction, the .rpmnew gone', async () => {
    const { v1, v2, root } = setup()
    await runInstall({ archiveDir: v1, root })
    appendFileSync(join(root, 'opt/rdb/agent/tools/agent.conf'), 'operator=edit\n')
    await runInstall({ archiveDir: v2, root })
    expect((await runInstall({ archiveDir: v2, root, rollback: true })).status).toBe('rolled-back')
    const { result } = await statusJson(v2, root)
    expect(result.host).toMatchObject({
      installed: `rdb-agent-1.0-1.${ARCH}`,
      last: { action: 'rollback', to: `rdb-agent-1.0-1.${ARCH}` },
      pending: [],
    })
  })

  it('says what a rerun would still have to finish: a run killed midway (interrupted) and the services it left stopped', async () => {
    const { v1, v2, root } = setup()
    expect((await runInstall({ archiveDir: v1, root })).exitCode).toBe(0)
    expect((await statusJson(v1, root)).result.host).toMatchObject({
      installed: `rdb-agent-1.0-1.${ARCH}`,
      stopped: [],
    })
    expect((await statusJson(v1, root)).result.host.last.interrupted).toBeUndefined()
    // What a run killed inside its service window leaves: its record still pending, the note of what it stopped.
    const done = listRecords(root)[0]!
    const killed = newRecordId(new Date(Date.now() + 60_000))
    saveRecord(root, {
      ...done,
      id: killed,
      action: 'upgrade',
      from: done.to!,
      to: `rdb-agent-2.0-1.${ARCH}`,
      tids: [],
      pending: true,
    })
    saveStopped(root, { id: killed, services: [{ kind: 'systemd', name: 'rdb-agent' }] })
    const { code, result } = await statusJson(v2, root)
    expect(code).toBe(0)
    expect(result.host).toMatchObject({
      installed: `rdb-agent-1.0-1.${ARCH}`,
      last: { action: 'upgrade', interrupted: true },
      stopped: ['rdb-agent'],
    })
    const out = { stdout: '', stderr: '' }
    expect(
      await main(['--status', '--root', root, '--archive', v2], {
        stdout: (t) => {
          out.stdout += t
        },
        stderr: (t) => {
          out.stderr += t
        },
        cwd: process.cwd(),
      }),
    ).toBe(0)
    expect(out.stdout).toContain('(interrupted)')
    expect(out.stdout).toContain('  stopped by an interrupted run: rdb-agent (the next ./install starts it)\n')
  })

  it('prints a human report without --json, and refuses to combine with another mode', async () => {
    const { v1, root } = setup()
    await runInstall({ archiveDir: v1, root })
    const out = { stdout: '', stderr: '' }
    const io = {
      stdout: (t: string) => {
        out.stdout += t
      },
      stderr: (t: string) => {
        out.stderr += t
      },
      cwd: process.cwd(),
    }
    expect(await main(['--status', '--root', root, '--archive', v1], io)).toBe(0)
    expect(out.stdout).toContain(`rdb-agent: rdb-agent-1.0-1.${ARCH}\n`)
    expect(out.stdout).toMatch(/last transaction: \S+ install - -> rdb-agent-1\.0/)
    expect(out.stdout).toContain('drift: none')
    expect(await main(['--status', '--history', '--root', root, '--archive', v1], io)).toBe(2)
    expect(out.stderr).toContain('argument --status: not allowed with argument --history')
  })
})
