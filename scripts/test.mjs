// `pnpm test`: first `pnpm lint` (biome's formatter and linter, then tsc over every package, test files included),
// then every package's tests under turbo, then one closing line over all packages ("tests: N passed, N failed,
// N skipped") from each package's vitest JSON report. The tests run even when lint fails; the exit code is then 1.
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
const biome = join(root, 'node_modules', '.bin', 'biome')
const lint = [
  spawnSync(biome, ['check', '--error-on-warnings', '.'], { cwd: root, stdio: 'inherit', env }),
  spawnSync(turbo, ['run', 'typecheck', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit', env }),
]
const lintFailed = lint.some((r) => r.status !== 0)
console.log(
  lintFailed ? 'lint: FAILED (see above; `pnpm format` fixes formatting)' : 'lint: ok (biome check, typecheck)',
)
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
if (lintFailed) console.log('\nlint failed: biome check or typecheck (see above)')
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
const code = run.status ?? 1
process.exit(code !== 0 ? code : failed > 0 || missing.length > 0 || lintFailed ? 1 : 0)
