// ./install on the Nodes an el7 host has: the runtime the builder embeds (--node-runtime 16.20.2, official build
// from the npm registry, needs only glibc 2.17) and the floor itself (core's NODE_FLOOR, 16.17.0) as `node` on
// PATH, as EPEL's nodejs 16 would be. Both run every package type through install, --dry-run, an upgrade
// (--json) around an edited config, rollback; the rpm types carry an xz payload and a %post scriptlet.
// `pnpm test` provides the floor binary (scripts/test-node.mjs sets RDBPKG_TEST_NODE_FLOOR); the builder fetches
// the runtime through npm. Without either, that half skips and says why.
import { RECOMMENDED_NODE_RUNTIME } from '@rdbpkg/builder'
import { NODE_FLOOR } from '@rdbpkg/core'
import { listInstalled } from '@rdbpkg/rpm-sim'
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestContext } from 'vitest'
import {
  ARCH,
  binary,
  buildAndExtract,
  contents,
  logLines,
  makeRoot,
  payloadWithRpm,
  runInstall,
  wheel,
  workspace,
} from './_test-e2e.js'
import type { TreeFile } from './_test-e2e.js'

const FLOOR_NODE = process.env.RDBPKG_TEST_NODE_FLOOR
const floorVersion =
  FLOOR_NODE === undefined ? undefined : spawnSync(FLOOR_NODE, ['--version'], { encoding: 'utf8' }).stdout?.trim()
const floorReason =
  floorVersion === `v${NODE_FLOOR}`
    ? undefined
    : `RDBPKG_TEST_NODE_FLOOR ${FLOOR_NODE === undefined ? 'is not set (pnpm test sets it)' : `(${FLOOR_NODE}) is not Node ${NODE_FLOOR} (${floorVersion || 'does not run'})`}`
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((path) => existsSync(path))
const hasVenv = spawnSync('python3', ['-c', 'import ensurepip, venv']).status === 0

interface Mode {
  name: string
  /** The builder's --node-runtime. */
  nodeRuntime?: string
  /** PATH for ./install. */
  path?: string
  /** The `node=` the run log must name. */
  node: string
}
const MODES: Mode[] = [
  {
    name: `the embedded runtime (--node-runtime ${RECOMMENDED_NODE_RUNTIME})`,
    nodeRuntime: RECOMMENDED_NODE_RUNTIME,
    node: `v${RECOMMENDED_NODE_RUNTIME}`,
  },
  {
    name: `Node ${NODE_FLOOR} on PATH`,
    ...(FLOOR_NODE ? { path: `${dirname(FLOOR_NODE)}:${process.env.PATH ?? ''}` } : {}),
    node: `v${NODE_FLOOR}`,
  },
]

let ws: ReturnType<typeof workspace>
beforeAll(() => {
  ws = workspace()
})
afterAll(() => ws?.cleanup())

