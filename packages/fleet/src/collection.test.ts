// The collection as a release artifact: `ansible-galaxy collection build` accepts it, the built tarball holds the
// module, role and playbooks, and the module compiles on the targets' Pythons (2.7 on CentOS 7, 3.6 on EL8).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, targetPythons } from './_test-hosts.js'

const COLLECTION = join(REPO_ROOT, 'ansible/collections/ansible_collections/rdbpkg/fleet')
const MODULE = join(COLLECTION, 'plugins/modules/install.py')
const galaxy = spawnSync('ansible-galaxy', ['--version'], { encoding: 'utf8' })
const noGalaxy = galaxy.status === 0 ? undefined : 'ansible-galaxy is not installed (apt-get install ansible)'
if (noGalaxy !== undefined) console.warn(`skipping the collection build: ${noGalaxy}`)

const temp = mkdtempSync(join(tmpdir(), 'rdbpkg-galaxy-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

describe.skipIf(noGalaxy !== undefined)('ansible-galaxy collection build', () => {
  it('builds rdbpkg-fleet-<version>.tar.gz holding the module, the role and the three playbooks', () => {
    const out = join(temp, 'out')
    execFileSync('ansible-galaxy', ['collection', 'build', COLLECTION, '--output-path', out], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const built = readdirSync(out)
    expect(built).toEqual([expect.stringMatching(/^rdbpkg-fleet-\d+\.\d+\.\d+\.tar\.gz$/)])
    const listing = execFileSync('tar', ['-tzf', join(out, built[0]!)], { encoding: 'utf8' }).split('\n')
    for (const path of [
      'MANIFEST.json',
      'FILES.json',
      'README.md',
      'meta/runtime.yml',
      'plugins/modules/install.py',
      'roles/deploy/tasks/main.yml',
      'roles/deploy/defaults/main.yml',
      'playbooks/rollout.yml',
      'playbooks/rollback.yml',
      'playbooks/status.yml',
    ]) {
      expect(listing).toContain(path)
    }
  })
})

const pythons = targetPythons()
const onTargets = [
  ['2.7', pythons.py27],
  ['3.6', pythons.py36],
] as const
if (pythons.missing.length > 0)
  console.warn(
    `the module's compile check runs on ${pythons.py27} instead of the missing ${pythons.missing.join(', ')}`,
  )

describe("the module on the targets' Pythons", () => {
  it.each(onTargets)('compiles on Python %s (no f-strings, no annotations)', (_version, python) => {
    const compiled = spawnSync(
      python,
      ['-c', 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")', MODULE],
      { encoding: 'utf8' },
    )
    expect(compiled.stderr).toBe('')
    expect(compiled.status).toBe(0)
  })
})
