// The grid of rpm's own tests/rpmconfig*.at (config and noreplace; unmodified, modified, modified-to-new, deleted;
// install over an unowned file; erase; shared files; symlinks; type changes) plus scriptlet order and $1, each run
// with rpm-sim and with Debian's real `rpm --root` on the same packages (built by our writer): the resulting
// trees, the warning lines and the scriptlet logs must match.
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { processIdentity } from '../cli/args.js'
import { runTransaction } from './transaction.js'
import { verifyInstalled } from '../query/verify.js'
import { installedInfo, listInstalled } from '../query/db-query.js'
import { infoLines } from '../query/_format.js'
import type { InstalledPackage } from '../db/db.js'
import type { TransactionFlags, TransactionOp } from './options.js'
import { file, pkg, snapshot, tempWorld } from '../_test-rpm.js'
import { buildWithRpmbuild, hasRpmbuild } from '../_test-rpmbuild.js'
import type { RpmSpecFile } from '../format/spec.js'

const which = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const isRoot = process.getuid?.() === 0
// Real rpm --root chowns and chroots: it needs root, as rpm-sim's scriptlets do.
const hasRpm = which('rpm') && isRoot
if (!isRoot) console.warn('skipping the rpm oracle tests: they need root (rpm --root chowns and chroots)')
const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => spawnSync('test', ['-x', p]).status === 0)
if (isRoot && !which('rpm')) console.warn('skipping the rpm oracle tests: rpm is not installed (apt-get install rpm)')
if (hasRpm && busybox === undefined)
  console.warn('skipping the scriptlet oracle tests: busybox-static is not installed')

const w = tempWorld('rpmsim-oracle-')
afterAll(() => w.done())
let n = 0

type Step =
  | { do: 'rpm'; op: TransactionOp; pkgs: string[]; flags?: TransactionFlags }
  | { do: 'write'; path: string; content: string }
  | { do: 'rm'; path: string }
  | { do: 'symlink'; path: string; target: string }

const RPM_FLAG: Record<string, string> = {
  replacefiles: '--replacefiles',
  replacepkgs: '--replacepkgs',
  oldpackage: '--oldpackage',
  force: '--force',
  noscripts: '--noscripts',
  notriggers: '--notriggers',
}

function prepareRoot(root: string, withShell: boolean): void {
  mkdirSync(join(root, 'var/lib/rpm'), { recursive: true })
  if (withShell && busybox !== undefined) {
    mkdirSync(join(root, 'bin'), { recursive: true })
    copyFileSync(busybox, join(root, 'bin/busybox'))
    for (const c of ['sh', 'echo', 'cat']) symlinkSync('busybox', join(root, 'bin', c))
  }
}

function applyLocal(root: string, s: Step): void {
  const p = join(root, s.do === 'rpm' ? '' : s.path)
  if (s.do === 'write') {
    mkdirSync(join(p, '..'), { recursive: true })
    writeFileSync(p, s.content)
    // An operator's edit is older than nothing we build: a fixed mtime keeps -V's T column from depending on
    // whether the edit fell in the same second as the package's file mtimes (it did, on a loaded machine).
    utimesSync(p, 1_000_000_000, 1_000_000_000)
  } else if (s.do === 'rm') rmSync(p, { force: true, recursive: true })
  else if (s.do === 'symlink') {
    rmSync(p, { force: true })
    symlinkSync(s.target, p)
  }
}

// Runs the steps with real rpm; returns each rpm step's stderr lines (Debian's "use Alien" notes dropped).
function withRealRpm(root: string, steps: Step[]): string[][] {
  const out: string[][] = []
  execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--initdb'])
  for (const s of steps) {
    if (s.do !== 'rpm') {
      applyLocal(root, s)
      continue
    }
    const mode = { install: '-i', upgrade: '-U', freshen: '-F', erase: '-e' }[s.op]
    const flags = Object.keys(s.flags ?? {}).map((k) => RPM_FLAG[k] ?? `--${k}`)
    const r = spawnSync(
      'rpm',
      [
        '--root',
        root,
        '--dbpath',
        '/var/lib/rpm',
        ...(s.op === 'erase' ? [] : ['--nodeps']),
        mode,
        ...flags,
        ...s.pkgs,
      ],
      { encoding: 'utf8' },
    )
    out.push(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('rpm: ')))
  }
  return out
}

