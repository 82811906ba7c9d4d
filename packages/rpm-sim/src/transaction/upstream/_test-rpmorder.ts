// The upstream oracle's rows from rpm's tests/rpmorder.at: see upstream-oracle.test.ts. `-v` prints each element as
// it runs, so the output is the order rpm chose.
import type { PkgDef, Scenario } from '../../_test-scenario.js'

// rpmorder.at's deptest.spec: deptest-NAME owning /opt/bar (the same in each), with the dependencies given.
const deptest = (name: string, preamble?: string): PkgDef => ({
  name: `deptest-${name}`,
  files: [{ path: '/opt/bar', data: 'FOO' }],
  ...(preamble !== undefined ? { preamble } : {}),
})

// Install two, three, one in that order, then erase three, one, two (rpmorder.at's commands).
const steps = [
  { rpm: ['-Uv', '--justdb', '@two', '@three', '@one'] },
  { rpm: ['-ev', '--justdb', 'deptest-three', 'deptest-one', 'deptest-two'] },
]

export const SCENARIOS_RPMORDER: Scenario[] = [
  {
    name: 'basic install/erase order 1',
    from: 'rpmorder.at',
    pkgs: {
      one: deptest('one', 'Requires: deptest-two'),
      two: deptest('two', 'OrderWithRequires: deptest-three'),
      three: deptest('three'),
    },
    steps,
  },
  {
    // The same with weak dependencies.
    name: 'basic install/erase order 2',
    from: 'rpmorder.at',
    pkgs: {
      one: deptest('one', 'Recommends: deptest-two'),
      two: deptest('two', 'Suggests: deptest-three'),
      three: deptest('three'),
    },
    steps,
  },
  {
    // The same with weak reverse dependencies.
    name: 'basic install/erase order 3',
    from: 'rpmorder.at',
    pkgs: {
      one: deptest('one'),
      two: deptest('two', 'Supplements: deptest-one'),
      three: deptest('three', 'Enhances: deptest-two'),
    },
    steps,
  },
]

// Ours: the weak dependencies and OrderWithRequires as queries show them, from the package files and installed.
export const SCENARIOS_WEAK_DEPS_QUERY: Scenario[] = [
  {
    name: 'weak dependencies and OrderWithRequires in queries: --recommends and the like, tags, --whatrecommends',
    from: 'rdbpkg',
    pkgs: {
      w: deptest(
        'weak',
        [
          'Recommends: deptest-two >= 1.0',
          'Suggests: deptest-three',
          'Supplements: deptest-one',
          'Enhances: deptest-two < 2',
          'OrderWithRequires: deptest-three = 1.0-1',
        ].join('\n'),
      ),
    },
    steps: [
      { rpm: ['-qp', '--recommends', '--suggests', '--supplements', '--enhances', '@w'] },
      { rpm: ['-U', '--nodeps', '@w'] },
      { rpm: ['-q', '--recommends', '--suggests', '--supplements', '--enhances', 'deptest-weak'] },
      {
        rpm: [
          '-q',
          '--qf',
          '[%{RECOMMENDNAME} %{RECOMMENDFLAGS} %{RECOMMENDVERSION}\\n][%{ORDERNAME} %{ORDERFLAGS:depflags} %{ORDERVERSION}\\n][%{ENHANCENEVRS}\\n]',
          'deptest-weak',
        ],
      },
      { rpm: ['-q', '--whatrecommends', 'deptest-two'] },
      { rpm: ['-q', '--whatsuggests', 'deptest-three'] },
      { rpm: ['-q', '--whatsupplements', 'deptest-one'] },
      { rpm: ['-q', '--whatenhances', 'deptest-two'] },
      { rpm: ['-q', '--whatenhances', 'nothing'] },
    ],
  },
]
