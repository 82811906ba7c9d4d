// The upstream oracle's rows of our own for what operators do to installed trees by hand (folders and files swapped,
// symlink loops, moved folders, hard links, set-id files), big files, metadata-only updates and shared or re-marked
// configs: each run with Debian's rpm 4.18 and with rpm-sim (see upstream-oracle.test.ts).
import { expect } from 'vitest'
import type { PkgDef, Scenario } from '../../_test-scenario.js'
import { E, I, Q, U, sh } from './_test-specs.js'

const LOOP_ERRNO =
  "rpm's line for an element that fails on a symlink loop carries whatever errno its cleanup of the element left (its rmdir of the package's first folder: Not a directory, or Directory not empty), not the loop's; rpm-sim says why: Too many levels of symbolic links"

// -V of the handmade package with dir/sub and z made symlink loops (as rpm prints it).
const LOOP_VERIFY = [
  '....L....    /opt/hand/dir/sub',
  'missing     /opt/hand/dir/sub/g (Too many levels of symbolic links)',
  '....L....    /opt/hand/z',
]

export const SCENARIOS_OPERATORS: Scenario[] = [
  {
    // Bodies over 1 MiB are streamed through the reader and written in pieces, not held whole: the same fates as
    // small files (a modified %config saved, a modified noreplace one kept beside .rpmnew), a hard-linked pair whose
    // data comes with its last member, %_minimize_writes, and the same -V.
    name: 'files over 1 MiB: a modified %config and noreplace, a hard-linked pair, minimize writes, -V, erase',
    from: 'rdbpkg',
    pkgs: { a: big('1.0', 'v1'), b: big('2.0', 'v2'), c: big('3.0', 'v2') },
    steps: [
      I('@a'),
      sh('echo local >> etc/big/big.conf; echo local >> opt/big/noreplace.conf'),
      U('@b'),
      bigLinks(),
      { rpm: ['-V', 'big'] },
      U('--define', '_minimize_writes 1', '@c'),
      bigLinks(),
      { rpm: ['-V', 'big'] },
      E('big'),
    ],
  },
  {
    // Only modes and owners change between versions, contents stay: rpm rewrites each file (or, with
    // %_minimize_writes, sets the new metadata on the file in place), and a downgrade puts the old ones back.
    name: 'upgrades that change only modes and owners: folder, program, %config, symlink; minimize writes; downgrade',
    from: 'rdbpkg',
    pkgs: {
      a: meta('1.0', ['0755,root,root', '0644,root,root', '0644,root,root']),
      b: meta('2.0', ['0750,daemon,daemon', '0755,daemon,root', '0600,daemon,daemon']),
      c: meta('3.0', ['0700,root,daemon', '0750,root,daemon', '0640,root,daemon']),
    },
    steps: [
      sh(
        "mkdir -p etc; printf 'root:x:0:0::/root:/bin/sh\\ndaemon:x:2:2::/:/bin/sh\\n' > etc/passwd; printf 'root:x:0:\\ndaemon:x:2:\\n' > etc/group",
      ),
      I('@a'),
      metaStat(),
      U('@b'),
      metaStat(),
      { rpm: ['-V', 'meta'] },
      U('--define', '_minimize_writes 1', '@c'),
      metaStat(),
      { rpm: ['-V', 'meta'] },
      U('--oldpackage', '@a'),
      metaStat(),
      { rpm: ['-V', 'meta'] },
    ],
  },
  {
    // rpm renames each new file over its path when it commits; where an operator left a folder (empty or not) that
    // rename fails (EISDIR), and so does the element: the old version stays, its erasure skipped. Without the folder
    // the same update goes through. rpm-sim finds the folder when it stages, after %pre.
    name: 'a packaged file an operator replaced by a folder: the update fails until the folder is gone',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one'), b: handmade('2.0', 'two') },
    steps: [
      I('@a'),
      sh('rm opt/hand/a; mkdir opt/hand/a; echo mine > opt/hand/a/mine'),
      U('@b'),
      { rpm: ['-V', 'hand'] },
      sh('rm -r opt/hand/a; mkdir opt/hand/a'),
      U('@b'),
      sh('rmdir opt/hand/a'),
      U('@b'),
      { rpm: ['-V', 'hand'] },
    ],
    differs: {
      aspects: ['stdout'],
      reason:
        'rpm 4.18 removes the touched %config file of the failed update (-V: "missing   c /opt/hand/same.conf"); upstream fixed it (027ef640b, "Fix FA_TOUCH\'ed files getting removed on failed update") and rpm-sim follows upstream: it stays',
      upstream: (sim) => {
        expect(sim.steps.filter((st) => st.cmd === '-V hand').map((st) => st.stdout)).toEqual([
          ['.M.......    /opt/hand/a'],
          [],
        ])
      },
    },
  },
  {
    // The folder in the way comes after other files of the package: rpm has renamed those into place by the time
    // its commit fails, under the old version's record.
    name: 'a packaged file an operator replaced by a folder, after other files of the package',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one'), b: handmade('2.0', 'two') },
    steps: [I('@a'), sh('rm opt/hand/z; mkdir opt/hand/z'), U('@b'), { rpm: ['-V', 'hand'] }],
    differs: {
      aspects: ['stdout', 'tree', 'va'],
      reason:
        "rpm (4.18 and upstream) fails the element in its commit, after renaming the files before that one into place: they keep the new content under the old version's record (-V: 5 on /opt/hand/a and /opt/hand/dir/f, L on the link); rpm-sim finds the folder while staging and fails the element before it changes anything, so the old version is left whole",
      upstream: (sim) => {
        expect(sim.steps.map((st) => [st.cmd, st.code, st.stdout, st.stderr])).toEqual([
          ['-i @a', 0, [], []],
          [
            '-U @b',
            1,
            [],
            [
              'error: unpacking of archive failed on file /opt/hand/z;<tid>: cpio: File from package already exists as a directory in system',
              'error: hand-2.0-1.noarch: install failed',
              'error: hand-1.0-1.noarch: erase skipped',
            ],
          ],
          ['-V hand', 1, ['.M.......    /opt/hand/z'], []],
        ])
      },
    },
  },
  {
    // rpm's unpacking finds a file where the package has a folder and removes it (fsmVerify), then makes the folder
    // and its files again. Before that, -V says why the file below is missing.
    name: 'a packaged folder an operator replaced by a file',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one'), b: handmade('2.0', 'two') },
    steps: [
      I('@a'),
      sh('rm -r opt/hand/dir; echo mine > opt/hand/dir'),
      { rpm: ['-V', 'hand'] },
      U('@b'),
      { rpm: ['-V', 'hand'] },
    ],
  },
  {
    name: 'erasing a package whose folder an operator replaced by a file',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one') },
    steps: [I('@a'), sh('rm -r opt/hand/dir; echo mine > opt/hand/dir'), E('hand')],
  },
  {
    // A config file the update changes, found as a folder: kept aside as what an operator made of it (the folder
    // moved to .rpmsave as a whole), or the new one written beside (.rpmnew) for noreplace.
    name: 'config files an operator replaced by folders, changed in the update',
    from: 'rdbpkg',
    pkgs: { a: cfgs('1.0'), b: cfgs('2.0') },
    steps: [
      I('@a'),
      sh('rm opt/cfg/c.conf; mkdir opt/cfg/c.conf; echo x > opt/cfg/c.conf/x; rm opt/cfg/n.conf; mkdir opt/cfg/n.conf'),
      U('@b'),
      { rpm: ['-V', 'cfgs'] },
      E('cfgs'),
    ],
  },
  {
    name: 'config files an operator replaced by symlinks to a file of their own',
    from: 'rdbpkg',
    pkgs: { a: cfgs('1.0'), b: cfgs('2.0') },
    steps: [
      I('@a'),
      sh(
        'mkdir -p srv; echo mine > srv/mine; rm opt/cfg/c.conf opt/cfg/n.conf opt/cfg/s.conf; ln -s /srv/mine opt/cfg/c.conf; ln -s /srv/mine opt/cfg/n.conf; ln -s /srv/mine opt/cfg/s.conf',
      ),
      { rpm: ['-V', 'cfgs'] },
      U('@b'),
      { rpm: ['-V', 'cfgs'] },
      E('cfgs'),
    ],
  },
  {
    // The folders go by their type on disk: the empty one is removed, the one holding a file stays.
    name: 'erasing a package some of whose files an operator replaced by folders',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one') },
    steps: [I('@a'), sh('rm opt/hand/a opt/hand/z; mkdir opt/hand/a opt/hand/z; echo x > opt/hand/z/x'), E('hand')],
  },
  {
    // The tree after the update is compared: the modes of the sticky and setgid folders, the pair still linked.
    name: 'names with spaces, non-ASCII letters and a semicolon; sticky and setgid folders; hard links across folders',
    from: 'rdbpkg',
    pkgs: { a: odd('1.0', 'one'), b: odd('2.0', 'two') },
    steps: [
      sh("mkdir -p etc; printf 'root:x:0:\\ndaemon:x:2:\\n' > etc/group"),
      I('@a'),
      { rpm: ['-V', 'odd'] },
      Q('-l', 'odd'),
      U('@b'),
      { rpm: ['-V', 'odd'] },
      { rpm: ['-qf', '/opt/odd/with space/ü ñ.txt', '/opt/odd/semi;colon'] },
    ],
  },
  {
    // A symlink loop (an operator's `ln -s hand hand`) where the package has a folder: rpm cannot stat through it
    // and the element fails; the link stays.
    name: 'a symlink loop where the package has a folder',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one') },
    steps: [sh('mkdir -p opt; ln -s hand opt/hand'), I('@a'), Q('-a')],
    differs: {
      aspects: ['stderr'],
      reason: LOOP_ERRNO,
      upstream: (sim) => {
        expect(sim.steps[0]?.stderr).toEqual([
          'error: unpacking of archive failed on file /opt/hand: cpio: lstat failed - Too many levels of symbolic links',
          'error: hand-1.0-1.noarch: install failed',
        ])
      },
    },
  },
  {
    // A link to nothing where the package has a folder is replaced by the folder, as an unsafe link is.
    name: 'a dangling symlink where the package has a folder',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one') },
    steps: [sh('mkdir -p opt; ln -s /nowhere opt/hand'), I('@a'), Q('-a'), { rpm: ['-V', 'hand'] }],
  },
  {
    // Above a folder the package does not own: rpm finds no folder through the link, cannot make one where the
    // link is (File exists), and the element fails.
    name: 'a dangling symlink above a folder the package does not own',
    from: 'rdbpkg',
    pkgs: { a: { name: 'deep', files: [{ path: '/srv/deep/x', data: 'x' }] } },
    steps: [sh('ln -s /nowhere srv'), I('@a'), Q('-a')],
  },
  {
    name: 'a symlink loop above a folder the package does not own',
    from: 'rdbpkg',
    pkgs: { a: { name: 'deep', files: [{ path: '/srv/deep/x', data: 'x' }] } },
    steps: [sh('ln -s srv srv'), I('@a'), Q('-a')],
  },
  {
    // -V says why a file below a loop is missing; the update fails on the looping folder; the erase removes the
    // links by their type on disk, as the rest.
    name: 'symlink loops an operator made inside an installed package: -V, an update, erase',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one'), b: handmade('2.0', 'two') },
    steps: [
      I('@a'),
      sh('rm -r opt/hand/dir/sub; ln -s sub opt/hand/dir/sub; rm opt/hand/z; ln -s z opt/hand/z'),
      { rpm: ['-V', 'hand'] },
      U('@b'),
      { rpm: ['-V', 'hand'] },
      E('hand'),
    ],
    differs: {
      aspects: ['stdout', 'stderr'],
      reason: `${LOOP_ERRNO}; and rpm 4.18 removes the touched %config file of the failed update (-V: "missing   c /opt/hand/same.conf", then its erase warns that it is gone), which upstream fixed (027ef640b) and rpm-sim follows`,
      upstream: (sim) => {
        expect(sim.steps.map((st) => [st.cmd, st.code, st.stdout, st.stderr])).toEqual([
          ['-i @a', 0, [], []],
          ['-V hand', 1, LOOP_VERIFY, []],
          [
            '-U @b',
            1,
            [],
            [
              'error: unpacking of archive failed on file /opt/hand/dir/sub: cpio: lstat failed - Too many levels of symbolic links',
              'error: hand-2.0-1.noarch: install failed',
              'error: hand-1.0-1.noarch: erase skipped',
            ],
          ],
          ['-V hand', 1, LOOP_VERIFY, []],
          ['-e hand', 0, [], []],
        ])
      },
    },
  },
  {
    // A common move: a folder of the package put on another disk, a symlink in its place. -V is quiet (the link stands
    // in for the folder), and the erase removes the package's files through it, then the link.
    name: 'a packaged folder an operator moved elsewhere behind a symlink: -V, erase',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one') },
    steps: [
      I('@a'),
      sh('mkdir -p srv; mv opt/hand/dir srv/dir; ln -s /srv/dir opt/hand/dir'),
      { rpm: ['-V', 'hand'] },
      E('hand'),
    ],
  },
  {
    // The absolute link names the root's /srv/dir, as rpm sees it from its chroot: the update writes through it and
    // keeps it (a root-owned link to a folder stands in for the folder), --restore puts the modes back through it.
    name: 'an update and --restore with a packaged folder moved elsewhere behind an absolute symlink',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one'), b: handmade('2.0', 'two') },
    steps: [
      I('@a'),
      sh('mkdir -p srv; mv opt/hand/dir srv/dir; ln -s /srv/dir opt/hand/dir; chmod 700 srv/dir/f'),
      U('@b'),
      { rpm: ['-V', 'hand'] },
      sh('chmod 600 srv/dir/f'),
      { rpm: ['--restore', 'hand'] },
      { rpm: ['-V', 'hand'] },
    ],
  },
  {
    // The same with a relative link; then the link is removed by hand, and the next update writes the folder again.
    name: 'an update with a packaged folder moved behind a relative symlink, then the link removed by hand',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one'), b: handmade('2.0', 'two'), c: handmade('3.0', 'three') },
    steps: [
      I('@a'),
      sh('mkdir -p srv; mv opt/hand/dir srv/dir; ln -s ../../srv/dir opt/hand/dir'),
      U('@b'),
      { rpm: ['-V', 'hand'] },
      sh('rm opt/hand/dir'),
      { rpm: ['-V', 'hand'] },
      U('@c'),
      { rpm: ['-V', 'hand'] },
    ],
  },
  {
    // A copy put over one member of a hard-linked pair (-V: its mtime), and a link an operator added to a packaged
    // file: the update makes the pair one file again, and the erase leaves the operator's link.
    name: 'hard links an operator broke or added, then an update and erase',
    from: 'rdbpkg',
    pkgs: { a: odd('1.0', 'one'), b: odd('2.0', 'two') },
    steps: [
      I('@a'),
      sh(
        "cp opt/odd/two/h opt/odd/two/h.tmp && mv opt/odd/two/h.tmp opt/odd/two/h; ln 'opt/odd/semi;colon' opt/odd/mylink",
      ),
      { rpm: ['-V', 'odd'] },
      U('@b'),
      { rpm: ['-V', 'odd'] },
      E('odd'),
    ],
  },
  {
    // An update brings a new folder where an operator keeps a file nothing owns.
    name: 'a file nothing owns where an update brings a new folder',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one'), b: withPlugins(handmade('2.0', 'two')) },
    steps: [I('@a'), sh("printf 'operator file\\n' > opt/hand/plugins"), U('@b'), Q('-a'), { rpm: ['-V', 'hand'] }],
    differs: {
      aspects: ['code', 'stdout', 'stderr', 'tree', 'qa'],
      reason:
        "rpm removes the operator's file and installs the update; rpm-sim keeps the file and refuses the update before it changes anything, in one line naming the path, as nothing an operator wrote is lost (a file that was the old version's folder is replaced, as in rpm: see the row of a packaged folder an operator replaced by a file)",
      upstream: (sim) => {
        expect(sim.steps[1]?.code).toBe(1)
        expect(sim.steps[1]?.stderr).toEqual([
          expect.stringMatching(/^error: .*\/opt\/hand\/plugins: expected a directory, found another file type$/),
        ])
        expect(sim.qa).toEqual(['hand-1.0-1.noarch'])
        expect(sim.tree['/opt/hand/plugins']).toMatch(/^file 644 /)
      },
    },
  },
  {
    // Changes an operator made that rpm takes in its stride: a %config file's mode (its content unchanged), a
    // symlink replaced by a file (not config: replaced).
    name: 'a %config file whose mode an operator changed, a symlink an operator replaced by a file',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one'), b: handmade('2.0', 'two') },
    steps: [
      I('@a'),
      sh('chmod 600 opt/hand/same.conf; rm opt/hand/link; echo mine > opt/hand/link'),
      { rpm: ['-V', 'hand'] },
      U('@b'),
      { rpm: ['-V', 'hand'] },
      E('hand'),
    ],
  },
  {
    // Our own: set-id bits and capabilities on files of an existing owner other than root. The kernel drops a
    // file's set-id bits and capabilities when its owner changes, so an installer must set the owner first (rpm's
    // fsmSetmeta: chown, then chmod, then the capabilities). Upgrade, -V and erase too.
    name: 'set-id bits and capabilities on files of a user other than root survive the owner being set',
    from: 'rdbpkg',
    pkgs: { a: setIds('1.0', 'one'), b: setIds('2.0', 'two') },
    steps: [
      sh('mkdir -p etc; echo "svc:x:991:991::/:/bin/sh" >> etc/passwd; echo "svc:x:991:" >> etc/group'),
      I('@a'),
      sh('getcap opt/ids/caps > caps.log'),
      { rpm: ['-V', 'ids'] },
      U('@b'),
      sh('getcap opt/ids/caps >> caps.log'),
      { rpm: ['-V', 'ids'] },
      sh('chmod u-s opt/ids/suid; setcap -r opt/ids/caps'),
      { rpm: ['-V', 'ids'] },
      { rpm: ['--restore', 'ids'] },
      sh('getcap opt/ids/caps >> caps.log'),
      { rpm: ['-V', 'ids'] },
      E('ids'),
    ],
  },
  {
    // Our own: %ghost %config files, as services keep runtime settings and logs: made by %post or an operator, never
    // in the payload. An upgrade leaves them as they are, -V checks only what %ghost leaves checked, and an erase
    // removes them (an edited %ghost %config is not saved as .rpmsave); a %verify(not ...) config is quiet in -V.
    name: '%ghost %config files through an upgrade, -V and erase',
    from: 'rdbpkg',
    pkgs: { a: ghostCfg('1.0', 'one'), b: ghostCfg('2.0', 'two') },
    steps: [
      I('@a'),
      sh('echo runtime > etc/gc/runtime.conf; echo log > var/log/gc.log; echo edited >> etc/gc/loose.conf'),
      { rpm: ['-V', 'gc'] },
      U('@b'),
      { rpm: ['-V', 'gc'] },
      sh(
        'ls var/log etc/gc > ls.log; echo more >> etc/gc/runtime.conf; chmod 600 etc/gc/runtime.conf; rm -f var/log/gc.log',
      ),
      { rpm: ['-V', 'gc'] },
      E('gc'),
    ],
  },
  {
    // Our own: an update that changes what a file is marked as, each file edited by the operator before it: a
    // %config that is no longer one, a plain file that becomes %config (and %config(noreplace)), a %config that
    // becomes %ghost, a %ghost that becomes a %config the payload carries, and back again.
    name: "an update changes files' markings: %config, %config(noreplace), %ghost, plain",
    from: 'rdbpkg',
    pkgs: { a: marks('1.0', 'one', 0), b: marks('2.0', 'two', 1) },
    steps: [
      I('@a'),
      sh('for f in c2p p2c p2n c2g n2p; do echo edited >> opt/mk/$f; done; echo made > opt/mk/g2c'),
      U('@b'),
      { rpm: ['-V', 'mk'] },
      sh('for f in c2p p2c p2n n2p; do echo again >> opt/mk/$f; done'),
      U('--oldpackage', '@a'),
      { rpm: ['-V', 'mk'] },
      E('mk'),
    ],
  },
  {
    // Our own: a %config(noreplace) file two packages share, which the operator edited. An update of one package that
    // keeps the file as it was leaves the edit; one that changes it conflicts with the other package's copy; erasing
    // one package leaves the file to the other, erasing both saves the edit.
    name: 'a %config file two packages share, edited by the operator, through updates and erases',
    from: 'rdbpkg',
    pkgs: {
      a1: shareCfg('sa', '1.0', 'shared v1'),
      a2: shareCfg('sa', '2.0', 'shared v1'),
      a3: shareCfg('sa', '3.0', 'shared v3'),
      b1: shareCfg('sb', '1.0', 'shared v1'),
    },
    steps: [
      I('@a1', '@b1'),
      sh('echo edited >> etc/shared.conf'),
      U('@a2'),
      { rpm: ['-V', 'sa', 'sb'] },
      U('@a3'),
      U('--replacefiles', '@a3'),
      { rpm: ['-V', 'sa', 'sb'] },
      E('sb'),
      { rpm: ['-V', 'sa'] },
      E('sa'),
    ],
  },
  {
    // Our own: a path left out at install (--excludepath), then updates with and without it, --justdb and --test
    // updates, and erases with --justdb and --noscripts: what is on disk, the file states and -V after each.
    name: '--excludepath, --justdb and --test through updates and erases',
    from: 'rdbpkg',
    pkgs: { a: handmade('1.0', 'one'), b: handmade('2.0', 'two'), c: handmade('3.0', 'three') },
    steps: [
      I('--excludepath', '/opt/hand/dir', '@a'),
      { rpm: ['-q', '--qf', '[%{FILESTATES:fstate} %{FILENAMES}\\n]', 'hand'] },
      U('@b'),
      { rpm: ['-q', '--qf', '[%{FILESTATES:fstate} %{FILENAMES}\\n]', 'hand'] },
      U('--excludepath', '/opt/hand/dir/sub', '@c'),
      { rpm: ['-V', 'hand'] },
      U('--justdb', '--oldpackage', '@b'),
      { rpm: ['-V', 'hand'] },
      U('--test', '@c'),
      E('--justdb', 'hand'),
      Q('-a'),
    ],
  },
  {
    // Our own: what operators type, -ivh, -Uvh and -evh (rpm's hash marks and the Preparing..., Updating /
    // installing..., Cleaning up / removing... lines), with two packages, a failing one, and --test.
    name: 'hash marks: -ivh, -Uvh, -evh',
    from: 'rdbpkg',
    pkgs: {
      a: handmade('1.0', 'one'),
      b: handmade('2.0', 'two'),
      o: odd('1.0', 'x'),
      f: { name: 'fails', files: [{ path: '/opt/fails/x', data: 'x' }], scripts: { pre: 'exit 1' } },
    },
    steps: [
      { rpm: ['-ivh', '@a', '@o'] },
      { rpm: ['-Uvh', '--test', '@b'] },
      { rpm: ['-Uvh', '@b', '@f'] },
      { rpm: ['-Uh', '--oldpackage', '@a'] },
      { rpm: ['-ih', '--test', '@b'] },
      { rpm: ['-Fvh', '@o'] },
      { rpm: ['-Uv', '@b'] },
      { rpm: ['-evh', '--test', 'hand', 'nosuch'] },
      { rpm: ['-eh', 'odd'] },
      { rpm: ['-evh', 'hand'] },
    ],
  },
]

