// The hostile payload corpus fed to the real builder CLI (`node packages/builder/dist/cli.js`): every case must
// be refused with exit 4 and a line naming the entry or the damage, no archive written, nothing else touched.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { tarCorpus, writeBasePayload } from './_test-corpus.js'
import { AreaTally } from './_test-record.js'
import { diffSnapshots, snapshot } from './_test-snapshot.js'
import { BUILDER_CLI, builtOrWarn, cliEnv } from './_test-paths.js'

const ready = builtOrWarn('builder', BUILDER_CLI)
const base = mkdtempSync(join(tmpdir(), 'adv-builder-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const outside = join(base, 'outside')
const corpus = tarCorpus({ outside, climb: 40, bombBytes: 1 << 30 })
const tally = new AreaTally({
  id: 'hostile-builder',
  group: 'Hostile archives',
  tried: `payload corpus (${corpus.length} crafted package.tar.gz) through the builder CLI`,
})
afterAll(() => {
  if (ready)
    tally.record(
      'refused with exit 4 and a line naming the entry or damage; no archive written; inputs and the folder beside them unchanged',
    )
})

const MANIFEST = JSON.stringify({
  package_name: 'rdb_agent_5.7.1.0_centos.x86_64',
  package_type: 'install_rdb_agent',
  os_release: 'centos',
})

// Open bugs in @rdbpkg/builder shown by this corpus (it.fails until fixed; see the report and RELIABILITY.md).
const KNOWN_BUGS: Record<string, string> = {}

describe.skipIf(!ready)('hostile payloads: builder', () => {
  it('baseline: the payload the hostile entries are mixed into builds', async () => {
    const work = join(base, 'baseline')
    mkdirSync(work, { recursive: true })
    writeFileSync(join(work, 'version.json'), MANIFEST)
    await writeBasePayload(join(work, 'package.tar.gz'))
    const args = [
      BUILDER_CLI,
      '--config',
      join(work, 'version.json'),
      '--payload',
      join(work, 'package.tar.gz'),
      '--out',
      join(work, 'out'),
    ]
    const run = await execa('node', args, { cwd: work, reject: false, env: cliEnv(), extendEnv: false })
    expect(run.exitCode, run.stderr).toBe(0)
  })

  for (const c of corpus) {
    const bug = KNOWN_BUGS[c.id]
    if (bug) tally.bugs.push(bug)
    ;(bug ? it.fails : it)(bug ? `${c.id} (${bug})` : c.id, () => runCase(c))
  }
})

async function runCase(c: (typeof corpus)[number]): Promise<void> {
  {
    const dir = join(base, c.id)
    const work = join(dir, 'work')
    mkdirSync(work, { recursive: true })
    mkdirSync(join(dir, 'outside'), { recursive: true })
    writeFileSync(join(dir, 'outside', 'sentinel'), 'sentinel\n')
    writeFileSync(join(work, 'version.json'), MANIFEST)
    await c.write(join(work, 'package.tar.gz'))
    const before = snapshot(base)
    const args = [
      BUILDER_CLI,
      '--config',
      join(work, 'version.json'),
      '--payload',
      join(work, 'package.tar.gz'),
      '--out',
      join(work, 'out'),
    ]
    const run = await execa('node', args, {
      cwd: work,
      reject: false,
      timeout: 120_000,
      env: cliEnv(),
      extendEnv: false,
    })
    const after = snapshot(base)
    const wrote = existsSync(join(work, 'out')) ? readdirSync(join(work, 'out')) : []
    const problems: string[] = []
    if (c.expect === 'reject') {
      if (run.exitCode !== 4) problems.push(`exit ${run.exitCode}, expected 4`)
      if (!c.names.test(run.stderr))
        problems.push(`stderr does not name ${c.names}: ${JSON.stringify(run.stderr.slice(0, 200))}`)
      if (wrote.length) problems.push(`wrote ${wrote.join(', ')}`)
      if (/\n\s+at /.test(run.stderr)) problems.push('stack trace on stderr')
    } else if (run.exitCode !== 0 && run.exitCode !== 4) problems.push(`exit ${run.exitCode}`)
    const changes = diffSnapshots(before, after, (p) => p.startsWith(join(c.id, 'work', 'out')))
    if (changes.length) problems.push(`changed: ${changes.slice(0, 5).join(' ')}`)
    tally.add(problems.length === 0, `${c.id}: ${problems.join('; ')}`)
    expect(problems, `${c.what}\nstdout: ${run.stdout.slice(0, 300)}\nstderr: ${run.stderr.slice(0, 500)}`).toEqual([])
  }
}
