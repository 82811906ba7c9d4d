// The upstream oracle's rows from rpm's tests/rpmdb.at (and our own rows beside them): see upstream-oracle.test.ts.
import type { Scenario } from '../../_test-scenario.js'
import { E, I, Q, U, hello, sh } from './_test-specs.js'

// rpmdb.at's flangtest.spec: one file per language, one for none and an empty one.
const flangtest = (version: string) => ({
  name: 'flangtest',
  version,
  files: [
    ...['fi', 'de', 'en', 'pl'].map((l) => ({
      path: `/usr/share/flangtest/${l}.txt`,
      data: `This is ${l} language ${version}`,
      attr: `%lang(${l})`,
    })),
    { path: '/usr/share/flangtest/none.txt', data: `This is none language ${version}` },
    { path: '/usr/share/flangtest/empty.txt', data: '' },
  ],
})

export const SCENARIOS_RPMDB: Scenario[] = [
  // ---- rpmdb.at: versions with +, ^ and ~, each installed and queried by its label in turn
  {
    name: 'rpmdb query special chars',
    from: 'rpmdb.at',
    pkgs: {
      plus: { name: 'versiontest', version: '1.0+2', files: [] },
      caret: { name: 'versiontest', version: '1.0^2', files: [] },
      tilde: { name: 'versiontest', version: '1.0~2', files: [] },
    },
    steps: [
      U('@plus'),
      Q('versiontest-1.0+2-1'),
      E('versiontest'),
      U('@caret'),
      Q('versiontest-1.0^2-1'),
      E('versiontest'),
      U('@tilde'),
      Q('versiontest-1.0~2-1'),
    ],
  },
  {
    name: 'versions with ~, ^ and + in rpm order: an upgrade goes up, an older one is refused',
    from: 'rdbpkg',
    pkgs: {
      tilde: { name: 'versiontest', version: '1.0~2', files: [] },
      base: { name: 'versiontest', version: '1.0', files: [] },
      caret: { name: 'versiontest', version: '1.0^2', files: [] },
      plus: { name: 'versiontest', version: '1.0+2', files: [] },
      next: { name: 'versiontest', version: '1.0.3', files: [] },
    },
    steps: [
      U('@tilde'),
      U('@base'),
      U('@caret'),
      // 1.0+2 sorts after 1.0^2 (a caret is below anything that follows it; + is a separator, as the dot: 1.0+2 is
      // 1.0.2), and 1.0.3 after both.
      U('@plus'),
      U('@caret'),
      U('@next'),
      U('@plus'),
      Q('versiontest'),
    ],
  },
  // ---- rpmdb.at and ours: %_install_langs, rpm's skipInstallFiles of the languages not installed
  {
    name: 'rpm -U with _install_lang and verify status',
    from: 'rpmdb.at',
    pkgs: { a: flangtest('1.0') },
    steps: [U('--define', '_install_langs de:fi', '@a'), { rpm: ['-qls', 'flangtest'] }],
  },
  {
    name: '_install_langs: a prefix of a language given, several languages per file, emptied folders, all, upgrades',
    from: 'rdbpkg',
    pkgs: {
      a: {
        name: 'langs',
        version: '1.0',
        files: [
          { path: '/opt/langs/de-fi.txt', data: 'de or fi', attr: '%lang(de,fi)' },
          { path: '/opt/langs/pl', type: 'dir', attr: '%dir' },
          { path: '/opt/langs/pl/pl.txt', data: 'pl', attr: '%lang(pl)' },
          { path: '/opt/langs/en_US.txt', data: 'en_US', attr: '%lang(en_US)' },
          { path: '/opt/langs/license.txt', data: 'license', attr: '%license %lang(pl)' },
          { path: '/opt/langs/doc.txt', data: 'doc', attr: '%doc' },
        ],
      },
      b: { name: 'langs', version: '2.0', files: [{ path: '/opt/langs/pl/pl.txt', data: 'pl 2', attr: '%lang(pl)' }] },
      c: flangtest('1.0'),
      d: flangtest('2.0'),
    },
    steps: [
      // `de_DE` and `en` given: `de` is a prefix of `de_DE`; `en_US` is not one of `en`. The %license stays.
      U('--define', '_install_langs de_DE:en', '--define', '_excludedocs 1', '@a'),
      { rpm: ['-qls', 'langs'] },
      { rpm: ['-q', '--qf', '[%{filelangs}:%{filenames}\n]', 'langs'] },
      { rpm: ['-V', 'langs'] },
      U('@b'),
      { rpm: ['-qls', 'langs'] },
      // `all` among the languages: every file.
      U('--define', '_install_langs fi:all', '@c'),
      { rpm: ['-qls', 'flangtest'] },
      U('--define', '_install_langs pl', '@d'),
      { rpm: ['-qls', 'flangtest'] },
      E('langs', 'flangtest'),
    ],
  },
  // ---- rpmdb.at: reinstalls
  {
    name: 'rpm -U --replacepkgs 1',
    from: 'rpmdb.at',
    pkgs: { foo: { name: 'foo', files: [{ path: '/opt/foo', data: 'foo' }] } },
    steps: [I('@foo'), U('--replacepkgs', '@foo'), Q('-a')],
  },
  ...(['-U --replacepkgs', '--reinstall'] as const).map(
    (mode, n): Scenario => ({
      // A reinstall with different file policies (--nodocs): the docs it now leaves out are removed, and the
      // erase that follows leaves no doc folder behind.
      name: mode === '--reinstall' ? 'rpm --reinstall 1' : 'rpm -U --replacepkgs 2',
      from: 'rpmdb.at',
      pkgs: { hello: hello('x86_64') },
      steps: [
        U('@hello'),
        { rpm: [...mode.split(' '), '--nodocs', '@hello'] },
        Q('-l', 'hello'),
        { rpm: ['-V', 'hello'] },
        E('hello'),
        sh(`test -d usr/share/doc/hello-2.0 && echo ${n} left >> log || echo ${n} gone >> log`),
      ],
    }),
  ),
]
