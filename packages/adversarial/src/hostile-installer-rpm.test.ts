// The hostile rpm corpus fed to the installer as an install_rdb_server archive: package.tar.gz holds one crafted
// aio-5.7.1.0-1.x86_64.rpm, SHA256SUMS is valid, and `./install --root R` runs for real (rpm-sim engine, since the
// root is not /). Refused packages leave the root as it was but for the log; nothing may change outside the root.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { layOutArchive, makeRoot } from './_test-archive.js'
import { baseRpm, rpmCorpus } from './_test-corpus.js'
import { BUILDER_CLI, INSTALLER_BUNDLE, builtOrWarn } from './_test-paths.js'
import { AreaTally } from './_test-record.js'
import { diffSnapshots, snapshot } from './_test-snapshot.js'
import { craftTar } from './tar-craft.js'

const ready = builtOrWarn('installer', INSTALLER_BUNDLE) && builtOrWarn('builder (launcher)', BUILDER_CLI)
const base = mkdtempSync(join(tmpdir(), 'adv-installer-rpm-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const outside = join(base, 'outside')
const RPM = { name: 'aio', version: '5.7.1.0', release: '1' }
const corpus = rpmCorpus({ outside, climb: 40, bombBytes: 1 << 28, rpm: RPM })
const MANIFEST = {
  package_name: 'rdb_server_5.7.1.0_centos.x86_64',
  package_type: 'install_rdb_server',
  os_release: 'centos',
  services: [],
}
const tally = new AreaTally({
  id: 'hostile-installer-rpm',
  group: 'Hostile archives',
  tried: `rpm corpus (${corpus.length} crafted aio rpms in an install_rdb_server archive with valid SHA256SUMS) through ./install --root R`,
})
afterAll(() => {
  if (ready) {
    const left = leftovers.length
      ? ` (${leftovers.length} refusals left empty var/lib/rpm-sim folders: see the bug)`
      : ''
    tally.record(
      `refused with an error naming the damage, root as it was but for install.log${left}; contained cases landed inside the root only`,
    )
  }
})

const isLog = (rel: string, root: string): boolean =>
  [root, `${root}/var`, `${root}/var/log`, `${root}/var/log/rdbpkg`, `${root}/var/log/rdbpkg/install.log`].includes(rel)

// Open bugs shown by this corpus (it.fails until fixed).
const KNOWN_BUGS: Record<string, string> = {}
const leftovers: string[] = []
// Was an open bug (empty var/lib/rpm-sim folders left by refused runs), fixed in the installer; kept as a check.
const LEFTOVER_BUG =
  'a refused install_rdb_server run left empty folders in the root (var/lib, var/lib/rpm-sim, var/lib/rpm-sim/rdbpkg)'

describe.skipIf(!ready)('hostile rpms: installer (install_rdb_server)', () => {
  it('baseline: a well-formed aio rpm of the same shape installs', async () => {
    const dir = join(base, 'baseline')
    const root = makeRoot(join(dir, 'root'))
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'payload.tar.gz'),
      gzipSync(craftTar([{ name: `aio-${RPM.version}-${RPM.release}.x86_64.rpm`, data: await baseRpm(RPM) }])),
    )
    const archive = layOutArchive(join(dir, 'archive'), MANIFEST, join(dir, 'payload.tar.gz'))
    const run = await execa('./install', ['--root', root], { cwd: archive, reject: false })
    expect(run.exitCode, run.stderr).toBe(0)
    expect(readFileSync(join(root, 'opt/h/a.conf'), 'utf8')).toBe('a=1\n')
  })

  for (const c of corpus) {
    const bug = KNOWN_BUGS[c.id]
    if (bug) tally.bugs.push(bug)
    ;(bug ? it.fails : it)(bug ? `${c.id} (${bug})` : c.id, async () => {
      const dir = join(base, c.id)
      const root = makeRoot(join(dir, 'root'))
      mkdirSync(outside, { recursive: true })
      writeFileSync(join(outside, 'sentinel'), 'sentinel\n')
      const payload = join(dir, 'payload.tar.gz')
      writeFileSync(
        payload,
        gzipSync(craftTar([{ name: `aio-${RPM.version}-${RPM.release}.x86_64.rpm`, data: await c.bytes() }])),
      )
      const archive = layOutArchive(join(dir, 'archive'), MANIFEST, payload)
      rmSync(payload)
      const before = snapshot(base)
      const run = await execa('./install', ['--root', root], { cwd: archive, reject: false, timeout: 180_000 })
      const after = snapshot(base)
      const rootRel = join(c.id, 'root')
      const problems: string[] = []
      if (/\n\s+at /.test(run.stderr)) problems.push('stack trace on stderr')
      const escaped = diffSnapshots(before, after, (p) => p === rootRel || p.startsWith(`${rootRel}/`))
      if (escaped.length) problems.push(`changed outside the root: ${escaped.slice(0, 6).join(' ')}`)
      if (c.expect === 'reject') {
        if (run.exitCode === 0) problems.push('exit 0')
        if (!c.names.test(run.stderr))
          problems.push(`stderr does not name ${c.names}: ${JSON.stringify(run.stderr.slice(0, 200))}`)
        const inRoot = diffSnapshots(
          before,
          after,
          (p) => !(p === rootRel || p.startsWith(`${rootRel}/`)) || isLog(p, rootRel),
        )
        // Empty database folders left behind are one known bug, judged once below; anything else fails here.
        const emptyDbDirs = inRoot.filter((line) => /^\+\S+\/root\/var\/lib(\/\S*)? \(dir /.test(line))
        if (emptyDbDirs.length) leftovers.push(`${c.id}: ${emptyDbDirs.join(' ')}`)
        const rest = inRoot.filter((line) => !emptyDbDirs.includes(line))
        if (rest.length) problems.push(`root changed: ${rest.slice(0, 6).join(' ')}`)
      }
      tally.add(problems.length === 0, `${c.id}: ${problems.join('; ')}`)
      expect(
        problems,
        `${c.what}\nexit ${run.exitCode}\nstdout: ${run.stdout.slice(0, 300)}\nstderr: ${run.stderr.slice(0, 500)}`,
      ).toEqual([])
    })
  }

  // Runs after the cases above (same file, sequential).
  it('a refused rpm install leaves no empty database folders behind', () => {
    if (leftovers.length) tally.bugs.push(LEFTOVER_BUG)
    expect(leftovers).toEqual([])
  })
})