// A package an operator edits by hand between versions: `a` first and `z` last among its files, a folder, a
// %config file, a symlink; `data` the version's content.
function handmade(version: string, data: string): PkgDef {
  return {
    name: 'hand',
    version,
    files: [
      { path: '/opt/hand', type: 'dir' },
      { path: '/opt/hand/a', data },
      { path: '/opt/hand/dir', type: 'dir' },
      { path: '/opt/hand/dir/f', data },
      { path: '/opt/hand/dir/sub', type: 'dir' },
      { path: '/opt/hand/dir/sub/g', data },
      { path: '/opt/hand/link', type: 'link', target: data },
      { path: '/opt/hand/same.conf', data: 'same', attr: '%config' },
      { path: '/opt/hand/z', data },
    ],
  }
}

// A folder, a program, a %config file and a symlink whose contents never change; `attrs` the %attr of the first
// three (mode,user,group).
function meta(version: string, attrs: [string, string, string]): PkgDef {
  const [dir, tool, conf] = attrs
  return {
    name: 'meta',
    version,
    files: [
      { path: '/opt/meta', type: 'dir', attr: `%attr(${dir})` },
      { path: '/opt/meta/tool', data: 'tool', attr: `%attr(${tool})` },
      { path: '/opt/meta/conf', data: 'conf', attr: `%config %attr(${conf})` },
      { path: '/opt/meta/link', type: 'link', target: 'tool' },
    ],
  }
}

