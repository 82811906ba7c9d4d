// Power cuts, checked in the manner of ALICE: the file-system calls of a real `rpm-sim -U` and of a real
// `./install` upgrade are recorded with strace (UV_USE_IO_URING=0, so libuv makes them as plain syscalls), the
// crash states a power cut could leave at each point are built from them (crash-states.ts), and on each state the
// next command runs (rpm-sim -qa or -U again; ./install again or --rollback). Then the tree must be the complete
// old or the complete new version, the operator's config byte-identical, -V clean and the database and history
// readable. CRASH_STATES=all checks every distinct state; by default an even sample of them.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { execa } from 'execa'
import { listHistory, listInstalled, verifyInstalled, writeRpm } from '@rdbpkg/rpm-sim'
import type { RpmSpec } from '@rdbpkg/rpm-sim'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentManifest, buildArchive, makeRoot } from './_test-archive.js'
import { hasTool } from './_test-env.js'
import { INSTALLER_BUNDLE, RPM_SIM_CLI, builtOrWarn, cliEnv } from './_test-paths.js'
import { recordArea } from './_test-record.js'
import { CrashModel } from './crash-states.js'
import type { CrashState } from './crash-states.js'
import { describeOp, parseTrace, straceArgs } from './strace-log.js'

const ready = builtOrWarn('rpm-sim', RPM_SIM_CLI) && builtOrWarn('installer', INSTALLER_BUNDLE)
const haveStrace = hasTool('strace')
if (!haveStrace) console.warn('skipping the power-cut tests: strace is not installed (apt-get install strace)')
/** How many distinct states each scenario checks: `all`, or a number (default: an even sample). */
const LIMIT =
  process.env.CRASH_STATES === 'all' ? Number.POSITIVE_INFINITY : Number(process.env.CRASH_STATES ?? 0) || undefined
