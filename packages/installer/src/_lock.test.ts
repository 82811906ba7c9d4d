import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterEach, describe, expect, it } from 'vitest'
import { hostRpmArch } from './host.js'
import { makeArchiveDir, makeRoot, tempDir } from './_test-archive.js'
import { INSTALLER_VERSION } from './installer-version.js'
import { acquireLock, lockPath } from './_lock.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

// The algorithm (takeover, races between processes) is core's takeFileLock, tested in core/src/lock.test.ts;
// these tests hold the install lock's own file, messages and folder cleanup.
describe('acquireLock', () => {
  it('takes and releases the lock, leaving no folders it made', () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const lock = acquireLock(dir)
    expect(existsSync(lockPath(dir))).toBe(true)
    lock.release()
    expect(existsSync(join(dir, 'var'))).toBe(false)
  })

  it('refuses with E_LOCKED naming the pid of a live holder', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' })
    cleanups.push(() => holder.kill('SIGKILL'))
    mkdirSync(join(dir, 'var/lib/rdbpkg'), { recursive: true })
    writeFileSync(lockPath(dir), `${holder.pid}\n`)
    expect(() => acquireLock(dir)).toThrow(
      expect.objectContaining({ code: 'E_LOCKED', message: expect.stringContaining(`pid ${holder.pid}`) }),
    )
    expect(existsSync(lockPath(dir))).toBe(true)
  })

  it('takes over a lock left by a dead process', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const dead = spawn('true')
    await new Promise((done) => dead.on('exit', done))
    mkdirSync(join(dir, 'var/lib/rdbpkg'), { recursive: true })
    writeFileSync(lockPath(dir), `${dead.pid}\n`)
    const lock = acquireLock(dir)
    lock.release()
    expect(existsSync(lockPath(dir))).toBe(false)
  })

  it('a second taker in the same process is refused while the first holds it', () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const lock = acquireLock(dir)
    expect(() => acquireLock(dir, process.pid + 100000)).toThrow(expect.objectContaining({ code: 'E_LOCKED' }))
    lock.release()
  })
})

function runProcess(
  command: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

describe('concurrent ./install runs (the real CLI, bundled from source)', () => {
  it('6 installs then 6 upgrades at once on one root: exactly one acts per wave, the rest exit 6 or find nothing to do', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const bundle = join(dir, 'install.mjs')
    await build({
      entryPoints: [join(dirname(fileURLToPath(import.meta.url)), 'bin.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      define: { __RDBPKG_INSTALLER_VERSION__: JSON.stringify(INSTALLER_VERSION) },
      banner: {
        js: "import { createRequire as __rdbpkgCreateRequire } from 'node:module';\nconst require = __rdbpkgCreateRequire(import.meta.url);",
      },
      logLevel: 'silent',
    })
    const arch = hostRpmArch()
    const payload = (v: string): Record<string, string> => {
      const files: Record<string, string> = { 'tools/run.sh': `echo ${v}\n`, 'fsbackup_kernel_4.x/k': `k ${v}\n` }
      for (let i = 0; i < 40; i++) files[`tools/lib/m${i}.py`] = `# ${v} ${i}\n`
      return files
    }
    const v1 = makeArchiveDir(
      dir,
      { package_name: `rdb_agent_1.0_centos.${arch}`, package_type: 'install_rdb_agent', os_release: 'centos' },
      payload('1.0'),
    )
    const v2 = makeArchiveDir(
      dir,
      { package_name: `rdb_agent_2.0_centos.${arch}`, package_type: 'install_update_agent', os_release: 'centos' },
      payload('2.0'),
    )
    const problems: string[] = []
    for (let round = 0; round < 2; round++) {
      const root = makeRoot(join(dir, `r${round}`))
      for (const [archive, acted] of [
        [v1, 'installed'],
        [v2, 'upgraded'],
      ] as const) {
        const runs = await Promise.all(
          Array.from({ length: 6 }, () => runNode(bundle, ['--root', root, '--json'], archive)),
        )
        const outcomes = runs.map((r) => ({ exit: r.code, status: statusOf(r.stdout), stderr: r.stderr.trim() }))
        const actors = outcomes.filter((o) => o.exit === 0 && o.status === acted)
        const bad = outcomes.filter(
          (o) => !(o.exit === 0 || o.exit === 6) || (o.exit === 0 && o.status !== acted && o.status !== 'unchanged'),
        )
        const locked = outcomes.filter((o) => o.exit === 6 && !/held by pid \d+|could not be taken/.test(o.stderr))
        if (actors.length !== 1 || bad.length > 0 || locked.length > 0)
          problems.push(`round ${round} ${acted}: ${JSON.stringify(outcomes)}`)
      }
      expect(readFileSync(join(root, 'opt/rdb/agent/tools/run.sh'), 'utf8')).toBe('echo 2.0\n')
    }
    expect(problems).toEqual([])
  }, 120_000)
})

function statusOf(stdout: string): string {
  try {
    return (JSON.parse(stdout) as { status: string }).status
  } catch {
    return 'no-json'
  }
}

function runNode(
  file: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [file, ...args], cwd)
}
