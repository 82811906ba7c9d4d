// Load: several ./install runs started at once on one root. Exactly one may act; the rest wait or exit 6 (or
// find nothing left to do); the end state is the one complete version, and rpm-sim -V agrees with the disk.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentManifest, buildArchive, makeRoot } from './_test-archive.js'
import { BUILDER_CLI, INSTALLER_BUNDLE, RPM_SIM_CLI, builtOrWarn } from './_test-paths.js'
import { AreaTally } from './_test-record.js'

const ready =
  builtOrWarn('builder', BUILDER_CLI) &&
  builtOrWarn('installer', INSTALLER_BUNDLE) &&
  builtOrWarn('rpm-sim', RPM_SIM_CLI)
const N = Math.max(2, Number(process.env.LOAD_RUNS ?? 4))
const ROUNDS = Math.max(1, Number(process.env.LOAD_ROUNDS ?? 3))
const base = mkdtempSync(join(tmpdir(), 'adv-load-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const tally = new AreaTally({
  id: 'load',
  group: 'Load',
  tried: `${N} ./install runs at once on one root: install waves, upgrade waves, and mixed upgrade + --rollback waves, ${ROUNDS} rounds each`,
})
afterAll(() => {
  if (ready)
    tally.record(
      'exactly one run acted per install/upgrade wave, the others exited 6 (lock held) or 0/7 with nothing to do; mixed waves ended on one complete version; rpm-sim -V clean after every wave',
    )
})

const payload = (version: string): Record<string, string> => {
  const files: Record<string, string> = {
    'tools/run.sh': `#!/bin/sh\necho ${version}\n`,
    'tools/agent.conf': `version=${version}\n`,
    'fsbackup_kernel_4.x/kernel.ko': `kernel ${version}\n`,
  }
  for (let i = 0; i < 150; i++) files[`tools/lib/m${i}.py`] = `# ${version} ${i}\n`.repeat(40)
  return files
}

let v1: string
let v2: string
beforeAll(async () => {
  if (!ready) return
  v1 = await buildArchive(join(base, 'v1'), agentManifest('5.7.1.0'), payload('5.7.1.0'))
  v2 = await buildArchive(join(base, 'v2'), agentManifest('5.7.2.0', 'install_update_agent'), payload('5.7.2.0'))
}, 120_000)

interface Outcome {
  exitCode: number
  status: string
}

function wave(archive: string, root: string): Promise<Outcome[]> {
  return runAll(
    Array.from({ length: N }, () => ({ archive, args: [] })),
    root,
  )
}

async function runAll(jobs: { archive: string; args: string[] }[], root: string): Promise<Outcome[]> {
  const runs = jobs.map((j) =>
    execa('./install', ['--root', root, '--json', ...j.args], { cwd: j.archive, reject: false, timeout: 120_000 }),
  )
  return (await Promise.all(runs)).map((r) => {
    let status = 'no-json'
    try {
      status = (JSON.parse(r.stdout) as { status: string }).status
    } catch {
      // the exit code tells the rest
    }
    return { exitCode: r.exitCode ?? -1, status }
  })
}

async function verifyClean(root: string): Promise<{ verify: string; qa: string }> {
  const v = await execa('node', [RPM_SIM_CLI, '--root', root, '-V', 'rdb-agent'], { reject: false })
  const qa = await execa('node', [RPM_SIM_CLI, '--root', root, '-qa'], { reject: false })
  return {
    verify: v.exitCode === 0 && v.stdout.trim() === '' ? 'clean' : `-V: ${v.stdout} ${v.stderr}`.trim(),
    qa: qa.stdout.trim(),
  }
}

describe.skipIf(!ready)('load: concurrent installs on one root', () => {
  it(`mixed: upgrades and --rollback runs at once (${ROUNDS} rounds): one at a time, ending on one complete version`, async () => {
    const problems: string[] = []
    for (let round = 1; round <= ROUNDS; round++) {
      const root = makeRoot(join(base, `mixed-${round}`))
      for (const archive of [v1, v2]) {
        const r = await execa('./install', ['--root', root], { cwd: archive, reject: false })
        expect(r.exitCode, r.stderr).toBe(0)
      }
      const jobs = Array.from({ length: N }, (_, i) =>
        i % 2 === 0 ? { archive: v2, args: ['--rollback'] } : { archive: v2, args: [] },
      )
      const outcomes = await runAll(jobs, root)
      const { verify, qa } = await verifyClean(root)
      const version = qa.replace(/^rdb-agent-/, '').replace(/-1\.x86_64$/, '')
      const complete = ['5.7.1.0', '5.7.2.0'].includes(version) && verify === 'clean'
      const run =
        complete && readFileSync(join(root, 'opt/rdb/agent/tools/run.sh'), 'utf8') === `#!/bin/sh\necho ${version}\n`
      const exits = outcomes.every((o) => [0, 6, 7].includes(o.exitCode))
      const held = complete && run && exits
      tally.add(held, `mixed round ${round}: ${JSON.stringify(outcomes)} ${verify} ${qa}`)
      if (!held) problems.push(`round ${round}: ${JSON.stringify(outcomes)}; ${verify}; qa=${qa}; run.sh ok=${run}`)
    }
    expect(problems).toEqual([])
  })

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: ${N} installs of v1 at once, then ${N} upgrades to v2 at once`, async () => {
      const root = makeRoot(join(base, `root-${round}`))
      const problems: string[] = []
      for (const [label, archive, acted, version] of [
        ['install', v1, 'installed', '5.7.1.0'],
        ['upgrade', v2, 'upgraded', '5.7.2.0'],
      ] as const) {
        const outcomes = await wave(archive, root)
        const actors = outcomes.filter((o) => o.exitCode === 0 && o.status === acted)
        const others = outcomes.filter((o) => !(o.exitCode === 0 && o.status === acted))
        const ok =
          actors.length === 1 &&
          others.every((o) => o.exitCode === 6 || ([0, 7].includes(o.exitCode) && o.status !== acted))
        const { verify, qa } = await verifyClean(root)
        const state = qa === `rdb-agent-${version}-1.x86_64` && verify === 'clean'
        const run = readFileSync(join(root, 'opt/rdb/agent/tools/run.sh'), 'utf8') === `#!/bin/sh\necho ${version}\n`
        const held = ok && state && run
        tally.add(held, `round ${round} ${label}: ${JSON.stringify(outcomes)} ${verify} ${qa}`)
        if (!held) problems.push(`${label}: outcomes ${JSON.stringify(outcomes)}; ${verify}; ${qa}; run.sh ok=${run}`)
      }
      expect(problems).toEqual([])
    })
  }
})
