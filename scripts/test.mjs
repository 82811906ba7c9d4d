// `pnpm test`: runs every package's tests under turbo, then prints one closing line over all packages
// ("tests: N passed, N failed, N skipped") from each package's vitest JSON report. Exits with turbo's code.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ensureNode18 } from './node18.mjs'

const root = new URL('..', import.meta.url).pathname
const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name))
for (const dir of packages) rmSync(join(dir, '.vitest-report.json'), { force: true })

// The e2e suite also runs ./install on Node 18, the oldest Node the installer supports.
const node18 = ensureNode18(root)
if (node18.path === undefined) console.log(`node 18: ${node18.reason}; the Node 18 end-to-end test will skip`)
const env = { TURBO_TELEMETRY_DISABLED: '1', ...process.env, ...(node18.path ? { RDBPKG_TEST_NODE18: node18.path } : {}) }

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
  failed += (report.testResults ?? []).filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0).length
}
for (const dir of missing) console.log(`no test report from ${dir} (its tests did not run)`)
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
const code = run.status ?? 1
process.exit(code !== 0 ? code : failed > 0 || missing.length > 0 ? 1 : 0)
