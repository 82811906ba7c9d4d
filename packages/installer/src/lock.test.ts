import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from './_test-archive.js'
import { acquireLock, lockPath } from './lock.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

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
    expect(() => acquireLock(dir)).toThrow(expect.objectContaining({ code: 'E_LOCKED', message: expect.stringContaining(`pid ${holder.pid}`) }))
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
