import { createHash } from 'node:crypto'
import { createWriteStream, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { hasRpm, rpm, tempDir, warnSkip } from '../_test-rpmbuild.js'
import type { RpmFileFlags } from './package.js'
import { readRpm, readRpmPayload } from './reader.js'
import { writeRpm } from './writer.js'
import type { RpmSpec, RpmSpecFile } from './spec.js'

const { dir, cleanup } = tempDir()
afterAll(cleanup)
const sha = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex')

async function payload(file: string): Promise<Map<string, { mode: number; sha: string; linkTarget: string }>> {
  const out = new Map<string, { mode: number; sha: string; linkTarget: string }>()
  for await (const entry of readRpmPayload(file)) {
    const hash = createHash('sha256')
    for await (const chunk of entry.body) hash.update(chunk as Buffer)
    out.set(entry.path, { mode: entry.mode, sha: hash.digest('hex'), linkTarget: entry.linkTarget })
  }
  return out
}

const FLAGS: (keyof RpmFileFlags)[] = ['config', 'noreplace', 'ghost', 'doc', 'missingok', 'license', 'readme']
const segment = fc.stringMatching(/^[a-zA-Z0-9_.+-]{1,12}$/).filter((s) => s !== '.' && s !== '..')
const fileArb: fc.Arbitrary<RpmSpecFile> = fc.oneof(
  fc
    .record({
      path: fc.array(segment, { minLength: 1, maxLength: 8 }),
      content: fc.oneof(fc.string(), fc.uint8Array({ maxLength: 3000 })),
      mode: fc.integer({ min: 0, max: 0o7777 }),
      flag: fc.option(fc.constantFrom(...FLAGS)),
    })
    .map(({ path, content, mode, flag }) => ({
      path: `/${path.join('/')}`,
      kind: 'file' as const,
      content,
      mode,
      ...(flag ? { flags: { [flag]: true } } : {}),
    })),
  fc
    .record({
      path: fc.array(segment, { minLength: 1, maxLength: 5 }),
      target: fc.array(segment, { minLength: 1, maxLength: 4 }),
    })
    .map(({ path, target }) => ({
      path: `/${path.join('/')}`,
      kind: 'symlink' as const,
      linkTarget: target.join('/'),
    })),
  fc
    .array(segment, { minLength: 1, maxLength: 6 })
    .map((path) => ({ path: `/${path.join('/')}`, kind: 'dir' as const })),
)

describe('writeRpm round trip', () => {
  it('reads back what it wrote, over generated packages', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fileArb, { maxLength: 40, selector: (f) => f.path }),
        fc.constantFrom('gzip', 'none', 'xz', 'zstd'),
        async (files, compressor) => {
          const file = join(dir, `gen-${n++}.rpm`)
          const spec: RpmSpec = {
            name: 'gen',
            version: '1.0',
            release: '1',
            arch: 'x86_64',
            compressor,
            compressionLevel: compressor === 'zstd' ? 3 : compressor === 'xz' ? 1 : 6,
            files,
          }
          await writeRpm(spec, file)
          const pkg = await readRpm(file)
          const body = await payload(file)
          expect(pkg.files.map((f) => f.path)).toEqual(
            files.map((f) => f.path).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
          )
          for (const f of files) {
            const entry = pkg.files.find((e) => e.path === f.path)
            expect(entry?.kind).toBe(f.kind)
            for (const flag of FLAGS) expect(entry?.flags[flag], flag).toBe(f.flags?.[flag] === true)
            const ghost = f.flags?.ghost === true
            expect(body.has(f.path)).toBe(!ghost)
            if (f.kind === 'file' && !ghost) {
              const digest = sha(
                typeof f.content === 'string' ? Buffer.from(f.content) : (f.content ?? new Uint8Array()),
              )
              expect(entry?.digest).toBe(digest)
              expect(body.get(f.path)?.sha).toBe(digest)
              expect((entry?.mode ?? 0) & 0o7777).toBe(f.mode)
            }
            if (f.kind === 'symlink') {
              expect(entry?.linkTarget).toBe(f.linkTarget)
              expect(body.get(f.path)?.linkTarget).toBe(f.linkTarget)
            }
          }
        },
      ),
      { numRuns: 12 },
    )
  })

  it('writes the metadata, dependencies, scriptlets and triggers it is given', async () => {
    const file = join(dir, 'meta.rpm')
    await writeRpm(
      {
        name: 'aio',
        version: '5.7.1.0',
        release: '1_1.el7',
        epoch: 2,
        arch: 'x86_64',
        summary: 'AIO',
        description: 'All in one',
        license: 'Commercial',
        vendor: 'Acme',
        url: 'http://acme',
        buildTime: 1700000000,
        buildHost: 'builder',
        files: [
          {
            path: '/etc/aio/aio.conf',
            kind: 'file',
            content: 'a=1\n',
            user: 'aio',
            group: 'aio',
            mtime: 1600000000,
            flags: { config: true, noreplace: true },
          },
        ],
        scripts: {
          pre: { body: 'echo pre $1' },
          post: { interpreter: '/usr/bin/lua -x', body: 'print(1)' },
          posttrans: { body: 'true' },
        },
        triggers: [{ kind: 'triggerun', name: 'other', sense: '<', version: '2', body: 'echo t $1 $2' }],
        provides: [{ name: 'aio-api', version: '3' }],
        requires: [{ name: 'bash', sense: '>=', version: '4.2' }],
        obsoletes: [{ name: 'aio-old', sense: '<', version: '5' }],
        conflicts: [{ name: 'aio-bad' }],
        orders: [{ name: 'aio-db', sense: '=', version: '1' }],
        recommends: [{ name: 'aio-tools', sense: '>=', version: '2' }],
        suggests: [{ name: 'aio-docs' }],
        supplements: [{ name: 'aio-server' }],
        enhances: [{ name: 'aio-web', sense: '<', version: '3' }],
      },
      file,
    )
    const pkg = await readRpm(file)
    expect(pkg).toMatchObject({
      name: 'aio',
      epoch: 2,
      version: '5.7.1.0',
      release: '1_1.el7',
      arch: 'x86_64',
      os: 'linux',
      summary: 'AIO',
      description: 'All in one',
      license: 'Commercial',
      vendor: 'Acme',
      url: 'http://acme',
      buildTime: 1700000000,
      buildHost: 'builder',
      installedSize: 4,
      fileDigestAlgo: 'sha256',
      payloadCompressor: 'gzip',
      payloadFormat: 'cpio',
    })
    expect(pkg.files[0]).toMatchObject({
      path: '/etc/aio/aio.conf',
      user: 'aio',
      group: 'aio',
      mtime: 1600000000,
      mode: 0o100644,
    })
    expect(pkg.scripts).toEqual({
      pre: { interpreter: ['/bin/sh'], body: 'echo pre $1' },
      post: { interpreter: ['/usr/bin/lua', '-x'], body: 'print(1)' },
      posttrans: { interpreter: ['/bin/sh'], body: 'true' },
    })
    expect(pkg.triggers).toEqual([
      {
        kind: 'triggerun',
        name: 'other',
        flags: (1 << 17) | 2,
        version: '2',
        script: { interpreter: ['/bin/sh'], body: 'echo t $1 $2' },
        index: 0,
      },
    ])
    expect(pkg.provides.map((d) => d.name)).toEqual(['aio-api', 'aio', 'aio(x86-64)', 'config(aio)'])
    expect(pkg.provides[1]).toEqual({ name: 'aio', flags: 8, version: '2:5.7.1.0-1_1.el7' })
    expect(pkg.requires[0]).toEqual({ name: 'bash', flags: 12, version: '4.2' })
    expect(pkg.obsoletes).toEqual([{ name: 'aio-old', flags: 2, version: '5' }])
    expect(pkg.conflicts).toEqual([{ name: 'aio-bad', flags: 0, version: '' }])
    expect(pkg.orders).toEqual([{ name: 'aio-db', flags: 8, version: '1' }])
    expect(pkg.recommends).toEqual([{ name: 'aio-tools', flags: 12, version: '2' }])
    expect(pkg.suggests).toEqual([{ name: 'aio-docs', flags: 0, version: '' }])
    expect(pkg.supplements).toEqual([{ name: 'aio-server', flags: 0, version: '' }])
    expect(pkg.enhances).toEqual([{ name: 'aio-web', flags: 2, version: '3' }])
    expect(pkg.payloadDigest).toMatch(/^[0-9a-f]{64}$/)
    // Real rpm reads the weak dependencies and the order ones as written.
    if (!hasRpm) return warnSkip('rpm not installed: the weak dependencies are not read back with rpm')
    expect(rpm(['-qp', '--recommends', '--suggests', '--supplements', '--enhances', file])).toBe(
      'aio-tools >= 2\naio-docs\naio-server\naio-web < 3\n',
    )
    expect(rpm(['-qp', '--qf', '[%{ORDERNAME} %{ORDERFLAGS:depflags} %{ORDERVERSION}\n]', file])).toBe('aio-db = 1\n')
  })

  it('writes file colors and the file-to-dependency dictionary that make a multilib package, as rpm reads them', async () => {
    const spec: RpmSpec = {
      name: 'lib64',
      version: '1',
      release: '1',
      arch: 'x86_64',
      files: [
        { path: '/usr/lib64/libx.so.1', kind: 'file', content: 'elf', color: 2 },
        { path: '/usr/share/doc/x', kind: 'file', content: 'doc' },
      ],
      provides: [{ name: 'libx.so.1()(64bit)', file: '/usr/lib64/libx.so.1' }],
      requires: [{ name: 'libc.so.6()(64bit)', file: '/usr/lib64/libx.so.1' }, { name: 'bash' }],
    }
    const { path } = await writeRpm(spec, join(dir, 'colors.rpm'))
    const pkg = await readRpm(path)
    expect(pkg.files.map((f) => f.color)).toEqual([2, 0])
    expect(pkg.elementColor).toBe(2)
    // Without a linked dependency the package has no element color, whatever its files' colors.
    const unlinked = await writeRpm(
      { ...spec, provides: [{ name: 'libx.so.1()(64bit)' }], requires: [] },
      join(dir, 'unlinked.rpm'),
    )
    expect((await readRpm(unlinked.path)).elementColor).toBe(0)
    if (!hasRpm) return warnSkip('rpm is not installed: the colors are not checked against rpm -qp')
    expect(rpm(['-qp', '--qf', '%{headercolor} [%{filecolors} ]', path])).toBe('2 2 0 ')
    expect(rpm(['-qp', '--fileprovide', path])).toBe('/usr/lib64/libx.so.1\tlibx.so.1()(64bit)\n/usr/share/doc/x\t\n')
    expect(rpm(['-qp', '--filerequire', path])).toBe('/usr/lib64/libx.so.1\tlibc.so.6()(64bit)\n/usr/share/doc/x\t\n')
  })

  it('is deterministic for the same input', async () => {
    const spec: RpmSpec = {
      name: 'det',
      version: '1',
      release: '1',
      arch: 'noarch',
      compressor: 'xz',
      files: [
        { path: '/a', kind: 'file', content: 'same' },
        { path: '/b', kind: 'symlink', linkTarget: 'a' },
      ],
    }
    const one = await writeRpm(spec, join(dir, 'det1.rpm'))
    const two = await writeRpm(spec, join(dir, 'det2.rpm'))
    expect(sha(readFileSync(one.path))).toBe(sha(readFileSync(two.path)))
    expect(one.size).toBe(readFileSync(join(dir, 'det1.rpm')).length)
    // Uncompressed payloads take the one-write path: deterministic too, and the same package as read back.
    const stored = { ...spec, compressor: 'none' as const }
    const three = await writeRpm(stored, join(dir, 'det3.rpm'))
    const four = await writeRpm(stored, join(dir, 'det4.rpm'))
    expect(sha(readFileSync(three.path))).toBe(sha(readFileSync(four.path)))
    expect(three.size).toBe(readFileSync(three.path).length)
  })

  it('streams a large source file and reads it back', async () => {
    const source = join(dir, 'large.bin')
    const hash = createHash('sha256')
    const out = createWriteStream(source)
    for (let i = 0; i < 40; i++) {
      const chunk = Buffer.alloc(1 << 20, i % 7)
      chunk.writeUInt32BE(i, 0)
      hash.update(chunk)
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
    }
    await new Promise<void>((resolve) => out.end(() => resolve()))
    const digest = hash.digest('hex')
    const file = join(dir, 'large.rpm')
    await writeRpm(
      {
        name: 'large',
        version: '1',
        release: '1',
        arch: 'noarch',
        files: [{ path: '/opt/large.bin', kind: 'file', source }],
      },
      file,
    )
    const pkg = await readRpm(file)
    expect(pkg.files[0]).toMatchObject({ size: 40 << 20, digest })
    expect((await payload(file)).get('/opt/large.bin')?.sha).toBe(digest)
  })

  it('refuses paths with .., relative paths and duplicates', async () => {
    for (const files of [
      [{ path: '/etc/../x', kind: 'file' as const }],
      [{ path: 'etc/x', kind: 'file' as const }],
      [
        { path: '/x', kind: 'dir' as const },
        { path: '/x', kind: 'dir' as const },
      ],
    ]) {
      await expect(
        writeRpm({ name: 'bad', version: '1', release: '1', arch: 'noarch', files }, join(dir, 'bad.rpm')),
      ).rejects.toMatchObject({ code: expect.stringMatching(/^E_(RPM_FORMAT|CPIO_UNSAFE)$/) })
    }
  })
})
