// The upstream oracle's rows from rpm's tests/rpmconflict.at (and our own rows beside them): see upstream-oracle.test.ts.
import type { Scenario } from '../../_test-scenario.js'
import { E, I, U, conflict, sh, symlinktest } from './_test-specs.js'

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
]