// Modes, owners and link counts of the meta package's files, appended to the compared log.
function metaStat(): { sh: string } {
  return sh('stat -c "%a %u %g %h %n" opt/meta opt/meta/tool opt/meta/conf >> log')
}

// The link counts and sizes of the big files, appended to the compared log.
function bigLinks(): { sh: string } {
  return sh('stat -c "%h %s %n" opt/big/blob opt/big/twin opt/big/noreplace.conf etc/big/big.conf >> log')
}

// Files of 1.2 to 2.6 MB (lines of `tag ...`), a hard link to one of them, and two config files.
function big(version: string, tag: string): PkgDef {
  return {
    name: 'big',
    version,
    files: [
      { path: '/opt/big', type: 'dir' },
      { path: '/opt/big/blob', data: `${tag} blob line`, lines: 150_000 },
      { path: '/opt/big/twin', type: 'hardlink', target: '/opt/big/blob' },
      { path: '/opt/big/noreplace.conf', data: `${tag} noreplace`, lines: 120_000, attr: '%config(noreplace)' },
      { path: '/etc/big', type: 'dir' },
      { path: '/etc/big/big.conf', data: `${tag} conf line`, lines: 100_000, attr: '%config' },
    ],
  }
}

// Config files that change between versions (%config, %config(noreplace)) and one the same in both.
function cfgs(version: string): PkgDef {
  return {
    name: 'cfgs',
    version,
    files: [
      { path: '/opt/cfg', type: 'dir' },
      { path: '/opt/cfg/c.conf', data: `c ${version}`, attr: '%config' },
      { path: '/opt/cfg/n.conf', data: `n ${version}`, attr: '%config(noreplace)' },
      { path: '/opt/cfg/s.conf', data: 'same', attr: '%config' },
    ],
  }
}

