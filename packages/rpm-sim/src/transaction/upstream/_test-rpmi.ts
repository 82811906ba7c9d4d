// The upstream oracle's rows from rpm's tests/rpmi.at (and our own rows beside them): see upstream-oracle.test.ts.
import { expect } from 'vitest'
import type { PkgDef, Scenario } from '../../_test-scenario.js'
import {
  E,
  HLINKTEST,
  helloScript,
  I,
  Q,
  SYMDIR_PKGS,
  U,
  VATTRTEST,
  allScripts,
  conffile,
  deptest,
  log,
  pamupdate,
  sh,
} from './_test-specs.js'

export const SCENARIOS_RPMI: Scenario[] = [
  // ---- rpmi.at
  {
    // A manifest (a text file naming packages) stands for the packages it names; a missing one, a package it names
    // that is missing, and a missing package each stop the command with rpm's line. Relative paths: both run in the
    // root.
    name: 'rpm -U <manifest>, <manifest notfound 1>, <manifest notfound 2>, <notfound>',
    from: 'rpmi.at',
    pkgs: { a: { name: 'hello', version: '2.0', files: [{ path: '/opt/hello', data: 'h' }] } },
    steps: [
      sh('mkdir -p tmp data && cp {@a} data/hello-2.0-1.rpm && echo data/hello-2.0-1.rpm > tmp/test.mft'),
      sh('echo data/hello-not-there-2.0-1.rpm > tmp/bad.mft'),
      U('tmp/test.mft'),
      Q('-a'),
      E('hello'),
      U('tmp/test-not-there.mft'),
      U('tmp/bad.mft'),
      U('data/hello-not-there-2.0-1.rpm'),
      I('--nomanifest', 'tmp/test.mft'),
    ],
  },
  {
    name: 'rpm upgrade/downgrade',
    from: 'rpmi.at',
    pkgs: {
      a: { name: 'versioned', version: '1.0', files: [{ path: '/opt/v', data: '1' }] },
      b: { name: 'versioned', version: '2.0', files: [{ path: '/opt/v', data: '2' }] },
    },
    steps: [U('@b'), U('@a'), U('--oldpackage', '@a'), U('@b')],
  },
  {
    name: 'rpm upgrade/downgrade epoch',
    from: 'rpmi.at',
    pkgs: {
      a: { name: 'epochal', version: '2.0', epoch: 1, files: [{ path: '/opt/v', data: '1' }] },
      b: { name: 'epochal', version: '1.0', epoch: 2, files: [{ path: '/opt/v', data: '2' }] },
    },
    steps: [U('@a'), U('@b'), U('@a')],
  },
  {
    name: 'rpm -i with/without --excludedocs',
    from: 'rpmi.at',
    pkgs: {
      a: {
        name: 'docs',
        files: [
          { path: '/usr/share/doc/docs', type: 'dir' },
          { path: '/usr/share/doc/docs/README', data: 'doc', attr: '%doc' },
          { path: '/opt/docs/bin', data: 'bin' },
        ],
      },
    },
    steps: [I('--excludedocs', '@a'), E('docs'), I('@a'), U('--replacepkgs', '--excludedocs', '@a')],
  },
  {
    // rpmi.at's --excludeartifacts, and the other exclusions of rpm's skipInstallFiles: --excludeconfigs (and its
    // other name --noconfigs), --nodocs (--excludedocs); a %license is never left out; -V and -ql show what was.
    name: 'rpm -i --excludeartifacts, --excludeconfigs, --nodocs',
    from: 'rpmi.at',
    pkgs: {
      a: {
        name: 'vattrtest',
        files: [
          ...VATTRTEST,
          { path: '/opt/vattrtest/art', type: 'dir', attr: '%artifact' },
          { path: '/opt/vattrtest/art/x', data: 'x', attr: '%artifact' },
          { path: '/opt/vattrtest/b', data: 'b' },
        ],
      },
    },
    steps: [
      I('--excludeartifacts', '@a'),
      { rpm: ['-V', 'vattrtest'] },
      Q('--qf', '[%{FILESTATES:fstate} %{FILENAMES}\\n]', 'vattrtest'),
      E('vattrtest'),
      I('--excludeconfigs', '--nodocs', '@a'),
      { rpm: ['-V', 'vattrtest'] },
      E('vattrtest'),
      I('--noconfigs', '@a'),
      E('vattrtest'),
      I('@a'),
    ],
  },
  {
    // rpmi.at's --nodb (-U of hlinktest writes its files, -qa stays empty); also an upgrade and an erase under
    // --nodb, with scriptlets and their arguments: the files change, the database does not.
    name: 'rpm -i --nodb',
    from: 'rpmi.at',
    pkgs: {
      h: { name: 'hlinktest', files: HLINKTEST },
      a: { name: 'nodb', files: [{ path: '/opt/nodb/a', data: '1' }], scripts: allScripts('nodb-1') },
      b: {
        name: 'nodb',
        version: '2.0',
        files: [{ path: '/opt/nodb/b', data: '2' }],
        scripts: allScripts('nodb-2'),
      },
    },
    steps: [
      U('--nodb', '@h'),
      Q('-a'),
      U('@a'),
      U('--nodb', '@b'),
      Q('-a'),
      { rpm: ['-V', '--nodeps', 'nodb'] },
      // (the file the upgrade removed comes back: an erase warns of a file already gone, see the next row)
      sh('echo 1 > opt/nodb/a'),
      E('--nodb', 'nodb'),
      Q('-a'),
    ],
  },
  {
    // Erasing a package some of whose files are gone: rpm warns for each (not for a %ghost or %missingok, nor
    // inside a folder that is gone too) and removes the rest.
    name: 'rpm -e with files already gone',
    from: 'rdbpkg',
    pkgs: {
      a: {
        name: 'gone',
        files: [
          { path: '/opt/gone', type: 'dir' },
          { path: '/opt/gone/a', data: 'a' },
          { path: '/opt/gone/b', data: 'b' },
          { path: '/opt/gone/c.conf', data: 'c', attr: '%config' },
          { path: '/opt/gone/g', type: 'none', attr: '%ghost' },
          { path: '/opt/gone/m', data: 'm', attr: '%config(missingok)' },
          { path: '/opt/gone/sub', type: 'dir' },
          { path: '/opt/gone/sub/x', data: 'x' },
          { path: '/opt/gone/empty', type: 'dir' },
        ],
      },
    },
    steps: [
      I('@a'),
      sh('rm opt/gone/a opt/gone/c.conf opt/gone/m; rm -r opt/gone/sub; rmdir opt/gone/empty'),
      E('gone'),
    ],
    differs: {
      aspects: ['stderr'],
      reason:
        'rpm 4.18 names only the base name of a file already gone ("warning: file a: remove failed: ..."); upstream prints its path (dcf8c5abc, "Print full path if file removal fails") and rpm-sim follows upstream',
      upstream: (sim) =>
        expect(sim.steps.at(-1)?.stderr).toEqual([
          'warning: file /opt/gone/sub: remove failed: No such file or directory',
          'warning: file /opt/gone/empty: remove failed: No such file or directory',
          'warning: file /opt/gone/c.conf: remove failed: No such file or directory',
          'warning: file /opt/gone/a: remove failed: No such file or directory',
        ]),
    },
  },
  {
    // Upstream's suicidal.spec removes the file its own upgrade replaces from a Lua %pre (os.remove); here a shell
    // %pre does the same (rpm-sim runs no Lua). With %_minimize_writes the plan, made before %pre, only touches the
    // file, and the file is gone when the touch comes: it must be written after all.
    name: 'rpm -U <suicidal>',
    from: 'rpmi.at',
    pkgs: Object.fromEntries(
      ['1', '2'].map((r) => [
        `r${r}`,
        {
          name: 'suicidal',
          version: '1',
          release: r,
          files: [{ path: '/opt/foot', data: 'shoot' }],
          scripts: { pre: 'rm -f /opt/foot' },
        },
      ]),
    ),
    steps: [
      U('--define', '_minimize_writes 0', '@r1'),
      U('--define', '_minimize_writes 0', '@r2'),
      { rpm: ['-V', '--nouser', '--nogroup', 'suicidal'] },
      E('suicidal'),
      U('--define', '_minimize_writes 1', '@r1'),
      U('--define', '_minimize_writes 1', '@r2'),
      { rpm: ['-V', '--nouser', '--nogroup', 'suicidal'] },
    ],
  },
  {
    // rpmi.at's <overridden time> and <overridden time keeps ticking>: SOURCE_DATE_EPOCH is the transaction's tid
    // and install time, one second more for each further package. (rpmi.at's first test installs a package before
    // without it, so its tid is now and the overridden one earlier: rpm-sim's tids only grow, there its tid would
    // be the next one; the install times are still the overridden ones.)
    name: 'rpm -i <overridden time>, <overridden time keeps ticking>',
    from: 'rpmi.at',
    // (`later` requires `early`: rpm then installs them in that order, as rpm-sim does the command line's)
    pkgs: {
      early: { name: 'early', version: '2.0', files: [{ path: '/opt/early', data: 'e' }] },
      later: { name: 'later', files: [{ path: '/opt/later', data: 'l' }], preamble: 'Requires: early' },
      late: { name: 'late', files: [{ path: '/opt/late', data: 'l' }] },
    },
    steps: [
      { rpm: ['-i', '@early', '@later'], env: { SOURCE_DATE_EPOCH: '1445412535' } },
      Q('--tid', '1445412535'),
      Q('--qf', '%{NAME} %{INSTALLTID} %{INSTALLTIME}\\n', 'early', 'later'),
      { rpm: ['-i', '@late'], env: { SOURCE_DATE_EPOCH: '1445412600' } },
      Q('--qf', '%{NAME} %{INSTALLTID} %{INSTALLTIME}\\n', 'late'),
    ],
  },
  {
    // rpm installs the independent packages of one command in reverse order; with --noorder in the command line's.
    name: 'rpm -i --noorder keeps the order of the command line',
    from: 'rdbpkg',
    pkgs: Object.fromEntries(
      ['pa', 'pb', 'pc'].map((n) => [
        n,
        { name: n, files: [{ path: `/opt/${n}`, data: n }], scripts: { post: log(n) } },
      ]),
    ),
    steps: [
      I('--noorder', '@pb', '@pc', '@pa'),
      Q('-a'),
      E('--noorder', 'pa', 'pb', 'pc'),
      I('@pb', '@pc', '@pa'),
      Q('-a'),
      E('pa', 'pb', 'pc'),
    ],
  },
  {
    // Our own: rpm's dependency order (lib/order.c) under --nodeps: a package after those it requires (by name, a
    // versioned provide, a file it contains; Requires(pre) too), erasures the other way round, the rest in reverse
    // of the command line, and what requires nothing from the others ahead of what more packages require.
    name: 'dependency order of installs and erasures',
    from: 'rdbpkg',
    pkgs: {
      base: { name: 'base', files: [{ path: '/opt/base/f', data: 'b' }], scripts: allScripts('base') },
      lib: {
        name: 'lib',
        files: [{ path: '/opt/lib/libfoo.so', data: 'l' }],
        scripts: allScripts('lib'),
        preamble: 'Requires(pre): base',
      },
      api1: { name: 'apiold', files: [{ path: '/opt/api/1', data: '1' }], preamble: 'Provides: api = 1' },
      api2: {
        name: 'apinew',
        version: '2.0',
        files: [{ path: '/opt/api/2', data: '2' }],
        preamble: 'Provides: api = 2',
        scripts: allScripts('apinew'),
      },
      app: {
        name: 'app',
        files: [{ path: '/opt/app/bin', data: 'a' }],
        scripts: allScripts('app'),
        preamble: 'Requires: /opt/lib/libfoo.so\nRequires: api >= 2',
      },
      tool: { name: 'tool', files: [{ path: '/opt/tool', data: 't' }], scripts: allScripts('tool') },
    },
    steps: [
      I('@app', '@tool', '@api1', '@lib', '@api2', '@base'),
      Q('-a'),
      E('base', 'tool', 'lib', 'apiold', 'app', 'apinew'),
      I('@api2', '@app'),
      I('@base', '@lib'),
      E('app', 'lib', 'apinew', 'base'),
    ],
  },
  {
    // Our own: a loop (x and y require each other, y's a Requires(pre)) is broken where no prerequisite suffers; z
    // waits for the loop. The erasure runs the relations backwards.
    name: 'dependency loop',
    from: 'rdbpkg',
    pkgs: {
      x: { name: 'x', files: [{ path: '/opt/x', data: 'x' }], scripts: allScripts('x'), preamble: 'Requires: y' },
      y: { name: 'y', files: [{ path: '/opt/y', data: 'y' }], scripts: allScripts('y'), preamble: 'Requires(pre): x' },
      z: { name: 'z', files: [{ path: '/opt/z', data: 'z' }], scripts: allScripts('z'), preamble: 'Requires: x' },
      w: { name: 'w', files: [{ path: '/opt/w', data: 'w' }], scripts: allScripts('w') },
    },
    steps: [I('@z', '@y', '@w', '@x'), Q('-a'), E('w', 'x', 'z', 'y')],
  },
  {
    // Our own: an upgrade of two packages, one requiring the other: the new ones in dependency order, then the old
    // ones' erasures in the reverse of it (rpm's two runs: installs, then erasures).
    name: 'dependency order of an upgrade',
    from: 'rdbpkg',
    pkgs: Object.fromEntries(
      ['1', '2'].flatMap((v) => [
        [
          `core${v}`,
          { name: 'core', version: v, files: [{ path: '/opt/core', data: v }], scripts: allScripts(`core-${v}`) },
        ],
        [
          `plugin${v}`,
          {
            name: 'plugin',
            version: v,
            files: [{ path: '/opt/plugin', data: v }],
            scripts: allScripts(`plugin-${v}`),
            preamble: `Requires: core = ${v}`,
          },
        ],
      ]),
    ),
    steps: [
      I('@core1'),
      I('@plugin1'),
      U('@plugin2', '@core2'),
      Q('-a'),
      U('--oldpackage', '@core1', '@plugin1'),
      // --noorder: as rpm added them, each install followed by the erasure it brings
      U('--noorder', '@plugin2', '@core2'),
      Q('-a'),
    ],
  },
  {
    name: 'rpm -i hardlinks',
    from: 'rpmi.at',
    pkgs: {
      a: {
        name: 'hlinks',
        files: [
          { path: '/opt/hl/foo', data: 'linked' },
          { path: '/opt/hl/bar', type: 'hardlink', target: '/opt/hl/foo' },
          { path: '/opt/hl/baz', type: 'hardlink', target: '/opt/hl/foo' },
          { path: '/opt/hl/single', data: 'one' },
          { path: '/opt/hl', type: 'dir' },
        ],
      },
    },
    // -lv's link counts: the hard-link group's size, a directory's 2
    steps: [Q('-plv', '@a'), I('@a'), Q('-lv', 'hlinks'), E('hlinks')],
  },
  {
    name: 'rpm -U filesystem (a package owning /)',
    from: 'rpmi.at',
    pkgs: {
      a: {
        name: 'filesystem',
        files: [
          { path: '/', type: 'dir', recursive: true },
          { path: '/opt', type: 'dir', unlisted: true },
          { path: '/etc', type: 'dir', unlisted: true },
        ],
      },
    },
    steps: [U('@a')],
  },
  {
    // rpm never removes / (its rmdir fails in the chroot, with a warning); rpm-sim leaves the root and says the same.
    name: 'a package owning /: -ql, -e',
    from: 'rpmi.at (rpm -U filesystem, variant)',
    pkgs: {
      a: {
        name: 'filesystem',
        files: [
          { path: '/', type: 'dir', recursive: true },
          { path: '/opt', type: 'dir', unlisted: true },
          { path: '/etc', type: 'dir', unlisted: true },
        ],
      },
    },
    steps: [U('@a'), { rpm: ['-ql', 'filesystem'] }, E('filesystem')],
  },
  // rpmi.at's `rpm -U fifo` is left out: Debian's rpm 4.18 never returns from installing a fifo into a --root here.
  // The device node is created (the tree compares its device numbers), -V checks it, -e removes it.
  {
    name: 'rpm -U dev',
    from: 'rpmi.at',
    pkgs: {
      a: {
        name: 'dev',
        files: [
          { path: '/dev/test-null', type: 'none', attr: '%dev(c,1,3)' },
          { path: '/dev', type: 'dir' },
        ],
      },
    },
    steps: [U('@a')],
  },
  {
    name: 'rpm -U dev, -V, -e',
    from: 'rpmi.at',
    pkgs: {
      a: {
        name: 'dev',
        files: [
          { path: '/dev/test-null', type: 'none', attr: '%dev(c,1,3)' },
          { path: '/dev', type: 'dir' },
        ],
      },
    },
    steps: [U('@a'), { rpm: ['-V', 'dev'] }, E('dev')],
  },
  {
    name: 'rpm -i create user in %pre',
    from: 'rpmi.at',
    pkgs: {
      a: {
        name: 'mkuser',
        files: [
          { path: '/opt/u', type: 'dir', attr: '%attr(0750,rdb,rdb)' },
          { path: '/opt/u/data', data: 'x', attr: '%attr(0640,rdb,rdb)' },
        ],
        scripts: {
          pre: `echo pre sees /opt/* >> /log; mkdir -p /etc; echo "rdb:x:990:990::/:/bin/sh" >> /etc/passwd; echo "rdb:x:990:" >> /etc/group`,
        },
      },
    },
    steps: [I('@a'), E('mkuser')],
  },
  {
    name: 'rpm -i user/group lookup: unknown owners become root, per file',
    from: 'rpmi.at',
    pkgs: {
      a: {
        name: 'owners',
        files: [
          { path: '/opt/o/a', data: 'a', attr: '%attr(4755,nosuch,nogroup)' },
          { path: '/opt/o/b', data: 'b', attr: '%attr(2755,nosuch,nogroup)' },
          { path: '/opt/o', type: 'dir' },
        ],
      },
    },
    steps: [I('@a')],
  },
  {
    name: 'install on invalid symlinked directory',
    from: 'rpmi.at',
    pkgs: {
      a: {
        name: 'symdir',
        files: [
          { path: '/opt/sd/file', data: 'x' },
          { path: '/opt/sd', type: 'dir' },
        ],
      },
    },
    steps: [sh('mkdir -p opt/elsewhere && ln -s elsewhere opt/sd && chown -h 1234:1234 opt/sd'), I('@a')],
  },
  {
    // Below an unsafe link the package does not own, rpm's unpacking fails (`Too many levels of symbolic links`), the
    // other element of the transaction is installed and rpm exits with the number of packages; a root-owned link is
    // followed.
    name: 'install below an unsafe directory symlink the package does not own',
    from: 'rpmi.at (install on invalid symlinked directory, variant)',
    pkgs: SYMDIR_PKGS,
    steps: [
      sh('mkdir -p opt/elsewhere/sub && ln -s elsewhere opt/sd && chown -h 1234:1234 opt/sd'),
      I('@b', '@a'),
      I('@a'),
      sh('chown -h 0:0 opt/sd'),
      I('@a'),
    ],
  },
  {
    // The update fails below the unsafe link; the erasure of the old version is skipped, and its config files,
    // unchanged between the versions, were only to be touched (FA_TOUCH).
    name: 'update on invalid symlinked directory',
    from: 'rpmi.at (upstream, after 4.18)',
    pkgs: { a: pamupdate('1'), b: pamupdate('2') },
    steps: [
      sh('mkdir -p run var && ln -s ../run var/run'),
      U('@a'),
      { rpm: ['-V', 'pamupdate'] },
      sh('chown -h 1234:1234 var/run'),
      U('@b'),
      { rpm: ['-V', '--nomtime', 'pamupdate'] },
    ],
    differs: {
      aspects: ['code', 'stdout', 'tree', 'va'],
      reason:
        'rpm 4.18 removes the touched config files of a failed update (-V: "missing   c /etc/my.conf"); upstream fixed it (027ef640b, "Fix FA_TOUCH\'ed files getting removed on failed update", this test) and rpm-sim follows upstream: they stay and -V --nomtime is clean',
      upstream: (sim) => {
        expect(sim.steps.map((st) => [st.cmd, st.code, st.stdout])).toEqual([
          ['-U @a', 0, []],
          ['-V pamupdate', 0, []],
          ['-U @b', 1, []],
          ['-V --nomtime pamupdate', 0, []],
        ])
        expect(sim.tree['/etc/my.conf']).toMatch(/^file 644 /)
        expect(sim.tree['/etc/your.conf']).toMatch(/^file 644 /)
      },
    },
  },
  {
    // -U and -F erase what a new package's Obsoletes names (a package name, in its version range); -i does not. In
    // one command line a package an added one obsoletes is skipped, and one obsoleting an added one replaces it.
    name: 'rpm -U obsoleted packages; rpm -U with Obsoletes',
    from: 'rpmi.at',
    pkgs: {
      one: deptest('one', 'Obsoletes: deptest-two <= 1.0'),
      two: deptest('two'),
      obs: deptest('obsoletes', 'Obsoletes: deptest-two < 2.0'),
      tobs: deptest('test-obsoletes', 'Obsoletes: deptest-obsoletes < 2.0'),
      other: deptest('other', 'Obsoletes: deptest-two > 1.0'),
      // a renamed package: the config files of the one it obsoletes are handled as an upgrade's
      cold: {
        name: 'cfg-old',
        files: [conffile('a'), { path: '/etc/cfg/b.conf', data: 'b', attr: '%config(noreplace)' }],
      },
      cnew: {
        name: 'cfg-new',
        preamble: 'Obsoletes: cfg-old',
        files: [conffile('a2'), { path: '/etc/cfg/b.conf', data: 'b2', attr: '%config(noreplace)' }],
      },
    },
    steps: [
      U('@two'),
      U('@obs'),
      Q('deptest-two', 'deptest-obsoletes'),
      E('deptest-obsoletes'),
      { rpm: ['-Uv', '@two', '@one'] },
      Q('deptest-one', 'deptest-two'),
      E('deptest-one'),
      { rpm: ['-Uv', '@obs', '@two'] },
      Q('deptest-two', 'deptest-obsoletes'),
      I('@two'),
      U('@other'),
      U('@tobs'),
      Q('deptest-two', 'deptest-obsoletes', 'deptest-test-obsoletes', 'deptest-other'),
      E('deptest-test-obsoletes'),
      I('@obs'),
      { rpm: ['-q', '--whatobsoletes', 'deptest-two'] },
      I('@cold'),
      sh('echo edited >> etc/cfg/a.conf; echo edited >> etc/cfg/b.conf'),
      U('@cnew'),
      Q('cfg-old', 'cfg-new'),
    ],
  },
  {
    // A package file altered after it was built: a bad header digest is found as rpm reads it (nothing is
    // installed), a bad payload before the transaction (`does not verify`); --noverify skips the second check.
    name: 'rpm -U <corrupted unsigned>',
    from: 'rpmi.at (rpm -U <corrupted unsigned 1>, <corrupted unsigned 2>)',
    pkgs: {
      a: {
        name: 'corrupt',
        files: [{ path: '/opt/c/data', data: 'x'.repeat(3000) }],
        preamble: 'URL: http://CorruptMe',
      },
      b: { name: 'fine', files: [{ path: '/opt/f', data: 'f' }] },
    },
    steps: [
      // next to the built package, so both runs name the same files
      sh(
        "cp {@a} {@a}.badh && perl -pi -e 's/CorruptMe/CorruptMX/' {@a}.badh && cp {@a} {@a}.badp && printf XXXXXX | dd of={@a}.badp bs=1 seek=$(($(stat -c %s {@a}.badp) - 40)) conv=notrunc 2>/dev/null",
      ),
      U('{@a}.badh'),
      U('{@a}.badh', '@b'),
      U('--noverify', '{@a}.badh'),
      U('{@a}.badp'),
      U('@b', '{@a}.badp'),
      { rpm: ['-U', '--test', '{@a}.badp'] },
      U('--nosignature', '{@a}.badp'),
      { rpm: ['-K', '{@a}.badp', '{@a}.badh'] },
      U('@a'),
    ],
  },
  {
    // A file that is no package is read as a manifest naming package files; rpm reads every argument first and
    // installs nothing when one fails (exit: how many).
    name: 'rpm -U <manifest>, <notfound>, <garbage text file>, --nomanifest',
    from: 'rpmi.at (rpm -U <manifest> ... rpm -i <garbage text file>)',
    pkgs: {
      a: { name: 'mfa', files: [{ path: '/opt/mfa', data: 'a' }] },
      b: { name: 'mfb', files: [{ path: '/opt/mfb', data: 'b' }] },
    },
    steps: [
      sh(
        [
          "printf '# a manifest\\n\\n   {@a}  \\n' > {@a}.mft",
          "printf 'no_such.file\\nnot_pkg.rpm\\n' > {@a}.junk",
          "printf 'no_such.file {@b}\\n{@a}.mft\\n' > {@a}.mft2",
          "printf '\\001binary\\n' > {@a}.bin",
          ': > {@a}.empty',
        ].join('; '),
      ),
      U('{@a}.nothere'),
      U('{@a}.junk'),
      U('--nomanifest', '{@a}.mft'),
      U('{@a}.bin', '{@a}.empty'),
      U('{@a}.nothere', '{@a}.mft'),
      U('{@a}.mft2'),
      { rpm: ['-Uv', '{@a}.mft'] },
      U('{@a}.mft', '@b'),
    ],
  },
  {
    name: 'freshen: nothing installed, older, same with --oldpackage',
    from: 'rpmi.at (rpm -F)',
    pkgs: {
      a: { name: 'fresh', version: '1.0', files: [{ path: '/opt/f', data: '1' }] },
      b: { name: 'fresh', version: '2.0', files: [{ path: '/opt/f', data: '2' }] },
    },
    steps: [
      { rpm: ['-F', '@a'] },
      I('@b'),
      { rpm: ['-F', '@a'] },
      { rpm: ['-F', '--oldpackage', '@b'] },
      { rpm: ['-F', '@b'] },
    ],
  },
  {
    name: 'two versions on one command line: -i installs both, -U warns and keeps the newer',
    from: 'rpmi.at',
    pkgs: {
      a: { name: 'multi', version: '1.0', files: [{ path: '/opt/m1', data: '1' }] },
      b: { name: 'multi', version: '2.0', files: [{ path: '/opt/m2', data: '2' }] },
    },
    steps: [
      I('@a', '@b'),
      // rpm's --dupes: what is installed more than once (its `sort | uniq -d` pipe)
      Q('-a', '--dupes'),
      Q('--dupes', 'multi'),
      E('--allmatches', 'multi'),
      U('@a', '@b'),
      Q('-a', '--dupes'),
      { rpm: ['-Uv', '--replacepkgs', '@b'] },
    ],
  },
  {
    name: 'rpm -i --justdb and --test',
    from: 'rpmi.at',
    pkgs: { a: { name: 'justdb', files: [{ path: '/opt/j', data: 'j' }] } },
    steps: [I('--test', '@a'), I('--justdb', '@a'), E('--test', 'justdb')],
  },
  // ---- rpmi.at: relocation
  {
    name: 'rpm -U with invalid --relocate',
    from: 'rpmi.at',
    pkgs: { s: helloScript },
    steps: [U('--test', '--ignoreos', '--relocate', '/usr=/opt', '@s')],
  },
  {
    name: 'rpm -U --badreloc with invalid --relocate',
    from: 'rpmi.at',
    pkgs: { s: helloScript },
    steps: [U('--test', '--ignoreos', '--badreloc', '--relocate', '/usr=/opt', '@s')],
  },
  {
    // Upstream's %pre prints the prefixes from Lua's RPM_INSTALL_PREFIX table; rpm-sim has no Lua, so both
    // scriptlets print the shell's $RPM_INSTALL_PREFIX<n> here.
    name: 'rpm -i relocatable package',
    from: 'rpmi.at',
    pkgs: { r: reloc() },
    // Upstream relocates /opt/bin to /bin; Debian's rpm 4.18.0 dies of SIGSEGV relocating anything to a folder
    // right below / (even in an empty root), so the row relocates to /usr/local/bin.
    steps: [U('@r'), E('reloc'), U('--relocate', '/opt/bin=/usr/local/bin', '@r'), Q('-l', 'reloc')],
  },
  {
    name: 'relocation with --prefix, then an upgrade that does not relocate',
    from: 'rdbpkg',
    pkgs: { a: relocApp('1'), b: relocApp('2') },
    steps: [
      U('--prefix', '/srv/app/', '@a'),
      Q('-l', 'app'),
      Q('--qf', '%{prefixes} %{instprefixes}\n', 'app'),
      U('@b'),
      Q('-l', 'app'),
      E('app'),
    ],
  },
  {
    // rpm matches %_netsharedpath against where a relocation put a file (its skipInstallFiles runs on the relocated
    // names): a netshared path below the new prefix leaves those files out, one below the packaged prefix does not.
    name: 'netshared paths apply where a relocation put the files',
    from: 'rdbpkg',
    pkgs: { a: relocApp('1') },
    steps: [
      U('--prefix', '/srv/app', '--define', '_netsharedpath /srv/app/etc', '@a'),
      { rpm: ['-qs', 'app'] },
      E('app'),
      U('--prefix', '/srv/app', '--define', '_netsharedpath /opt/app/etc:/srv/app/bin/tool', '@a'),
      { rpm: ['-qs', 'app'] },
    ],
  },
  {
    name: '--prefix on a package that is not relocatable, and bad relocation arguments',
    from: 'rdbpkg',
    pkgs: { s: helloScript },
    steps: [
      U('--prefix', '/srv', '@s'),
      U('--relocate', 'usr=/opt', '@s'),
      U('--relocate', '/usr', '@s'),
      U('--relocate', '/usr=opt', '@s'),
      U('--prefix', '/srv', '--relocate', '/usr=/opt', '@s'),
      E('--relocate', '/usr=/opt', 'hello-script'),
    ],
  },
  {
    name: '--badreloc moves what is not a prefix, and the database says where it went',
    from: 'rdbpkg',
    pkgs: { s: helloScript },
    steps: [
      U('--badreloc', '--relocate', '/usr=/opt/usr', '--relocate', '/zoot=/srv/z', '@s'),
      Q('-l', 'hello-script'),
      { rpm: ['-qf', '/opt/usr/bin/hello'] },
      E('hello-script'),
    ],
  },
  // ---- rpmi.at: source packages
  ...(['-U', '-i'] as const).map(
    (mode): Scenario => ({
      name: `rpm ${mode} *.src.rpm`,
      from: 'rpmi.at',
      pkgs: { s: { ...relocApp('1'), source: true } },
      // rpm's %_topdir is $HOME/rpmbuild inside the root: the spec lands in SPECS; -qa stays empty.
      steps: [{ rpm: [mode, '@s'] }, sh('cat root/rpmbuild/SPECS/*.spec > /dev/null && ls -R root > log')],
    }),
  ),
  {
    // Not in one command with a binary package: Debian's rpm 4.18.0 then installs the binary one and writes the
    // source package's files nowhere (exit 0); rpm-sim writes them after the transaction, as rpmInstall means to.
    name: 'a source package with --define _topdir, and with --test',
    from: 'rdbpkg',
    pkgs: { s: { ...relocApp('1'), source: true } },
    steps: [
      U('--define', '_topdir /srv/build', '@s'),
      U('--test', '--define', '_topdir /srv/other', '@s'),
      Q('-a'),
      sh('ls -R srv > log'),
    ],
  },
]

