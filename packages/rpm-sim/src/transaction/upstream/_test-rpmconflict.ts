// The upstream oracle's rows from rpm's tests/rpmconflict.at (and our own rows beside them): see upstream-oracle.test.ts.
import type { Scenario } from '../../_test-scenario.js'
import { E, FSTATES, I, Q, U, colors, conflict, hello, helloScript, sh, symlinktest } from './_test-specs.js'

export const SCENARIOS_RPMCONFLICT: Scenario[] = [
  // ---- rpmconflict.at
  {
    name: 'packages with file conflicts',
    from: 'rpmconflict.at',
    pkgs: { a: conflict('a', 'aaaa-1'), b: conflict('b', 'bbbb-1') },
    steps: [I('@a', '@b'), I('@a'), I('@b'), I('--replacefiles', '@b'), E('conflicta')],
  },
  {
    name: 'shareable files',
    from: 'rpmconflict.at',
    pkgs: { a: conflict('a', 'same'), b: conflict('b', 'same') },
    steps: [I('@a', '@b'), E('conflicta'), E('conflictb')],
  },
  {
    name: 'shared ghost beside a real file does not conflict',
    from: 'rpmconflict.at: real file with shared ghost',
    pkgs: { a: conflict('a', 'real'), b: conflict('b', '', '%ghost') },
    steps: [I('@a', '@b'), E('conflictb')],
  },
  {
    name: 'ghost and real file, other order and separate transactions',
    from: 'rpmconflict.at: real file with shared ghost',
    pkgs: { a: conflict('a', 'real'), b: conflict('b', '', '%ghost') },
    steps: [I('@b'), I('@a'), E('conflicta')],
  },
  {
    // Two files of one package reach the same place through a directory symlink in the root: a self-conflict.
    name: 'non-conflicting and conflicting identical basenames',
    from: 'rpmconflict.at',
    pkgs: {
      a: {
        name: 'selfconflict',
        files: [
          { path: '/opt/mydir', type: 'dir', recursive: true },
          { path: '/opt/mydir/one/somefile', data: 'foo', unlisted: true },
          { path: '/opt/mydir/two/somefile', data: 'bar', unlisted: true },
        ],
      },
    },
    steps: [U('--test', '@a'), sh('mkdir -p opt/mydir/one && ln -s one opt/mydir/two'), U('@a')],
  },
  {
    name: 'replacing directory with symlink',
    from: 'rpmconflict.at',
    pkgs: { a: symlinktest('1', false), b: symlinktest('2', true) },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'replacing symlink with directory',
    from: 'rpmconflict.at',
    pkgs: { a: symlinktest('1', true), b: symlinktest('2', false) },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'conflict between two installs reached through a directory symlink',
    from: 'rdbpkg',
    pkgs: {
      l: {
        name: 'linker',
        files: [
          { path: '/opt/real', type: 'dir' },
          { path: '/opt/alias', type: 'link', target: 'real' },
        ],
      },
      a: { name: 'via-alias', files: [{ path: '/opt/alias/x', data: 'one' }] },
      b: { name: 'via-real', files: [{ path: '/opt/real/x', data: 'two' }] },
    },
    // rpm orders the two independent packages in reverse (via-real first), so via-alias is the one that conflicts.
    steps: [I('@l'), I('@a', '@b'), I('@a'), I('@b')],
  },
  // ---- rpmconflict.at: multilib (colored ELF files; the 64- or 32-bit build's file wins, the other is `wrong color`)
  ...[2, 1].flatMap((prefer): Scenario[] => {
    const bits = prefer === 2 ? '64bit' : '32bit'
    const pkgs = { i: hello('i686'), x: hello('x86_64') }
    return [
      {
        name: `multilib elf conflict, prefer ${bits} 1`,
        from: 'rpmconflict.at',
        pkgs,
        steps: [U(...colors(3, prefer), '@i', '@x'), Q(...FSTATES, 'hello.i686', 'hello.x86_64')],
      },
      {
        name: `multilib elf conflict, prefer ${bits} 2`,
        from: 'rpmconflict.at',
        pkgs,
        steps: [
          U(...colors(3, prefer), '@i'),
          Q(...FSTATES, 'hello.i686'),
          U(...colors(3, prefer), '@x'),
          Q(...FSTATES, 'hello.i686', 'hello.x86_64'),
        ],
      },
      {
        name: `multilib elf conflict, prefer ${bits} 3`,
        from: 'rpmconflict.at',
        pkgs,
        steps: [
          U(...colors(3, prefer), '@x'),
          Q(...FSTATES, 'hello.x86_64'),
          U(...colors(3, prefer), '@i'),
          Q(...FSTATES, 'hello.i686', 'hello.x86_64'),
        ],
      },
    ]
  }),
  {
    name: 'multilib elf vs non-elf file conflict 1',
    from: 'rpmconflict.at',
    pkgs: { x: hello('x86_64'), s: helloScript },
    steps: [U(...colors(3, 2), '@x', '@s')],
  },
  {
    name: 'multilib elf vs non-elf file conflict 2',
    from: 'rpmconflict.at',
    pkgs: { x: hello('x86_64'), s: helloScript },
    steps: [U(...colors(3, 2), '@x'), U(...colors(3, 2), '@s')],
  },
  {
    name: 'multilib elf vs non-elf file conflict 3',
    from: 'rpmconflict.at',
    pkgs: { x: hello('x86_64'), s: helloScript },
    steps: [U(...colors(3, 2), '@s'), U(...colors(3, 2), '@x')],
  },
  {
    name: 'multilib without colors: the other build is replaced, one version added once',
    from: 'rdbpkg',
    pkgs: { i: hello('i686'), x: hello('x86_64') },
    steps: [U(...colors(0, 2), '@i', '@x'), U(...colors(0, 2), '@i'), U(...colors(3, 2), '@x'), Q('hello')],
  },
  {
    // rpm's skipInstallFiles counts a file of a color the transaction does not install as left out of its folder:
    // a listed folder holding nothing else is not installed either.
    name: 'a folder holding only files of a color not installed is not installed',
    from: 'rdbpkg',
    pkgs: {
      l: {
        name: 'lib32only',
        arch: 'i686',
        files: [
          { path: '/opt/lib32', type: 'dir' },
          { path: '/opt/lib32/libx.so.1', type: 'elf32', data: 'libx.so.1' },
          { path: '/opt/share', type: 'dir' },
          { path: '/opt/share/readme', data: 'r' },
        ],
      },
    },
    steps: [U(...colors(2, 2), '@l'), { rpm: ['-qs', 'lib32only'] }, E('lib32only')],
  },
]