async function withSim(root: string, steps: Step[]): Promise<string[][]> {
  const out: string[][] = []
  for (const s of steps) {
    if (s.do !== 'rpm') {
      applyLocal(root, s)
      continue
    }
    const lines: string[] = []
    const r = await runTransaction({
      root,
      op: s.op,
      packages: s.pkgs,
      ...(s.flags ? { flags: s.flags } : {}),
      onWarning: (l) => lines.push(l),
      // As the CLI does: real rpm runs as this process, so rpm-sim is told who that is (as root it chowns).
      identity: processIdentity(),
    })
    out.push([...lines, ...r.problems])
  }
  return out
}

async function bothRoots(steps: Step[], withShell = false) {
  n++
  const simRoot = join(w.dir, `sim-${n}`)
  const rpmRoot = join(w.dir, `rpm-${n}`)
  prepareRoot(simRoot, withShell)
  prepareRoot(rpmRoot, withShell)
  const rpmLines = withRealRpm(rpmRoot, steps)
  const simLines = await withSim(simRoot, steps)
  return { simRoot, rpmRoot, simLines, rpmLines }
}

/** Run `steps` both ways; expect the same trees, the same stderr, and (when present) the same /log. */
async function compare(steps: Step[], withShell = false): Promise<{ lines: string[][]; tree: Record<string, string> }> {
  const { simRoot, rpmRoot, simLines, rpmLines } = await bothRoots(steps, withShell)
  const tree = snapshot(simRoot)
  expect(tree).toEqual(snapshot(rpmRoot))
  expect(simLines).toEqual(rpmLines)
  // rpm -Va over what is installed: content, modes, link targets and mtimes (rpm's FA_TOUCH) must agree.
  const real = spawnSync('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '--nodeps', '-Va'], {
    encoding: 'utf8',
  })
  const ours: string[] = []
  for (const p of await listInstalled(simRoot)) ours.push(...(await verifyInstalled(simRoot, p.nevra)))
  expect(ours.sort()).toEqual(
    real.stdout
      .split('\n')
      .filter((l) => l !== '')
      .sort(),
  )
  return { lines: simLines, tree }
}

const spec = (name: string, version: string, files: RpmSpecFile[], extra: object = {}) =>
  pkg(w.dir, { name, version, files, ...extra })
const cfg = (flags: 'config' | 'noreplace', path: string, content: string, mtime = 1_700_000_000): RpmSpecFile =>
  file(path, content, { mtime, flags: flags === 'config' ? { config: true } : { config: true, noreplace: true } })
const up = (...pkgs: string[]): Step => ({ do: 'rpm', op: 'upgrade', pkgs })
const ins = (...pkgs: string[]): Step => ({ do: 'rpm', op: 'install', pkgs })
const erase = (...pkgs: string[]): Step => ({ do: 'rpm', op: 'erase', pkgs })
const write = (path: string, content: string): Step => ({ do: 'write', path, content })

