// The rdbpkg.fleet collection end to end: real ansible-playbook over real ssh to namespaced hosts of this machine
// (see _test-hosts.ts), Python 2.7 and 3.6 targets, archives built by the builder, the server's rpm through each
// host's real `rpm -U`. One set of hosts goes through the scenarios in order, as a fleet would.
import { ARCH, binary, buildArchive, payloadWithRpm } from '@rdbpkg/e2e'
import { spawnSync } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Fleet, fleetTempDir, fleetUnavailable, targetPythons } from './_test-hosts.js'
import type { PlaybookRun, TaskResult } from './_test-hosts.js'

const unusable = fleetUnavailable()
if (unusable !== undefined) console.warn(`skipping the fleet rollouts: ${unusable}`)
const pythons = targetPythons()
if (pythons.missing.length > 0)
  console.warn(`fleet targets: ${pythons.missing.join(', ')} missing here; those hosts use ${pythons.py27}`)

const GOOD = ['h1', 'h2', 'h3', 'h4']
const aio = (version: string): string => `aio-${version}-1.el7.${ARCH}`

let fleet: Fleet
let dir: string
const archives: Record<string, string> = {}

async function serverArchive(version: string, conf: string): Promise<string> {
  const payload = await payloadWithRpm(dir, 'aio', version, [
    { path: '/etc/aio/aio.conf', content: conf, config: true },
    { path: '/opt/aio/lib/server.sh', content: `echo server ${version}\n`, mode: 0o755 },
  ])
  return buildArchive(
    dir,
    {
      package_name: `rdb_server_${version}_centos.${ARCH}`,
      package_type: 'install_rdb_server',
      os_release: 'centos,bclinux',
    },
    binary(payload),
  )
}

function agentArchive(version: string): Promise<string> {
  return buildArchive(
    dir,
    {
      package_name: `rdb_agent_${version}_centos.${ARCH}`,
      package_type: 'install_rdb_agent',
      os_release: 'centos,bclinux',
    },
    {
      'tools/agentd': { content: '#!/bin/sh\nwhile :; do sleep 1; done\n', mode: 0o755 },
      'tools/VERSION': `${version}\n`,
      'tools/agent.conf': 'interval=60\n',
      'fsbackup_kernel_4.x/kernel.bin': `kernel ${version}\n`,
    },
  )
}

/** Every host's result of the task named `name`, over all plays (each rolling batch is a play of its own). */
function task(run: PlaybookRun, name: string): Record<string, TaskResult> {
  const out: Record<string, TaskResult> = {}
  for (const play of run.report?.plays ?? []) {
    for (const t of play.tasks)
      if (t.task.name === name || t.task.name.endsWith(` : ${name}`)) Object.assign(out, t.hosts)
  }
  return out
}

// Why a run failed, for assertion messages: every failed or unreachable task result, then ansible's stderr.
function explain(run: PlaybookRun): string {
  const failed: string[] = []
  for (const play of run.report?.plays ?? []) {
    for (const t of play.tasks) {
      for (const [host, r] of Object.entries(t.hosts))
        if (r.failed || r.unreachable) failed.push(`${host}: ${t.task.name}: ${r.msg}`)
    }
  }
  return `ansible-playbook exit ${run.code}; ${failed.join('; ') || (run.report ? 'no failed task' : run.stdout.slice(-1500))}; stderr: ${run.stderr.slice(-1500)}`
}

function installed(host: string): string {
  return fleet.exec(host, 'rpm -q aio').stdout.trim()
}

// What the installer leaves on a host per run: one line or more in its log (a run that changed nothing: one `end:`
// line with its status), one record per transaction.
function installerTrail(host: string): { log: string[]; records: string[] } {
  const log = fleet.exec(host, 'cat /var/log/rdbpkg/install.log 2>/dev/null').stdout.split('\n').filter(Boolean)
  const records = fleet
    .exec(host, 'ls /var/lib/rpm-sim/rdbpkg 2>/dev/null')
    .stdout.split('\n')
    .filter((name) => name.endsWith('.json'))
  return { log, records }
}

async function rollout(inventory: string, archive: string, ...extra: string[]): Promise<PlaybookRun> {
  return fleet.playbook(['-i', inventory, 'rdbpkg.fleet.rollout', '-e', `rdbpkg_archive=${archive}`, ...extra])
}

