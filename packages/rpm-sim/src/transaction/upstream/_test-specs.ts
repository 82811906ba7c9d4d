// The packages and steps rpm's test suite (tests/data/SPECS, tests/*.at) builds its scenarios from, as PkgDef
// rows for the upstream oracle (upstream-oracle.test.ts), and the step shorthands the tables use.
import type { PkgDef, SpecFile } from '../../_test-scenario.js'
import { FILE_TRIGGER_KINDS } from '../../format/model.js'

// tests/data/SPECS/replacetest.spec: /opt/foo as a file, link, dir or dir with data, beside /opt/goo and /opt/zoo.
export function replacetest(
  ver: string,
  type: 'file' | 'link' | 'dir' | 'datadir',
  data = '',
  extra: Partial<PkgDef> = {},
): PkgDef {
  const foo: SpecFile[] =
    type === 'file'
      ? [{ path: '/opt/foo', data }]
      : type === 'link'
        ? [{ path: '/opt/foo', type: 'link', target: data }]
        : type === 'dir'
          ? [{ path: '/opt/foo', type: 'dir', recursive: true }]
          : [
              { path: '/opt/foo', type: 'dir', recursive: true },
              { path: `/opt/foo/${data}`, data: 'WOOT', unlisted: true },
            ]
  return {
    name: 'replacetest',
    version: ver,
    files: [...foo, { path: '/opt/goo', data: 'FOO' }, { path: '/opt/zoo', type: 'dir', recursive: true }],
    ...extra,
  }
}
// tests/data/SPECS/symlinktest.spec: /usr/share/symlinktest a directory, or a link to ../lib/symlinktest.
export function symlinktest(rel: string, link: boolean): PkgDef {
  const files: SpecFile[] = link
    ? [
        { path: '/usr/lib/symlinktest', type: 'dir', recursive: true },
        { path: '/usr/lib/symlinktest/README', data: 'symlinktest', unlisted: true },
        { path: '/usr/share/symlinktest', type: 'link', target: '../lib/symlinktest' },
      ]
    : [
        { path: '/usr/share/symlinktest', type: 'dir', recursive: true },
        { path: '/usr/share/symlinktest/README', data: 'symlinktest', unlisted: true },
      ]
  return { name: 'symlinktest', release: rel, files }
}
export const conflict = (pkg: string, data: string, attr?: string): PkgDef => ({
  name: `conflict${pkg}`,
  files: [{ path: '/usr/share/my.version', data, ...(attr ? { attr } : {}) }],
})
// A package for --restore: files of each type, a doc, a config, an unknown setuid owner, an empty directory.
export const restoretest = (): PkgDef => ({
  name: 'hello',
  files: [
    { path: '/usr/local/bin/hello', data: 'hello', attr: '%attr(0755,root,root)' },
    { path: '/usr/share/doc/hello-1.0/FAQ', data: 'faq', attr: '%doc' },
    { path: '/usr/share/doc/hello-1.0', type: 'dir' },
    { path: '/etc/r.conf', data: 'conf', attr: '%config' },
    { path: '/opt/r', type: 'dir' },
    { path: '/opt/r/dir', type: 'dir', attr: '%attr(0755,-,-)' },
    { path: '/opt/r/empty', type: 'dir' },
    { path: '/opt/r/file', data: 'file' },
    { path: '/opt/r/link', type: 'link', target: 'file' },
    { path: '/opt/r/link2', type: 'link', target: 'nowhere' },
    { path: '/opt/r/setuid', data: 's', attr: '%attr(4755,nosuch,root)' },
    { path: '/opt/r/ghost', type: 'none', attr: '%ghost' },
  ],
})
export const conffile = (data: string): SpecFile => ({ path: '/etc/cfg/a.conf', data, attr: '%config' })
// tests/data/SPECS/deptest.spec: deptest-NAME with one file, the same in each, and a dependency line.
export const deptest = (pkg: string, preamble?: string): PkgDef => ({
  name: `deptest-${pkg}`,
  files: [{ path: '/opt/bar', data: 'FOO' }],
  ...(preamble !== undefined ? { preamble } : {}),
})
// tests/data/SPECS/pamupdate.spec (upstream, after 4.18): two unchanged %config files and a directory below /var/run.
export const pamupdate = (rel: string): PkgDef => ({
  name: 'pamupdate',
  release: rel,
  files: [
    { path: '/etc/my.conf', data: 'AAAA', attr: '%config' },
    { path: '/etc/your.conf', data: 'BBBB', attr: '%config' },
    { path: '/var/run/faillock', type: 'dir' },
  ],
})
export const log = (tag: string): string => `echo "${tag} $*" >> /log`
export const allScripts = (tag: string): PkgDef['scripts'] =>
  Object.fromEntries(['pretrans', 'pre', 'post', 'preun', 'postun', 'posttrans'].map((k) => [k, log(`${tag} ${k}`)]))
// rpmscript.at's filetriggers.spec without its Lua triggers: each kind on each prefix logs its $* and its input.
export const fileTriggers = (prefixes: string[]): NonNullable<PkgDef['triggers']> =>
  prefixes.flatMap((on) =>
    FILE_TRIGGER_KINDS.map((kind) => ({
      kind,
      on,
      body: `echo "${kind}(${on}*): $*" >> /log; cat >> /log; echo >> /log`,
    })),
  )
