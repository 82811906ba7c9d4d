import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { syncFileSystems, writeFileAtomic, writeFileAtomicSync } from './durable.js'

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