describe.skipIf(unusable !== undefined)('rdbpkg.fleet over ssh to namespaced hosts', () => {
  let good: string
  beforeAll(async () => {
    dir = fleetTempDir('archives-')
    archives.v1 = await serverArchive('1.0.0', 'port=5432\n')
    archives.v2 = await serverArchive('2.0.0', 'port=5432\nmax_connections=100\n')
    archives.v3 = await serverArchive('3.0.0', 'port=5432\nmax_connections=100\n')
    archives.agent1 = await agentArchive('1.0.0')
    archives.agent2 = await agentArchive('2.0.0')
    fleet = await Fleet.create([
      { name: 'h1', osId: 'centos', python: pythons.py27 },
      { name: 'h2', osId: 'bclinux', python: pythons.py36 },
      { name: 'h3', osId: 'centos', python: pythons.py36 },
      { name: 'h4', osId: 'bclinux', python: pythons.py27 },
      { name: 'wrongos', osId: 'ubuntu', python: pythons.py36 },
    ])
    good = fleet.inventory('good.ini', GOOD)
  })
  afterAll(async () => {
    await fleet?.destroy()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it('a fresh rollout to four hosts (Python 2.7 and 3.6) installs everywhere through real rpm -U, reported changed', async () => {
    const run = await rollout(good, archives.v1!)
    expect(run.code, explain(run)).toBe(0)
    const results = task(run, 'Run ./install')
    for (const host of GOOD) {
      expect(results[host], host).toMatchObject({ changed: true, status: 'installed', to: aio('1.0.0') })
      expect((results[host]!.result as { engine: string }).engine).toBe('rpm')
      expect(installed(host)).toBe(aio('1.0.0'))
    }
    // Nothing of it reached this machine's own root.
    expect(existsSync('/etc/aio/aio.conf')).toBe(false)
    expect(spawnSync('rpm', ['-q', 'aio']).status).not.toBe(0)
  })

  it('a rerun reports ok on every host, copies nothing and does not run ./install (only --status asks the host)', async () => {
    const before = Object.fromEntries(GOOD.map((host) => [host, installerTrail(host)]))
    const unpacked = fleet.exec('h1', `stat -c %i /var/tmp/rdbpkg/rdb_server_1.0.0_centos.${ARCH}`).stdout
    const run = await rollout(good, archives.v1!)
    expect(run.code, explain(run)).toBe(0)
    for (const host of GOOD) {
      expect(run.report?.stats[host]).toMatchObject({ changed: 0, failures: 0 })
      expect(task(run, 'Copy the archive')[host]?.changed).toBe(false)
      expect(task(run, 'Run ./install')[host]).toMatchObject({
        changed: false,
        status: 'unchanged',
        skipped_install: true,
        to: aio('1.0.0'),
      })
      // The host's installer trail: one --status line, no install run, no new transaction.
      const after = installerTrail(host)
      expect(after.records).toEqual(before[host]!.records)
      const added = after.log.slice(before[host]!.log.length)
      expect(added, host).toHaveLength(1)
      expect(added[0]).toMatch(/ end: exit=0 status=reported /)
    }
    // The archive is not unpacked again: the same folder (same inode) as after the first rollout.
    expect(fleet.exec('h1', `stat -c %i /var/tmp/rdbpkg/rdb_server_1.0.0_centos.${ARCH}`).stdout).toBe(unpacked)
  })

  it('check mode with diff reports the upgrade (from/to per host) and changes nothing', async () => {
    expect(fleet.exec('h2', 'echo "shared_buffers=4GB # operator" >> /etc/aio/aio.conf').code).toBe(0)
    const run = await rollout(good, archives.v2!, '--check', '--diff')
    expect(run.code, explain(run)).toBe(0)
    const results = task(run, 'Run ./install')
    for (const host of GOOD) {
      expect(results[host], host).toMatchObject({
        changed: true,
        status: 'planned',
        from: aio('1.0.0'),
        to: aio('2.0.0'),
      })
      const diff = results[host]!.diff as { before: string; after: string }
      expect(diff.before).toContain(aio('1.0.0'))
      expect(diff.after).toContain(aio('2.0.0'))
      // Each config file's fate, as real rpm will decide it on that host.
      const fate =
        host === 'h2'
          ? 'config modified, new version differs: kept, new as .rpmnew'
          : 'config unmodified: replaced by new version'
      expect(diff.after).toContain(`/etc/aio/aio.conf: ${fate}\n`)
      expect(installed(host)).toBe(aio('1.0.0'))
    }
    expect(fleet.exec('h2', 'cat /etc/aio/aio.conf; ls /etc/aio').stdout).toBe(
      'port=5432\nshared_buffers=4GB # operator\naio.conf\n',
    )
  })

  it('an upgrade keeps the edited config on one host and reports its .rpmnew there only', async () => {
    const run = await rollout(good, archives.v2!)
    expect(run.code, explain(run)).toBe(0)
    const results = task(run, 'Run ./install')
    const listed = task(run, 'List the .rpmnew / .rpmsave / .rpmorig files created')
    for (const host of GOOD) {
      expect(results[host], host).toMatchObject({
        changed: true,
        status: 'upgraded',
        from: aio('1.0.0'),
        to: aio('2.0.0'),
      })
      expect(installed(host)).toBe(aio('2.0.0'))
    }
    expect(results.h2!.created).toEqual([
      { path: '/etc/aio/aio.conf', savedAs: '/etc/aio/aio.conf.rpmnew', kind: 'rpmnew' },
    ])
    expect(listed.h2?.msg).toEqual(['/etc/aio/aio.conf.rpmnew'])
    for (const host of ['h1', 'h3', 'h4']) {
      expect(results[host]!.created).toEqual([])
      expect(listed[host]?.skipped).toBe(true)
    }
    expect(fleet.exec('h2', 'cat /etc/aio/aio.conf').stdout).toContain('shared_buffers=4GB # operator')
    expect(fleet.exec('h2', 'cat /etc/aio/aio.conf.rpmnew').stdout).toBe('port=5432\nmax_connections=100\n')
  })

  it('a host with the wrong OS fails its batch with exit 3 explained, and the hosts of later batches stay untouched', async () => {
    // Batches of [1, 50%, 100%] over five hosts: [h1], [wrongos, h2], [h3, h4].
    const inventory = fleet.inventory('with-wrong-os.ini', ['h1', 'wrongos', 'h2', 'h3', 'h4'])
    const run = await rollout(inventory, archives.v3!)
    expect(run.code).not.toBe(0)
    const results = task(run, 'Run ./install')
    expect(results.wrongos).toMatchObject({ failed: true, rc: 3 })
    expect(results.wrongos!.msg).toMatch(/^install: \.\/install exited 3 \(OS not in os_release\): .*ubuntu/)
    expect(results.h1).toMatchObject({ changed: true, status: 'upgraded', to: aio('3.0.0') })
    expect(installed('h1')).toBe(aio('3.0.0'))
    for (const host of ['h3', 'h4']) {
      expect(results[host], host).toBeUndefined()
      expect(installed(host)).toBe(aio('2.0.0'))
      expect(fleet.exec(host, `ls /var/tmp/rdbpkg`).stdout).not.toContain('3.0.0')
    }
    expect(installed('wrongos')).toMatch(/not installed/)
  })

  it('a fleet rollback undoes the 3.0.0 upgrade only where it was the last transaction, and its rerun is ok', async () => {
    const h2Before = installed('h2')
    // Any archive of the product names it; the version says which transaction to undo.
    const args = [
      '-i',
      good,
      'rdbpkg.fleet.rollback',
      '-e',
      `rdbpkg_archive=${archives.v1}`,
      '-e',
      'rdbpkg_rollback_version=3.0.0',
    ]
    const run = await fleet.playbook(args)
    expect(run.code, explain(run)).toBe(0)
    const results = task(run, 'Run ./install')
    expect(results.h1).toMatchObject({ changed: true, status: 'rolled-back', from: aio('3.0.0'), to: aio('2.0.0') })
    expect(results.h2?.changed).toBe(h2Before === aio('3.0.0'))
    for (const host of ['h3', 'h4']) expect(results[host], host).toMatchObject({ changed: false })
    for (const host of GOOD) expect(installed(host)).toBe(aio('2.0.0'))

    const again = await fleet.playbook(args)
    expect(again.code, explain(again)).toBe(0)
    for (const host of GOOD) expect(again.report?.stats[host]).toMatchObject({ changed: 0, failures: 0 })
  })

  it('the status playbook prints one fleet table: versions, last transactions, pending .rpmnew, drift', async () => {
    expect(fleet.exec('h3', 'echo tampered >> /opt/aio/lib/server.sh').code).toBe(0)
    expect(fleet.exec('h4', 'echo "port=6543 # operator" > /etc/aio/aio.conf').code).toBe(0)
    const run = await fleet.playbook(['-i', good, 'rdbpkg.fleet.status', '-e', `rdbpkg_archive=${archives.v1}`])
    expect(run.code, explain(run)).toBe(0)
    for (const host of GOOD) expect(run.report?.stats[host]).toMatchObject({ changed: 0, failures: 0 })
    const table = Object.values(task(run, 'Fleet status'))[0]?.msg as unknown as string[]
    expect(table[0]).toBe('HOST | INSTALLED | LAST TRANSACTION | PENDING | DRIFT')
    expect(table).toHaveLength(5)
    const row = (host: string): string => table.find((line) => line.startsWith(`${host} | `)) ?? ''
    expect(row('h1')).toContain(`| ${aio('2.0.0')} | rollback ${aio('3.0.0')} -> ${aio('2.0.0')} |`)
    // h2's rollback reinstalled 2.0.0 as it was on disk, its edited config included: no drift, the .rpmnew pending.
    expect(row('h2')).toMatch(/\| \/etc\/aio\/aio\.conf\.rpmnew \| none$/)
    expect(row('h3')).toContain(`| ${aio('2.0.0')} | upgrade ${aio('1.0.0')} -> ${aio('2.0.0')} | none |`)
    expect(row('h3')).toMatch(/S\.5\S*\s+\/opt\/aio\/lib\/server\.sh$/)
    expect(row('h4')).toMatch(/\| none \| 1 file\(s\): S\.5\S*\s+c \/etc\/aio\/aio\.conf$/)
  })

  it('a host with the agent running refuses (exit 4); stop_services stops and restarts it, and a no-op stays a no-op', async () => {
    const first = await rollout(good, archives.agent1!, '--limit', 'h1')
    expect(first.code, explain(first)).toBe(0)
    expect(
      fleet.exec('h1', 'setsid /opt/rdb/agent/tools/agentd </dev/null >/dev/null 2>&1 & echo started').stdout,
    ).toBe('started\n')
    // -o: the oldest match is the daemon; the shell it forks for each `sleep` briefly carries the same command line.
    const agentPid = (): string => fleet.exec('h1', "pgrep -o -f '/opt/rdb/agent/tools/[a]gentd'").stdout.trim()
    const before = agentPid()
    expect(before).toMatch(/^\d+$/)

    const refused = await rollout(good, archives.agent2!, '--limit', 'h1')
    expect(refused.code).not.toBe(0)
    expect(task(refused, 'Run ./install').h1).toMatchObject({ failed: true, rc: 4 })
    expect(task(refused, 'Run ./install').h1!.msg).toMatch(
      /exited 4 \(services running and no -f \(set stop_services\)\): .*agentd/,
    )
    expect(fleet.exec('h1', 'cat /opt/rdb/agent/tools/VERSION').stdout).toBe('1.0.0\n')
    expect(agentPid()).toBe(before)

    const stopped = await rollout(good, archives.agent2!, '--limit', 'h1', '-e', 'rdbpkg_stop_services=true')
    expect(stopped.code, explain(stopped)).toBe(0)
    const result = task(stopped, 'Run ./install').h1!
    expect(result).toMatchObject({ changed: true, status: 'upgraded' })
    expect(result.services).toMatchObject({
      stopped: [expect.stringContaining('agentd')],
      restarted: [expect.stringContaining('agentd')],
      failed: [],
    })
    expect(fleet.exec('h1', 'cat /opt/rdb/agent/tools/VERSION').stdout).toBe('2.0.0\n')
    const restarted = agentPid()
    expect(restarted).toMatch(/^\d+$/)
    expect(restarted).not.toBe(before)

    const noop = await rollout(good, archives.agent2!, '--limit', 'h1', '-e', 'rdbpkg_stop_services=true')
    expect(noop.code, explain(noop)).toBe(0)
    expect(task(noop, 'Run ./install').h1).toMatchObject({ changed: false, status: 'unchanged', skipped_install: true })
    expect(agentPid()).toBe(restarted)
  })

  it("a rerun still runs ./install where the host is not at the archive's package or a transaction is unfinished", async () => {
    // h2 to h4 are at 2.0.0 from the v2 archive. h2: the package removed by hand. h3: the record a run killed midway
    // leaves (still pending, newer than the last one). h4: nothing changed.
    expect(fleet.exec('h2', 'rpm -e aio').code).toBe(0)
    const killed = fleet.exec(
      'h3',
      [
        'cd /var/lib/rpm-sim/rdbpkg && last=$(ls *.json | sort | tail -1)',
        'id=$(date -u +%Y%m%dT%H%M%S999Z)-1',
        `python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r.update(id=sys.argv[2], pending=True, tids=[]); json.dump(r, open(sys.argv[2]+".json","w"))' "$last" "$id"`,
      ].join(' && '),
    )
    expect(killed.code, killed.stderr).toBe(0)
    const inventory = fleet.inventory('rerun.ini', ['h2', 'h3', 'h4'])
    const h3Log = installerTrail('h3').log.length
    const run = await rollout(inventory, archives.v2!)
    expect(run.code, explain(run)).toBe(0)
    const results = task(run, 'Run ./install')
    expect(results.h2).toMatchObject({ changed: true, status: 'installed', skipped_install: false, to: aio('2.0.0') })
    expect(installed('h2')).toBe(aio('2.0.0'))
    // ./install ran on h3 (its own verdict: already installed) instead of the module deciding from --status.
    expect(results.h3).toMatchObject({ changed: false, status: 'unchanged', skipped_install: false })
    expect(
      installerTrail('h3')
        .log.slice(h3Log)
        .some((line) => / end: exit=0 status=unchanged /.test(line)),
    ).toBe(true)
    expect(results.h4).toMatchObject({ changed: false, status: 'unchanged', skipped_install: true })
  })
})