describe.skipIf(!hasRpm)('rpm-sim against real rpm: rpmconfig grid', () => {
  for (const kind of ['config', 'noreplace'] as const) {
    describe(`%${kind === 'config' ? 'config' : 'config(noreplace)'}`, () => {
      let same1 = ''
      let same2 = ''
      let diff2 = ''
      beforeAll(async () => {
        same1 = await spec(`c-${kind}`, '1.0', [cfg(kind, '/etc/my.conf', 'foo\n')])
        // Later versions carry later mtimes, so -Va tells whether an untouched file got the new metadata.
        same2 = await spec(`c-${kind}`, '2.0', [cfg(kind, '/etc/my.conf', 'foo\n', 1_700_086_400)])
        diff2 = await spec(`c-${kind}`, '3.0', [cfg(kind, '/etc/my.conf', 'bar\n', 1_700_172_800)])
      })
      it('install over an unowned file: same content, then different content', async () => {
        await compare([write('/etc/my.conf', 'foo\n'), up(same1)])
        const r = await compare([write('/etc/my.conf', 'local\n'), up(same1)])
        expect(r.lines[0]).toEqual([
          kind === 'config'
            ? 'warning: /etc/my.conf saved as /etc/my.conf.rpmorig'
            : 'warning: /etc/my.conf created as /etc/my.conf.rpmnew',
        ])
      })
      it('upgrade unmodified: same and changed content', async () => {
        await compare([up(same1), up(same2)])
        await compare([up(same1), up(diff2)])
      })
      it('upgrade modified: same content in both versions, and changed', async () => {
        await compare([up(same1), write('/etc/my.conf', 'local\n'), up(same2)])
        const r = await compare([up(same1), write('/etc/my.conf', 'local\n'), up(diff2)])
        expect(r.lines[1]).toHaveLength(1)
      })
      it('upgrade modified to the new content, and deleted', async () => {
        await compare([up(same1), write('/etc/my.conf', 'bar\n'), up(diff2)])
        await compare([up(same1), { do: 'rm', path: '/etc/my.conf' }, up(diff2)])
      })
      it('erase unmodified and modified', async () => {
        await compare([up(same1), erase(`c-${kind}`)])
        const r = await compare([up(same1), write('/etc/my.conf', 'local\n'), erase(`c-${kind}`)])
        expect(r.lines[1]).toEqual(['warning: /etc/my.conf saved as /etc/my.conf.rpmsave'])
      })
    })
  }

  it('non-config files are replaced even when modified; files only the old version had are removed', async () => {
    const a1 = await spec('plain', '1', [
      file('/usr/share/p/a', 'a1'),
      file('/usr/share/p/gone', 'g'),
      { path: '/usr/share/p', kind: 'dir' },
    ])
    const a2 = await spec('plain', '2', [
      file('/usr/share/p/a', 'a2'),
      file('/usr/share/p/new', 'n'),
      { path: '/usr/share/p', kind: 'dir' },
    ])
    await compare([up(a1), write('/usr/share/p/a', 'mine'), write('/usr/share/p/unowned', 'x'), up(a2), erase('plain')])
  })

  it('shared files in two packages stay until the last owner goes', async () => {
    const s1 = await spec('share-a', '1', [
      file('/usr/share/s/common', 'same'),
      file('/usr/share/s/a', 'a'),
      { path: '/usr/share/s', kind: 'dir' },
    ])
    const s2 = await spec('share-b', '1', [
      file('/usr/share/s/common', 'same'),
      file('/usr/share/s/b', 'b'),
      { path: '/usr/share/s', kind: 'dir' },
    ])
    await compare([ins(s1, s2), erase('share-a')])
    await compare([ins(s1, s2), erase('share-a'), erase('share-b')])
  })

  it('file conflicts are refused with rpm’s line, and --replacefiles takes over', async () => {
    const c1 = await spec('conf-a', '1', [file('/usr/share/cf', 'a')])
    const c2 = await spec('conf-b', '1', [file('/usr/share/cf', 'b')])
    await compare([
      ins(c1),
      ins(c2),
      { do: 'rpm', op: 'install', pkgs: [c2], flags: { replacefiles: true } },
      erase('conf-a'),
    ])
  })

  it('version checks: already installed, newer installed, --oldpackage, --replacepkgs', async () => {
    const v1 = await spec('ver', '1.0', [file('/usr/share/ver', '1')])
    const v2 = await spec('ver', '2.0', [file('/usr/share/ver', '2')])
    await compare([
      up(v2),
      up(v2),
      up(v1),
      { do: 'rpm', op: 'upgrade', pkgs: [v1], flags: { oldpackage: true } },
      { do: 'rpm', op: 'upgrade', pkgs: [v1], flags: { replacepkgs: true } },
      erase('nothere'),
    ])
  })

  it('-i of an older version beside a newer one, -F with nothing and with an older one installed, two versions on one line', async () => {
    const v1 = await spec('fr', '1.0', [file('/usr/share/fr', '1')])
    const v2 = await spec('fr', '2.0', [file('/usr/share/fr', '2')])
    const v3 = await spec('fr', '3.0', [file('/usr/share/fr', '3')])
    const fresh = (...pkgs: string[]): Step => ({ do: 'rpm', op: 'freshen', pkgs })
    await compare([fresh(v1), ins(v2), ins(v1), fresh(v3)])
    await compare([up(v1, v3, v2)])
  })

  it('a file that becomes %config, or stops being one, with and without local edits; %ghost and missingok', async () => {
    const p1 = await spec('cfgchange', '1', [
      file('/etc/to-config', 'a\n'),
      cfg('config', '/etc/from-config', 'a\n'),
      cfg('config', '/etc/gone-ok', 'g\n'),
      { path: '/var/log/cc.log', kind: 'file', content: '', flags: { ghost: true, config: true } },
    ])
    const p2 = await spec('cfgchange', '2', [
      cfg('config', '/etc/to-config', 'b\n'),
      file('/etc/from-config', 'b\n'),
      { path: '/etc/gone-ok', kind: 'file', content: 'h\n', flags: { config: true, missingok: true } },
      { path: '/var/log/cc.log', kind: 'file', content: '', flags: { ghost: true, config: true } },
    ])
    await compare([up(p1), up(p2)])
    await compare([
      up(p1),
      write('/etc/to-config', 'mine\n'),
      write('/etc/from-config', 'mine\n'),
      { do: 'rm', path: '/etc/gone-ok' },
      write('/var/log/cc.log', 'log\n'),
      up(p2),
      erase('cfgchange'),
    ])
  })

  it('--test, --justdb and --excludedocs as rpm’s', async () => {
    const d1 = await spec('flags', '1', [
      file('/usr/bin/flags', 'f1'),
      { path: '/usr/share/doc/flags/README', kind: 'file', content: 'doc', flags: { doc: true } },
    ])
    const d2 = await spec('flags', '2', [
      file('/usr/bin/flags', 'f2'),
      { path: '/usr/share/doc/flags/README', kind: 'file', content: 'doc2', flags: { doc: true } },
    ])
    const f = (op: TransactionOp, pkgs: string[], flags: TransactionFlags): Step => ({ do: 'rpm', op, pkgs, flags })
    await compare([
      f('install', [d1], { test: true }),
      f('install', [d1], { excludedocs: true }),
      f('upgrade', [d2], { justdb: true }),
    ])
    await compare([
      f('install', [d1], { justdb: true }),
      f('erase', ['flags'], { test: true }),
      f('erase', ['flags'], { justdb: true }),
    ])
  })

  it('symlinks: plain and %config, changed targets, modified on disk', async () => {
    const l1 = await spec('links', '1', [
      { path: '/etc/l-conf', kind: 'symlink', linkTarget: 'one', flags: { config: true } },
      { path: '/usr/share/l-plain', kind: 'symlink', linkTarget: 'one' },
    ])
    const l2 = await spec('links', '2', [
      { path: '/etc/l-conf', kind: 'symlink', linkTarget: 'two', flags: { config: true } },
      { path: '/usr/share/l-plain', kind: 'symlink', linkTarget: 'two' },
    ])
    await compare([up(l1), up(l2)])
    await compare([
      up(l1),
      { do: 'symlink', path: '/etc/l-conf', target: 'mine' },
      { do: 'symlink', path: '/usr/share/l-plain', target: 'mine' },
      up(l2),
    ])
  })

  it('type changes: file to symlink and symlink to file, config and not', async () => {
    const t1 = await spec('types', '1', [
      cfg('config', '/etc/t.conf', 'file\n'),
      file('/usr/share/t', 'file'),
      { path: '/usr/share/t2', kind: 'symlink', linkTarget: 'x' },
    ])
    const t2 = await spec('types', '2', [
      { path: '/etc/t.conf', kind: 'symlink', linkTarget: 'elsewhere', flags: { config: true } },
      { path: '/usr/share/t', kind: 'symlink', linkTarget: 'y' },
      file('/usr/share/t2', 'now a file'),
    ])
    await compare([up(t1), up(t2)])
    await compare([up(t1), write('/etc/t.conf', 'edited\n'), up(t2)])
  })
})