// rpm's tests/data/SPECS/reloc.spec: three prefixes, a file in each, scriptlets that print where they went.
function reloc(): PkgDef {
  const show = 'echo 0: $RPM_INSTALL_PREFIX0; echo 1: $RPM_INSTALL_PREFIX1; echo 2: $RPM_INSTALL_PREFIX2'
  return {
    name: 'reloc',
    preamble: 'Prefixes: /opt/bin /opt/etc /opt/lib',
    files: [
      { path: '/opt', type: 'dir', recursive: true },
      { path: '/opt/bin/typo', data: '', unlisted: true },
      { path: '/opt/lib/notlib', data: '', unlisted: true },
      { path: '/opt/etc/conf', data: '', unlisted: true },
    ],
    scripts: { pre: show, post: show },
  }
}

// A package with one prefix: a program and a config file below it.
function relocApp(version: string): PkgDef {
  return {
    name: 'app',
    version,
    preamble: 'Prefix: /opt/app',
    files: [
      { path: '/opt/app', type: 'dir' },
      { path: '/opt/app/bin/tool', data: `tool ${version}` },
      { path: '/opt/app/etc/app.conf', data: 'conf', attr: '%config(noreplace)' },
    ],
    scripts: { post: 'echo post $1 $RPM_INSTALL_PREFIX >> /log' },
  }
}
