import { execFileSync } from 'node:child_process'
import { chmodSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { CliRun } from '../_test-cli.js'
import { runCli } from '../_test-cli.js'
import { formatCDate } from '../query/_format.js'
import { conf, exists, file, pkg, read, tempWorld } from '../_test-rpm.js'
import { hasRpm } from '../_test-rpmbuild.js'

let cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})

const cli = (cwd: string, ...argv: string[]): Promise<CliRun> => runCli(cwd, argv)

describe('rpm-sim CLI: transactions and queries', () => {
  it('-Uvh, -q, -qa, -ql, -qc, -qi, -V, -e, with rpm’s messages and exit codes', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    await pkg(w.dir, {
      name: 'tool',
      version: '1.0',
      files: [
        conf('/etc/tool.conf', 'a\n'),
        file('/usr/bin/tool', 'bin', { mode: 0o755 }),
        file('/usr/share/doc/tool/README', 'doc', { flags: { doc: true } }),
      ],
    })
    await pkg(w.dir, {
      name: 'tool',
      version: '2.0',
      files: [conf('/etc/tool.conf', 'b\n'), file('/usr/bin/tool', 'bin2', { mode: 0o755 })],
    })
    const r = ['--root', 'root', '--dbpath', '/var/lib/rpm']
    const i = await cli(w.dir, ...r, '-ivh', '--nodeps', 'tool-1.0-1.noarch.rpm')
    expect(i).toMatchObject({ code: 0, err: '' })
    expect(i.out.split('\n')).toContain(`${'tool-1.0-1'.padEnd(38)}${'#'.repeat(40)}`)
    expect(await cli(w.dir, ...r, '-q', 'tool')).toEqual({ code: 0, out: 'tool-1.0-1.noarch\n', err: '' })
    expect(await cli(w.dir, ...r, '-q', 'nope')).toEqual({ code: 1, out: 'package nope is not installed\n', err: '' })
    expect((await cli(w.dir, ...r, '-ql', 'tool')).out).toBe(
      '/etc/tool.conf\n/usr/bin/tool\n/usr/share/doc/tool/README\n',
    )
    expect((await cli(w.dir, ...r, '-qc', 'tool')).out).toBe('/etc/tool.conf\n')
    expect((await cli(w.dir, ...r, '-qi', 'tool')).out).toMatch(
      /^Name {8}: tool\nVersion {5}: 1\.0\nRelease {5}: 1\nArchitecture: noarch\n/,
    )
    writeFileSync(join(w.root, 'etc/tool.conf'), 'mine\n')
    expect(await cli(w.dir, ...r, '-V', 'tool')).toEqual({ code: 1, out: 'S.5....T.  c /etc/tool.conf\n', err: '' })
    const same = await cli(w.dir, ...r, '-i', 'tool-1.0-1.noarch.rpm')
    expect(same).toEqual({ code: 1, out: '', err: '\tpackage tool-1.0-1.noarch is already installed\n' })
    const up = await cli(w.dir, ...r, '-U', '--repackage', 'tool-2.0-1.noarch.rpm')
    expect(up).toEqual({ code: 0, out: '', err: 'warning: /etc/tool.conf saved as /etc/tool.conf.rpmsave\n' })
    expect(exists(w.root, 'usr/share/doc/tool/README')).toBe(false)
    expect((await cli(w.dir, ...r, '-qa')).out).toBe('tool-2.0-1.noarch\n')
    const hist = await cli(w.dir, ...r, '--history')
    expect(hist.out.split('\n').filter(Boolean)).toHaveLength(2)
    expect(hist.out).toMatch(/upgrade +\+tool-2\.0-1\.noarch -tool-1\.0-1\.noarch/)
    expect(await cli(w.dir, ...r, '--rollback')).toMatchObject({ code: 0, err: '' })
    expect(read(w.root, 'etc/tool.conf')).toBe('mine\n')
    expect(exists(w.root, 'etc/tool.conf.rpmsave')).toBe(false)
    expect(read(w.root, 'usr/share/doc/tool/README')).toBe('doc')
    expect((await cli(w.dir, ...r, '-qa')).out).toBe('tool-1.0-1.noarch\n')
    expect(await cli(w.dir, ...r, '-e', 'nope')).toEqual({
      code: 1,
      out: '',
      err: 'error: package nope is not installed\n',
    })
    expect(await cli(w.dir, ...r, '-e', 'tool')).toEqual({
      code: 0,
      out: '',
      err: 'warning: /etc/tool.conf saved as /etc/tool.conf.rpmsave\n',
    })
    expect((await cli(w.dir, ...r, '-qa')).out).toBe('')
    expect(await cli(w.dir, ...r, '-U', '--bogus', 'x.rpm')).toEqual({
      code: 1,
      out: '',
      err: 'rpm-sim: --bogus: unknown option\n',
    })
    // an empty root (an unset variable's) would name the working folder: refused, in rpm's words
    expect(await cli(w.dir, '--root', '', '-qa')).toEqual({
      code: 1,
      out: '',
      err: 'rpm-sim: arguments to --root (-r) must begin with a /\n',
    })
    // rpm --initdb makes the database (its folder here), --rebuilddb reads every record, --version is rpm's
    const fresh = join(w.dir, 'fresh-root')
    expect(await cli(w.dir, '--root', fresh, '--initdb')).toEqual({ code: 0, out: '', err: '' })
    expect(readdirSync(join(fresh, 'var/lib/rpm-sim'))).toEqual(['packages'])
    expect(await cli(w.dir, '--root', fresh, '--rebuilddb')).toEqual({ code: 0, out: '', err: '' })
    expect(await cli(w.dir, '--version')).toEqual({ code: 0, out: 'RPM version 4.18.0\n', err: '' })
    // in every mode: a query with an option rpm-sim does not have (rpm's --xml, or none at all) prints nothing else
    for (const option of ['--xml', '--yaml', '--fileclass'])
      expect(await cli(w.dir, ...r, '-qa', option)).toEqual({
        code: 1,
        out: '',
        err: `rpm-sim: ${option}: unknown option\n`,
      })
    expect(await cli(w.dir, ...r, '-U', '--excludepath=usr/share', 'x.rpm')).toEqual({
      code: 1,
      out: '',
      err: 'rpm-sim: exclude paths must begin with a /\n',
    })
    expect(await cli(w.dir, ...r, '-U', 'x.rpm')).toEqual({
      code: 1,
      out: '',
      err: 'error: open of x.rpm failed: No such file or directory\n',
    })
  })

  it('--test changes nothing, --justdb only the database, --excludedocs leaves docs out', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    await pkg(w.dir, {
      name: 'd',
      version: '1',
      files: [file('/usr/bin/d', 'd'), file('/usr/share/doc/d/README', 'doc', { flags: { doc: true } })],
    })
    const r = ['--root', 'root']
    expect(await cli(w.dir, ...r, '-i', '--test', 'd-1-1.noarch.rpm')).toEqual({ code: 0, out: '', err: '' })
    expect(exists(w.root, 'usr/bin/d')).toBe(false)
    expect((await cli(w.dir, ...r, '-qa')).out).toBe('')
    expect((await cli(w.dir, ...r, '-i', '--justdb', 'd-1-1.noarch.rpm')).code).toBe(0)
    expect(exists(w.root, 'usr/bin/d')).toBe(false)
    expect((await cli(w.dir, ...r, '-qa')).out).toBe('d-1-1.noarch\n')
    expect((await cli(w.dir, ...r, '-e', '--justdb', 'd')).code).toBe(0)
    expect((await cli(w.dir, ...r, '-i', '--excludedocs', 'd-1-1.noarch.rpm')).code).toBe(0)
    expect(read(w.root, 'usr/bin/d')).toBe('d')
    expect(exists(w.root, 'usr/share/doc/d/README')).toBe(false)
    // A doc file left out is not reported missing: its state is "not installed".
    expect(await cli(w.dir, ...r, '-V', 'd')).toEqual({ code: 0, out: '', err: '' })
  })

  it('-q, -V and -e find a package by the same labels, epoch and arch forms included (as rpm)', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    await pkg(w.dir, { name: 'foo', version: '1.0', release: '2', epoch: 3, files: [file('/opt/foo', 'f')] })
    await pkg(w.dir, { name: 'bar', version: '1.0', release: '2', files: [file('/opt/bar', 'b')] })
    const r = ['--root', 'root']
    expect((await cli(w.dir, ...r, '-i', 'foo-1.0-2.noarch.rpm', 'bar-1.0-2.noarch.rpm')).code).toBe(0)
    const found = ['foo', 'foo-1.0', 'foo-3:1.0', 'foo-1.0-2', 'foo-3:1.0-2', 'foo-1.0-2.noarch', 'foo-3:1.0-2.noarch']
    found.push('foo.noarch', 'foo-1.0.noarch', 'bar-0:1.0', 'bar-0:1.0-2', 'bar-0:1.0-2.noarch')
    for (const label of found) {
      const nvra = label.startsWith('foo') ? 'foo-1.0-2.noarch' : 'bar-1.0-2.noarch'
      expect(await cli(w.dir, ...r, '-q', label), label).toEqual({ code: 0, out: `${nvra}\n`, err: '' })
      expect(await cli(w.dir, ...r, '-V', label), label).toEqual({ code: 0, out: '', err: '' })
      expect(await cli(w.dir, ...r, '-e', '--test', label), label).toEqual({ code: 0, out: '', err: '' })
    }
    for (const label of ['foo-0:1.0-2', 'foo-4:1.0', 'bar-1:1.0-2', 'foo-1.0-2.x86_64', 'foo-1.0-2.noarch.rpm']) {
      const missing = { code: 1, out: `package ${label} is not installed\n`, err: '' }
      expect(await cli(w.dir, ...r, '-q', label), label).toEqual(missing)
      expect(await cli(w.dir, ...r, '-V', label), label).toEqual(missing)
      const e = await cli(w.dir, ...r, '-e', '--test', label)
      expect(e, label).toEqual({ code: 1, out: '', err: `error: package ${label} is not installed\n` })
    }
    // --test erased nothing.
    expect((await cli(w.dir, ...r, '-qa')).out.split('\n').sort()).toEqual(['', 'bar-1.0-2.noarch', 'foo-1.0-2.noarch'])
  })

  it('-qi and -qpi print the same second the same way, in local time as rpm (TZ=Asia/Shanghai)', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    await pkg(w.dir, { name: 'tz', version: '1', files: [file('/opt/tz', 't')], buildTime: 1_700_000_000 })
    const r = ['--root', 'root']
    const tz = process.env.TZ
    process.env.TZ = 'Asia/Shanghai'
    try {
      expect((await cli(w.dir, ...r, '-i', 'tz-1-1.noarch.rpm')).code).toBe(0)
      const built = (out: string): string | undefined => out.split('\n').find((l) => l.startsWith('Build Date'))
      const qi = await cli(w.dir, ...r, '-qi', 'tz')
      const qpi = await cli(w.dir, '-qpi', 'tz-1-1.noarch.rpm')
      // 1700000000 is 22:13:20 UTC on Nov 14 2023: 06:13:20 the next day in Shanghai (UTC+8), as Debian's rpm prints it.
      expect(built(qi.out)).toBe('Build Date  : Wed Nov 15 06:13:20 2023')
      expect(built(qpi.out)).toBe(built(qi.out))
      // One layout: the lines that do not depend on the database are the same for -qi and -qpi.
      const installDate = (out: string): string[] => out.split('\n').filter((l) => !l.startsWith('Install Date'))
      expect(installDate(qi.out)).toEqual(installDate(qpi.out))
      if (hasRpm) {
        const real = execFileSync('rpm', ['-qpi', join(w.dir, 'tz-1-1.noarch.rpm')], {
          encoding: 'utf8',
          env: { ...process.env, LC_ALL: 'C', TZ: 'Asia/Shanghai' },
        })
        expect(built(real)).toBe(built(qpi.out))
      }
    } finally {
      if (tz === undefined) delete process.env.TZ
      else process.env.TZ = tz
    }
  })

  it('-Va walks the database: a package whose release reads as a pattern or an N(EVR) label is still verified', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    const rpm = await pkg(w.dir, { name: 'odd', version: '1.0', release: '1(x)', files: [file('/opt/odd', 'o\n')] })
    const r = ['--root', 'root']
    expect(await cli(w.dir, ...r, '-i', '--nodeps', rpm)).toMatchObject({ code: 0, err: '' })
    writeFileSync(join(w.dir, 'root/opt/odd'), 'changed\n')
    const va = await cli(w.dir, ...r, '-Va')
    expect(va).toEqual({ code: 1, out: 'S.5....T.    /opt/odd\n', err: '' })
    // a filter picks it by name; a filter that picks nothing verifies nothing
    expect(await cli(w.dir, ...r, '-Va', 'od*')).toEqual(va)
    expect(await cli(w.dir, ...r, '-Va', 'other')).toEqual({ code: 0, out: '', err: '' })
  })

  it('--restore puts back modes and mtimes, fails a package whose regular file is gone and keeps its files', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    const rpm = await pkg(w.dir, {
      name: 'rst',
      version: '1.0',
      files: [file('/opt/rst/a', 'a\n', { mode: 0o755 }), file('/opt/rst/b', 'b\n'), file('/opt/rst/c', 'c\n')],
    })
    const r = ['--root', 'root']
    expect(await cli(w.dir, ...r, '-i', rpm)).toMatchObject({ code: 0, err: '' })
    const host = (p: string): string => join(w.dir, 'root', p)
    chmodSync(host('/opt/rst/a'), 0o600)
    utimesSync(host('/opt/rst/c'), 1, 1)
    expect((await cli(w.dir, ...r, '-V', 'rst')).out).toBe('.M.......    /opt/rst/a\n.......T.    /opt/rst/c\n')
    expect(await cli(w.dir, ...r, '--restore', 'rst')).toEqual({ code: 0, out: '', err: '' })
    expect(await cli(w.dir, ...r, '-V', 'rst')).toEqual({ code: 0, out: '', err: '' })
    // b is gone: a is restored (before it), c not (after it); nothing is removed
    chmodSync(host('/opt/rst/a'), 0o600)
    utimesSync(host('/opt/rst/c'), 1, 1)
    rmSync(host('/opt/rst/b'))
    expect(await cli(w.dir, ...r, '--restore', 'rst')).toEqual({
      code: 255,
      out: '',
      err: 'error: rst-1.0-1.noarch: restored failed\n',
    })
    expect((await cli(w.dir, ...r, '-V', 'rst')).out).toBe('missing     /opt/rst/b\n.......T.    /opt/rst/c\n')
    // rpm refuses -h and --test here, and restores nothing when an argument matches no package
    expect(await cli(w.dir, ...r, '--restore', '-h', 'rst')).toMatchObject({ code: 1 })
    expect((await cli(w.dir, ...r, '--restore', '--test', 'rst')).err).toContain('--test may only be specified')
    expect(await cli(w.dir, ...r, '--setugids', 'rst', 'nope')).toEqual({
      code: 1,
      out: 'package nope is not installed\n',
      err: '',
    })
    expect(statSync(host('/opt/rst/c')).mtimeMs).toBe(1000)
  })

  it('-q --tid finds what one transaction installed (decimal or 0x hex), as rpm’s --tid', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    const one = await pkg(w.dir, { name: 'one', version: '1.0', files: [file('/opt/one', '1\n')] })
    const two = await pkg(w.dir, { name: 'two', version: '1.0', files: [file('/opt/two', '2\n')] })
    const r = ['--root', 'root']
    expect(await cli(w.dir, ...r, '-i', '--nodeps', one)).toMatchObject({ code: 0, err: '' })
    expect(await cli(w.dir, ...r, '-i', '--nodeps', two)).toMatchObject({ code: 0, err: '' })
    const tid = (await cli(w.dir, ...r, '-q', '--qf', '%{INSTALLTID}', 'two')).out
    expect(tid).toMatch(/^\d+$/)
    expect(await cli(w.dir, ...r, '-q', '--tid', tid)).toEqual({ code: 0, out: 'two-1.0-1.noarch\n', err: '' })
    const hex = `0x${Number(tid).toString(16)}`
    expect((await cli(w.dir, ...r, '-q', '--tid', hex)).out).toBe('two-1.0-1.noarch\n')
    expect(await cli(w.dir, ...r, '-q', '--tid', '12x', '1')).toEqual({
      code: 2,
      out: 'no package matches tid: 1\n',
      err: 'error: malformed tid: 12x\n',
    })
  })

  it('-qa --last lists the newest install first with its date; a notice sorts last, as through rpm’s sort', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    const older = await pkg(w.dir, { name: 'older', version: '1.0', files: [file('/opt/older', 'o\n')] })
    const newer = await pkg(w.dir, { name: 'newer', version: '2.0', files: [file('/opt/newer', 'n\n')] })
    const r = ['--root', 'root']
    // install times a minute apart, as the clock would give them
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(new Date('2026-03-01T10:00:00Z'))
      expect(await cli(w.dir, ...r, '-i', '--nodeps', older)).toMatchObject({ code: 0, err: '' })
      vi.setSystemTime(new Date('2026-03-01T10:01:00Z'))
      expect(await cli(w.dir, ...r, '-i', '--nodeps', newer)).toMatchObject({ code: 0, err: '' })
    } finally {
      vi.useRealTimers()
    }
    const last = await cli(w.dir, ...r, '-qa', '--last')
    expect(last.code).toBe(0)
    const lines = last.out.split('\n')
    expect(lines.map((l) => l.slice(0, 46))).toEqual([
      `${'newer-2.0-1.noarch'.padEnd(45)} `,
      `${'older-1.0-1.noarch'.padEnd(45)} `,
      '',
    ])
    // rpm's %{INSTALLTIME:date}: that second as strftime's %c in the C locale (the -qi test checks the format)
    expect(lines[0]?.slice(46)).toBe(formatCDate(Date.parse('2026-03-01T10:01:00Z') / 1000))
    expect(lines[0]).toMatch(/ \w{3} Mar {1,2}[12] \d\d:\d\d:00 2026$/)
    const some = await cli(w.dir, ...r, '-q', '--last', 'nope', 'older')
    expect(some.code).toBe(1)
    expect(some.out.split('\n').slice(1)).toEqual(['package nope is not installed', ''])
  })
})