describe.each(MODES)('./install on $name', (mode) => {
  let skipReason: string | undefined = mode.nodeRuntime === undefined ? floorReason : undefined
  const env = mode.path === undefined ? {} : { PATH: mode.path }
  const dir = (): string => {
    const d = join(ws.dir, mode.nodeRuntime === undefined ? 'floor' : 'embedded')
    mkdirSync(d, { recursive: true })
    return d
  }
  // Builds with the mode's runtime; the first build that cannot fetch it (no registry) skips the mode.
  const build = async (manifest: Record<string, unknown>, payload: Record<string, TreeFile>): Promise<string> =>
    buildAndExtract(dir(), manifest, payload, mode.nodeRuntime === undefined ? {} : { nodeRuntime: mode.nodeRuntime })
  const guard = async <T>(ctx: TestContext, step: () => Promise<T>): Promise<T> => {
    if (skipReason !== undefined) {
      console.warn(`skipping ./install on ${mode.name}: ${skipReason}`)
      ctx.skip()
    }
    try {
      return await step()
    } catch (error) {
      const message = (error as Error).message
      if (mode.nodeRuntime !== undefined && /npm pack .* failed/.test(message)) {
        skipReason = `the npm registry cannot be reached (${message})`
        console.warn(`skipping ./install on ${mode.name}: ${skipReason}`)
        ctx.skip()
      }
      throw error
    }
  }
  const ranOn = (root: string): void => {
    // Every run names the Node it ran on in the log.
    const nodes = logLines(root).flatMap((line) => [...line.matchAll(/\snode=(\S+)/g)].map((m) => m[1]))
    expect(nodes.length).toBeGreaterThan(0)
    expect(new Set(nodes)).toEqual(new Set([mode.node]))
  }

  it.for([
    { type: 'install_rdb_server', rpm: 'aio', kind: 'rdb_server' },
    { type: 'install_rdb_worker', rpm: 'aio-airflow', kind: 'rdb_worker' },
  ])(
    '$type: xz payload, %post scriptlet, dry run, upgrade (--json) keeping an edited config, rollback',
    { timeout: 900_000 },
    async ({ type, rpm, kind }, ctx) => {
      if (BUSYBOX === undefined) {
        console.warn('skipping the rpm types: busybox-static (a shell for scriptlets in the root) is not installed')
        ctx.skip()
      }
      const [v1, v2] = await guard(ctx, async () => {
        const conf = `/etc/${rpm}/${rpm}.conf`
        const post = { post: { body: `echo "post $1" >> /var/tmp/${rpm}-post.log\n` } }
        const files = (v: string, c: string) => [
          { path: `/opt/${rpm}/bin-${rpm}`, content: `#!/bin/sh\necho ${v}\n`, mode: 0o755 },
          { path: conf, content: c, config: true },
        ]
        const p1 = await payloadWithRpm(dir(), rpm, '5.7.1.0', files('v1', 'a=1\n'), {
          compressor: 'xz',
          scripts: post,
        })
        const p2 = await payloadWithRpm(dir(), rpm, '5.7.2.0', files('v2', 'a=2\n'), {
          compressor: 'xz',
          scripts: post,
        })
        return [
          await build(
            { package_name: `${kind}_5.7.1.0_centos.${ARCH}`, package_type: type, os_release: 'centos' },
            binary(p1),
          ),
          await build(
            { package_name: `${kind}_5.7.2.0_centos.${ARCH}`, package_type: type, os_release: 'centos' },
            binary(p2),
          ),
        ] as const
      })
      // The payload inside the rpm is an xz stream (its magic follows the headers).
      const rpmBytes = Buffer.from(execFileSync('tar', ['-xzOf', join(v1, 'package.tar.gz')]))
      expect(rpmBytes.includes(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe(true)
      const root = makeRoot(dir(), 'centos', `root-${kind}`)
      // The scriptlet runs chrooted into the root, as rpm does: it needs a shell there.
      mkdirSync(join(root, 'bin'), { recursive: true })
      copyFileSync(BUSYBOX!, join(root, 'bin/sh'))
      execFileSync('chmod', ['755', join(root, 'bin/sh')])
      const conf = join(root, `etc/${rpm}/${rpm}.conf`)
      const postLog = join(root, `var/tmp/${rpm}-post.log`)

      const first = await runInstall(v1, ['--root', root], { env })
      expect(first.stderr).toBe('')
      expect(first.code).toBe(0)
      expect(first.stdout).toContain(`installed ${rpm}-5.7.1.0-1.el7.${ARCH}`)
      expect(readFileSync(postLog, 'utf8')).toBe('post 1\n')
      ranOn(root)

      writeFileSync(conf, 'a=1\nedited=yes\n')
      const before = { opt: contents(join(root, 'opt')), etc: contents(join(root, 'etc', rpm)) }
      const dry = await runInstall(v2, ['--root', root, '--dry-run'], { env })
      expect(dry.code).toBe(0)
      expect({ opt: contents(join(root, 'opt')), etc: contents(join(root, 'etc', rpm)) }).toEqual(before)

      const up = await runInstall(v2, ['--root', root, '--json'], { env })
      expect(up.stderr).toBe(`warning: /etc/${rpm}/${rpm}.conf created as /etc/${rpm}/${rpm}.conf.rpmnew\n`)
      expect(up.code).toBe(0)
      expect(JSON.parse(up.stdout)).toMatchObject({
        status: 'upgraded',
        from: `${rpm}-5.7.1.0-1.el7.${ARCH}`,
        to: `${rpm}-5.7.2.0-1.el7.${ARCH}`,
      })
      expect(readFileSync(conf, 'utf8')).toBe('a=1\nedited=yes\n')
      expect(readFileSync(`${conf}.rpmnew`, 'utf8')).toBe('a=2\n')
      expect(readFileSync(join(root, `opt/${rpm}/bin-${rpm}`), 'utf8')).toContain('v2')
      expect(readFileSync(postLog, 'utf8')).toBe('post 1\npost 2\n')

      const rolled = await runInstall(v2, ['--rollback', '--root', root], { env })
      expect(rolled.code).toBe(0)
      expect({ opt: contents(join(root, 'opt')), etc: contents(join(root, 'etc', rpm)) }).toEqual(before)
      expect((await listInstalled(root)).map((p) => `${p.name}-${p.version}-${p.release}`)).toEqual([
        `${rpm}-5.7.1.0-1.el7`,
      ])
      ranOn(root)
    },
  )

  it('install_rdb_agent then install_update_agent: dry run, upgrades (--json) keeping an edited config, rollback', {
    timeout: 900_000,
  }, async (ctx) => {
    const tree = (v: string, port: string) => ({
      'tools/agent.conf': `port=${port}\n`,
      'tools/run.sh': { content: `#!/bin/sh\necho ${v}\n`, mode: 0o755 },
      'fsbackup_kernel_4.x/module.ko': `module ${v}\n`,
    })
    const [agent, update] = await guard(
      ctx,
      async () =>
        [
          await build(
            {
              package_name: `rdb_agent_5.7.1.0_centos.${ARCH}`,
              package_type: 'install_rdb_agent',
              os_release: 'centos',
            },
            tree('v1', '8000'),
          ),
          await build(
            {
              package_name: `update_agent_5.7.2.0_centos.${ARCH}`,
              package_type: 'install_update_agent',
              os_release: 'centos',
            },
            tree('v2', '9000'),
          ),
        ] as const,
    )
    const root = makeRoot(dir(), 'centos', 'root-agent')
    const agentDir = join(root, 'opt/rdb/agent')

    const first = await runInstall(agent, ['--root', root, '--json'], { env })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'installed', to: `rdb-agent-5.7.1.0-1.${ARCH}` })
    expect(readFileSync(join(agentDir, 'fsbackup_kernel_4.x/module.ko'), 'utf8')).toBe('module v1\n')
    ranOn(root)

    writeFileSync(join(agentDir, 'tools/agent.conf'), 'port=8000\nedited=1\n')
    const before = contents(agentDir)
    const dry = await runInstall(update, ['--root', root, '--dry-run'], { env })
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/altname\s+\/opt\/rdb\/agent\/tools\/agent\.conf/)
    expect(contents(agentDir)).toEqual(before)

    const up = await runInstall(update, ['--root', root, '--json'], { env })
    expect(up.stderr).toBe(
      'warning: /opt/rdb/agent/tools/agent.conf created as /opt/rdb/agent/tools/agent.conf.rpmnew\n',
    )
    expect(up.code).toBe(0)
    expect(JSON.parse(up.stdout)).toMatchObject({
      status: 'upgraded',
      from: `rdb-agent-5.7.1.0-1.${ARCH}`,
      to: `rdb-agent-5.7.2.0-1.${ARCH}`,
    })
    expect(readFileSync(join(agentDir, 'tools/agent.conf'), 'utf8')).toBe('port=8000\nedited=1\n')
    expect(readFileSync(join(agentDir, 'tools/agent.conf.rpmnew'), 'utf8')).toBe('port=9000\n')
    expect(readFileSync(join(agentDir, 'fsbackup_kernel_4.x/module.ko'), 'utf8')).toBe('module v2\n')

    const rolled = await runInstall(update, ['--rollback', '--root', root], { env })
    expect(rolled.code).toBe(0)
    expect(contents(agentDir)).toEqual(before)
    ranOn(root)
  })

  it('install_update_code: dry run, wheels upgraded by pip (--json), tools installed, rollback', {
    timeout: 900_000,
  }, async (ctx) => {
    if (!hasVenv) {
      console.warn('skipping update_code: python3-venv not installed')
      ctx.skip()
    }
    const venv = join(dir(), 'venv')
    execFileSync('python3', ['-m', 'venv', venv])
    const python = join(venv, 'bin/python')
    const site = execFileSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], {
      encoding: 'utf8',
    }).trim()
    const old = wheel(join(dir(), 'wheels-old'), 'aio_demo', '1.0', { 'aio_demo/__init__.py': "VERSION = '1.0'\n" })
    execFileSync(python, ['-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', '-q', old])
    const newWheel = wheel(join(dir(), 'wheels-new'), 'aio_demo', '2.0', {
      'aio_demo/__init__.py': "VERSION = '2.0'\n",
    })
    const archive = await guard(ctx, () =>
      build(
        {
          package_name: `update_code_5.7.2.0_centos.${ARCH}`,
          package_type: 'install_update_code',
          os_release: 'centos',
          python,
        },
        {
          'aio_demo-2.0-py3-none-any.whl': {
            content: readFileSync(newWheel, 'latin1'),
            mode: 0o644,
            encoding: 'latin1',
          },
          'tools/code-tool.sh': { content: '#!/bin/sh\necho tool\n', mode: 0o755 },
        },
      ),
    )
    const root = makeRoot(dir(), 'centos', 'root-code')
    const pkg = () => contents(join(site, 'aio_demo'))
    const before = pkg()

    const dry = await runInstall(archive, ['--root', root, '--dry-run'], { env })
    expect(dry.code).toBe(0)
    expect(pkg()).toEqual(before)
    expect(existsSync(join(root, 'opt/rdb/code-tools'))).toBe(false)

    const up = await runInstall(archive, ['--root', root, '--json'], { env })
    expect(up.stderr).toBe('')
    expect(up.code).toBe(0)
    expect(JSON.parse(up.stdout)).toMatchObject({ status: 'installed' })
    expect(execFileSync(python, ['-c', 'import aio_demo; print(aio_demo.VERSION)'], { encoding: 'utf8' }).trim()).toBe(
      '2.0',
    )
    expect(readFileSync(join(root, 'opt/rdb/code-tools/tools/code-tool.sh'), 'utf8')).toContain('echo tool')
    ranOn(root)

    const rolled = await runInstall(archive, ['--rollback', '--root', root], { env })
    expect(rolled.code).toBe(0)
    expect(pkg()).toEqual(before)
    expect(existsSync(join(root, 'opt/rdb/code-tools/tools/code-tool.sh'))).toBe(false)
  })
})
