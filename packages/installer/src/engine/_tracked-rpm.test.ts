// The rpm the installer writes for a file payload: what rpm-sim reads back is what the staged files and their
// config flags say.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readRpm } from '@rdbpkg/rpm-sim'
import { afterEach, describe, expect, it } from 'vitest'
import { writeTrackedRpm } from './_tracked-rpm.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('writeTrackedRpm', () => {
  it('writes the staged files with their modes, link targets and config flags, under the tracked name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdbpkg-tracked-rpm-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'run.sh'), 'echo hi\n')
    writeFileSync(join(dir, 'agent.conf'), 'port=1\n')
    const out = join(dir, 'rdb-agent.rpm')
    await writeTrackedRpm(
      {
        name: 'rdb-agent',
        version: '5.7.1.0',
        release: '1',
        arch: 'x86_64',
        files: [
          { path: '/opt/rdb/agent', kind: 'dir', mode: 0o755 },
          { path: '/opt/rdb/agent/run.sh', kind: 'file', mode: 0o750, source: join(dir, 'run.sh') },
          {
            path: '/opt/rdb/agent/agent.conf',
            kind: 'file',
            mode: 0o644,
            source: join(dir, 'agent.conf'),
            flags: { config: true, noreplace: true },
          },
          { path: '/opt/rdb/agent/current', kind: 'symlink', mode: 0o777, linkTarget: 'run.sh' },
        ],
      },
      out,
    )
    const pkg = await readRpm(out)
    expect([pkg.name, pkg.version, pkg.release, pkg.arch]).toEqual(['rdb-agent', '5.7.1.0', '1', 'x86_64'])
    const files = Object.fromEntries(pkg.files.map((f) => [f.path, f]))
    expect(files['/opt/rdb/agent/run.sh']).toMatchObject({ kind: 'file', size: 8 })
    expect((files['/opt/rdb/agent/run.sh']?.mode ?? 0) & 0o7777).toBe(0o750)
    expect(files['/opt/rdb/agent/agent.conf']?.flags).toMatchObject({ config: true, noreplace: true })
    expect(files['/opt/rdb/agent/run.sh']?.flags).toMatchObject({ config: false, noreplace: false })
    expect(files['/opt/rdb/agent/current']).toMatchObject({ kind: 'symlink', linkTarget: 'run.sh' })
  })
})
