// `pnpm test`: runs every package's tests under turbo, then prints one closing line over all packages
// ("tests: N passed, N failed, N skipped") from each package's vitest JSON report. Exits with turbo's code.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ensureNode } from './test-node.mjs'

const root = new URL('..', import.meta.url).pathname
const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name))
for (const dir of packages) rmSync(join(dir, '.vitest-report.json'), { force: true })

// The e2e suite also runs ./install on the oldest Node the installer supports (core's NODE_FLOOR).
// Read from the source: nothing is built yet on a fresh clone.
const NODE_FLOOR = /NODE_FLOOR = '([\d.]+)'/.exec(
  readFileSync(join(root, 'packages/core/src/node-floor.ts'), 'utf8'),
)[1]
const floor = ensureNode(root, NODE_FLOOR, process.env.RDBPKG_TEST_NODE_FLOOR)
if (floor.path === undefined)
  console.log(`node ${NODE_FLOOR}: ${floor.reason}; the end-to-end run on the Node floor will skip`)
const env = {
  TURBO_TELEMETRY_DISABLED: '1',
  ...process.env,
  ...(floor.path ? { RDBPKG_TEST_NODE_FLOOR: floor.path } : {}),
}

const turbo = join(root, 'node_modules', '.bin', 'turbo')
const args = ['run', 'test', '--continue', ...process.argv.slice(2)]
const run = spawnSync(turbo, args, { cwd: root, stdio: 'inherit', env })

let passed = 0
let failed = 0
let skipped = 0
const missing = []
for (const dir of packages) {
  const file = join(dir, '.vitest-report.json')
  if (!existsSync(file)) {
    missing.push(dir)
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + report.numTodoTests
  // A suite that failed to load counts its file as a failure, so a broken import never passes silently.
  failed += (report.testResults ?? []).filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  ).length
}
for (const dir of missing) console.log(`no test report from ${dir} (its tests did not run)`)
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
const code = run.status ?? 1
process.exit(code !== 0 ? code : failed > 0 || missing.length > 0 ? 1 : 0)
