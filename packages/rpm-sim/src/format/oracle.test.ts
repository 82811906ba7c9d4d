// Oracle tests: Debian's rpm and rpmbuild say what a package holds; our reader, writer and CLI must agree.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildWithRpmbuild, hasRpm, hasRpmbuild, rpm, tempDir, warnSkip } from '../_test-rpmbuild.js'
import type { CliRun } from '../_test-cli.js'
import { runCli } from '../_test-cli.js'
import { readRpm, readRpmPayload } from './reader.js'
import { writeRpm } from './writer.js'

if (!hasRpm) warnSkip('rpm not installed: oracle tests against real rpm do not run')
if (!hasRpmbuild) warnSkip('rpmbuild not installed: packages built by rpmbuild are not read')

const { dir, cleanup } = tempDir()
afterAll(cleanup)
const PAYLOADS = { gzip: 'w9.gzdio', xz: 'w6.xzdio', zstd: 'w19.zstdio' } as const
const BUILT_CLI = new URL('../../dist/cli.js', import.meta.url).pathname
if (!existsSync(BUILT_CLI)) warnSkip('dist/cli.js not built: the built CLI is not compared with rpm')
const built: Partial<Record<keyof typeof PAYLOADS, string>> = {}

beforeAll(() => {
  if (!hasRpmbuild) return
  for (const [name, payload] of Object.entries(PAYLOADS))
    built[name as keyof typeof PAYLOADS] = buildWithRpmbuild(dir, payload)
})

const QF =
  '[%{FILENAMES}\\t%{FILESIZES}\\t%{FILEMODES}\\t%{FILEDIGESTS}\\t%{FILEFLAGS}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{FILEMTIMES}\\t%{FILELINKTOS}\\t%{FILEINODES}\\n]'

const cli = (argv: string[]): Promise<CliRun> => runCli(dir, argv, { ...process.env, TZ: 'UTC' })

