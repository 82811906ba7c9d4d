// ./install on a real `/`, as on a host: the server's rpm goes through the host's own `rpm -U` (no --root) and
// the agent through rpm-sim's database under /var/lib/rpm-sim. So that the machine running the tests is never
// touched, every run is chrooted into an overlay of this machine's own root, in a private mount namespace: the
// run sees this machine's `/` (its rpm, its libraries) and all it writes lands in the overlay's upper folder,
// which the test then reads. Needs root, unshare, overlayfs and rpm; skips saying why otherwise.
import { listInstalled } from '@rdbpkg/rpm-sim'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARCH, binary, buildAndExtract, contents, payloadWithRpm, workspace } from './_test-e2e.js'
import {
  inRealRoot,
  installInRealRoot as install,
  newOverlay,
  realRootUnavailable,
  removeOverlay,
} from './_test-real-root.js'
import type { Overlay } from './_test-real-root.js'

const unusable = realRootUnavailable()
if (unusable !== undefined) console.warn(`skipping the real-root runs: ${unusable}`)

let ws: ReturnType<typeof workspace>
const overlays: Overlay[] = []
beforeAll(() => {
  ws = workspace()
})
afterAll(() => {
  ws?.cleanup()
  for (const o of overlays) removeOverlay(o)
})

function hostWith(archives: string[]): Overlay {
  const o = newOverlay(archives)
  overlays.push(o)
  return o
}

