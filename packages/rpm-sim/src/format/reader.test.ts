import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { craftRpm } from '../_test-craft.js'
import { tempDir } from '../_test-rpmbuild.js'
import { openRpm, readRpm, readRpmPayload } from './reader.js'
import { safeEntryPath } from './cpio.js'
import { writeRpm } from './writer.js'

const { dir, cleanup } = tempDir()
afterAll(cleanup)

async function drain(file: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for await (const entry of readRpmPayload(file)) {
    const hash = createHash('sha256')
    for await (const chunk of entry.body) hash.update(chunk as Buffer)
    out.set(entry.path, hash.digest('hex'))
  }
  return out
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'no error'
  } catch (error) {
    return (error as { code?: string }).code ?? String(error)
  }
}

async function good(name: string, compressor: 'gzip' | 'none' = 'gzip'): Promise<string> {
  const file = join(dir, name)
  await writeRpm(
    {
      name: 'good',
      version: '1',
      release: '1',
      arch: 'noarch',
      compressor,
      files: [{ path: '/etc/good.conf', kind: 'file', content: 'x'.repeat(5000), flags: { config: true } }],
    },
    file,
  )
  return file
}

describe('reader: bad input is a typed error naming the file', () => {
  it('rejects wrong magic', async () => {
    const file = join(dir, 'text.rpm')
    writeFileSync(file, 'hello world, not a package '.repeat(10))
    await expect(readRpm(file)).rejects.toMatchObject({ code: 'E_RPM_FORMAT', message: expect.stringContaining(file) })
  })

  it('rejects truncated lead, signature header, header and payload', async () => {
    const file = await good('trunc-src.rpm')
    const bytes = readFileSync(file)
    const { headerOffset, payloadOffset } = await openRpm(file)
    for (const [label, length] of [
      ['lead', 50],
      ['signature', 96 + 20],
      ['header', headerOffset + 40],
      ['payload', payloadOffset + 10],
    ] as const) {
      const cut = join(dir, `cut-${label}.rpm`)
      writeFileSync(cut, bytes.subarray(0, length))
      expect(await codeOf(readRpm(cut)), label).toBe('E_RPM_TRUNCATED')
      expect(await codeOf(drain(cut)), label).toBe('E_RPM_TRUNCATED')
    }
  })

  it('rejects a header index entry pointing outside the data', async () => {
    const file = await good('index-src.rpm')
    const bytes = Buffer.from(readFileSync(file))
    const { headerOffset } = await openRpm(file)
    bytes.writeInt32BE(0x7ffffff0, headerOffset + 16 + 16 * 2 + 8)
    const bad = join(dir, 'index.rpm')
    writeFileSync(bad, bytes)
    await expect(readRpm(bad)).rejects.toMatchObject({
      code: 'E_RPM_FORMAT',
      message: expect.stringMatching(/header tag \d+: expected an offset inside/),
    })
  })

  it('rejects a lying index count', async () => {
    const file = await good('count-src.rpm')
    const bytes = Buffer.from(readFileSync(file))
    const { headerOffset } = await openRpm(file)
    bytes.writeUInt32BE(0x00ffffff, headerOffset + 8)
    const bad = join(dir, 'count.rpm')
    writeFileSync(bad, bytes)
    expect(await codeOf(readRpm(bad))).toBe('E_RPM_FORMAT')
  })

  it('detects an altered header and an altered payload', async () => {
    const file = await good('digest-src.rpm', 'none')
    const bytes = readFileSync(file)
    const { headerOffset, payloadOffset } = await openRpm(file)
    const header = Buffer.from(bytes)
    const at = header.indexOf('good', headerOffset)
    header.write('gooD', at)
    writeFileSync(join(dir, 'hdr.rpm'), header)
    expect(await codeOf(readRpm(join(dir, 'hdr.rpm')))).toBe('E_RPM_DIGEST')
    const payload = Buffer.from(bytes)
    const body = payload.indexOf('xxxx', payloadOffset)
    payload.write('y', body + 100)
    writeFileSync(join(dir, 'pay.rpm'), payload)
    expect(await codeOf(readRpm(join(dir, 'pay.rpm')))).toBe('no error')
    await expect(drain(join(dir, 'pay.rpm'))).rejects.toMatchObject({
      code: 'E_RPM_DIGEST',
      message: expect.stringContaining('payload digest'),
    })
  })

  it('rejects cpio names with .., absolute names, and entries the header does not list', async () => {
    const cases = [
      { name: 'dotdot', cpioName: './etc/../../escape', code: 'E_CPIO_UNSAFE' },
      { name: 'absolute', cpioName: '/etc/passwd', code: 'E_CPIO_UNSAFE' },
      { name: 'unlisted', cpioName: './etc/other', code: 'E_CPIO_UNSAFE' },
      // `./` is the root directory itself: a file entry by that name is not what the header lists (/etc/x).
      { name: 'root-for-a-file', cpioName: './', code: 'E_CPIO_UNSAFE' },
      { name: 'above-the-root', cpioName: './..', code: 'E_CPIO_UNSAFE' },
    ]
    for (const c of cases) {
      const file = join(dir, `${c.name}.rpm`)
      craftRpm(file, [{ path: '/etc/x', content: 'abc', cpioName: c.cpioName }])
      expect(await codeOf(drain(file)), c.name).toBe(c.code)
    }
  })

  it('maps ./ (the entry of a package that owns /) to the root itself, and nothing to a place above it', () => {
    expect(safeEntryPath('./', 'p.rpm')).toBe('/')
    expect(safeEntryPath('.', 'p.rpm')).toBe('/')
    expect(safeEntryPath('./etc', 'p.rpm')).toBe('/etc')
    for (const bad of ['', '/', './..', '../', './/../x'])
      expect(() => safeEntryPath(bad, 'p.rpm'), bad).toThrow(expect.objectContaining({ code: 'E_CPIO_UNSAFE' }))
  })

  it('rejects lying cpio sizes and a payload that lacks a listed file', async () => {
    const lying = join(dir, 'lying.rpm')
    craftRpm(lying, [{ path: '/etc/x', content: 'abc', cpioSize: 100000 }])
    expect(['E_RPM_TRUNCATED', 'E_CPIO_FORMAT']).toContain(await codeOf(drain(lying)))
    const garbage = join(dir, 'garbage.rpm')
    craftRpm(garbage, [{ path: '/etc/x', content: 'abc', cpioSize: 1 }])
    expect(await codeOf(drain(garbage))).toBe('E_CPIO_FORMAT')
  })

  it('reads a crafted package with OLDFILENAMES and an identity payload', async () => {
    const file = join(dir, 'ok.rpm')
    craftRpm(file, [
      { path: '/etc/x', content: 'abc' },
      { path: '/etc/y', content: '' },
    ])
    expect([...(await drain(file)).keys()]).toEqual(['/etc/x', '/etc/y'])
  })

  it('stops cleanly when the consumer breaks early', async () => {
    const file = await good('early.rpm')
    for await (const entry of readRpmPayload(file)) {
      expect(entry.path).toBe('/etc/good.conf')
      break
    }
    expect((await drain(file)).size).toBe(1)
  })
})

