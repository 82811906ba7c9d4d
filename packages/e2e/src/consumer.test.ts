// The four libraries as another tool gets them: `pnpm pack` each, install the tarballs with plain npm into a fresh
// project outside the workspace (third-party dependencies from the npm registry, through npm's cache), then use
// them there: each README's example under ESM, the typed API under `tsc --noEmit` against the shipped .d.ts files,
// buildPackage() on the repository's examples and readRpm() on the rpm inside the server archive, the
// rdbpkg-build bin, and deep imports refused by Node. Skips, saying why, without npm, pnpm or a reachable registry.
import { spawnSync } from 'node:child_process'
import type { SpawnSyncReturns } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workspace } from './_test-e2e.js'

const REPO = fileURLToPath(new URL('../../..', import.meta.url))
const PACKAGES = ['core', 'rpm-sim', 'builder', 'installer'] as const
const versionOf = (dir: string): string =>
  (JSON.parse(readFileSync(join(REPO, 'packages', dir, 'package.json'), 'utf8')) as { version: string }).version
const require = createRequire(import.meta.url)
const TSC = join(require.resolve('typescript/package.json', { paths: [REPO] }), '..', 'bin', 'tsc')
const TYPES_NODE = (require(require.resolve('@types/node/package.json', { paths: [REPO] })) as { version: string })
  .version

// npm as a consumer runs it: without the npm_* variables pnpm sets for its scripts (registry and cache excepted).
const KEEP = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig'])
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key) || KEEP.has(key.toLowerCase())),
)

function run(command: string, args: string[], cwd: string, timeout = 600_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: npmEnv, timeout })
}

function skipReason(): string | undefined {
  for (const tool of ['npm', 'pnpm']) {
    if (run(tool, ['--version'], REPO, 30_000).status !== 0) return `${tool} is not on PATH`
  }
  const ping = run('npm', ['ping'], REPO, 60_000)
  if (ping.status !== 0)
    return `the npm registry is unreachable (npm ping: ${(ping.stderr || ping.error?.message || '').trim().split('\n').pop()})`
  return undefined
}

const reason = skipReason()
if (reason !== undefined) console.warn(`skipping the packed-package consumer test: ${reason}`)

let ws: ReturnType<typeof workspace>
let packs: string
let project: string
const tarballs: Record<string, string> = {}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0)
    throw new Error(
      `${what}: exit ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}${result.error ? `\n${result.error.message}` : ''}`,
    )
  return result.stdout
}

/** Runs an ESM script written into the consumer project and returns its stdout. */
function node(name: string, source: string): string {
  writeFileSync(join(project, name), source)
  return ok(run(process.execPath, [name], project), name)
}

