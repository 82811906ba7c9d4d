import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { rawTar, tempDir } from './_test-archive.js'
import { extractPayload, unsafePayloadEntry } from './payload.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function extractRaw(entries: Parameters<typeof rawTar>[0]) {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const file = join(dir, 'package.tar.gz')
  writeFileSync(file, rawTar(entries))
  const dest = join(dir, 'stage')
  return { dir, dest, promise: extractPayload(file, dest) }
}

describe('extractPayload', () => {
  it('extracts a ./-prefixed payload made by real tar', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    mkdirSync(join(dir, 'src/tools'), { recursive: true })
    writeFileSync(join(dir, 'src/tools/a.sh'), 'echo a\n')
    symlinkSync('a.sh', join(dir, 'src/tools/b.sh'))
    execFileSync('tar', ['-czf', join(dir, 'p.tar.gz'), '-C', join(dir, 'src'), '.'])
    await extractPayload(join(dir, 'p.tar.gz'), join(dir, 'out'))
    expect(readFileSync(join(dir, 'out/tools/a.sh'), 'utf8')).toBe('echo a\n')
    expect(lstatSync(join(dir, 'out/tools/b.sh')).isSymbolicLink()).toBe(true)
  })

  it('reports the bytes of package.tar.gz read, from 0 to its size, as it extracts', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    mkdirSync(join(dir, 'src/tools'), { recursive: true })
    // Incompressible, so the archive spans several reads.
    writeFileSync(join(dir, 'src/tools/blob'), randomBytes(3 << 20))
    execFileSync('tar', ['-czf', join(dir, 'p.tar.gz'), '-C', join(dir, 'src'), '.'])
    const size = statSync(join(dir, 'p.tar.gz')).size
    const seen: [number, number][] = []
    await extractPayload(join(dir, 'p.tar.gz'), join(dir, 'out'), 'package.tar.gz', undefined, (done, total) =>
      seen.push([done, total]),
    )
    expect(seen[0]).toEqual([0, size])
    expect(seen.at(-1)).toEqual([size, size])
    expect(seen.length).toBeGreaterThan(2)
    expect(seen.every(([done], i) => i === 0 || done >= seen[i - 1]![0])).toBe(true)
    expect(statSync(join(dir, 'out/tools/blob')).size).toBe(3 << 20)
  })

  it.each([
    ['../escape', 'File', undefined],
    ['/etc/evil', 'File', undefined],
    ['tools/../../escape', 'File', undefined],
    ['tools/link', 'SymbolicLink', '../../outside'],
    ['tools/abs', 'SymbolicLink', '/etc/passwd'],
    ['tools/hard', 'Link', '../outside'],
    ['tools/dev', 'CharacterDevice', undefined],
    ['tools/fifo', 'FIFO', undefined],
  ])('refuses %s (%s) and leaves nothing behind', async (path, type, linkpath) => {
    const { dir, dest, promise } = extractRaw([
      { path: 'tools/', type: 'Directory', mode: 0o755 },
      { path, type, ...(linkpath ? { linkpath } : {}), ...(type === 'File' ? { body: 'evil' } : {}) },
    ])
    await expect(promise).rejects.toMatchObject({ code: expect.stringMatching(/^E_PAYLOAD_(UNSAFE|CORRUPT)$/) })
    expect(existsSync(dest)).toBe(false)
    expect(readdirSync(dir).sort()).toEqual(['package.tar.gz'])
  })

  it("refuses a write through the payload's own symlink, and a bomb, leaving nothing behind", async () => {
    const chain = extractRaw([
      { path: 'tools/s1', type: 'SymbolicLink', linkpath: '..' },
      { path: 'tools/s1/chain', type: 'File', body: 'x' },
    ])
    await expect(chain.promise).rejects.toMatchObject({ code: 'E_PAYLOAD_UNSAFE' })
    expect(existsSync(chain.dest)).toBe(false)
    const bomb = extractRaw([{ path: 'tools/zeros', type: 'File', body: '\0'.repeat(2 * 1024 * 1024) }])
    await expect(bomb.promise).rejects.toMatchObject({ code: 'E_PAYLOAD_BOMB' })
    expect(existsSync(bomb.dest)).toBe(false)
  })

  it('drops setuid and setgid bits', async () => {
    const { dest, promise } = extractRaw([{ path: 'tools/suid', type: 'File', body: 'x', mode: 0o6755 }])
    await promise
    expect(lstatSync(join(dest, 'tools/suid')).mode & 0o7777).toBe(0o755)
  })

  it('unsafePayloadEntry allows ./ prefixes and links that stay inside', () => {
    expect(unsafePayloadEntry('./tools/a', 'File', undefined)).toBeUndefined()
    expect(unsafePayloadEntry('./tools/x/l', 'SymbolicLink', '../a')).toBeUndefined()
    expect(unsafePayloadEntry('./tools/l', 'SymbolicLink', '../../a')).toMatch(/leaves/)
  })
})