// Names with spaces, non-ASCII letters and a semicolon, a sticky and a setgid folder, a hard link pair in two folders.
function odd(version: string, data: string): PkgDef {
  return {
    name: 'odd',
    version,
    files: [
      { path: '/opt/odd', type: 'dir' },
      { path: '/opt/odd/with space', type: 'dir' },
      { path: '/opt/odd/with space/ü ñ.txt', data },
      { path: '/opt/odd/semi;colon', data },
      { path: '/opt/odd/tmp', type: 'dir', attr: '%attr(1777,root,root)' },
      { path: '/opt/odd/shared', type: 'dir', attr: '%attr(2775,root,daemon)' },
      { path: '/opt/odd/one', type: 'dir' },
      { path: '/opt/odd/one/h', data: `${data} linked` },
      { path: '/opt/odd/two', type: 'dir' },
      { path: '/opt/odd/two/h', type: 'hardlink', target: '/opt/odd/one/h' },
    ],
  }
}

// The package with a new folder of plugins, as a later version brings one.
function withPlugins(p: PkgDef): PkgDef {
  return {
    ...p,
    files: [...(p.files ?? []), { path: '/opt/hand/plugins', type: 'dir' }, { path: '/opt/hand/plugins/p', data: 'p' }],
  }
}

// Files of the user svc with set-id bits and capabilities (the row that adds svc to the root's passwd first).
function setIds(version: string, data: string): PkgDef {
  return {
    name: 'ids',
    version,
    files: [
      { path: '/opt/ids', type: 'dir', attr: '%attr(2770,svc,svc)' },
      { path: '/opt/ids/suid', data, attr: '%attr(4755,svc,svc)' },
      { path: '/opt/ids/sgid', data, attr: '%attr(2711,svc,svc)' },
      { path: '/opt/ids/both', data, attr: '%attr(6750,svc,root)' },
      { path: '/opt/ids/caps', data, attr: '%attr(0750,svc,svc) %caps(cap_net_bind_service=ep)' },
    ],
  }
}