beforeAll(() => {
  if (reason !== undefined) return
  ws = workspace()
  packs = join(ws.dir, 'packs')
  project = join(ws.dir, 'consumer')
  mkdirSync(packs)
  mkdirSync(project)
  for (const dir of PACKAGES) {
    const out = ok(
      run('pnpm', ['pack', '--pack-destination', packs], join(REPO, 'packages', dir)),
      `pnpm pack in packages/${dir}`,
    )
    const tgz = out.trim().split('\n').pop()!.trim()
    tarballs[dir] = tgz
  }
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'rdbpkg-consumer', private: true, type: 'module' }, null, 2)}\n`,
  )
  // The repository's examples, copied: the agent's payload folder and the server's manifest.
  cpSync(join(REPO, 'examples', 'agent', 'version.json'), join(project, 'examples', 'agent', 'version.json'))
  cpSync(join(REPO, 'examples', 'agent', 'payload'), join(project, 'examples', 'agent', 'payload'), { recursive: true })
  cpSync(join(REPO, 'examples', 'server', 'version.json'), join(project, 'examples', 'server', 'version.json'))
  const install = [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    ...PACKAGES.map((dir) => tarballs[dir]!),
    `@types/node@${TYPES_NODE}`,
  ]
  ok(run('npm', install, project), 'npm install of the packed tarballs')
}, 900_000)
afterAll(() => ws?.cleanup())

// Generous limits: npm install and a full tsc run take minutes on a loaded 2-core machine.
describe.skipIf(reason !== undefined)('the packed packages in a fresh npm project', { timeout: 900_000 }, () => {
  it('are packed with real versions of each other, their README and LICENSE, and no tests', () => {
    for (const dir of PACKAGES) {
      const listing = ok(run('tar', ['-tzf', tarballs[dir]!], packs), `tar -tzf ${tarballs[dir]}`).split('\n')
      expect(listing).toEqual(
        expect.arrayContaining([
          'package/package.json',
          'package/README.md',
          'package/LICENSE',
          'package/dist/index.js',
          'package/dist/index.d.ts',
        ]),
      )
      expect(listing.filter((path) => /\.test\.|\/_test-/.test(path))).toEqual([])
      const installed = JSON.parse(
        readFileSync(join(project, 'node_modules', '@rdbpkg', dir, 'package.json'), 'utf8'),
      ) as {
        version: string
        private?: boolean
        dependencies?: Record<string, string>
      }
      expect(installed.version).toBe(versionOf(dir))
      expect(installed.private).toBeUndefined()
      for (const [name, range] of Object.entries(installed.dependencies ?? {})) {
        if (name.startsWith('@rdbpkg/'))
          expect(`${name}@${range}`).toBe(`${name}@${versionOf(name.slice('@rdbpkg/'.length))}`)
      }
    }
  })

  it("imports each package's documented API under ESM, from the project's node_modules only, and runs each README's example", () => {
    const out = node(
      'imports.mjs',
      `import { fileURLToPath } from 'node:url'
