import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { rawTar, tempDir } from './_test-archive.js'
import { scanPayload, stagePayload, streamedSource } from './_tracked-source.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function tarFile(entries: Parameters<typeof rawTar>[0]): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const file = join(dir, 'package.tar.gz')
  writeFileSync(file, rawTar(entries))
  return file
}

describe('scanPayload', () => {
  it('lists, digests and strips setuid; adds the folders a payload implies', async () => {
    const file = tarFile([
      { path: './tools/a.conf', type: 'File', body: 'x=1\n', mode: 0o4755 },
      { path: './fsbackup_kernel_4.x/k.ko', type: 'File', body: 'k' },
      { path: './tools/link', type: 'SymbolicLink', linkpath: 'a.conf' },
    ])
    const scan = await scanPayload(file)
    expect(scan.entries.map((e) => `${e.kind} ${e.rel}`)).toEqual([
      'dir fsbackup_kernel_4.x',
      'file fsbackup_kernel_4.x/k.ko',
      'dir tools',
      'file tools/a.conf',
      'symlink tools/link',
    ])
    const conf = scan.entries.find((e) => e.rel === 'tools/a.conf')!
    expect(conf.perm).toBe(0o755)
    expect(conf.digest).toBe(createHash('sha256').update('x=1\n').digest('hex'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const staged = await stagePayload(file, join(dir, 'staging'))
    expect(staged.entries.map(({ staged: _, ...e }) => e)).toEqual(scan.entries)
    const source = streamedSource(
      {
        name: 'rdb-agent',
        version: '1',
        release: '1',
        arch: 'x86_64',
        prefix: '/opt/rdb/agent',
        configGlobs: ['**/*.conf'],
      },
      staged,
    )
    const header = source.header.files.find((f) => f.path === '/opt/rdb/agent/tools/a.conf')!
    expect(header.flags).toEqual({ config: true, noreplace: true })
    const bodies: string[] = []
    for await (const entry of source.payload()) {
      expect(statSync(entry.file!).mode & 0o777).toBe(0o600)
      bodies.push(`${entry.path}=${readFileSync(entry.file!, 'utf8')}`)
    }
    expect(bodies).toEqual(['/opt/rdb/agent/fsbackup_kernel_4.x/k.ko=k', '/opt/rdb/agent/tools/a.conf=x=1\n'])
    // A scan that was not staged can be planned but not installed.
    const planned = streamedSource(
      { name: 'rdb-agent', version: '1', release: '1', arch: 'x86_64', prefix: '/opt/rdb/agent', configGlobs: [] },
      scan,
    )
    await expect(planned.payload()[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'E_IO' })
  })

  it("stages each body once; a hard link shares its target's staged body", async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const file = tarFile([
      { path: 'tools/a.sh', type: 'File', body: 'echo a\n', mode: 0o755 },
      { path: 'tools/b.sh', type: 'Link', linkpath: 'tools/a.sh' },
    ])
    const scan = await stagePayload(file, join(dir, 'staging'))
    const [a, b] = scan.entries.filter((e) => e.kind === 'file')
    expect(b).toMatchObject({ rel: 'tools/b.sh', digest: a!.digest, size: 7, perm: 0o755 })
    expect(statSync(a!.staged!).ino).toBe(statSync(b!.staged!).ino)
    expect(readdirSync(join(dir, 'staging'))).toHaveLength(2)
  })

  it('refuses a hard link to an entry that is not a file listed before it', async () => {
    const file = tarFile([
      { path: 'tools/b.sh', type: 'Link', linkpath: 'tools/a.sh' },
      { path: 'tools/a.sh', type: 'File', body: 'echo a\n' },
    ])
    await expect(scanPayload(file)).rejects.toMatchObject({
      code: 'E_PAYLOAD_UNSAFE',
      message: expect.stringContaining('not a file listed before it'),
    })
  })

  it.each([
    ['../escape', 'File', undefined],
    ['/etc/evil', 'File', undefined],
    ['tools/link', 'SymbolicLink', '../../outside'],
    ['tools/abs', 'SymbolicLink', '/etc/passwd'],
    ['tools/dev', 'BlockDevice', undefined],
    ['tools/fifo', 'FIFO', undefined],
  ])('refuses %s (%s)', async (path, type, linkpath) => {
    const file = tarFile([
      { path, type, ...(linkpath ? { linkpath } : {}), ...(type === 'File' ? { body: 'evil' } : {}) },
    ])
    await expect(scanPayload(file)).rejects.toMatchObject({ code: 'E_PAYLOAD_UNSAFE' })
  })

  it('refuses an entry that goes through a symlink the payload made (symlink chain)', async () => {
    const file = tarFile([
      { path: 'tools/s1', type: 'SymbolicLink', linkpath: '..' },
      { path: 'tools/s1/s2', type: 'SymbolicLink', linkpath: '..' },
      { path: 'tools/s1/s2/chain', type: 'File', body: 'x' },
    ])
    await expect(scanPayload(file)).rejects.toMatchObject({
      code: 'E_PAYLOAD_UNSAFE',
      message: expect.stringContaining("payload's own symlink tools/s1"),
    })
  })

  it('refuses a payload that expands past the limit (decompression bomb), and --max-ratio raises it', async () => {
    const file = tarFile([{ path: 'tools/zeros', type: 'File', body: '\0'.repeat(2 * 1024 * 1024) }])
    await expect(scanPayload(file)).rejects.toMatchObject({ code: 'E_PAYLOAD_BOMB' })
    await expect(scanPayload(file, { maxRatio: 100_000 })).resolves.toMatchObject({
      entries: [{ rel: 'tools' }, { rel: 'tools/zeros', size: 2 * 1024 * 1024 }],
    })
  })

  it('refuses a file listed twice (what was digested would not be what lands)', async () => {
    const file = tarFile([
      { path: 'tools/a', type: 'File', body: 'one' },
      { path: './tools/a', type: 'File', body: 'two' },
    ])
    await expect(scanPayload(file)).rejects.toMatchObject({ code: 'E_PAYLOAD_UNSAFE' })
  })

  it('reports a truncated archive as corrupt', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'package.tar.gz')
    const bytes = rawTar([{ path: 'tools/a', type: 'File', body: 'x'.repeat(100_000) }])
    writeFileSync(file, bytes.subarray(0, bytes.length >> 1))
    await expect(scanPayload(file)).rejects.toMatchObject({ code: 'E_PAYLOAD_CORRUPT' })
  })
})