describe.skipIf(!hasRpm || !hasRpmbuild || busybox === undefined)(
  'rpm-sim against real rpm: a package built by rpmbuild',
  () => {
    it('installs, verifies and erases an el7-style xz package (hard links, ghost, doc, %attr, epoch) as rpm does', async () => {
      const built = buildWithRpmbuild(w.dir, 'w6.xzdio')
      const steps: Step[] = [up(built), write('/etc/fx/a.conf', 'mine\n')]
      const { simRoot, rpmRoot, simLines, rpmLines } = await bothRoots(steps, true)
      expect(simLines).toEqual(rpmLines)
      expect(snapshot(simRoot)).toEqual(snapshot(rpmRoot))
      expect(snapshot(simRoot)['/opt/fx/h2']).toBe(snapshot(simRoot)['/opt/fx/h1'])
      for (const root of [simRoot, rpmRoot])
        expect(statSync(join(root, 'opt/fx/h2')).ino).toBe(statSync(join(root, 'opt/fx/h1')).ino)
      const qi = (lines: string[]) => lines.filter((l) => !l.startsWith('Install Date:'))
      const realQi = spawnSync('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '-qi', 'fixture'], {
        encoding: 'utf8',
      })
        .stdout.split('\n')
        .filter((l) => l !== '')
      const [installedFixture] = await listInstalled(simRoot)
      expect(qi(infoLines(installedInfo(installedFixture as InstalledPackage)))).toEqual(qi(realQi))
      const real = spawnSync('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '--nodeps', '-V', 'fixture'], {
        encoding: 'utf8',
      })
      expect(await verifyInstalled(simRoot, 'fixture')).toEqual(real.stdout.split('\n').filter((l) => l !== ''))
      const simErase: string[] = []
      await runTransaction({ root: simRoot, op: 'erase', packages: ['fixture'], onWarning: (l) => simErase.push(l) })
      const realErase = spawnSync('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '-e', 'fixture'], {
        encoding: 'utf8',
      })
      expect(simErase).toEqual(realErase.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('rpm: ')))
      expect(snapshot(simRoot)).toEqual(snapshot(rpmRoot))
    })
  },
)