import * as core from '@rdbpkg/core'
import * as rpmSim from '@rdbpkg/rpm-sim'
import * as builder from '@rdbpkg/builder'
import * as installer from '@rdbpkg/installer'
const api = {
  core: [core.parseManifest, core.rpmvercmp, core.compareEVR, core.decideFileFate, core.RdbpkgError],
  rpmSim: [rpmSim.readRpm, rpmSim.writeRpm, rpmSim.runTransaction, rpmSim.listInstalled, rpmSim.rollbackTransaction],
  builder: [builder.buildPackage, builder.main],
  installer: [installer.runInstall, installer.main, installer.verifyArchive],
}
for (const [name, fns] of Object.entries(api)) if (!fns.every((fn) => typeof fn === 'function')) throw new Error(name + ': an export is missing')
console.log(JSON.stringify({
  versions: [builder.BUILDER_VERSION, installer.INSTALLER_VERSION],
  resolved: ['@rdbpkg/core', '@rdbpkg/rpm-sim', '@rdbpkg/builder', '@rdbpkg/installer', '@rdbpkg/installer/bundle'].map((s) => fileURLToPath(import.meta.resolve(s))),
}))
`,
    )
    const { versions, resolved } = JSON.parse(out) as { versions: string[]; resolved: string[] }
    expect(versions).toEqual([versionOf('builder'), versionOf('installer')])
    for (const file of resolved) expect(relative(project, file)).toMatch(/^node_modules\/@rdbpkg\//)

    const examples: Record<string, RegExp> = {
      core: /^5\.7\.1\.0 x86_64 \/opt\/rdb\/agent rdb-agent fsbackup\n1 1\nE_MANIFEST_INVALID version\.json: package_type: .*did you mean install_rdb_server/,
      'rpm-sim':
        /^hello-1\.0-1\.noarch \[ '\/opt\/hello', '\/opt\/hello\/hello\.conf', '\/opt\/hello\/hello\.sh' \]\ntrue \[ 'hello' \]\n$/,
      builder: new RegExp(
        `rdb_agent_5\\.7\\.1\\.0_centos\\.x86_64\\.tar\\.gz \\d+ \\[[^\\]]*'installer\\.mjs'[^\\]]*\\]\\n${versionOf('builder').replace(/\./g, '\\.')}\\n$`,
      ),
      installer: new RegExp(
        `\\n0 installed rdb-agent-5\\.7\\.1\\.0-1\\.\\S+ installer ${versionOf('installer').replace(/\./g, '\\.')}\\n$`,
      ),
    }
    for (const dir of PACKAGES) {
      const readme = readFileSync(join(project, 'node_modules', '@rdbpkg', dir, 'README.md'), 'utf8')
      const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1]
      expect(example, `${dir}: README.md has a js example`).toBeDefined()
      expect(node(`readme-${dir}.mjs`, example!), `${dir}: README example output`).toMatch(examples[dir]!)
    }
  })

  it('type-checks a TypeScript consumer against the shipped types (tsc --noEmit, strict, NodeNext)', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    )
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { parseManifest, rpmvercmp } from '@rdbpkg/core'
import type { Manifest } from '@rdbpkg/core'
import { readRpm, writeRpm } from '@rdbpkg/rpm-sim'
import type { RpmPackage, RpmSpec } from '@rdbpkg/rpm-sim'
import { BUILDER_VERSION, buildPackage } from '@rdbpkg/builder'
import type { BuildOptions, BuildResult } from '@rdbpkg/builder'
import { INSTALLER_VERSION, runInstall } from '@rdbpkg/installer'
import type { InstallResult } from '@rdbpkg/installer'
// @ts-expect-error internals are not exported, so TypeScript cannot resolve them either
import { Journal } from '@rdbpkg/rpm-sim/dist/transaction/_journal.js'

export async function use(): Promise<string> {
  const manifest: Manifest = parseManifest('{}')
  const order: -1 | 0 | 1 = rpmvercmp('5.7.10', '5.7.9')
  const spec: RpmSpec = { name: 'a', version: '1', release: '1', arch: 'noarch', files: [{ path: '/a', kind: 'file', content: 'a' }] }
  await writeRpm(spec, 'a.rpm')
  const pkg: RpmPackage = await readRpm('a.rpm')
  const options: BuildOptions = { cwd: '.', payloadDir: 'payload', sourceDateEpoch: 0 }
  const built: BuildResult = await buildPackage(options)
  const result: InstallResult = await runInstall({ archiveDir: built.path, root: '/tmp/root', dryRun: true })
  // @ts-expect-error the result's exit code is a number, not a string
  const wrong: string = result.exitCode
  return [manifest.package_name, order, pkg.name, built.versionJson.build?.builder_version, result.installer, BUILDER_VERSION, INSTALLER_VERSION, wrong, Journal].join(' ')
}
`,
    )
    const tsc = run(process.execPath, [TSC, '-p', 'tsconfig.json'], project)
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('')
    expect(tsc.status).toBe(0)
  })

  it("builds the repository's examples with buildPackage() and reads the server archive's rpm with readRpm()", () => {
    const out = node(
      'examples.mjs',
      `import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { buildPackage } from '@rdbpkg/builder'
import { readRpm, writeRpm } from '@rdbpkg/rpm-sim'

// The agent example as committed; the server's rpm written as examples/make-payloads.mjs writes it.
const agent = await buildPackage({ cwd: 'examples/agent', payloadDir: 'payload', outDir: '../../out', sourceDateEpoch: 1700000000 })
mkdirSync('examples/server/payload', { recursive: true })
await writeRpm({ name: 'aio', version: '5.7.1.0', release: '1.el7', arch: 'x86_64', summary: 'rdb server (example)', files: [
  { path: '/opt/rdb/server', kind: 'dir' },
  { path: '/opt/rdb/server/bin/rdb-server', kind: 'file', mode: 0o755, content: '#!/bin/sh\\necho server\\n' },
  { path: '/etc/rdb/server.conf', kind: 'file', content: 'listen = 0.0.0.0:9800\\n', flags: { config: true, noreplace: true } },
] }, 'examples/server/payload/aio-5.7.1.0-1.el7.x86_64.rpm')
const server = await buildPackage({ cwd: 'examples/server', payloadDir: 'payload', outDir: '../../out', sourceDateEpoch: 1700000000 })

// Unpack the archive, then its payload, as a host would, and read the rpm's header.
mkdirSync('host/payload', { recursive: true })
execFileSync('tar', ['-xzf', server.path], { cwd: 'host' })
execFileSync('tar', ['-xzf', join('..', server.packageName, 'package.tar.gz')], { cwd: 'host/payload' })
const pkg = await readRpm('host/payload/aio-5.7.1.0-1.el7.x86_64.rpm')
console.log(JSON.stringify({
  agent: [agent.packageName, agent.versionJson.build.builder_version, agent.files.map((f) => f.path)],
  server: [server.packageName, server.payload.entries],
  rpm: [pkg.name, pkg.version, pkg.release, pkg.arch, pkg.files.map((f) => f.path)],
}))
`,
    )
    const result = JSON.parse(out) as {
      agent: [string, string, string[]]
      server: [string, number]
      rpm: [string, string, string, string, string[]]
    }
    expect(result.agent).toEqual([
      'rdb_agent_5.7.1.0_centos.x86_64',
      versionOf('builder'),
      ['SHA256SUMS', 'install', 'installer.mjs', 'package.tar.gz', 'version.json'],
    ])
    expect(result.server).toEqual(['rdb_server_5.7.1.0_centos.x86_64', 1])
    expect(result.rpm).toEqual([
      'aio',
      '5.7.1.0',
      '1.el7',
      'x86_64',
      ['/etc/rdb/server.conf', '/opt/rdb/server', '/opt/rdb/server/bin/rdb-server'],
    ])
    expect(readdirSync(join(project, 'out')).sort()).toEqual([
      'rdb_agent_5.7.1.0_centos.x86_64.tar.gz',
      'rdb_server_5.7.1.0_centos.x86_64.tar.gz',
    ])
  })

  it('runs rdbpkg-build and rpm-sim from node_modules/.bin', () => {
    const help = ok(
      run(join(project, 'node_modules', '.bin', 'rdbpkg-build'), ['--help'], project),
      'rdbpkg-build --help',
    )
    expect(help).toMatch(/^usage: rdbpkg-build /)
    expect(
      ok(run(join(project, 'node_modules', '.bin', 'rdbpkg-build'), ['--version'], project), 'rdbpkg-build --version'),
    ).toBe(`${versionOf('builder')}\n`)
    expect(ok(run(join(project, 'node_modules', '.bin', 'rpm-sim'), ['--help'], project), 'rpm-sim --help')).toMatch(
      /rpm-sim/,
    )
  })

  it("refuses deep imports of internals with Node's ERR_PACKAGE_PATH_NOT_EXPORTED", () => {
    const out = node(
      'deep.mjs',
      `const codes = []
for (const path of ['@rdbpkg/rpm-sim/dist/transaction/_journal.js', '@rdbpkg/core/dist/manifest.js', '@rdbpkg/builder/dist/build.js', '@rdbpkg/installer/dist/run-install.js', '@rdbpkg/core/src/index.ts']) {
  try {
    await import(path)
    codes.push(path + ' imported')
  } catch (error) {
    codes.push(path + ' ' + error.code)
  }
}
console.log(codes.join('\\n'))
`,
    )
    expect(out.trim().split('\n')).toEqual([
      '@rdbpkg/rpm-sim/dist/transaction/_journal.js ERR_PACKAGE_PATH_NOT_EXPORTED',
      '@rdbpkg/core/dist/manifest.js ERR_PACKAGE_PATH_NOT_EXPORTED',
      '@rdbpkg/builder/dist/build.js ERR_PACKAGE_PATH_NOT_EXPORTED',
      '@rdbpkg/installer/dist/run-install.js ERR_PACKAGE_PATH_NOT_EXPORTED',
      '@rdbpkg/core/src/index.ts ERR_PACKAGE_PATH_NOT_EXPORTED',
    ])
  })
})
