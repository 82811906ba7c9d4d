import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { launcherScript } from './launcher.js'
import { cleanup, tempDir } from './_test-fixtures.js'

afterAll(cleanup)

function archiveFolder(): string {
  const dir = join(tempDir(), 'with space', 'pkg')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'install'), launcherScript())
  chmodSync(join(dir, 'install'), 0o755)
  const installer = 'console.log("installer ran", JSON.stringify(process.argv.slice(2)))\n'
  writeFileSync(join(dir, 'installer.mjs'), installer)
  writeFileSync(join(dir, 'SHA256SUMS'), `${createHash('sha256').update(installer).digest('hex')}  installer.mjs\n`)
  return dir
}

describe('the install launcher', () => {
  it('runs installer.mjs with node from PATH, from any cwd, through a path with spaces, passing arguments', () => {
    const dir = archiveFolder()
    const run = spawnSync(join(dir, 'install'), ['-f', 'a b'], { cwd: tempDir(), encoding: 'utf8' })
    expect(run.stdout).toBe('installer ran ["-f","a b"]\n')
    expect(run.status).toBe(0)
  })

  it('exits 127 with a clear message when no Node >= 18 is usable', () => {
    const dir = archiveFolder()
    const bin = tempDir()
    for (const tool of ['dirname', 'sh']) symlinkSync(spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), join(bin, tool))
    writeFileSync(join(bin, 'node'), '#!/bin/sh\necho 16\n')
    chmodSync(join(bin, 'node'), 0o755)
    const run = spawnSync('sh', [join(dir, 'install'), '--help'], { env: { PATH: bin }, encoding: 'utf8' })
    expect(run.status).toBe(127)
    expect(run.stderr).toBe('install: no usable Node.js runtime: install Node.js >= 18, or rebuild this archive with --node-runtime\n')
  })

  it('exits 5 before running anything when installer.mjs does not match SHA256SUMS', () => {
    const dir = archiveFolder()
    writeFileSync(join(dir, 'installer.mjs'), 'console.log("tampered installer ran")\n')
    const run = spawnSync(join(dir, 'install'), ['--help'], { encoding: 'utf8' })
    expect(run.status).toBe(5)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe('install: installer.mjs: sha256 mismatch with SHA256SUMS (the archive is damaged or tampered with)\n')
  })

  it('exits 5 when runtime/node is present but not listed in SHA256SUMS', () => {
    const dir = archiveFolder()
    mkdirSync(join(dir, 'runtime'))
    writeFileSync(join(dir, 'runtime', 'node'), '#!/bin/sh\necho planted runtime ran\n')
    chmodSync(join(dir, 'runtime', 'node'), 0o755)
    const run = spawnSync(join(dir, 'install'), [], { encoding: 'utf8' })
    expect(run.status).toBe(5)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('runtime/node: not listed in SHA256SUMS')
  })
})