describe.skipIf(!hasRpmbuild || !hasRpm)('packages built by rpmbuild read as rpm reads them', () => {
  for (const compressor of Object.keys(PAYLOADS) as (keyof typeof PAYLOADS)[]) {
    it(`${compressor} payload: header fields and file list`, async () => {
      const file = built[compressor] ?? ''
      const pkg = await readRpm(file)
      expect(pkg.payloadCompressor).toBe(compressor)
      const nevra = rpm([
        '-qp',
        '--queryformat',
        '%{NAME}|%{EPOCH}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SUMMARY}|%{LICENSE}|%{LONGSIZE}|%{BUILDTIME}',
        file,
      ])
      expect(nevra).toBe(
        [
          pkg.name,
          pkg.epoch,
          pkg.version,
          pkg.release,
          pkg.arch,
          pkg.summary,
          pkg.license,
          pkg.installedSize,
          pkg.buildTime,
        ].join('|'),
      )
      const ours = pkg.files
        .map((f) =>
          [
            f.path,
            f.size,
            f.mode,
            f.digest,
            f.flags.config ? 1 : 0,
            f.user,
            f.group,
            f.mtime,
            f.linkTarget,
            f.inode,
          ].join('\t'),
        )
        .join('\n')
      const theirs = rpm(['-qp', '--queryformat', QF, file])
        .trim()
        .split('\n')
        .map((line) => {
          const cols = line.split('\t')
          cols[4] = String(Number(cols[4]) & 1)
          return cols.join('\t')
        })
      expect(ours).toBe(theirs.join('\n'))
      expect(pkg.files.find((f) => f.path === '/etc/fx/b.conf')?.flags).toMatchObject({ config: true, noreplace: true })
      expect(pkg.files.find((f) => f.path === '/etc/fx/run.log')?.flags.ghost).toBe(true)
      expect(pkg.files.find((f) => f.path === '/usr/share/doc/fx/README')?.flags.doc).toBe(true)
      expect(pkg.scripts.pre).toEqual({ interpreter: ['/bin/sh'], body: 'echo pre $1' })
      expect(pkg.triggers[0]).toMatchObject({ kind: 'triggerin', name: 'bash', version: '4' })
      const deps = (tag: string): string => rpm(['-qp', `--${tag}`, file]).trim()
      const show = (d: { name: string; flags: number; version: string }): string =>
        d.version ? `${d.name} ${['', '<', '>', '', '=', '<=', '>=', ''][(d.flags >> 1) & 7]} ${d.version}` : d.name
      expect(pkg.provides.map(show).join('\n')).toBe(deps('provides'))
      expect(pkg.obsoletes.map(show).join('\n')).toBe(deps('obsoletes'))
    })

    it(`${compressor} payload: entries and digests match the header`, async () => {
      const file = built[compressor] ?? ''
      const pkg = await readRpm(file)
      const listed = execFileSync('sh', ['-c', `rpm2cpio '${file}' | cpio -t --quiet`], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((n) => n.replace(/^\./, ''))
      const seen: string[] = []
      for await (const entry of readRpmPayload(file)) {
        seen.push(entry.path)
        const hash = createHash('sha256')
        for await (const chunk of entry.body) hash.update(chunk as Buffer)
        const meta = pkg.files[entry.fileIndex]
        if (meta?.kind === 'file' && entry.size > 0) expect(hash.digest('hex'), entry.path).toBe(meta.digest)
      }
      expect(seen).toEqual(listed)
    })
  }

  it('-qp, -qpl, -qpi and rpmpopt’s file lists print what rpm prints (in-process and the built CLI)', async () => {
    const modes = [['-qp'], ['-qpl'], ['-qpi'], ['-qp', '--filesbypkg'], ['-qp', '--filecolor'], ['-qp', '--filecaps']]
    for (const file of Object.values(built)) {
      for (const mode of modes) {
        const expected = rpm([...mode, file])
        const ours = await cli([...mode, file])
        expect(ours.code).toBe(0)
        expect(ours.out).toBe(expected)
        if (existsSync(BUILT_CLI))
          expect(execFileSync('node', [BUILT_CLI, ...mode, file], { encoding: 'utf8' })).toBe(expected)
      }
    }
  })
})

// What rpm shows of tags rpm-sim does not keep: one value per file it has no field for (FILECLASS, FILEINODES, ...,
// FILEPROVIDE and FILEREQUIRE made from them), the header's immutable region, and the database's instance number. The
// install's own time and transaction differ between any two installs.
const TAGS_NOT_KEPT = [
  'CLASSDICT',
  'DBINSTANCE',
  'FILECLASS',
  'FILEDEVICES',
  'FILEINODES',
  'FILEPROVIDE',
  'FILEREQUIRE',
]
const TAGS_NOT_COMPARED = [...TAGS_NOT_KEPT, 'HEADERIMMUTABLE', 'INSTALLTIME', 'INSTALLTID']

describe.skipIf(!hasRpmbuild || !hasRpm)('every tag rpm 4.18 knows, by --queryformat', () => {
  it('-qp and, once installed, -q show each tag as rpm does (the rest: rpm-sim knows the name)', async () => {
    const file = built.gzip as string
    const tags = rpm(['--querytags'])
      .split('\n')
      .filter((t) => t !== '')
    expect(tags.length).toBeGreaterThan(200)
    // --querytags lists the same names
    expect((await cli(['--querytags'])).out).toBe(rpm(['--querytags']))
    // one format: a line per tag, each value of an array tag followed by `|`
    const qf = tags.map((t) => `${t}=[%{${t}}|]\\n`).join('')
    const lines = (out: string) => out.split('\n').filter((l) => !TAGS_NOT_COMPARED.includes(l.split('=')[0] as string))
    const ours = await cli(['-qp', '--qf', qf, file])
    expect(ours.err).toBe('')
    expect(lines(ours.out)).toEqual(lines(rpm(['-qp', '--qf', qf, file])))
    const theirs = tempDir('rpm-sim-tags-')
    try {
      rpm(['-i', '--root', theirs.dir, '--nodeps', '--noscripts', '--justdb', file])
      expect(
        (await cli(['--root', join(dir, 'tags-root'), '-i', '--nodeps', '--noscripts', '--justdb', file])).code,
      ).toBe(0)
      const name = rpm(['-qp', '--qf', '%{NAME}', file])
      const installed = await cli(['--root', join(dir, 'tags-root'), '-q', '--qf', qf, name])
      expect(installed.err).toBe('')
      expect(lines(installed.out)).toEqual(lines(rpm(['--root', theirs.dir, '-q', '--qf', qf, name])))
      // what rpm-sim leaves out shows as absent, not as an unknown tag
      const absent = await cli(['-qp', '--qf', '%{FILEINODES} %{HEADERIMMUTABLE}', file])
      expect(absent.out).toBe('(none) (none)')
    } finally {
      theirs.cleanup()
    }
  })
})

describe.skipIf(!hasRpm)('packages our writer makes are accepted by real rpm', () => {
  it.each(['gzip', 'xz', 'zstd', 'none'] as const)(
    '%s: rpm -K, -qpl, -qpi agree; rpm -i --root installs; rpm -V is clean',
    async (compressor) => {
      const file = join(dir, `ours-${compressor}.rpm`)
      await writeRpm(
        {
          name: 'ours',
          version: '2.0',
          release: '3.el7',
          epoch: 1,
          arch: 'noarch',
          summary: 'ours',
          description: 'written by writeRpm',
          license: 'MIT',
          compressor,
          compressionLevel: compressor === 'zstd' ? 3 : undefined,
          buildTime: 1700000000,
          files: [
            { path: '/etc/ours', kind: 'dir' },
            { path: '/etc/ours/a.conf', kind: 'file', content: 'a=1\n', flags: { config: true } },
            {
              path: '/etc/ours/b.conf',
              kind: 'file',
              content: 'b=1\n',
              flags: { config: true, noreplace: true },
              mode: 0o600,
            },
            { path: '/etc/ours/run.log', kind: 'file', flags: { ghost: true } },
            { path: '/opt/ours/bin/tool', kind: 'file', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
            { path: '/opt/ours/bin/link', kind: 'symlink', linkTarget: 'tool' },
            { path: '/opt/ours/empty', kind: 'file', content: '' },
            { path: '/opt/ours/deep/a/b/c/d/e/f/g', kind: 'file', content: Buffer.alloc(70000, 7) },
            { path: '/usr/share/doc/ours/README', kind: 'file', content: 'doc\n', flags: { doc: true } },
          ],
          scripts: { pre: { body: 'echo pre' } },
          provides: [{ name: 'ours-api', version: '1' }],
        },
        file,
      )
      expect(rpm(['-K', '--nosignature', file])).toContain('digests OK')
      const pkg = await readRpm(file)
      expect(rpm(['-qpl', file])).toBe(pkg.files.map((f) => `${f.path}\n`).join(''))
      expect((await cli(['-qpi', file])).out).toBe(rpm(['-qpi', file]))
      const root = tempDir('rpm-sim-root-')
      try {
        rpm(['-i', '--root', root.dir, '--nodeps', '--noscripts', file])
        expect(rpm(['-V', '--nodeps', '--root', root.dir, 'ours'])).toBe('')
        expect(rpm(['-q', '--root', root.dir, 'ours'])).toBe('ours-2.0-3.el7.noarch\n')
      } finally {
        root.cleanup()
      }
    },
  )
})

describe.skipIf(!hasRpm)('file triggers our writer makes (a repackaged package keeps them)', () => {
  it('rpm -qp --filetriggers and the FILETRIGGER tags read them as written; our reader reads them back', async () => {
    const file = join(dir, 'filetriggers.rpm')
    const fileTriggers = [
      { kind: 'filetriggerin', prefixes: ['/usr/lib64', '/usr/lib'], body: 'ldconfig' },
      { kind: 'filetriggerun', prefixes: ['/usr/lib'], priority: 20000, body: 'cat' },
      { kind: 'transfiletriggerpostun', prefixes: ['/opt'], interpreter: '/bin/bash -e', body: 'true' },
    ] as const
    await writeRpm(
      {
        name: 'ft',
        version: '1',
        release: '1',
        arch: 'noarch',
        summary: 'ft',
        description: 'ft',
        license: 'MIT',
        files: [],
        fileTriggers: fileTriggers.map((t) => ({ ...t, prefixes: [...t.prefixes] })),
      },
      file,
    )
    for (const argv of [
      ['--filetriggers'],
      ['--qf', '[%{FILETRIGGERNAME} %{FILETRIGGERFLAGS} %{FILETRIGGERINDEX}\\n][%{FILETRIGGERPRIORITIES}\\n]'],
      ['--qf', '[%{TRANSFILETRIGGERCONDS} %{TRANSFILETRIGGERTYPE} %{TRANSFILETRIGGERSCRIPTPROG}\\n]'],
    ]) {
      expect((await cli(['-qp', ...argv, file])).out).toBe(rpm(['-qp', ...argv, file]))
    }
    expect(rpm(['-qp', '--filetriggers', file])).toContain('filetriggerun scriptlet (using /bin/sh) -- /usr/lib\ncat')
    expect((await readRpm(file)).fileTriggers).toEqual(
      fileTriggers.map((t) => ({
        kind: t.kind,
        // the header keeps the conditions sorted, as rpmbuild writes them
        prefixes: [...t.prefixes].sort(),
        priority: 'priority' in t ? t.priority : 1_000_000,
        script: { interpreter: ('interpreter' in t ? t.interpreter : '/bin/sh').split(' '), body: t.body },
      })),
    )
  })
})

describe('rpm-sim CLI errors', () => {
  it('names the file and exits 1 for a file that is not a package', async () => {
    writeFileSync(join(dir, 'notes.rpm'), 'plain text, not a package\n'.repeat(20))
    const result = await cli(['-qp', 'notes.rpm'])
    expect(result.code).toBe(1)
    expect(result.err).toMatch(/^error: notes\.rpm: lead magic: .*not an rpm package/)
  })

  it('exits 1 with a usage message for no mode', async () => {
    const result = await cli([])
    expect(result.code).toBe(1)
    expect(result.err).toMatch(/^rpm-sim: /)
  })
})
