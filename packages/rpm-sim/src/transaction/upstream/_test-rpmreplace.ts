// The upstream oracle's rows from rpm's tests/rpmreplace.at (and our own rows beside them): see upstream-oracle.test.ts.
import type { Scenario } from '../../_test-scenario.js'
import { U, replacetest, sh } from './_test-specs.js'

export const SCENARIOS_RPMREPLACE: Scenario[] = [
  // ---- rpmreplace.at
  {
    name: 'upgrade to/from regular file',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'file', 'foo'), b: replacetest('2.0', 'file', 'bar') },
    steps: [U('@a'), U('@b'), U('--oldpackage', '@a')],
  },
  {
    name: 'upgrade regular file to/from broken link',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'file', 'foo'), b: replacetest('2.0', 'link', 'stuff') },
    steps: [U('@a'), U('@b'), U('--oldpackage', '@a')],
  },
  {
    name: 'upgrade regular file to/from file link',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'file', 'foo'), b: replacetest('2.0', 'link', 'goo') },
    steps: [U('@a'), U('@b'), U('--oldpackage', '@a')],
  },
  {
    name: 'upgrade broken link to broken link',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'link', 'stiff'), b: replacetest('2.0', 'link', 'stuff') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade file link to file link',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'link', 'goo'), b: replacetest('2.0', 'link', 'goo') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade directory link to directory link',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'link', 'zoo'), b: replacetest('2.0', 'link', 'zoo') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade regular file to directory',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'file', 'foo'), b: replacetest('2.0', 'dir') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade broken link to directory',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'link', 'other'), b: replacetest('2.0', 'dir') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade file link to directory',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'link', 'goo'), b: replacetest('2.0', 'dir') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade directory link to directory',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'link', 'zoo'), b: replacetest('2.0', 'dir') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade empty directory to empty directory',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'dir'), b: replacetest('2.0', 'dir') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade empty directory to regular file',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'dir'), b: replacetest('2.0', 'file', 'foo') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade empty directory to broken link',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'dir'), b: replacetest('2.0', 'link', 'woot') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade empty directory to file link',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'dir'), b: replacetest('2.0', 'link', 'goo') },
    steps: [U('@a'), U('@b')],
  },
  {
    // Upstream's %pretrans is Lua (posix.rmdir); a shell one does the same here (rpm-sim has no Lua).
    name: 'upgrade empty directory to file link with pretrans',
    from: 'rpmreplace.at',
    pkgs: {
      a: replacetest('1.0', 'dir'),
      b: replacetest('2.0', 'link', 'goo', { scripts: { pretrans: 'rmdir /opt/foo' } }),
    },
    steps: [U('@a'), U('--test', '@b'), U('@b')],
  },
  {
    name: 'upgrade directory with data to a file',
    from: 'rpmreplace.at (variant)',
    pkgs: { a: replacetest('1.0', 'datadir', 'README1'), b: replacetest('2.0', 'file', 'foo') },
    steps: [U('@a'), U('@b')],
  },
  {
    name: 'upgrade locally symlinked directory',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'datadir', 'README1'), b: replacetest('2.0', 'datadir', 'README2') },
    steps: [sh('mkdir -p opt/f00f && ln -s f00f opt/foo'), U('@a'), U('@b')],
  },
  {
    // rpm's safe-symlink rule (CVE-2021-35939): a link owned by neither root nor the directory's owner is replaced.
    name: 'upgrade invalid locally symlinked directory (link owned by another user)',
    from: 'rpmreplace.at',
    pkgs: { a: replacetest('1.0', 'datadir', 'README1'), b: replacetest('2.0', 'datadir', 'README2') },
    steps: [sh('mkdir -p opt/f00f && ln -s f00f opt/foo && chown -h 1234:1234 opt/foo'), U('@a'), U('@b')],
  },
]
