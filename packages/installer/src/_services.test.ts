import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir, writeTree } from './_test-archive.js'
import { findRunningServices, startServices, stopServices } from './_services.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check() && Date.now() < deadline) await new Promise((done) => setTimeout(done, 25))
}

function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
  } catch {
    return false
  }
}

describe('services', () => {
  it('finds a process running from under the prefix, stops it, and starts it again', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const root = join(dir, 'root')
    const script = join(root, 'opt/rdb/agent/tools/agentd.sh')
    writeTree(root, {
      'opt/rdb/agent/tools/agentd.sh': `#!/bin/sh\necho $$ >> "${dir}/pids"\nwhile :; do sleep 1; done\n`,
    })
    chmodSync(script, 0o755)
    const child = spawn(script, [], { stdio: 'ignore', detached: true })
    cleanups.push(() => child.kill('SIGKILL'))
    const query = { root, prefix: '/opt/rdb/agent', services: ['rdb-agent'], method: 'proc' } as const
    const lines = (): number =>
      existsSync(join(dir, 'pids')) ? readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').length : 0
    await waitFor(() => findRunningServices(query).length > 0 && lines() === 1)

    const running = findRunningServices(query)
    expect(running.map((s) => (s.kind === 'process' ? s.pid : 0))).toContain(child.pid)
    expect(findRunningServices({ root, prefix: '/opt/rdb/other', services: ['rdb-agent'], method: 'proc' })).toEqual([])

    const stopped = await stopServices(running, { graceMs: 2000 })
    expect(alive(child.pid!)).toBe(false)
    const { started, failed } = startServices(stopped)
    expect(failed).toEqual([])
    expect(started).toHaveLength(running.length)
    await waitFor(() => findRunningServices(query).length > 0 && lines() === 2)
    const again = findRunningServices(query)
    cleanups.push(() => {
      for (const s of again) if (s.kind === 'process') process.kill(s.pid, 'SIGKILL')
    })
    expect(again).toHaveLength(1)
    expect(readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n')).toHaveLength(2)
  })

  it("a service's own forks (a shell script's subshell) are part of it: found once, stopped with it, not started twice", async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const root = join(dir, 'root')
    const script = join(root, 'opt/rdb/agent/tools/agentd.sh')
    // The subshell is a fork of the script: the same command line, a child of it. It blocks opening a fifo nobody
    // writes (a builtin, no further forks): a `sleep` loop would fork copies of the script's command line for a
    // moment every second, and a count of the script's processes would sometimes see three.
    execFileSync('mkfifo', [join(dir, 'fifo')])
    writeTree(root, {
      'opt/rdb/agent/tools/agentd.sh': `#!/bin/sh\necho $$ >> "${dir}/pids"\n( read x < "${dir}/fifo" ) &\nwait\n`,
    })
    chmodSync(script, 0o755)
    const child = spawn(script, [], { stdio: 'ignore', detached: true })
    cleanups.push(() => child.kill('SIGKILL'))
    const query = { root, prefix: '/opt/rdb/agent', services: ['rdb-agent'], method: 'proc' } as const
    const scripts = (): number[] =>
      readdirSync('/proc')
        .filter((e) => /^\d+$/.test(e))
        .filter((e) => {
          try {
            return readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').includes(script) && alive(Number(e))
          } catch {
            return false
          }
        })
        .map(Number)
    cleanups.push(() => {
      for (const pid of scripts()) process.kill(pid, 'SIGKILL')
    })
    await waitFor(() => scripts().length === 2)
    expect(scripts()).toHaveLength(2)
    const running = findRunningServices(query)
    expect(running.map((s) => (s.kind === 'process' ? s.pid : 0))).toEqual([child.pid])
    const stopped = await stopServices(running, { graceMs: 2000 })
    expect(scripts()).toEqual([])
    startServices(stopped)
    await waitFor(() => scripts().length === 2)
    // One service again: the script and its one subshell, not two scripts.
    expect(scripts()).toHaveLength(2)
    expect(findRunningServices(query)).toHaveLength(1)
    expect(readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n')).toHaveLength(2)
  })

  it('names nothing when the type has no services', () => {
    expect(findRunningServices({ root: '/', prefix: '/', services: [], method: 'proc' })).toEqual([])
  })
})

describe('services under systemd', () => {
  // No systemd runs in these containers: a stand-in systemctl on PATH records the command lines we send it.
  it('asks systemctl which units are active, stops them and starts them again', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const log = join(dir, 'calls')
    writeTree(dir, {
      'bin/systemctl': `#!/bin/sh\necho "$*" >> "${log}"\ncase "$*" in\n  "is-active --quiet rdb-agent") exit 0 ;;\n  is-active*) exit 3 ;;\nesac\nexit 0\n`,
    })
    chmodSync(join(dir, 'bin/systemctl'), 0o755)
    const path = process.env.PATH
    process.env.PATH = `${join(dir, 'bin')}:${path}`
    cleanups.push(() => (process.env.PATH = path))
    const running = findRunningServices({
      root: '/',
      prefix: '/opt/rdb/agent',
      services: ['rdb-agent', 'fsbackup'],
      method: 'systemd',
    })
    expect(running).toEqual([{ kind: 'systemd', name: 'rdb-agent' }])
    const stopped = await stopServices(running)
    expect(startServices(stopped).failed).toEqual([])
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'is-active --quiet rdb-agent',
      'is-active --quiet fsbackup',
      'stop rdb-agent',
      'start rdb-agent',
    ])
  })
})
