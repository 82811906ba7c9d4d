// rpm's own test suite, translated: each row is a scenario from rpm-software-management/rpm's tests/*.at (or one of
// ours, `rdbpkg`), its packages generated as spec text and built by rpmbuild, run in fresh roots with Debian's rpm
// 4.18 and with rpm-sim. Exit codes, stdout, stderr, the tree (contents, types, modes, owners, link targets, hard
// links), -qa, -Va and the scriptlet log (/log) must agree; a row that deliberately differs says where and why, and
// the run prints it. Specs are built once per run (SpecCache). The rows are in upstream/, one module per .at file
// (our own rows beside the upstream ones they extend), the packages they share in upstream/_test-specs.ts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Scenario } from '../_test-scenario.js'
import { SpecCache, compared, runScenario, scenarioSkip } from '../_test-scenario.js'

import { SCENARIOS_RPMREPLACE } from './upstream/_test-rpmreplace.js'
import { SCENARIOS_RPMCONFLICT } from './upstream/_test-rpmconflict.js'
import { SCENARIOS_RPME } from './upstream/_test-rpme.js'
import { SCENARIOS_RPMI } from './upstream/_test-rpmi.js'
import { SCENARIOS_OPERATORS } from './upstream/_test-operators.js'
import { SCENARIOS_RPMSCRIPT } from './upstream/_test-rpmscript.js'
import { SCENARIOS_RPMVERIFY } from './upstream/_test-rpmverify.js'
import { SCENARIOS_RPMCONFIG3 } from './upstream/_test-rpmconfig3.js'
import { SCENARIOS_RPMQUERY } from './upstream/_test-rpmquery.js'
import { SCENARIOS_RPMDB } from './upstream/_test-rpmdb.js'
import { SCENARIOS_RPMORDER, SCENARIOS_WEAK_DEPS_QUERY } from './upstream/_test-rpmorder.js'

if (scenarioSkip !== undefined) console.warn(`skipping the upstream rpm scenarios: ${scenarioSkip}`)

const SCENARIOS: Scenario[] = [
  ...SCENARIOS_RPMREPLACE,
  ...SCENARIOS_RPMCONFLICT,
  ...SCENARIOS_RPME,
  ...SCENARIOS_RPMI,
  ...SCENARIOS_OPERATORS,
  ...SCENARIOS_RPMSCRIPT,
  ...SCENARIOS_RPMVERIFY,
  ...SCENARIOS_RPMCONFIG3,
  ...SCENARIOS_RPMQUERY,
  ...SCENARIOS_RPMDB,
  ...SCENARIOS_RPMORDER,
  ...SCENARIOS_WEAK_DEPS_QUERY,
]

const dir = mkdtempSync(join(tmpdir(), 'rpmsim-upstream-'))
const cache = new SpecCache(dir)
const tally = { run: 0, agree: 0, differ: [] as string[], disagree: [] as string[] }
afterAll(() => {
  console.info(
    `upstream scenarios: ${tally.run} run, ${tally.agree} agree with rpm 4.18${tally.disagree.length > 0 ? `, ${tally.disagree.length} disagree: ${tally.disagree.join('; ')}` : ''}`,
  )
  for (const d of tally.differ) console.info(`  deliberate difference: ${d}`)
  rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(scenarioSkip !== undefined)('rpm-sim against rpm 4.18 on rpm’s own tests', () => {
  SCENARIOS.forEach((s, i) => {
    const test = s.pending !== undefined ? it.fails : it
    test(`${s.from}: ${s.name}${s.pending !== undefined ? ` (still differs: ${s.pending})` : ''}`, async () => {
      tally.run++
      const real = await runScenario(s, 'rpm', join(dir, `rpm-${i}`), cache)
      const sim = await runScenario(s, 'rpm-sim', join(dir, `sim-${i}`), cache)
      const skip = s.differs?.aspects ?? []
      if (s.differs !== undefined)
        tally.differ.push(`${s.name}: ${s.differs.aspects.join(', ')} not compared: ${s.differs.reason}`)
      try {
        expect(compared(sim, skip)).toEqual(compared(real, skip))
        s.differs?.upstream?.(sim)
      } catch (error) {
        tally.disagree.push(`${s.name}${s.pending !== undefined ? ` (known: ${s.pending})` : ''}`)
        throw error
      }
      tally.agree++
    }, 120_000)
  })
})
