import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterEach, describe, expect, it } from 'vitest'
import { takeFileLock } from './lock.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rdbpkg-lock-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

// A real process that is gone: its pid is free (until the kernel reuses it, which it does not do at once).
async function deadPid(): Promise<number> {
  const dead = spawn('true')
  await new Promise((done) => dead.on('exit', done))
  return dead.pid ?? 0
}

function liveChild(): number {
  const holder = spawn('sleep', ['30'], { stdio: 'ignore' })
  cleanups.push(() => holder.kill('SIGKILL'))
  return holder.pid ?? 0
}

describe('takeFileLock', () => {
  it('takes the lock with our pid in it and releases it', () => {
    const path = join(tempDir(), 'db', 'lock')
    const attempt = takeFileLock(path)
    expect(attempt.status).toBe('taken')
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`)
    if (attempt.status === 'taken') attempt.lock.release()
    expect(existsSync(path)).toBe(false)
    // Without removeCreatedDirs the folder it made stays, and no private file is left beside the lock.
    expect(readdirSync(dirname(path))).toEqual([])
  })

  it('refuses while a live child process holds the lock, naming its pid, and leaves its lock alone', () => {
    const path = join(tempDir(), 'lock')
    const pid = liveChild()
    writeFileSync(path, `${pid}\n`)
    expect(takeFileLock(path)).toEqual({ status: 'held', pid })
    expect(readFileSync(path, 'utf8')).toBe(`${pid}\n`)
    expect(readdirSync(dirname(path))).toEqual(['lock'])
  })

  it('takes over the lock of a dead child process, and an empty lock file (a writer killed before writing)', async () => {
    const dir = tempDir()
    for (const content of [`${await deadPid()}\n`, '']) {
      const path = join(dir, 'lock')
      writeFileSync(path, content)
      const attempt = takeFileLock(path)
      expect(attempt.status).toBe('taken')
      expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`)
      if (attempt.status === 'taken') attempt.lock.release()
      expect(readdirSync(dir)).toEqual([])
    }
  })

  it('a lock held by our own pid refuses, unless reentrant: then the nested release leaves it held', () => {
    const path = join(tempDir(), 'lock')
    const outer = takeFileLock(path)
    expect(takeFileLock(path)).toEqual({ status: 'held', pid: process.pid })
    const nested = takeFileLock(path, { reentrant: true })
    expect(nested.status).toBe('taken')
    if (nested.status === 'taken') nested.lock.release()
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`)
    if (outer.status === 'taken') outer.lock.release()
    expect(existsSync(path)).toBe(false)
  })

  it('removeCreatedDirs: release and refusal remove the folders taking the lock made, not the ones that were there', () => {
    const root = tempDir()
    const path = join(root, 'var/lib/x/lock')
    const attempt = takeFileLock(path, { removeCreatedDirs: true })
    if (attempt.status === 'taken') attempt.lock.release()
    expect(readdirSync(root)).toEqual([])
    // Refused by a live holder whose folder exists: that folder stays.
    mkdirSync(dirname(path), { recursive: true })
    const pid = liveChild()
    writeFileSync(path, `${pid}\n`)
    expect(takeFileLock(path, { removeCreatedDirs: true })).toEqual({ status: 'held', pid })
    expect(readdirSync(dirname(path))).toEqual(['lock'])
  })

  it('a folder it cannot write: the error names the lock file, not the private file beside it', () => {
    // A read-only folder needs a mount (root) or a non-root user; a file where the private file goes fails the
    // same write (EISDIR) as a read-only one would (EROFS).
    const dir = tempDir()
    const path = join(dir, 'lock')
    mkdirSync(`${path}.${process.pid}.tmp`)
    expect(() => takeFileLock(path)).toThrow(expect.objectContaining({ code: 'EISDIR', path }))
    expect(existsSync(path)).toBe(false)
  })

  it('throws the file system error when the folder cannot be made (a file in the way)', () => {
    const root = tempDir()
    writeFileSync(join(root, 'file'), '')
    expect(() => takeFileLock(join(root, 'file', 'lock'))).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^E(NOTDIR|EXIST)$/) }),
    )
  })
})

// Real processes racing on one lock: each takes and releases it many times and, while holding it, creates an
// exclusive marker. Two holders at once show as exit 3, an unexpected error as exit 1; 'held' and 'contended' are
// expected outcomes. Every round, at least one taker wins, and nothing is left behind.
const CHILD = `
import { openSync, closeSync, unlinkSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { takeFileLock } from './lock.mjs'
const [path, rounds, removeCreatedDirs] = [process.argv[2], Number(process.argv[3]), process.argv[4] === 'dirs']
let held = 0
for (let i = 0; i < rounds; i++) {
  let attempt
  try {
    attempt = takeFileLock(path, { removeCreatedDirs })
  } catch (error) {
    console.error(error.stack)
    process.exit(1)
  }
  if (attempt.status !== 'taken') continue
  const marker = join(dirname(dirname(path)), 'holding')
  try {
    closeSync(openSync(marker, 'wx'))
  } catch {
    console.error('two holders at once')
    process.exit(3)
  }
  held++
  unlinkSync(marker)
  attempt.lock.release()
}
console.log(held)
`

describe('takeFileLock across processes', () => {
  it('6 processes taking the same lock at once: exactly one holds it at a time, and nothing is left', async () => {
    const dir = tempDir()
    await bundleLock(dir)
    writeFileSync(join(dir, 'child.mjs'), CHILD)
    const problems: string[] = []
    for (let round = 0; round < 4; round++) {
      const root = join(dir, `root-${round}`)
      mkdirSync(root)
      const path = join(root, 'locks', 'lock')
      // Odd rounds start from a lock left by a dead process, so every child races to take it over; even rounds
      // remove the folder on release, so takers also race its removal and re-creation.
      if (round % 2 === 1) {
        mkdirSync(dirname(path))
        writeFileSync(path, `${await deadPid()}\n`)
      }
      const runs = await Promise.all(
        Array.from({ length: 6 }, () =>
          runNode(join(dir, 'child.mjs'), [path, '200', round % 2 === 0 ? 'dirs' : 'keep']),
        ),
      )
      let total = 0
      for (const r of runs) {
        if (r.code !== 0) problems.push(`round ${round}: exit ${r.code}: ${r.stderr.trim()}`)
        else total += Number(r.stdout.trim())
      }
      if (total === 0) problems.push(`round ${round}: nobody ever took the lock`)
      const lockDir = dirname(path)
      expect(existsSync(lockDir) ? readdirSync(lockDir) : [], `round ${round}`).toEqual([])
    }
    expect(problems).toEqual([])
  }, 60_000)

  it('6 processes taking a dead process lock at once, each keeping what it took: exactly one wins', async () => {
    const dir = tempDir()
    await bundleLock(dir)
    // Each taker prints what it got and stays alive, not releasing, until every taker has answered (the file
    // \`done\` appears), so a late starter meets a live winner, never a dead one it could take over.
    writeFileSync(
      join(dir, 'hold.mjs'),
      `import { existsSync } from 'node:fs'
const { takeFileLock } = await import('./lock.mjs')
const a = takeFileLock(process.argv[2])
console.log(a.status)
for (let i = 0; i < 3000 && !existsSync(process.argv[3]); i++) await new Promise((done) => setTimeout(done, 20))
`,
    )
    const path = join(dir, 'lock')
    const done = join(dir, 'done')
    writeFileSync(path, `${await deadPid()}\n`)
    const takers = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, [join(dir, 'hold.mjs'), path, done], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      cleanups.push(() => child.kill('SIGKILL'))
      return child
    })
    const statuses = await Promise.all(
      takers.map(
        (child) =>
          new Promise<string>((answered) => {
            let out = ''
            child.stdout?.on('data', (d: Buffer) => {
              out += d.toString()
              if (out.includes('\n')) answered(out.trim())
            })
            child.on('close', () => answered(out.trim()))
          }),
      ),
    )
    writeFileSync(done, '')
    await Promise.all(takers.map((child) => new Promise((closed) => child.on('close', closed))))
    expect(statuses.filter((s) => s === 'taken')).toHaveLength(1)
    expect(statuses.filter((s) => s !== 'taken').sort()).toEqual(['held', 'held', 'held', 'held', 'held'])
  }, 60_000)
})

// lock.ts as one module the child processes import (./lock.mjs in `dir`).
async function bundleLock(dir: string): Promise<void> {
  await build({
    entryPoints: [join(dirname(fileURLToPath(import.meta.url)), 'lock.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(dir, 'lock.mjs'),
    logLevel: 'silent',
  })
}

function runNode(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}