describe.skipIf(unusable !== undefined)('./install on a real / (chrooted into an overlay of this machine)', () => {
  it('server: the host rpm installs, upgrades keeping an edited config, and the rollback restores byte for byte', async () => {
    const dir = join(ws.dir, 'server')
    mkdirSync(dir)
    const conf = '/etc/aio/aio.conf'
    const v1 = await buildAndExtract(
      dir,
      { package_name: `rdb_server_5.7.1.0_centos.${ARCH}`, package_type: 'install_rdb_server', os_release: 'centos' },
      binary(
        await payloadWithRpm(dir, 'aio', '5.7.1.0', [
          { path: '/opt/aio/bin-aio', content: '#!/bin/sh\necho v1\n', mode: 0o755 },
          { path: conf, content: 'a=1\n', config: true },
          { path: '/opt/aio/lib/old.txt', content: 'old\n' },
        ]),
      ),
      { nodeRuntime: process.execPath },
    )
    const v2 = await buildAndExtract(
      dir,
      { package_name: `rdb_server_5.7.2.0_centos.${ARCH}`, package_type: 'install_rdb_server', os_release: 'centos' },
      binary(
        await payloadWithRpm(dir, 'aio', '5.7.2.0', [
          { path: '/opt/aio/bin-aio', content: '#!/bin/sh\necho v2\n', mode: 0o755 },
          { path: conf, content: 'a=2\n', config: true },
          { path: '/opt/aio/lib/new.txt', content: 'new\n' },
        ]),
      ),
      { nodeRuntime: process.execPath },
    )
    const host = hostWith([v1, v2])
    const rpmQ = (): string => inRealRoot(host, 'rpm -q aio').stdout.trim()

    const first = install(host, v1, '--json')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({
      status: 'installed',
      engine: 'rpm',
      to: `aio-5.7.1.0-1.el7.${ARCH}`,
    })
    expect(rpmQ()).toBe(`aio-5.7.1.0-1.el7.${ARCH}`)
    expect(readFileSync(join(host.upper, 'opt/aio/bin-aio'), 'utf8')).toBe('#!/bin/sh\necho v1\n')

    writeFileSync(join(host.upper, conf), 'a=1\nedited=yes\n')
    const before = { opt: contents(join(host.upper, 'opt/aio')), etc: contents(join(host.upper, 'etc/aio')) }

    const upgrade = install(host, v2)
    expect(upgrade.code).toBe(0)
    expect(upgrade.stdout).toContain(`upgraded aio-5.7.1.0-1.el7.${ARCH} -> aio-5.7.2.0-1.el7.${ARCH}`)
    expect(upgrade.stdout).toContain(`${conf}.rpmnew`)
    expect(rpmQ()).toBe(`aio-5.7.2.0-1.el7.${ARCH}`)
    expect(readFileSync(join(host.upper, conf), 'utf8')).toBe('a=1\nedited=yes\n')
    expect(readFileSync(join(host.upper, `${conf}.rpmnew`), 'utf8')).toBe('a=2\n')
    // The host's rpm agrees: only the operator's edit differs from the package.
    expect(inRealRoot(host, 'rpm -V aio').stdout.trim()).toBe(`S.5....T.  c ${conf}`)

    const rolled = install(host, v2, '--rollback')
    expect(rolled.stderr).not.toMatch(/error/)
    expect(rolled.code).toBe(0)
    expect(rpmQ()).toBe(`aio-5.7.1.0-1.el7.${ARCH}`)
    expect({ opt: contents(join(host.upper, 'opt/aio')), etc: contents(join(host.upper, 'etc/aio')) }).toEqual(before)

    const history = install(host, v1, '--history --json')
    expect((JSON.parse(history.stdout).history as { action: string }[]).map((r) => r.action)).toEqual([
      'install',
      'upgrade',
      'rollback',
    ])
    // Nothing reached the machine itself.
    expect(existsSync('/opt/aio/bin-aio')).toBe(false)
    expect(spawnSync('rpm', ['-q', 'aio']).status).not.toBe(0)
  })

  it('agent: rpm-sim at / installs and upgrades under /opt/rdb/agent, staging on the same filesystem and leaving none', async () => {
    const dir = join(ws.dir, 'agent')
    mkdirSync(dir)
    const manifest = (v: string) => ({
      package_name: `rdb_agent_${v}_centos.${ARCH}`,
      package_type: 'install_rdb_agent',
      os_release: 'centos',
    })
    const v1 = await buildAndExtract(
      dir,
      manifest('5.7.1.0'),
      {
        'tools/agent.conf': 'port=1\n',
        'tools/run.sh': { content: 'echo 1\n', mode: 0o755 },
        'fsbackup_kernel_4.x/m.ko': 'm1',
      },
      { nodeRuntime: process.execPath },
    )
    const v2 = await buildAndExtract(
      dir,
      manifest('5.7.2.0'),
      {
        'tools/agent.conf': 'port=2\n',
        'tools/run.sh': { content: 'echo 2\n', mode: 0o755 },
        'fsbackup_kernel_4.x/m.ko': 'm2',
      },
      { nodeRuntime: process.execPath },
    )
    const host = hostWith([v1, v2])
    const agent = join(host.upper, 'opt/rdb/agent')

    const first = install(host, v1, '--json')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'installed', engine: 'rpm-sim' })
    expect(readFileSync(join(agent, 'fsbackup_kernel_4.x/m.ko'), 'utf8')).toBe('m1')
    writeFileSync(join(agent, 'tools/agent.conf'), 'port=1\nedited\n')

    const up = install(host, v2)
    expect(up.code).toBe(0)
    expect(readFileSync(join(agent, 'tools/run.sh'), 'utf8')).toBe('echo 2\n')
    expect(readFileSync(join(agent, 'tools/agent.conf'), 'utf8')).toBe('port=1\nedited\n')
    expect(readFileSync(join(agent, 'tools/agent.conf.rpmnew'), 'utf8')).toBe('port=2\n')
    expect((await listInstalled(host.upper)).map((p) => p.nevra)).toEqual([`rdb-agent-5.7.2.0-1.${ARCH}`])
    expect(existsSync(join(host.upper, 'var/lib/rdbpkg/staging'))).toBe(false)
    expect(
      inRealRoot(
        host,
        `cd /srv/rdbpkg-e2e/${basename(v2)} && ./install --rollback >/dev/null && cat /opt/rdb/agent/tools/run.sh`,
      ).stdout,
    ).toBe('echo 1\n')
    expect(existsSync('/opt/rdb/agent/tools/run.sh')).toBe(false)
  })
})