// %ghost %config files (one noreplace), a %ghost log, and a config -V leaves alone (%verify(not md5 size mtime)).
function ghostCfg(version: string, data: string): PkgDef {
  return {
    name: 'gc',
    version,
    files: [
      { path: '/etc/gc', type: 'dir' },
      { path: '/etc/gc/main.conf', data, attr: '%config(noreplace)' },
      { path: '/etc/gc/runtime.conf', type: 'none', attr: '%ghost %config(noreplace)' },
      { path: '/etc/gc/state.conf', type: 'none', attr: '%ghost %config' },
      { path: '/etc/gc/loose.conf', data, attr: '%config %verify(not md5 size mtime)' },
      { path: '/var/log/gc.log', type: 'none', attr: '%ghost %attr(0640,root,root)' },
    ],
  }
}

// Files whose marking version `v` (0 or 1) changes: c2p %config then plain, p2c plain then %config, p2n plain then
// %config(noreplace), c2g %config then %ghost, g2c %ghost then %config, n2p %config(noreplace) then plain.
function marks(version: string, data: string, v: 0 | 1): PkgDef {
  const f = (name: string, attrs: [string, string]) => {
    const attr = attrs[v]
    return attr === '%ghost'
      ? { path: `/opt/mk/${name}`, type: 'none' as const, attr }
      : { path: `/opt/mk/${name}`, data: `${data} ${name}`, ...(attr !== '' ? { attr } : {}) }
  }
  return {
    name: 'mk',
    version,
    files: [
      { path: '/opt/mk', type: 'dir' },
      f('c2p', ['%config', '']),
      f('p2c', ['', '%config']),
      f('p2n', ['', '%config(noreplace)']),
      f('c2g', ['%config', '%ghost']),
      f('g2c', ['%ghost', '%config']),
      f('n2p', ['%config(noreplace)', '']),
    ],
  }
}

// One of two packages that share /etc/shared.conf (%config(noreplace)).
function shareCfg(name: string, version: string, data: string): PkgDef {
  return {
    name,
    version,
    files: [
      { path: '/etc/shared.conf', data, attr: '%config(noreplace)' },
      { path: `/opt/${name}`, data: `${name} ${version}` },
    ],
  }
}
