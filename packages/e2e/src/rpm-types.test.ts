// install_rdb_server and install_rdb_worker end to end: the payload's rpm installed, upgraded around an edited
// %config(noreplace) file and rolled back, through rpm-sim and through Debian's real rpm (when installed).
import { listInstalled } from '@rdbpkg/rpm-sim'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ARCH,
  binary,
  buildAndExtract,
  contents,
  makeRoot,
  payloadWithRpm,
  runInstall,
  workspace,
} from './_test-e2e.js'

const hasRpm = (() => {
  try {
    execFileSync('rpm', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
if (!hasRpm) console.warn('skipping real-rpm runs: rpm not installed')

let ws: ReturnType<typeof workspace>
beforeAll(() => {
  ws = workspace()
})
afterAll(() => ws.cleanup())

const cases = [
  { type: 'install_rdb_server', rpm: 'aio', kind: 'rdb_server', engine: 'rpm-sim' },
  { type: 'install_rdb_worker', rpm: 'aio-airflow', kind: 'rdb_worker', engine: 'rpm-sim' },
  { type: 'install_rdb_server', rpm: 'aio', kind: 'rdb_server', engine: 'rpm' },
  { type: 'install_rdb_worker', rpm: 'aio-airflow', kind: 'rdb_worker', engine: 'rpm' },
] as const

describe.each(cases)('$type with $engine', ({ type, rpm, kind, engine }) => {
  it.skipIf(engine === 'rpm' && !hasRpm)(
    'installs, upgrades keeping an edited config (.rpmnew), rolls back',
    async () => {
      const dir = join(ws.dir, `${kind}-${engine}`)
      mkdirSync(dir, { recursive: true })
      const conf = `/etc/${rpm}/${rpm}.conf`
      const v1Files = [
        { path: `/opt/${rpm}/bin-${rpm}`, content: '#!/bin/sh\necho v1\n', mode: 0o755 },
        { path: conf, content: 'a=1\n', config: true },
        { path: `/opt/${rpm}/lib/old.txt`, content: 'old\n' },
        { path: `/opt/${rpm}/lib/owned.txt`, content: 'mine\n', owner: 'rdb' },
      ]
      const v2Files = [
        { path: `/opt/${rpm}/bin-${rpm}`, content: '#!/bin/sh\necho v2\n', mode: 0o755 },
        { path: conf, content: 'a=2\n', config: true },
        { path: `/opt/${rpm}/lib/new.txt`, content: 'new\n' },
      ]
      const v1 = await buildAndExtract(
        dir,
        { package_name: `${kind}_5.7.1.0_centos.${ARCH}`, package_type: type, os_release: 'centos' },
        binary(await payloadWithRpm(dir, rpm, '5.7.1.0', v1Files)),
      )
      const v2 = await buildAndExtract(
        dir,
        { package_name: `${kind}_5.7.2.0_centos.${ARCH}`, package_type: type, os_release: 'centos' },
        binary(await payloadWithRpm(dir, rpm, '5.7.2.0', v2Files)),
      )
      const root = makeRoot(dir)
      // The product's own user, known in the root: as root, files get their packaged owner, as rpm gives them.
      writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nrdb:x:990:990::/opt/rdb:/sbin/nologin\n')
      writeFileSync(join(root, 'etc/group'), 'root:x:0:\nrdb:x:990:\n')
      const env = { RDBPKG_ENGINE: engine }
      const installedNames = async () =>
        engine === 'rpm'
          ? execFileSync('rpm', ['--root', root, '-qa'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
          : (await listInstalled(root)).map((p) => `${p.name}-${p.version}-${p.release}.${p.arch}`)

      const first = await runInstall(v1, ['--root', root], { env })
      expect(first.stderr).toBe('')
      expect(first.code).toBe(0)
      expect(first.stdout).toContain(`installed ${rpm}-5.7.1.0-1.el7.${ARCH}`)
      expect(await installedNames()).toEqual([`${rpm}-5.7.1.0-1.el7.${ARCH}`])
      expect(readFileSync(join(root, conf), 'utf8')).toBe('a=1\n')
      if (process.getuid?.() === 0) {
        const owned = statSync(join(root, `opt/${rpm}/lib/owned.txt`))
        expect([owned.uid, owned.gid]).toEqual([990, 990])
      }

      writeFileSync(join(root, conf), 'a=1\nedited=yes\n')
      const before = { opt: contents(join(root, 'opt')), etc: contents(join(root, 'etc', rpm)) }

      // The plan says each file's fate as the upgrade will decide it, with real rpm as with rpm-sim; it changes nothing.
      const dry = await runInstall(v2, ['--dry-run', '--json', '--root', root], { env })
      expect(dry.code).toBe(0)
      const planned = (JSON.parse(dry.stdout) as { plan: { files: { path: string; fate: string; reason: string }[] } })
        .plan.files
      const fate = (path: string) => planned.find((f) => f.path === path)
      expect(fate(conf)).toMatchObject({
        fate: 'altname',
        reason: 'config modified, new version differs: kept, new as .rpmnew',
      })
      expect(fate(`/opt/${rpm}/bin-${rpm}`)?.fate).toBe('create')
      expect(fate(`/opt/${rpm}/lib/old.txt`)?.fate).toBe('erase')
      expect({ opt: contents(join(root, 'opt')), etc: contents(join(root, 'etc', rpm)) }).toEqual(before)

      const upgrade = await runInstall(v2, ['--root', root], { env })
      expect(upgrade.code).toBe(0)
      expect(upgrade.stdout).toContain(`upgraded ${rpm}-5.7.1.0-1.el7.${ARCH} -> ${rpm}-5.7.2.0-1.el7.${ARCH}`)
      expect(upgrade.stdout).toContain(`${conf}.rpmnew`)
      expect(readFileSync(join(root, conf), 'utf8')).toBe('a=1\nedited=yes\n')
      expect(readFileSync(join(root, `${conf}.rpmnew`), 'utf8')).toBe('a=2\n')
      expect(existsSync(join(root, `opt/${rpm}/lib/old.txt`))).toBe(false)
      expect(await installedNames()).toEqual([`${rpm}-5.7.2.0-1.el7.${ARCH}`])

      const rolled = await runInstall(v1, ['--rollback', '--root', root], { env })
      expect(rolled.stderr).not.toMatch(/error/)
      expect(rolled.code).toBe(0)
      expect(await installedNames()).toEqual([`${rpm}-5.7.1.0-1.el7.${ARCH}`])
      expect({ opt: contents(join(root, 'opt')), etc: contents(join(root, 'etc', rpm)) }).toEqual(before)
    },
  )
})
