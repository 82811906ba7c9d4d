import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { appendFileSync, chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { NODE_FLOOR } from '@rdbpkg/core'
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

  // A PATH holding only the shell and dirname (no node).
  function bareBin(): string {
    const bin = tempDir()
    for (const tool of ['dirname', 'sh'])
      symlinkSync(spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim(), join(bin, tool))
    return bin
  }

  // A runtime/node listed in SHA256SUMS, as the builder writes it.
  function withRuntime(dir: string, script: string | Buffer): void {
    mkdirSync(join(dir, 'runtime'))
    writeFileSync(join(dir, 'runtime', 'node'), script)
    chmodSync(join(dir, 'runtime', 'node'), 0o755)
    appendFileSync(join(dir, 'SHA256SUMS'), `${createHash('sha256').update(script).digest('hex')}  runtime/node\n`)
  }

  const TAIL = `install Node.js >= ${NODE_FLOOR} (el7: nodejs from EPEL) or use an archive built with --node-runtime`

  // A `node` on PATH printing what process.versions.node would; 16.17.0 itself and newer run the installer.
  it.each([
    ['14.21.3', false],
    ['16.16.0', false],
    ['16.9.1', false],
    ['16.17.0', true],
    ['18.0.0', true],
  ])('node on PATH printing %s: runs the installer: %s, else exit 127 with one line', (version, runs) => {
    const dir = archiveFolder()
    const bin = bareBin()
    writeFileSync(
      join(bin, 'node'),
      `#!/bin/sh\n[ "$1" = -e ] && { printf ${version}; exit 0; }\necho "node ${version} ran $*"\n`,
      { mode: 0o755 },
    )
    const run = spawnSync('sh', [join(dir, 'install'), '--help'], { env: { PATH: bin }, encoding: 'utf8' })
    if (runs) {
      expect(run.stdout).toBe(`node ${version} ran ${join(dir, 'installer.mjs')} --help\n`)
      expect(run.status).toBe(0)
      return
    }
    expect(run.status).toBe(127)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      `install: no usable Node.js: node on PATH (${join(bin, 'node')}) is v${version}, older than ${NODE_FLOOR}; ${TAIL}\n`,
    )
  })

  it('exits 127 with one line naming both when runtime/node cannot start and there is no node on PATH', () => {
    const dir = archiveFolder()
    withRuntime(
      dir,
      '#!/bin/sh\necho "node: /lib64/libc.so.6: version \\`GLIBC_2.28\' not found (required by node)" >&2\nexit 1\n',
    )
    const run = spawnSync('sh', [join(dir, 'install'), '--help'], { env: { PATH: bareBin() }, encoding: 'utf8' })
    expect(run.status).toBe(127)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      `install: no usable Node.js: runtime/node cannot start (node: /lib64/libc.so.6: version \`GLIBC_2.28' not found (required by node)); no node on PATH; ${TAIL}\n`,
    )
  })

  it('exits 127 when runtime/node is for another machine (the kernel refuses to run it)', () => {
    const dir = archiveFolder()
    // An ELF header for another machine: the exec fails before any code runs.
    const elf = Buffer.alloc(64)
    elf.write('\x7fELF', 0, 'latin1')
    elf[4] = 2
    elf[5] = 1
    elf[6] = 1
    elf.writeUInt16LE(2, 16)
    elf.writeUInt16LE(process.arch === 'x64' ? 183 : 62, 18)
    withRuntime(dir, elf)
    const run = spawnSync('sh', [join(dir, 'install'), '--help'], { env: { PATH: bareBin() }, encoding: 'utf8' })
    expect(run.status).toBe(127)
    expect(run.stderr.split('\n')).toHaveLength(2)
    expect(run.stderr).toMatch(/^install: no usable Node.js: runtime\/node cannot start \(.+\); no node on PATH; /)
  })

  it('a runtime/node that hangs is given RDBPKG_NODE_CHECK_TIMEOUT seconds, then named, and node on PATH is tried', () => {
    const dir = archiveFolder()
    const sleep = spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim()
    // One process that ignores SIGTERM, as a stuck one can: timeout's -k ends it.
    withRuntime(dir, `#!/bin/sh\ntrap '' TERM\nexec "${sleep}" 600\n`)
    const bin = bareBin()
    const timeoutTool = spawnSync('sh', ['-c', 'command -v timeout'], { encoding: 'utf8' }).stdout.trim()
    symlinkSync(timeoutTool, join(bin, 'timeout'))
    const env = { PATH: bin, RDBPKG_NODE_CHECK_TIMEOUT: '1' }
    const none = spawnSync('sh', [join(dir, 'install'), '--help'], { env, encoding: 'utf8' })
    expect(none.status).toBe(127)
    expect(none.stderr).toBe(
      `install: no usable Node.js: runtime/node does not answer within 1 s; no node on PATH; ${TAIL}\n`,
    )
    symlinkSync(process.execPath, join(bin, 'node'), 'file')
    // The same limit applies to node on PATH: a loaded CI machine can take more than 1 s to start a Node, so this
    // run gives both 3 s (the hanging runtime/node still has to be given up on first).
    const fallback = spawnSync('sh', [join(dir, 'install'), 'z'], {
      env: { ...env, RDBPKG_NODE_CHECK_TIMEOUT: '3' },
      encoding: 'utf8',
    })
    expect(fallback.stderr).toBe('')
    expect(fallback.stdout).toBe('installer ran ["z"]\n')
  })

  it('falls back to node on PATH when runtime/node cannot start, and uses runtime/node when it can', () => {
    const dir = archiveFolder()
    withRuntime(dir, '#!/bin/sh\necho "cannot execute binary file" >&2\nexit 126\n')
    const bin = bareBin()
    symlinkSync(process.execPath, join(bin, 'node'), 'file')
    const fallback = spawnSync('sh', [join(dir, 'install'), 'x'], { env: { PATH: bin }, encoding: 'utf8' })
    expect(fallback.stderr).toBe('')
    expect(fallback.stdout).toBe('installer ran ["x"]\n')

    const good = archiveFolder()
    // A runtime that is a real Node at or above the floor runs the installer even with no node on PATH.
    withRuntime(good, `#!/bin/sh\nexec "${process.execPath}" "$@"\n`)
    const run = spawnSync('sh', [join(good, 'install'), 'y'], { env: { PATH: bareBin() }, encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.stdout).toBe('installer ran ["y"]\n')
  })

  it('exits 5 before running anything when installer.mjs does not match SHA256SUMS', () => {
    const dir = archiveFolder()
    writeFileSync(join(dir, 'installer.mjs'), 'console.log("tampered installer ran")\n')
    const run = spawnSync(join(dir, 'install'), ['--help'], { encoding: 'utf8' })
    expect(run.status).toBe(5)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      'install: installer.mjs: sha256 mismatch with SHA256SUMS (the archive is damaged or tampered with)\n',
    )
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
