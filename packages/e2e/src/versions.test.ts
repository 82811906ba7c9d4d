// The versions an archive reports come from the packages' package.json files: the builder stamps its own into
// version.json, and the installer bundled into the archive names its own in --json results and the install log.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARCH, buildAndExtract, logLines, makeRoot, runInstall, workspace } from './_test-e2e.js'

const require = createRequire(import.meta.url)
const versionOf = (name: string): string => (require(`${name}/package.json`) as { version: string }).version

let ws: ReturnType<typeof workspace>
let archive: string
beforeAll(async () => {
  ws = workspace()
  const manifest = {
    package_name: `rdb_agent_5.7.1.0_centos.${ARCH}`,
    package_type: 'install_rdb_agent',
    os_release: 'centos',
  }
  archive = await buildAndExtract(ws.dir, manifest, {
    'tools/agent.conf': 'port=8000\n',
    'fsbackup_kernel_4.x/module.ko': 'module\n',
  })
})
afterAll(() => ws.cleanup())

describe('versions in archives and results', () => {
  it("version.json records the builder's package version", () => {
    const manifest = JSON.parse(readFileSync(join(archive, 'version.json'), 'utf8')) as {
      build: { builder_version: string }
    }
    expect(manifest.build.builder_version).toBe(versionOf('@rdbpkg/builder'))
  })

  it("./install --json and the install log name the installer's package version", async () => {
    const root = makeRoot(ws.dir)
    const run = await runInstall(archive, ['--root', root, '--json'])
    expect(run.code).toBe(0)
    const installer = versionOf('@rdbpkg/installer')
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'installed', installer })
    expect(
      logLines(root).some((line) => line.includes(`start: install `) && line.includes(` installer=${installer} `)),
    ).toBe(true)
  })
})
