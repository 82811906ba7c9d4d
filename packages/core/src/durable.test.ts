import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  FileSystemSyncer,
  syncFileSystems,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from './durable.js'

const base = mkdtempSync(join(tmpdir(), 'core-durable-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const haveStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0
if (!haveStrace) console.warn('skipping the syscall-order tests of durable.ts: strace is not installed')

// The calls a child process makes on `dir`, as strace prints them (names only, in order).
function traced(script: string, dir: string): string[] {
  const out = join(base, `trace-${Math.random().toString(36).slice(2)}`)
  execFileSync(
    'strace',
    [
      '-f',
      '-y',
      '-qq',
      '-o',
      out,
      '-e',
      'trace=openat,rename,fsync,syncfs,sync',
      process.execPath,
      '--input-type=module',
      '-e',
      script,
    ],
    { env: { ...process.env, UV_USE_IO_URING: '0' } },
  )
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir) || /syncfs|sync\(\)/.test(l))
    .map((l) => /^(?:\d+\s+)?(\w+)\(/.exec(l)?.[1] ?? '')
    .filter((n) => n !== '')
}

describe('writeFileAtomic', () => {
  it('replaces a file whole, leaves no temp behind, async and sync alike', async () => {
    const file = join(base, 'sub', 'record.json')
    await writeFileAtomic(file, 'one')
    writeFileAtomicSync(file, 'two')
    expect(readFileSync(file, 'utf8')).toBe('two')
    await writeFileAtomic(file, Buffer.from('three'))
    expect(readFileSync(file, 'utf8')).toBe('three')
    expect(readdirSync(join(base, 'sub'))).toEqual(['record.json'])
  })

  it('gives the file the mode asked for (0600 for notes that may hold secrets), 0644 by default', async () => {
    const secret = join(base, 'modes', 'secret.json')
    writeFileAtomicSync(secret, '{}', 0o600)
    await writeFileAtomic(join(base, 'modes', 'plain.json'), '{}')
    const mask = process.umask()
    expect(statSync(secret).mode & 0o777).toBe(0o600 & ~mask)
    expect(statSync(join(base, 'modes', 'plain.json')).mode & 0o777).toBe(0o644 & ~mask)
  })

  it.skipIf(!haveStrace)('fsyncs the data before the rename and the folder after it', () => {
    const dir = join(base, 'order')
    const mod = join(import.meta.dirname, '..', 'dist', 'durable.js')
    const calls = traced(
      `import { writeFileAtomicSync } from ${JSON.stringify(mod)}; writeFileAtomicSync(${JSON.stringify(join(dir, 'f'))}, 'x')`,
      dir,
    )
    const rename = calls.indexOf('rename')
    expect(rename).toBeGreaterThan(0)
    expect(calls.slice(0, rename)).toContain('fsync')
    expect(calls.slice(rename)).toContain('fsync')
  })
})

describe('writeJsonAtomicSync', () => {
  it('writes a record of thousands of entries that parses back whole, and leaves no temp behind', () => {
    const file = join(base, 'json', 'record.json')
    const record = { name: 'bench', files: Array.from({ length: 3000 }, (_, i) => ({ path: `/opt/f${i}`, flags: {} })) }
    writeJsonAtomicSync(file, { stale: true })
    writeJsonAtomicSync(file, record)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(record)
    expect(readdirSync(join(base, 'json'))).toEqual(['record.json'])
  })

  it.skipIf(!haveStrace)('fsyncs the data before the rename and the folder after it', () => {
    const dir = join(base, 'json-order')
    const mod = join(import.meta.dirname, '..', 'dist', 'durable.js')
    const calls = traced(
      `import { writeJsonAtomicSync } from ${JSON.stringify(mod)}; writeJsonAtomicSync(${JSON.stringify(join(dir, 'f'))}, { a: Array(100).fill(1) })`,
      dir,
    )
    const rename = calls.indexOf('rename')
    expect(rename).toBeGreaterThan(0)
    expect(calls.slice(0, rename)).toContain('fsync')
    expect(calls.slice(rename)).toContain('fsync')
  })
})

describe('syncFileSystems', () => {
  it('skips paths that do not exist and syncs the others', () => {
    writeFileSync(join(base, 'a'), 'a')
    expect(() => syncFileSystems([join(base, 'missing'), base])).not.toThrow()
    expect(() => syncFileSystems([])).not.toThrow()
  })

  it.skipIf(!haveStrace)('makes one syncfs per file system, however many paths on it', () => {
    const mod = join(import.meta.dirname, '..', 'dist', 'durable.js')
    const calls = traced(
      `import { syncFileSystems } from ${JSON.stringify(mod)}; syncFileSystems([${JSON.stringify(base)}, ${JSON.stringify(join(base, 'a'))}])`,
      base,
    )
    expect(calls.filter((c) => c === 'syncfs' || c === 'sync')).toHaveLength(1)
  })
})

describe('FileSystemSyncer', () => {
  const mod = JSON.stringify(join(import.meta.dirname, '..', 'dist', 'durable.js'))

  it('syncs on request and ends with close(), and syncs alone after it', async () => {
    const syncer = FileSystemSyncer.start()
    await syncer.sync([base, join(base, 'missing')])
    await syncer.sync([])
    syncer.close()
    await expect(syncer.sync([base])).resolves.toBeUndefined()
  })

  it.skipIf(!haveStrace)('forks the caller once however many barriers, one syncfs per file system each', () => {
    const calls = traced(
      `import { FileSystemSyncer } from ${mod}; const s = FileSystemSyncer.start(); ` +
        `for (let i = 0; i < 3; i++) await s.sync([${JSON.stringify(base)}, ${JSON.stringify(join(base, 'a'))}]); s.close()`,
      base,
    )
    expect(calls.filter((c) => c === 'syncfs' || c === 'sync')).toHaveLength(3)
    // Through the helper: one `sh` started, which runs `sync` per barrier (without it each barrier forks Node).
    const out = join(base, `exec-${Date.now()}`)
    execFileSync('strace', [
      '-f',
      '-qq',
      '-o',
      out,
      '-e',
      'trace=execve',
      process.execPath,
      '--input-type=module',
      '-e',
      `import { FileSystemSyncer } from ${mod}; const s = FileSystemSyncer.start(); ` +
        `for (let i = 0; i < 3; i++) await s.sync([${JSON.stringify(base)}]); s.close()`,
    ])
    const execs = readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => / = 0$/.test(l))
      .map((l) => /execve\("([^"]+)"/.exec(l)?.[1]?.split('/').pop())
    expect(execs.filter((c) => c === 'sh')).toHaveLength(1)
    expect(execs.filter((c) => c === 'sync')).toHaveLength(3)
  })

  it('never keeps its owner running, and ends when its owner is killed', () => {
    const mark = `rdbpkg-syncer-${process.pid}-${Date.now()}`
    // An owner that forgets close(): it still exits at once.
    const idle = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { FileSystemSyncer } from ${mod}; await FileSystemSyncer.start().sync([${JSON.stringify(base)}])`,
      ],
      { env: { ...process.env, RDBPKG_TEST_MARK: mark }, timeout: 20_000 },
    )
    expect(idle.status).toBe(0)
    // An owner killed while its helper runs.
    const killed = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { FileSystemSyncer } from ${mod}; const s = FileSystemSyncer.start(); await s.sync([${JSON.stringify(base)}]); process.kill(process.pid, 'SIGKILL')`,
      ],
      { env: { ...process.env, RDBPKG_TEST_MARK: mark }, timeout: 20_000 },
    )
    expect(killed.signal).toBe('SIGKILL')
    const deadline = Date.now() + 5000
    let left = helpersMarked(mark)
    while (left.length > 0 && Date.now() < deadline) {
      spawnSync('sleep', ['0.1'])
      left = helpersMarked(mark)
    }
    expect(left).toEqual([])
  })
})

// Processes whose environment carries `mark` (the helpers of the test's owners).
function helpersMarked(mark: string): string[] {
  const out: string[] = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').includes(`RDBPKG_TEST_MARK=${mark}`)) out.push(pid)
    } catch {
      // gone, or not ours to read
    }
  }
  return out
}
