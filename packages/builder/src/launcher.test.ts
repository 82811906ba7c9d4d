import { spawnSync } from 'node:child_process'
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
  writeFileSync(join(dir, 'installer.mjs'), 'console.log("installer ran", JSON.stringify(process.argv.slice(2)))\n')
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
})