const CONCURRENCY = 3
const base = mkdtempSync(join(tmpdir(), 'adv-powercut-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))

const OPERATOR_CONF = 'port=9999\n# edited by the operator\n'
const sh = (cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) =>
  execa(cmd, args, {
    reject: false,
    timeout: 180_000,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: cliEnv(opts.env ?? {}),
    extendEnv: false,
  })

/** Runs `cmd` under strace and returns the operations it made under `tree`. */
async function record(
  _tree: string,
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ exitCode: number | undefined; stderr: string; trace: string }> {
  const out = join(base, `trace-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`)
  const run = await sh('strace', [...straceArgs(out, 4 << 20), '--', cmd, ...args], {
    cwd,
    env: { UV_USE_IO_URING: '0' },
  })
  return { exitCode: run.exitCode, stderr: run.stderr, trace: readFileSync(out, 'latin1') }
}

// The first -V lines of a problem, enough to see what is damaged.
function shorten(problem: string): string {
  return problem.split(' | ').slice(0, 2).join(' | ').replace(/\s+/g, ' ')
}

/** An even sample of `n` states (all when n covers them), always keeping the first and last. */
function sample(states: CrashState[], n: number): CrashState[] {
  if (states.length <= n) return states
  const picked: CrashState[] = []
  for (let i = 0; i < n; i++) picked.push(states[Math.round((i * (states.length - 1)) / (n - 1))] as CrashState)
  return [...new Set(picked)]
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  const go = (d: string): void => {
    for (const name of readdirSync(d)) {
      const abs = join(d, name)
      if (statSync(abs).isDirectory()) go(abs)
      else out.push(relative(dir, abs))
    }
  }
  go(dir)
  return out.sort()
}

interface Version {
  nevra: string
  files: Record<string, string>
}

/** What is wrong with `root` as one complete version (the one rpm-sim says is installed) of the package `versions` name. */
async function problemsOf(root: string, prefix: string, versions: Version[], conf: string): Promise<string[]> {
  const problems: string[] = []
  let installed: string[]
  try {
    const names = new Set(versions.map((x) => nameOf(x.nevra)))
    installed = (await listInstalled(root)).map((p) => p.nevra).filter((n) => names.has(nameOf(n)))
    await listHistory(root)
  } catch (error) {
    return [`database or history does not read: ${(error as Error).message}`]
  }
  const v = versions.find((x) => installed.length === 1 && installed[0] === x.nevra)
  if (v === undefined) return [`installed: ${JSON.stringify(installed)}`]
  const name = nameOf(v.nevra)
  const verify = (await verifyInstalled(root, name).catch((error: Error) => [`-V failed: ${error.message}`])).filter(
    (l) => !(/\sc\s/.test(l) && l.endsWith(`/${conf}`)),
  )
  if (verify.length) problems.push(`-V: ${verify.slice(0, 3).join(' | ')}`)
  for (const [path, content] of Object.entries(v.files)) {
    if (path === conf) continue
    const abs = join(root, prefix, path)
    if (!existsSync(abs)) problems.push(`missing ${path}`)
    else if (readFileSync(abs, 'utf8') !== content) problems.push(`${path} is not ${v.nevra}'s`)
  }
  const confAbs = join(root, prefix, conf)
  if (!existsSync(confAbs) || readFileSync(confAbs, 'utf8') !== OPERATOR_CONF)
    problems.push(`${conf} is not the operator's`)
  const allowed = new Set([...Object.keys(v.files), `${conf}.rpmnew`])
  for (const f of walk(join(root, prefix))) if (!allowed.has(f)) problems.push(`stray ${f}`)
  return problems
}

function nameOf(nevra: string): string {
  return nevra.replace(/-[^-]+-[^-]+$/, '')
}

/** What is wrong with a package that is new in the transaction: installed complete (-V clean), or absent with no file left. */
async function newPackageProblems(root: string, prefix: string, v: Version): Promise<string[]> {
  const there = (await listInstalled(root)).some((p) => p.nevra === v.nevra)
  if (!there) return walk(join(root, prefix)).map((f) => `${v.nevra} not installed, yet ${prefix}/${f} is there`)
  const problems: string[] = []
  const verify = await verifyInstalled(root, nameOf(v.nevra)).catch((error: Error) => [`-V failed: ${error.message}`])
  if (verify.length) problems.push(`${v.nevra} -V: ${verify.slice(0, 3).join(' | ')}`)
  for (const [path, content] of Object.entries(v.files)) {
    const abs = join(root, prefix, path)
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== content)
      problems.push(`${prefix}/${path} is not ${v.nevra}'s`)
  }
  for (const f of walk(join(root, prefix))) if (!(f in v.files)) problems.push(`stray ${prefix}/${f}`)
  return problems
}

interface Scenario {
  id: string
  tried: string
  model: CrashModel
  /** Runs the next command on a laid-out state; what is wrong afterwards. */
  check: (root: string, state: CrashState, index: number) => Promise<string[]>
  recordedExit: number | undefined
}

/** Lays out and checks the (sampled) distinct states of a scenario; records the figures. */
async function runScenario(s: Scenario, defaultLimit: number): Promise<{ failures: string[] }> {
  const { built, distinct } = s.model.states()
  const limit = LIMIT ?? defaultLimit
  const picked = sample(distinct, limit)
  const results: string[][] = []
  const one = async (i: number, state: CrashState): Promise<void> => {
    const root = join(base, `${s.id}-state-${i}`)
    s.model.layOut(state, root)
    results[i] = await s.check(root, state, i)
    rmSync(root, { recursive: true, force: true })
  }
  // A few states at once: each check is mostly a process starting up.
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < picked.length) {
      const i = next++
      await one(i, picked[i] as CrashState)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const failures: string[] = []
  const exposing = new Map<string, string>()
  let held = 0
  for (const [i, state] of picked.entries()) {
    const problems = results[i] ?? ['not checked']
    if (problems.length === 0) {
      held++
      continue
    }
    const why = s.model.explain(state, (op) => describeOp(op, s.model.tree))
    failures.push(`${state.variant} @${state.point}: ${why} => ${problems.slice(0, 3).join('; ')}`)
    // One example per kind of damage: the variant and the first problem with names, numbers and digests masked.
    const key = `${state.variant.replace(/\d+/, 'N')} ${problems[0]?.replace(/\/\S+|[0-9a-f]{8,}|\d+/g, 'N') ?? ''}`
    if (!exposing.has(key)) exposing.set(key, `${why} => ${shorten(problems[0] ?? '')}`)
  }
  const f = s.model.figures
  const kinds = [...exposing.values()].slice(0, 6)
  recordArea({
    id: s.id,
    group: 'Power cuts',
    tried: `${s.tried}: ${f.ops} file-system operations recorded (${f.entryOps} directory-entry changes, ${f.syncs} fsync/syncfs), ${built} crash states built, ${distinct.length} distinct, ${picked.length} laid out and checked`,
    cases: picked.length,
    held,
    notes:
      failures.length === 0
        ? `every checked state recovered to the complete old or new version, operator config byte-identical, -V clean, database and history readable; ${f.neverDurable} directory-entry changes were never made durable by the run`
        : `${failures.length} states did not recover (${exposing.size} kinds, examples under Open bugs); ${f.neverDurable} directory-entry changes were never made durable by the run`,
    bugs: kinds.map((k) => `power cut (${s.id}): ${k}`),
  })
  return { failures }
}

// --- rpm-sim -U --repackage of a package whose %config(noreplace) the operator edited -----------------------

const DEMO = 'opt/demo'
function demoFiles(v: string): Record<string, string> {
  const files: Record<string, string> = {
    'demo.conf': `port=${v}\n`,
    [`only-${v}.txt`]: `only in ${v}\n`,
    'bin/run.sh': `#!/bin/sh\necho ${v}\n`,
  }
  for (let i = 0; i < 6; i++) files[`lib/m${i}.py`] = `# ${v} module ${i}\n`
  return files
}
function demoSpec(v: string): RpmSpec {
  const dirs = ['/opt/demo', '/opt/demo/bin', '/opt/demo/lib'].map((path) => ({
    path,
    kind: 'dir' as const,
    mode: 0o755,
    mtime: 1_700_000_000,
  }))
  const files = Object.entries(demoFiles(v)).map(([p, content]) => ({
    path: `/${DEMO}/${p}`,
    kind: 'file' as const,
    content,
    mode: p.endsWith('.sh') ? 0o755 : 0o644,
    mtime: 1_700_000_000,
    ...(p === 'demo.conf' ? { flags: { config: true, noreplace: true } } : {}),
  }))
  return { name: 'demo', version: v, release: '1', arch: 'noarch', files: [...dirs, ...files] }
}

// A package new in the same transaction, with a %pre: its files are staged only after its %pre, once the
// upgrade of demo has committed (so recovery relies on its `staged N` mark, not on `commit`).
const PLUGIN = 'opt/demo-plugin'
const pluginFiles: Record<string, string> = {
  'p0.txt': 'plugin 0\n',
  'p1.txt': 'plugin 1\n',
  'sub/p2.txt': 'plugin 2\n',
}
const pluginSpec: RpmSpec = {
  name: 'demo-plugin',
  version: '1.0',
  release: '1',
  arch: 'noarch',
  files: [
    ...['/opt/demo-plugin', '/opt/demo-plugin/sub'].map((path) => ({
      path,
      kind: 'dir' as const,
      mode: 0o755,
      mtime: 1_700_000_000,
    })),
    ...Object.entries(pluginFiles).map(([p, content]) => ({
      path: `/${PLUGIN}/${p}`,
      kind: 'file' as const,
      content,
      mode: 0o644,
      mtime: 1_700_000_000,
    })),
  ],
  // rpm's built-in <lua>: rpm-sim skips it with a warning, so the root needs no shell; the element still has a %pre.
  scripts: { pre: { interpreter: '<lua>', body: 'return 0' } },
}
const PLUGIN_VERSION = { nevra: 'demo-plugin-1.0-1.noarch', files: pluginFiles }

describe.skipIf(!ready || !haveStrace)(
  'power cuts during an upgrade (crash states from a strace of the real run)',
  () => {
    let v2rpm: string
    let pluginRpm: string
    let rpmModel: CrashModel
    let rpmExit: number | undefined

    beforeAll(async () => {
      const v1rpm = join(base, 'demo-1.rpm')
      v2rpm = join(base, 'demo-2.rpm')
      await writeRpm(demoSpec('1.0'), v1rpm)
      await writeRpm(demoSpec('2.0'), v2rpm)
      pluginRpm = join(base, 'demo-plugin-1.rpm')
      await writeRpm(pluginSpec, pluginRpm)
      const start = join(base, 'rpm-start')
      const first = await sh('node', [RPM_SIM_CLI, '--root', start, '-i', v1rpm])
      expect(first.exitCode, first.stderr).toBe(0)
      writeFileSync(join(start, DEMO, 'demo.conf'), OPERATOR_CONF)
      const traced = join(base, 'rpm-traced')
      await sh('cp', ['-a', start, traced])
      const run = await record(
        traced,
        'node',
        [RPM_SIM_CLI, '--root', traced, '--repackage', '-U', v2rpm, pluginRpm],
        base,
      )
      rpmExit = run.exitCode
      rpmModel = new CrashModel(start, traced, parseTrace(run.trace, traced))
    }, 300_000)

    it('rpm-sim -U --repackage of an upgrade and a new package: every crash state recovers on the next rpm-sim command', async () => {
      expect(rpmExit).toBe(0)
      const versions = [
        { nevra: 'demo-1.0-1.noarch', files: demoFiles('1.0') },
        { nevra: 'demo-2.0-1.noarch', files: demoFiles('2.0') },
      ]
      const { failures } = await runScenario(
        {
          id: 'power-cut-rpm-sim',
          tried:
            'power cut at every point of a real rpm-sim --repackage -U of an upgrade (9 files, edited %config(noreplace)) and a new package with a %pre (3 files, staged after the upgrade committed); then rpm-sim -qa or -U again',
          model: rpmModel,
          recordedExit: rpmExit,
          check: async (root, _state, i) => {
            // Every other state: the same transaction again (it must end with both new; --replacepkgs, as rpm refuses
            // the whole transaction when one of its packages is installed already); else a query (either version).
            const again = i % 2 === 1
            const next = await sh('node', [
              RPM_SIM_CLI,
              '--root',
              root,
              ...(again ? ['--repackage', '--replacepkgs', '-U', v2rpm, pluginRpm] : ['-qa']),
            ])
            const problems = [
              ...(await problemsOf(root, DEMO, versions, 'demo.conf')),
              ...(await newPackageProblems(root, PLUGIN, PLUGIN_VERSION)),
            ]
            const now = problems.length === 0 ? (await listInstalled(root)).map((p) => p.nevra).sort() : []
            if (again && problems.length === 0 && now.join(' ') !== 'demo-2.0-1.noarch demo-plugin-1.0-1.noarch')
              problems.push(
                `-U again left ${now.join(' ')} (exit ${next.exitCode}: ${next.stderr.trim().split('\n')[0]})`,
              )
            if (!again && next.exitCode !== 0)
              problems.push(`-qa exit ${next.exitCode}: ${next.stderr.trim().split('\n')[0]}`)
            return problems
          },
        },
        150,
      )
      expect(rpmModel.figures.ops).toBeGreaterThan(50)
      expect(failures).toEqual([])
    })
  },
)

// --- ./install upgrade of an agent (v1 installed, operator-edited config) -----------------------------------

const AGENT = 'opt/rdb/agent'
function agentFiles(version: string): Record<string, string> {
  const files: Record<string, string> = {
    'tools/agent.conf': `port=${version === '5.7.1.0' ? 1 : 2}\nlevel=info\n`,
    'tools/run.sh': `#!/bin/sh\necho ${version}\n`,
    [version === '5.7.1.0' ? 'tools/old-only.sh' : 'tools/new-only.sh']: `# only in ${version}\n`,
  }
  for (let i = 0; i < 5; i++) files[`tools/lib/m${i}.py`] = `# ${version} module ${i}\n`
  files['fsbackup_kernel_4.x/k0.ko'] = `kernel module of ${version}\n`
  return files
}

describe.skipIf(!ready || !haveStrace)(
  'power cuts during an ./install upgrade (crash states from a strace of the real run)',
  () => {
    let v2: string
    let model: CrashModel
    let exit: number | undefined

    beforeAll(async () => {
      const v1 = await buildArchive(join(base, 'agent-v1'), agentManifest('5.7.1.0'), agentFiles('5.7.1.0'))
      v2 = await buildArchive(
        join(base, 'agent-v2'),
        agentManifest('5.7.2.0', 'install_update_agent'),
        agentFiles('5.7.2.0'),
      )
      const start = makeRoot(join(base, 'agent-start'))
      const first = await sh('./install', ['--root', start], { cwd: v1 })
      expect(first.exitCode, first.stderr).toBe(0)
      writeFileSync(join(start, AGENT, 'tools/agent.conf'), OPERATOR_CONF)
      const traced = join(base, 'agent-traced')
      await sh('cp', ['-a', start, traced])
      const run = await record(traced, './install', ['--root', traced], v2)
      exit = run.exitCode
      expect(exit, run.stderr).toBe(0)
      model = new CrashModel(start, traced, parseTrace(run.trace, traced))
    }, 300_000)

    it('./install upgrade: every crash state ends complete after ./install again or --rollback', async () => {
      const versions = [
        { nevra: 'rdb-agent-5.7.1.0-1.x86_64', files: agentFiles('5.7.1.0') },
        { nevra: 'rdb-agent-5.7.2.0-1.x86_64', files: agentFiles('5.7.2.0') },
      ]
      const { failures } = await runScenario(
        {
          id: 'power-cut-install',
          tried:
            'power cut at every point of a real ./install agent upgrade (9 files, operator-edited config); then ./install again (and every other state ./install --rollback after it)',
          model,
          recordedExit: exit,
          check: async (root, _state, i) => {
            // ./install again must finish the upgrade; every other state then rolls it back to the old version.
            const again = await sh('./install', ['--root', root], { cwd: v2 })
            let problems = await problemsOf(root, AGENT, versions, 'tools/agent.conf')
            let now = problems.length === 0 ? (await listInstalled(root))[0]?.nevra : undefined
            if (problems.length === 0 && now !== versions[1]?.nevra)
              problems.push(
                `./install again (exit ${again.exitCode}) left ${now}: ${again.stderr.trim().split('\n').at(-1)}`,
              )
            if (problems.length > 0 || i % 2 === 0) return problems
            const back = await sh('./install', ['--root', root, '--rollback'], { cwd: v2 })
            problems = (await problemsOf(root, AGENT, versions, 'tools/agent.conf')).map(
              (p) => `after --rollback: ${p}`,
            )
            now = problems.length === 0 ? (await listInstalled(root))[0]?.nevra : undefined
            if (problems.length === 0 && now !== versions[0]?.nevra)
              problems.push(`--rollback (exit ${back.exitCode}) left ${now}: ${back.stderr.trim().split('\n').at(-1)}`)
            return problems
          },
        },
        50,
      )
      expect(model.figures.ops).toBeGreaterThan(50)
      expect(failures).toEqual([])
    })
  },
)