describe('file flags as read', () => {
  it('are each file own values, shared by files with the same flags and frozen against writes', async () => {
    const file = join(dir, 'flags.rpm')
    await writeRpm(
      {
        name: 'flags',
        version: '1',
        release: '1',
        arch: 'noarch',
        files: [
          { path: '/etc/a.conf', kind: 'file', content: 'a', flags: { config: true, noreplace: true } },
          { path: '/etc/b.conf', kind: 'file', content: 'b', flags: { config: true, noreplace: true } },
          { path: '/usr/share/doc/f/README', kind: 'file', content: 'r', flags: { doc: true } },
          { path: '/opt/f/one', kind: 'file', content: '1' },
          { path: '/opt/f/two', kind: 'file', content: '2' },
        ],
      },
      file,
    )
    const byPath = new Map((await readRpm(file)).files.map((f) => [f.path, f.flags]))
    expect(byPath.get('/etc/a.conf')).toMatchObject({ config: true, noreplace: true, doc: false })
    expect(byPath.get('/usr/share/doc/f/README')).toMatchObject({ config: false, doc: true })
    expect(byPath.get('/opt/f/one')).toMatchObject({ config: false, noreplace: false, doc: false, ghost: false })
    expect(byPath.get('/etc/a.conf')).toBe(byPath.get('/etc/b.conf'))
    expect(byPath.get('/opt/f/one')).toBe(byPath.get('/opt/f/two'))
    const shared = byPath.get('/opt/f/one') as { config: boolean }
    expect(() => {
      shared.config = true
    }).toThrow(TypeError)
    expect(byPath.get('/opt/f/two')?.config).toBe(false)
  })
})