describe.skipIf(!hasRpm)('rpm-sim against real rpm: -V', () => {
  it('prints rpm’s verify lines for changed content, mode, missing files and link targets', async () => {
    const v = await spec('verify-me', '1', [
      cfg('config', '/etc/v.conf', 'conf\n'),
      file('/usr/share/v/plain', 'plain'),
      file('/usr/share/v/gone', 'gone'),
      file('/usr/share/v/mode', 'mode'),
      { path: '/usr/share/v/link', kind: 'symlink', linkTarget: 'plain' },
      { path: '/usr/share/v/doc', kind: 'file', content: 'doc', flags: { doc: true } },
    ])
    const steps: Step[] = [
      up(v),
      write('/etc/v.conf', 'changed!\n'),
      write('/usr/share/v/doc', 'dog'),
      { do: 'rm', path: '/usr/share/v/gone' },
      { do: 'symlink', path: '/usr/share/v/link', target: 'other' },
    ]
    const { simRoot, rpmRoot } = await bothRoots(steps)
    execFileSync('chmod', ['600', join(simRoot, 'usr/share/v/mode'), join(rpmRoot, 'usr/share/v/mode')])
    const real = spawnSync('rpm', ['--root', rpmRoot, '--dbpath', '/var/lib/rpm', '--nodeps', '-V', 'verify-me'], {
      encoding: 'utf8',
    })
    const expected = real.stdout.split('\n').filter((l) => l !== '')
    expect(expected.length).toBeGreaterThan(3)
    expect(await verifyInstalled(simRoot, 'verify-me')).toEqual(expected)
  })
})

