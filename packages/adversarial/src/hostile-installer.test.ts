// The hostile payload corpus fed to the installer: each payload sits in an archive with valid SHA256SUMS (as an
// unsigned archive can), and `./install --root R` runs for real. Nothing may change outside the root; a refused
// payload leaves the root as it was except for the install log line.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { agentManifest, layOutArchive, makeRoot } from './_test-archive.js'
import { tarCorpus, writeBasePayload } from './_test-corpus.js'
import { BUILDER_CLI, INSTALLER_BUNDLE, builtOrWarn } from './_test-paths.js'
import { AreaTally } from './_test-record.js'
import { diffSnapshots, snapshot } from './_test-snapshot.js'

const ready = builtOrWarn('installer', INSTALLER_BUNDLE) && builtOrWarn('builder (launcher)', BUILDER_CLI)
const base = mkdtempSync(join(tmpdir(), 'adv-installer-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const outside = join(base, 'outside')
const corpus = tarCorpus({ outside, climb: 40, bombBytes: 256 << 20 })
const tally = new AreaTally({
  id: 'hostile-installer',
  group: 'Hostile archives',
  tried: `payload corpus (${corpus.length} crafted package.tar.gz, valid SHA256SUMS) through ./install --root R`,
})
afterAll(() => {
  if (ready)
    tally.record(
      'refused with a line naming the entry or damage; nothing outside the root changed; the root as it was except install.log',
    )
})

// The log is the one thing a refused run may write (SPEC 6).
const isLog = (rel: string, root: string): boolean =>
  [root, `${root}/var`, `${root}/var/log`, `${root}/var/log/rdbpkg`, `${root}/var/log/rdbpkg/install.log`].includes(rel)

// Open bugs in @rdbpkg/installer shown by this corpus (it.fails until fixed).
const KNOWN_BUGS: Record<string, string> = {}

describe.skipIf(!ready)('hostile payloads: installer', () => {
  it('baseline: the payload the hostile entries are mixed into installs', async () => {
    const dir = join(base, 'baseline')
    const root = makeRoot(join(dir, 'root'))
    await writeBasePayload(join(dir, 'payload.tar.gz'))
    const archive = layOutArchive(join(dir, 'archive'), agentManifest(), join(dir, 'payload.tar.gz'))
    const run = await execa('./install', ['--root', root], { cwd: archive, reject: false })
    expect(run.exitCode, run.stderr).toBe(0)
    expect(existsSync(join(root, 'opt/rdb/agent/tools/run.sh'))).toBe(true)
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
      await c.write(payload)
      const archive = layOutArchive(join(dir, 'archive'), agentManifest(), payload)
      rmSync(payload)
      const before = snapshot(base)
      const run = await execa('./install', ['--root', root], { cwd: archive, reject: false, timeout: 180_000 })
      const after = snapshot(base)
      const rootRel = join(c.id, 'root')
      const problems: string[] = []
      if (/\n\s+at /.test(run.stderr)) problems.push('stack trace on stderr')
      const escaped = diffSnapshots(before, after, (p) => p === rootRel || p.startsWith(`${rootRel}/`))
      if (escaped.length) problems.push(`changed outside the root: ${escaped.slice(0, 6).join(' ')}`)
      if (existsSync(join(outside, 'dotdot')) || existsSync(join(outside, 'absolute')))
        problems.push('an escape landed in the outside folder')
      // Whatever is accepted, no setuid/setgid bit and no device or fifo may land in the root.
      for (const [p, what] of after) {
        if (!p.startsWith(`${rootRel}/`)) continue
        const [type, mode] = what.split(' ')
        if (
          type === 'special' ||
          ((type === 'file' || type === 'dir') && (Number.parseInt(mode ?? '0', 8) & 0o6000) !== 0)
        )
          problems.push(`landed: ${p} (${what})`)
      }
      if ((c.installer ?? c.expect) === 'reject') {
        if (run.exitCode === 0) problems.push('exit 0')
        if (!c.names.test(run.stderr))
          problems.push(`stderr does not name ${c.names}: ${JSON.stringify(run.stderr.slice(0, 200))}`)
        const inRoot = diffSnapshots(
          before,
          after,
          (p) => !(p === rootRel || p.startsWith(`${rootRel}/`)) || isLog(p, rootRel),
        )
        if (inRoot.length) problems.push(`root changed: ${inRoot.slice(0, 6).join(' ')}`)
      }
      tally.add(problems.length === 0, `${c.id}: ${problems.join('; ')}`)
      expect(
        problems,
        `${c.what}\nexit ${run.exitCode}\nstdout: ${run.stdout.slice(0, 300)}\nstderr: ${run.stderr.slice(0, 500)}`,
      ).toEqual([])
    })
  }
})