// vattrtest.spec's files of each attribute rows here ask about (each row adds its own)
export const VATTRTEST: SpecFile[] = [
  { path: '/opt/vattrtest', type: 'dir' },
  { path: '/opt/vattrtest/a', data: 'a', attr: '%artifact' },
  { path: '/opt/vattrtest/c', data: 'c', attr: '%config' },
  { path: '/opt/vattrtest/cn', data: 'cn', attr: '%config(noreplace)' },
  { path: '/opt/vattrtest/d', data: 'd', attr: '%doc' },
  { path: '/opt/vattrtest/l', data: 'l', attr: '%license' },
]
// hlinktest.spec's /foo: hello with three hard links, copyllo, aaaa with one.
export const HLINKTEST: SpecFile[] = [
  { path: '/foo/hello', data: '#!/bin/sh' },
  { path: '/foo/copyllo', data: '#!/bin/sh' },
  { path: '/foo/aaaa', data: '#!/bin/sh' },
  { path: '/foo/zzzz', type: 'hardlink', target: '/foo/aaaa' },
  ...['foo', 'bar', 'world'].map(
    (f): SpecFile => ({ path: `/foo/hello-${f}`, type: 'hardlink', target: '/foo/hello' }),
  ),
]
// parallel.spec: /opt/parallel/VERSION/{mydir,yourdir}/{1..4}, and its -trigger subpackage counting its input.
export const parallel = (version: string): PkgDef => ({
  name: 'parallel',
  version,
  files: [
    { path: '/opt/parallel', type: 'dir', recursive: true },
    ...['mydir', 'yourdir'].flatMap((d) =>
      ['1', '2', '3', '4'].map(
        (f): SpecFile => ({ path: `/opt/parallel/${version}/${d}/${f}`, data: f, unlisted: true }),
      ),
    ),
  ],
})
export const parallelTrigger = (version: string): PkgDef => ({
  name: 'parallel-trigger',
  version,
  triggers: (
    [
      'transfiletriggerin',
      'transfiletriggerun',
      'transfiletriggerpostun',
      'filetriggerin',
      'filetriggerpostun',
    ] as const
  ).map((kind) => ({ kind, on: '/opt/parallel', body: `echo %${kind}: $* >> /log; cat | wc -l >> /log` })),
})
export const U = (...a: string[]) => ({ rpm: ['-U', ...a] })
export const I = (...a: string[]) => ({ rpm: ['-i', ...a] })
export const E = (...a: string[]) => ({ rpm: ['-e', ...a] })
export const sh = (s: string) => ({ sh: s })
export const Q = (...a: string[]) => ({ rpm: ['-q', ...a] })

// A package whose files sit below /opt/sd, where the scenarios put a directory symlink, and one elsewhere.
export const SYMDIR_PKGS: Record<string, PkgDef> = {
  a: {
    name: 'symdir',
    files: [
      { path: '/opt/sd/sub/file', data: 'x' },
      { path: '/opt/sd/sub', type: 'dir' },
    ],
  },
  b: { name: 'other', files: [{ path: '/opt/o', data: 'o' }] },
}
// Two versions of one name and a longer name with an epoch: what label and -qa patterns tell apart.
export const PATTERN_PKGS: Record<string, PkgDef> = {
  a: { name: 'pat', version: '1.0', release: '1', files: [{ path: '/opt/pat/a', data: 'a' }] },
  b: { name: 'pat', version: '1.1', release: '2', files: [{ path: '/opt/pat/b', data: 'b' }] },
  c: { name: 'patrol', version: '2.10', release: '3', epoch: 2, files: [{ path: '/opt/patrol', data: 'c' }] },
}
// One element per transaction, so the database's order, what -q and -qa list matches in, is a, b, c (one command
// would install them in reverse, as rpm orders independent packages).
export const INSTALL_PATTERN_PKGS = [I('@a'), I('@b'), I('@c')]

// rpm's tests/data/RPMS/hello-2.0-1.{i686,x86_64}.rpm: an ELF /usr/bin/hello of the arch's class (color 1 or 2,
// linked to the soname it provides) and three %doc files.
export const hello = (arch: 'i686' | 'x86_64'): PkgDef => ({
  name: 'hello',
  version: '2.0',
  arch,
  files: [
    { path: '/usr/bin/hello', type: arch === 'i686' ? 'elf32' : 'elf64', data: 'libhello.so.1' },
    { path: '/usr/share/doc/hello-2.0', type: 'dir', attr: '%doc', recursive: true },
    ...['COPYING', 'FAQ', 'README'].map((f) => ({ path: `/usr/share/doc/hello-2.0/${f}`, data: f, unlisted: true })),
  ],
})

// rpm's tests/data/SPECS/hello-script.spec: /usr/bin/hello as a script (no color) and a directory.
export const helloScript: PkgDef = {
  name: 'hello-script',
  files: [
    { path: '/usr/bin/hello', data: 'echo "Hello world!"' },
    { path: '/zoot', type: 'dir' },
  ],
}

// rpm's multilib switches as the upstream rows give them: `--define "_transaction_color 3"` and the preferred color.
export const colors = (transaction: number, prefer: number): string[] => [
  '--ignoreos',
  '--ignorearch',
  '--define',
  `_transaction_color ${transaction}`,
  '--define',
  `_prefer_color ${prefer}`,
]
export const FSTATES = ['--qf', '[%{filestates:fstate},]\n']
