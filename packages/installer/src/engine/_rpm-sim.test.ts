// The rpm-sim adapter on a temporary root: upgrades, finds a transaction by its description, and rolls back only
// the latest transaction (undoing an older one would silently undo the later ones too).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeRpm } from '@rdbpkg/rpm-sim'
import { afterEach, describe, expect, it } from 'vitest'
import { openEngine } from './_open.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const FLAGS = { replacepkgs: false, oldpackage: false, noscripts: true }

describe('rpm-sim adapter', () => {
  it('upgrades, finds each transaction by description, and rolls back only the latest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdbpkg-rpm-sim-engine-'))
    dirs.push(dir)
    const root = join(dir, 'root')
    mkdirSync(root)
    const rpm = async (version: string): Promise<string> => {
      const out = join(dir, `app-${version}.rpm`)
      await writeRpm(
        {
          name: 'app',
          version,
          release: '1',
          arch: 'noarch',
          files: [{ path: '/opt/app/run.sh', kind: 'file', content: `v${version}\n` }],
        },
        out,
      )
      return out
    }
    const engine = await openEngine(root, 'rpm-sim', 'rpm')
    expect(engine.name).toBe('rpm-sim')
    expect((await engine.inspect(await rpm('1'))).nevra).toBe('app-1-1.noarch')
    expect((await engine.upgrade(await rpm('1'), FLAGS, 'run one')).ok).toBe(true)
    expect((await engine.upgrade(await rpm('2'), FLAGS, 'run two')).ok).toBe(true)
    expect((await engine.installed('app'))?.nevra).toBe('app-2-1.noarch')
    const first = await engine.findTransaction('run one', undefined)
    const second = await engine.findTransaction('run two', undefined)
    if (first?.tid === undefined || second?.tid === undefined) throw new Error('transactions not found by description')
    expect(await engine.findTransaction('never ran', undefined)).toBeUndefined()

    const refused = await engine.rollback({ tid: first.tid, noscripts: true })
    expect(refused.ok).toBe(false)
    // The later transaction is named by its elements (the upgrade's install, and the erase of what it replaced).
    expect(refused.problems).toEqual([
      expect.stringMatching(/^later transactions would be undone too \(app-2-1\.noarch.*\): roll those back first$/),
    ])
    expect(readFileSync(join(root, 'opt/app/run.sh'), 'utf8')).toBe('v2\n')

    const undone = await engine.rollback({ tid: second.tid, noscripts: true })
    expect(undone.ok).toBe(true)
    expect((await engine.installed('app'))?.nevra).toBe('app-1-1.noarch')
    expect(readFileSync(join(root, 'opt/app/run.sh'), 'utf8')).toBe('v1\n')
    expect(await engine.verify('app')).toEqual([])
  }, 120_000)
})

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p))
const isRoot = process.getuid?.() === 0
if (!isRoot) console.warn('skipping the scriptlet environment test: scriptlets are chrooted, which needs root')
else if (BUSYBOX === undefined)
  console.warn('skipping the scriptlet environment test: it needs busybox-static (a shell inside the root)')

describe.skipIf(!isRoot || BUSYBOX === undefined)('rpm-sim adapter scriptlets', () => {
  it("run with the installer's environment, as rpm's run with rpm's, PATH set to rpm's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdbpkg-rpm-sim-env-'))
    dirs.push(dir)
    const root = join(dir, 'root')
    mkdirSync(join(root, 'bin'), { recursive: true })
    copyFileSync(BUSYBOX as string, join(root, 'bin/sh'))
    const out = join(dir, 'app.rpm')
    await writeRpm(
      {
        name: 'app',
        version: '1',
        release: '1',
        arch: 'noarch',
        files: [{ path: '/opt/app/run.sh', kind: 'file', content: 'v1\n' }],
        scripts: { post: { body: 'echo "$RDB_SITE $PATH" > /post.log' } },
      },
      out,
    )
    const env = { RDB_SITE: 'site-a', PATH: '/nowhere' }
    const engine = await openEngine(root, 'rpm-sim', 'rpm', undefined, undefined, undefined, env)
    expect((await engine.upgrade(out, { ...FLAGS, noscripts: false }, 'with scripts')).ok).toBe(true)
    expect(readFileSync(join(root, 'post.log'), 'utf8')).toBe('site-a /sbin:/bin:/usr/sbin:/usr/bin:/usr/X11R6/bin\n')
  }, 120_000)
})
