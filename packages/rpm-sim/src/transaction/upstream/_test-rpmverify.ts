// The upstream oracle's rows from rpm's tests/rpmverify.at (and our own rows beside them): see upstream-oracle.test.ts.
import { expect } from 'vitest'
import type { PkgDef, Scenario } from '../../_test-scenario.js'
import { E, I, Q, SYMDIR_PKGS, U, conflict, replacetest, restoretest, sh } from './_test-specs.js'

// rpm's %_minimize_writes, as the upstream rows define it.
const MINIMIZE = ['--define', '_minimize_writes 1']

export const SCENARIOS_RPMVERIFY: Scenario[] = [
  // ---- rpmverify.at (rpm --restore)
  {
    // --restore puts back owners, modes and mtimes (never content), remakes a missing directory or symlink, and
    // restores nothing when an argument matches no package; --setperms is its old name.
    name: 'rpm --restore',
    from: 'rpmverify.at',
    pkgs: { a: restoretest(), b: { name: 'other', files: [{ path: '/opt/o', data: 'o' }] } },
    steps: [
      I('@a'),
      I('@b'),
      sh(
        'chmod a-x usr/local/bin/hello; touch -d 2001-01-01 usr/share/doc/hello-1.0/FAQ etc/r.conf opt/o; echo edit >> etc/r.conf; chown 1:1 opt/r/dir opt/r/setuid; chmod 700 opt/r/dir; touch -h -d 2001-01-01 opt/r/link; chown -h 1:1 opt/r/link',
      ),
      { rpm: ['-V', 'hello'] },
      { rpm: ['--restore', 'hello', 'nothere'] },
      { rpm: ['-V', 'hello'] },
      { rpm: ['--restore', 'hello'] },
      { rpm: ['-V', 'hello'] },
      { rpm: ['--restore'] },
      sh('rm opt/r/link; rmdir opt/r/empty; chmod 600 opt/r/file; chmod 700 opt/r/setuid'),
      { rpm: ['--setperms', '-v', 'hello'] },
      { rpm: ['-Va'] },
      { rpm: ['-V', 'hello', 'other'] },
      Q('--qf', '[%{FILEVERIFYFLAGS:vflags} %{FILENAMES}\\n]', 'hello'),
      { rpm: ['--restore', '-a'] },
      { rpm: ['-V', 'other'] },
    ],
  },
  {
    // A regular file that is gone cannot be restored without its package: the package fails (exit 255), the files
    // before it in order were restored, the ones after it not.
    name: 'rpm --restore with a file missing',
    from: 'rpmverify.at (rpm --restore, upstream, after 4.18)',
    pkgs: { a: restoretest() },
    steps: [
      I('@a'),
      sh('chmod 600 opt/r/file; rm opt/r/link2'),
      { rpm: ['--restore', 'hello'] },
      sh('chmod 600 opt/r/dir usr/local/bin/hello; rm opt/r/file'),
      { rpm: ['--restore', 'hello'] },
      { rpm: ['-V', 'hello'] },
    ],
    differs: {
      aspects: ['code', 'stdout', 'tree', 'va'],
      reason:
        'rpm 4.18 then removes every file of the package (its cleanup of the failed element takes the touched files); upstream fixed it (027ef640b, "Fix FA_TOUCH\'ed files getting removed on failed update") and rpm-sim follows upstream: the files stay',
      upstream: (sim) => {
        expect(sim.steps.map((st) => [st.cmd, st.code, st.stdout])).toEqual([
          ['-i @a', 0, []],
          ['--restore hello', 0, []],
          ['--restore hello', 255, []],
          ['-V hello', 1, ['missing     /opt/r/file', '.M.......    /usr/local/bin/hello']],
        ])
        expect(sim.tree['/opt/r/dir']).toMatch(/^dir 755 /)
      },
    },
  },
  {
    // Below a directory symlink rpm's safe-symlink rule refuses, nothing is restored: the package fails.
    name: 'rpm --restore below an unsafe directory symlink',
    from: 'rpmverify.at (rpm --restore, variant)',
    pkgs: SYMDIR_PKGS,
    steps: [
      I('@a', '@b'),
      sh('mv opt/sd opt/elsewhere && ln -s elsewhere opt/sd && chown -h 1234:1234 opt/sd && chmod 600 opt/o'),
      { rpm: ['--restore', 'symdir', 'other'] },
      sh('chown -h 0:0 opt/sd && chmod 600 opt/elsewhere/sub/file'),
      { rpm: ['--restore', 'symdir'] },
    ],
  },
  // ---- rpmverify.at
  {
    name: 'files with no problems',
    from: 'rpmverify.at',
    pkgs: { a: replacetest('1.0', 'datadir', 'README') },
    steps: [I('@a'), { rpm: ['-V', 'replacetest'] }, { rpm: ['-Vv', 'replacetest'] }],
  },
  {
    name: 'test for %verify in %files',
    from: 'rpmverify.at',
    pkgs: {
      a: {
        name: 'verifyfiles',
        files: [
          { path: '/test-verify1', data: '', attr: '%verify(mode md5 size mtime)' },
          { path: '/test-verify2', data: '', attr: '%verify(not mode)' },
        ],
      },
    },
    steps: [
      I('@a'),
      sh('chmod -w test-verify*'),
      { rpm: ['-Vv', '--nouser', '--nogroup', 'verifyfiles'] },
      Q(
        '--qf',
        '[%{FILEVERIFYFLAGS} %{FILEVERIFYFLAGS:vflags} %{FILEVERIFYFLAGS:fstatus} %{FILENAMES}\\n]',
        'verifyfiles',
      ),
      Q('-p', '--qf', '[%{FILEVERIFYFLAGS:vflags} %{FILENAMES}\\n]', '@a'),
      sh('chown 1:1 test-verify1 test-verify2; touch -d 2001-01-01 test-verify2; echo x > test-verify1'),
      { rpm: ['-V', 'verifyfiles'] },
    ],
  },
  {
    // rpm's verify options that leave one check out of every file (rpmVerifyPoptTable)
    name: '-V with checks left out: --nomtime, --nosize, --nofiledigest, --nomode, --nouser, ...',
    from: 'rpmverify.at (files with no problems, variant)',
    pkgs: {
      a: {
        name: 'omit',
        files: [
          { path: '/opt/vo/data', data: 'data' },
          { path: '/opt/vo/mode', data: 'm' },
          { path: '/opt/vo/link', type: 'link', target: 'data' },
          { path: '/opt/vo', type: 'dir' },
        ],
      },
    },
    steps: [
      I('@a'),
      sh(
        'echo longer-data > opt/vo/data; touch -d 2001-01-01 opt/vo/data; chmod 600 opt/vo/mode; chown 1:1 opt/vo/mode; ln -sfn mode opt/vo/link',
      ),
      { rpm: ['-V', 'omit'] },
      { rpm: ['-V', '--nomtime', 'omit'] },
      { rpm: ['-V', '--nosize', '--nofiledigest', 'omit'] },
      { rpm: ['-V', '--nomd5', 'omit'] },
      { rpm: ['-V', '--nomode', '--nouser', '--nogroup', 'omit'] },
      { rpm: ['-V', '--nolinkto', '--nordev', '--nocaps', '--nocontexts', '--nodeps', 'omit'] },
      {
        rpm: [
          '-Vv',
          '--nosize',
          '--nofiledigest',
          '--nomtime',
          '--nomode',
          '--nouser',
          '--nogroup',
          '--nolinkto',
          'omit',
        ],
      },
      { rpm: ['-Va', '--nomtime', '--nosize', '--nofiledigest'] },
    ],
  },
  {
    name: 'directory replaced with a directory symlink',
    from: 'rpmverify.at',
    pkgs: { a: replacetest('1.0', 'datadir', 'README') },
    steps: [I('@a'), sh('mv opt/foo opt/bar && ln -s bar opt/foo'), { rpm: ['-V', 'replacetest'] }],
  },
  {
    name: 'directory replaced with an invalid directory symlink',
    from: 'rpmverify.at',
    pkgs: { a: replacetest('1.0', 'datadir', 'README') },
    steps: [
      I('@a'),
      sh('mv opt/foo opt/bar && ln -s bar opt/foo && chown -h 1234:1234 opt/foo'),
      { rpm: ['-V', 'replacetest'] },
    ],
  },
  {
    name: 'verify from db, with problems present',
    from: 'rpmverify.at',
    pkgs: {
      a: {
        name: 'vprob',
        files: [
          { path: '/opt/vp/gone', data: 'g' },
          { path: '/opt/vp/mode', data: 'm' },
          { path: '/opt/vp/data', data: 'd' },
          { path: '/opt/vp/link', type: 'link', target: 'data' },
          { path: '/etc/vp.conf', data: 'c', attr: '%config' },
        ],
      },
    },
    // The edited files get an old mtime: an edit within the second rpmbuild stamped them would hide T in one run only.
    steps: [
      I('@a'),
      sh(
        'rm opt/vp/gone; chmod 600 opt/vp/mode; echo other > opt/vp/data; ln -sf mode opt/vp/link; echo x >> etc/vp.conf; chown 1:1 opt/vp/mode; touch -d 2001-01-01 opt/vp/data etc/vp.conf',
      ),
      { rpm: ['-V', 'vprob'] },
    ],
  },
  {
    // -Vp checks the files a package file lists, installed or not; its %verifyscript runs too. rpm -V runs
    // chrooted: it reads the package files inside the root.
    name: 'verify from package, with problems present',
    from: 'rpmverify.at',
    pkgs: {
      a: {
        name: 'hello',
        files: [
          { path: '/usr/local/bin/hello', data: 'hello-binary-data', attr: '%attr(0755,root,root)' },
          { path: '/usr/share/doc/hello-1.0/FAQ', data: 'faq', attr: '%doc' },
          { path: '/usr/share/doc/hello-1.0', type: 'dir' },
        ],
        scripts: { verifyscript: 'echo "verifying hello $1"' },
      },
      b: { name: 'elsewhere', files: [{ path: '/opt/else/file', data: 'e' }] },
    },
    steps: [
      I('@a'),
      sh(
        'rm -f usr/share/doc/hello-1.0/FAQ; chmod u-x usr/local/bin/hello; dd if=/dev/zero of=usr/local/bin/hello conv=notrunc bs=1 seek=5 count=6 2>/dev/null',
      ),
      sh('mkdir data && cp {@a} data/hello.rpm && cp {@b} data/else.rpm'),
      { rpm: ['-Vp', '--nodeps', '--nouser', '--nogroup', '/data/hello.rpm'] },
      { rpm: ['-Vpv', '--nodeps', '--noscripts', '/data/hello.rpm'] },
      { rpm: ['-Vp', '--nodeps', '--nofiles', '/data/hello.rpm'] },
      { rpm: ['-Vp', '/data/else.rpm'] },
      {
        rpm: [
          '-Vp',
          '--nodeps',
          '--nomtime',
          '--nofiledigest',
          '--nomode',
          '/data/hello.rpm',
          '/data/nothing.rpm',
          '/data/else.rpm',
        ],
      },
      Q('-p', '/nothing.rpm', 'nothing2.rpm'),
      { rpm: ['-Vp', '--nodeps', 'data/else.rpm'] },
    ],
  },
  {
    // -V runs %verifyscript after the files' lines (its stdout and stderr both on rpm's stdout, $1 = 1); a failing one
    // is an error line and exit 1; --noscripts skips it, --nofiles leaves the files out. --nodeps: the scriptlet
    // requires /bin/sh, which no package of the root provides, and rpm-sim checks no dependencies.
    name: 'verifyscript',
    from: 'rpmverify.at',
    pkgs: {
      a: {
        name: 'vscript',
        files: [{ path: '/opt/vs', data: 'v' }],
        scripts: {
          verifyscript: 'echo verifyscript $* >> /log; echo from verifyscript; echo to stderr >&2; test -f /opt/ok',
        },
      },
    },
    steps: [
      I('@a'),
      { rpm: ['-V', '--nodeps', 'vscript'] },
      sh('touch opt/ok'),
      { rpm: ['-V', '--nodeps', 'vscript'] },
      { rpm: ['-V', '--nodeps', '--noscripts', 'vscript'] },
      sh('rm opt/vs opt/ok'),
      { rpm: ['-V', '--nodeps', 'vscript'] },
      { rpm: ['-V', '--nodeps', '--nofiles', 'vscript'] },
    ],
  },
  { name: '-Va with nothing installed', from: 'rpmverify.at', pkgs: {}, steps: [{ rpm: ['-Va'] }] },
  {
    name: 'owners unknown to the root verify quietly',
    from: 'rpmverify.at: alternative passwd location',
    pkgs: { a: { name: 'vowner', files: [{ path: '/opt/vo', data: 'o', attr: '%attr(-,daemon,daemon)' }] } },
    steps: [I('@a'), { rpm: ['-V', 'vowner'] }],
  },
  {
    name: '-V after --replacefiles reports (replaced)',
    from: 'rpmverify.at / rpmconflict.at',
    pkgs: { a: conflict('a', 'aaaa'), b: conflict('b', 'bbbb') },
    steps: [I('@a'), I('--replacefiles', '@b'), { rpm: ['-V', 'conflicta'] }, { rpm: ['-V', 'conflictb'] }],
  },
  {
    // The first instance of a shared file is the one written (--noorder: conflictone's); erasing the other leaves
    // it, and -V compares it with the remaining owner's mtime: nothing to report.
    name: 'shared file timestamp behavior',
    from: 'rpmverify.at',
    pkgs: {
      a: { name: 'conflictone', files: [{ path: '/usr/share/my.version', data: 'same_stuff' }] },
      b: { name: 'conflicttwo', files: [{ path: '/usr/share/my.version', data: 'same_stuff', mtime: 1000000001 }] },
    },
    steps: [U('--noorder', '@a', '@b'), E('conflicttwo'), { rpm: ['-Va', '--nouser', '--nogroup'] }],
  },
  // ---- rpmverify.at: capabilities (%caps: set with setcap(8), -V's P column)
  {
    // Upstream's prebuilt capstest has two encodings of an empty set; rpmbuild 4.18 makes only `%caps()` (`=`)
    // and refuses `%caps("")`, so emptyCaps2 has none here, and -V rightly says nothing of it.
    name: 'verify empty/no capabilities 1',
    from: 'rpmverify.at',
    pkgs: { c: capstest() },
    steps: [U('--nocaps', '--ignoreos', '@c'), { rpm: ['-Va', '--nouser', '--nogroup'] }],
  },
  {
    name: 'capabilities are set, verified, and kept across an upgrade',
    from: 'rdbpkg',
    pkgs: { c: capstest(), d: capstest('2.0') },
    steps: [
      U('@c'),
      sh('getcap a/yesCaps a/emptyCaps1 > log'),
      { rpm: ['-Va', '--nouser', '--nogroup'] },
      sh('setcap -r a/yesCaps; setcap cap_sys_admin+pe a/noCaps'),
      { rpm: ['-Va', '--nouser', '--nogroup'] },
      { rpm: ['-Va', '--nouser', '--nogroup', '--nocaps'] },
      U('@d'),
      { rpm: ['-Va', '--nouser', '--nogroup'] },
      // A file an upgrade only touches (%_minimize_writes) gets its capabilities set again.
      sh('setcap -r a/emptyCaps1; getcap a/emptyCaps1 >> log'),
      U('--oldpackage', ...MINIMIZE, '@c'),
      sh('getcap a/emptyCaps1 >> log'),
      { rpm: ['-Va', '--nouser', '--nogroup'] },
      E('capstest'),
    ],
  },
  // ---- rpmverify.at: %_minimize_writes (an upgrade leaves what is on disk as the new version in place)
  ...(['file', 'link'] as const).map((type): Scenario => {
    const [one, two] = type === 'file' ? ['foo', 'fox'] : ['doh', 'fox']
    const va = { rpm: ['-Va', '--nouser', '--nogroup', 'replacetest'] }
    return {
      name: `minimize writes (${type === 'file' ? 'files' : 'symlinks'})`,
      from: 'rpmverify.at',
      pkgs: {
        a: replacetest('1.0', type, one),
        b: replacetest('2.0', type, one),
        c: replacetest('3.0', type, two),
        d: replacetest('4.0', type, two),
      },
      // Upstream counts the fsm's touch lines of -Uvv --fsmdebug; here a hard link made before the last upgrade
      // shows it: still one inode with the file when the upgrade only touched it.
      steps: [
        I('@a'),
        sh('touch -h -t 201703171717 opt/foo'),
        U(...MINIMIZE, '@b'),
        va,
        U(...MINIMIZE, '@c'),
        va,
        sh(type === 'file' ? 'echo xx > opt/foo' : 'ln -sfn xx opt/foo'),
        U(...MINIMIZE, '@d'),
        va,
        sh('touch -h -t 201703171717 opt/foo; ln opt/foo opt/foo.keep'),
        U('--oldpackage', ...MINIMIZE, '@c'),
        va,
      ],
    }
  }),
  {
    name: 'minimize writes (hardlinks)',
    from: 'rpmverify.at',
    pkgs: { a: hlbreak('0'), b: hlbreak('1') },
    steps: [
      U(...MINIMIZE, '@a'),
      { rpm: ['-Vav', '--nouser', '--nogroup'] },
      U(...MINIMIZE, '@b'),
      { rpm: ['-Vav', '--nouser', '--nogroup'] },
    ],
  },
  {
    name: 'minimize writes (SUID files)',
    from: 'rpmverify.at',
    pkgs: {
      a: replacetest('1.0', 'file', 'foo', { files: [{ path: '/opt/foo', data: 'foo', attr: '%attr(2755,-,-)' }] }),
      b: replacetest('2.0', 'file', 'foo', { files: [{ path: '/opt/foo', data: 'foo', attr: '%attr(2755,-,-)' }] }),
    },
    steps: [
      U('@a'),
      { rpm: ['-Va', '--nouser', '--nogroup', 'replacetest'] },
      U(...MINIMIZE, '@b'),
      { rpm: ['-Va', '--nouser', '--nogroup', 'replacetest'] },
      sh('chmod 777 opt/foo'),
      U('--oldpackage', ...MINIMIZE, '@a'),
      { rpm: ['-Va', '--nouser', '--nogroup', 'replacetest'] },
    ],
  },
]

// rpm's tests/data/SPECS/hlbreak.spec: /opt/file2, and in version 1 /opt/file1 a hard link to it.
function hlbreak(ver: string): PkgDef {
  return {
    name: 'hlbreak',
    version: ver,
    release: '0',
    files: [
      { path: '/opt/file2', data: 'content' },
      ...(ver === '1' ? [{ path: '/opt/file1', type: 'hardlink' as const, target: '/opt/file2' }] : []),
    ],
  }
}

// rpm's tests/data/RPMS/capstest-1.0-1.noarch.rpm, as a spec: an empty capability set, none, and some.
function capstest(version = '1.0'): PkgDef {
  return {
    name: 'capstest',
    version,
    files: [
      { path: '/a/emptyCaps1', data: 'e1', attr: '%caps()' },
      { path: '/a/emptyCaps2', data: 'e2' },
      { path: '/a/noCaps', data: 'n' },
      { path: '/a/yesCaps', data: `y ${version}`, attr: '%caps(cap_net_raw=ep)' },
    ],
  }
}
