// The archive's ./install launcher: Node from runtime/ first, else node >= NODE_FLOOR on PATH, else exit 127 saying what
// to do; arguments pass through, from any folder, with spaces in paths.
import { NODE_FLOOR } from '@rdbpkg/core'
import { createHash } from 'node:crypto'
import { appendFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARCH, buildAndExtract, makeRoot, runInstall, workspace } from './_test-e2e.js'

let ws: ReturnType<typeof workspace>
let archive: string
let bareBin: string
beforeAll(async () => {
  ws = workspace()
  archive = await buildAndExtract(
    ws.dir,
    { package_name: `rdb_agent_5.7.1.0_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
    {
      'tools/a.sh': 'echo a\n',
      'fsbackup_kernel_4.x/k': 'k\n',
    },
  )
  // A PATH with the tools the launcher needs but no node.
  bareBin = join(ws.dir, 'bare bin')
  mkdirSync(bareBin)
  for (const tool of ['dirname', 'sh'])
    symlinkSync(`/usr/bin/${tool}`.replace('/usr/bin/sh', '/bin/sh'), join(bareBin, tool))
})
afterAll(() => ws.cleanup())

describe('./install launcher', () => {
  it('passes arguments through to the installer', async () => {
    const out = await runInstall(archive, ['--help'])
    expect(out.code).toBe(0)
    expect(out.stdout.split('\n').slice(0, 3)).toEqual([
      'usage: install [-h] [-f] [--dry-run] [--check] [--root DIR] [--json] [--rollback] [--history] [--noscripts] [-v]',
      '',
      'tools installer or updater',
    ])
  })

  it('exits 127 and says what to do when there is no usable Node', async () => {
    const out = await runInstall(archive, ['--help'], { env: { PATH: bareBin } })
    expect(out.code).toBe(127)
    expect(out.stderr).toBe(
      `install: no usable Node.js: no node on PATH; install Node.js >= ${NODE_FLOOR} (el7: nodejs from EPEL) or use an archive built with --node-runtime\n`,
    )
  })

  it('uses runtime/node when the archive carries one', async () => {
    mkdirSync(join(archive, 'runtime'))
    symlinkSync(process.execPath, join(archive, 'runtime/node'))
    // As the builder's --node-runtime would: runtime/node is listed in SHA256SUMS (the launcher may check it).
    const digest = createHash('sha256').update(readFileSync(process.execPath)).digest('hex')
    appendFileSync(join(archive, 'SHA256SUMS'), `${digest}  runtime/node\n`)
    const root = makeRoot(ws.dir)
    const out = await runInstall(archive, ['--check', '--root', root], { env: { PATH: bareBin }, cwd: ws.dir })
    expect(out.stderr).toBe('')
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('archive verified')
  })
})
