// The hostile rpm corpus fed to the real rpm-sim CLI: `-qpl PKG` and `--root R -i PKG`. Refused cases must fail
// with a typed one-line error and leave the root (and everything beside it) exactly as it was; contained cases
// may install, but only inside the root.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rpmCorpus } from './_test-corpus.js'
import { RPM_SIM_CLI, builtOrWarn } from './_test-paths.js'
import { AreaTally } from './_test-record.js'
import { diffSnapshots, snapshot } from './_test-snapshot.js'
import { craftRpm } from './rpm-craft.js'

const ready = builtOrWarn('rpm-sim', RPM_SIM_CLI)
const base = mkdtempSync(join(tmpdir(), 'adv-rpm-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const outside = join(base, 'outside')
const corpus = rpmCorpus({ outside, climb: 40, bombBytes: 1 << 28 })
const query = new AreaTally({
  id: 'hostile-rpm-query',
  group: 'Hostile archives',
  tried: `rpm corpus (${corpus.length} crafted .rpm) through rpm-sim -qpl`,
})
const install = new AreaTally({
  id: 'hostile-rpm-install',
  group: 'Hostile archives',
  tried: `rpm corpus (${corpus.length} crafted .rpm) through rpm-sim --root R -i`,
})
afterAll(() => {
  if (!ready) return
  query.record('refused with a non-zero exit and an error naming the damage; no stack traces')
  install.record(
    'refused cases: typed error, root and its surroundings byte-identical; contained cases (links through which files are written, device nodes): everything landed inside the root',
  )
})

let seedRpm: string
beforeAll(async () => {
  mkdirSync(outside, { recursive: true })
  writeFileSync(join(outside, 'sentinel'), 'sentinel\n')
  seedRpm = join(base, 'seed.rpm')
  writeFileSync(
    seedRpm,
    await craftRpm({
      name: 'seed',
      version: '1',
      release: '1',
      files: [
        { path: '/opt/seed', mode: 0o040755 },
        { path: '/opt/seed/a.conf', data: 'a=1\n', flags: 17 },
      ],
    }),
  )
})

const rpmSim = (args: string[]) => execa('node', [RPM_SIM_CLI, ...args], { reject: false, timeout: 120_000 })

// Open bugs in @rdbpkg/rpm-sim shown by this corpus (it.fails until fixed).
const KNOWN_BUGS: Record<string, string> = {}

describe.skipIf(!ready)('hostile rpms: rpm-sim', () => {
  for (const c of corpus) {
    const bug = KNOWN_BUGS[c.id]
    if (bug) install.bugs.push(bug)
    ;(bug ? it.fails : it)(bug ? `${c.id} (${bug})` : c.id, async () => {
      const dir = join(base, c.id)
      const root = join(dir, 'root')
      mkdirSync(dir, { recursive: true })
      // A root that already has a database and a package, so "left as it was" means something.
      const seeded = await rpmSim(['--root', root, '-i', seedRpm])
      expect(seeded.exitCode, seeded.stderr).toBe(0)
      const file = join(dir, `${c.id}.rpm`)
      writeFileSync(file, await c.bytes())

      const q = await rpmSim(['-qpl', file])
      const qProblems: string[] = []
      if (/\n\s+at /.test(q.stderr)) qProblems.push('stack trace')
      if (c.expect === 'reject' && !/^(cpio-|payload-)/.test(c.id)) {
        // -qpl reads the headers only, so payload damage is for -i to find; header damage must fail here.
        if (q.exitCode === 0) qProblems.push('exit 0')
        if (!c.names.test(q.stderr))
          qProblems.push(`stderr does not name ${c.names}: ${JSON.stringify(q.stderr.slice(0, 200))}`)
      }
      query.add(qProblems.length === 0, `${c.id}: ${qProblems.join('; ')}`)

      const before = snapshot(base)
      const run = await rpmSim(['--root', root, '-i', '--nodeps', file])
      const after = snapshot(base)
      const problems: string[] = []
      if (/\n\s+at /.test(run.stderr)) problems.push('stack trace on stderr')
      const rootRel = join(c.id, 'root')
      if (c.expect === 'reject') {
        if (run.exitCode === 0) problems.push('exit 0')
        if (!c.names.test(run.stderr))
          problems.push(`stderr does not name ${c.names}: ${JSON.stringify(run.stderr.slice(0, 200))}`)
        const changes = diffSnapshots(before, after)
        if (changes.length) problems.push(`changed: ${changes.slice(0, 6).join(' ')}`)
      } else {
        const escaped = diffSnapshots(before, after, (p) => p === rootRel || p.startsWith(`${rootRel}/`))
        if (escaped.length) problems.push(`changed outside the root: ${escaped.slice(0, 6).join(' ')}`)
      }
      install.add(problems.length === 0, `${c.id}: ${problems.join('; ')}`)
      expect(
        [...qProblems.map((p) => `-qpl: ${p}`), ...problems],
        `${c.what}\n-qpl stderr: ${q.stderr.slice(0, 300)}\n-i exit ${run.exitCode} stderr: ${run.stderr.slice(0, 400)}`,
      ).toEqual([])
    })
  }
})