describe.skipIf(!hasRpm || busybox === undefined)('rpm-sim against real rpm: scriptlets', () => {
  const log = (tag: string) => ({ interpreter: '/bin/sh', body: `echo "${tag} $*" >> /log` })
  const scripts = (v: string) =>
    Object.fromEntries(['pretrans', 'pre', 'post', 'preun', 'postun', 'posttrans'].map((k) => [k, log(`${k}-${v}`)]))

  it('runs scriptlets and triggers in rpm’s order with rpm’s $1 and $2', async () => {
    const t1 = await spec('trig-t', '1', [file('/t', 't1')], {
      scripts: scripts('t1'),
      triggers: [
        { kind: 'triggerin', name: 'trig-a', body: 'echo "trigin-t-on-a $*" >> /log' },
        { kind: 'triggerun', name: 'trig-a', body: 'echo "trigun-t-on-a $*" >> /log' },
        { kind: 'triggerpostun', name: 'trig-a', body: 'echo "trigpostun-t-on-a $*" >> /log' },
      ],
    })
    const a1 = await spec('trig-a', '1', [file('/a', 'a1')], {
      scripts: scripts('a1'),
      triggers: [
        { kind: 'triggerin', name: 'trig-t', body: 'echo "trigin-a1-on-t $*" >> /log' },
        { kind: 'triggerun', name: 'trig-t', body: 'echo "trigun-a1-on-t $*" >> /log' },
      ],
    })
    const a2 = await spec('trig-a', '2', [file('/a', 'a2')], { scripts: scripts('a2') })
    const r = await compare([ins(t1), ins(a1), up(a2), erase('trig-a'), erase('trig-t')], true)
    expect(r.tree['/log']).toBeDefined()
  })

  it('runs %triggerprein before %pre with rpm’s arguments', async () => {
    const pw = await spec('tp-w', '1', [file('/tpw', 'x')], {
      triggers: [{ kind: 'triggerprein', name: 'tp-x', body: 'echo "prein-w-on-x $*" >> /log' }],
    })
    const x1 = await spec('tp-x', '1', [file('/tpx', '1')], {
      scripts: { pre: log('pre-x1') },
      triggers: [{ kind: 'triggerprein', name: 'tp-w', body: 'echo "prein-x1-on-w $*" >> /log' }],
    })
    const x2 = await spec('tp-x', '2', [file('/tpx', '2')], {
      scripts: { pre: log('pre-x2') },
      triggers: [{ kind: 'triggerprein', name: 'tp-w', body: 'echo "prein-x2-on-w $*" >> /log' }],
    })
    const r = await compare([ins(pw), ins(x1), up(x2)], true)
    expect(r.tree['/log']).toBeDefined()
  })

  it('a failing %pre skips the package, a failing %post warns, a failing %preun keeps the old one', async () => {
    const pre = await spec('fail-pre', '1', [file('/fp', 'x')], { scripts: { pre: { body: 'exit 3' } } })
    const post1 = await spec('fail-post', '1', [file('/fq', 'x')], {
      scripts: { post: { body: 'exit 4' }, preun: { body: 'exit 5' } },
    })
    const post2 = await spec('fail-post', '2', [file('/fq', 'y')], {
      scripts: { postun: { body: 'echo "postun $1" >> /log' } },
    })
    const pretrans = await spec('fail-pretrans', '1', [file('/fpt', 'x')], {
      scripts: { pretrans: { body: 'exit 2' } },
    })
    const posttrans = await spec('fail-posttrans', '1', [file('/fptt', 'x')], {
      scripts: { posttrans: { body: 'exit 3' }, postun: { body: 'exit 4' } },
    })
    const r = await compare(
      [ins(pre), up(post1), up(post2), ins(pretrans), ins(posttrans), erase('fail-posttrans')],
      true,
    )
    expect(r.lines[0]).toEqual([
      'error: %prein(fail-pre-1-1.noarch) scriptlet failed, exit status 3',
      'error: fail-pre-1-1.noarch: install failed',
    ])
  })

  it('%pre runs before any of its package is on disk, and owners are resolved after it: a %pre that adds the user works', async () => {
    const addUser =
      '/bin/busybox mkdir -p /etc; echo "rdb:x:990:990::/:/bin/sh" >> /etc/passwd; echo "rdb:x:990:" >> /etc/group'
    const look = 'echo "pre sees" /opt/* /opt/o/* /opt/o/.* >> /log'
    const o1 = await spec(
      'owned',
      '1',
      [
        { path: '/opt/o', kind: 'dir', user: 'rdb', group: 'rdb' },
        file('/opt/o/data', 'x', { user: 'rdb', group: 'rdb', mode: 0o640 }),
      ],
      { scripts: { pre: { body: `${look}; ${addUser}` }, post: { body: 'echo "post sees" /opt/o/* >> /log' } } },
    )
    const failing = await spec('pre-fails', '1', [file('/opt/f/deep/x', 'x')], {
      scripts: { pre: { body: 'echo "pre sees" /opt/* >> /log; exit 1' } },
    })
    const r = await compare([ins(o1), ins(failing)], true)
    expect(r.tree['/opt/f']).toBeUndefined()
    expect(r.lines[0]).toEqual([])
    const { simRoot, rpmRoot } = await bothRoots([ins(o1)], true)
    for (const root of [simRoot, rpmRoot]) {
      expect(statSync(join(root, 'opt/o/data')).uid).toBe(990)
      expect(statSync(join(root, 'opt/o')).gid).toBe(990)
    }
  })

  it('--noscripts and --notriggers suppress what rpm’s do', async () => {
    const t1 = await spec('ns-t', '1', [file('/nt', 't1')], {
      scripts: scripts('nt1'),
      triggers: [{ kind: 'triggerin', name: 'ns-a', body: 'echo "trigin $*" >> /log' }],
    })
    const a1 = await spec('ns-a', '1', [file('/na', 'a1')], { scripts: scripts('na1') })
    const a2 = await spec('ns-a', '2', [file('/na', 'a2')], { scripts: scripts('na2') })
    await compare(
      [
        ins(t1),
        { do: 'rpm', op: 'install', pkgs: [a1], flags: { notriggers: true } },
        { do: 'rpm', op: 'upgrade', pkgs: [a2], flags: { noscripts: true } },
      ],
      true,
    )
  })
})
