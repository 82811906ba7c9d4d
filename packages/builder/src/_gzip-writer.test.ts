import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { GzipWriter, fileSink, looksIncompressible } from './_gzip-writer.js'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function gzipSegments(segments: { mode: 'stored' | number; data: Buffer; step: number }[]): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'rdbpkg-gz-'))
  dirs.push(dir)
  const file = join(dir, 'out.gz')
  const fh = await open(file, 'w')
  const writer = new GzipWriter(fileSink(fh))
  for (const segment of segments) {
    if (segment.mode === 'stored') await writer.stored()
    else await writer.compressed(segment.mode)
    for (let i = 0; i < segment.data.length; i += segment.step)
      await writer.write(segment.data.subarray(i, i + segment.step))
  }
  await writer.finish()
  await fh.close()
  return readFile(file)
}

describe('GzipWriter', () => {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(60_000))
  const noise = randomBytes(3 * 1024 * 1024 + 17)

  it('writes one gzip member that gunzip and real gzip read back exactly, across mixed segments', async () => {
    const segments = [
      { mode: 9 as const, data: text, step: 7777 },
      { mode: 'stored' as const, data: noise, step: 100_000 },
      {
        mode: 6 as const,
        data: Buffer.concat([text.subarray(0, 12345), noise, text.subarray(0, 3 << 20)]),
        step: 65536,
      },
    ]
    const out = await gzipSegments(segments)
    const expected = Buffer.concat(segments.map((s) => s.data))
    expect(gunzipSync(out).equals(expected)).toBe(true)
    expect(execFileSync('gzip', ['-dc'], { input: out, maxBuffer: 1 << 26 }).equals(expected)).toBe(true)
    expect(out.length).toBeLessThan(2 * noise.length * 1.01 + text.length / 10)
  })

  it('stores incompressible blocks of a compressed segment, and still deflates the compressible ones', async () => {
    const data = Buffer.concat([noise, text])
    const out = await gzipSegments([{ mode: 6, data, step: 100_000 }])
    expect(gunzipSync(out).equals(data)).toBe(true)
    expect(out.length).toBeGreaterThan(noise.length)
    expect(out.length).toBeLessThan(noise.length * 1.01 + text.length / 10)
    expect(looksIncompressible(noise.subarray(0, 1 << 20))).toBe(true)
    expect(looksIncompressible(text.subarray(0, 1 << 20))).toBe(false)
  })

  it('gives the same bytes whatever the sizes of the writes', async () => {
    const a = await gzipSegments([
      { mode: 6, data: text, step: 1000 },
      { mode: 'stored', data: noise, step: 65536 },
    ])
    const b = await gzipSegments([
      { mode: 6, data: text, step: 1 << 20 },
      { mode: 'stored', data: noise, step: 333 },
    ])
    expect(a.equals(b)).toBe(true)
  })
})
