// The upstream oracle's rows from rpm's tests/rpmconfig3.at (and our own rows beside them): see upstream-oracle.test.ts.
import type { Scenario } from '../../_test-scenario.js'
import { U, sh } from './_test-specs.js'

export const SCENARIOS_RPMCONFIG3: Scenario[] = [
  // ---- rpmconfig3.at
  {
    name: 'upgrade config to/from non-config',
    from: 'rpmconfig3.at',
    pkgs: {
      a: { name: 'configtest', version: '1.0', files: [{ path: '/etc/my.conf', data: 'foo', attr: '%config' }] },
      b: { name: 'configtest', version: '2.0', files: [{ path: '/etc/my.conf', data: 'bar' }] },
    },
    steps: [
      U('@a'),
      sh('echo local >> etc/my.conf'),
      U('@b'),
      sh('echo local >> etc/my.conf'),
      U('--oldpackage', '@a'),
    ],
  },
  {
    name: 'upgrade config to directory',
    from: 'rpmconfig3.at',
    pkgs: {
      a: { name: 'configtest', version: '1.0', files: [{ path: '/etc/my.conf', data: 'foo', attr: '%config' }] },
      b: { name: 'configtest', version: '2.0', files: [{ path: '/etc/my.conf', type: 'dir', attr: '%config' }] },
    },
    steps: [U('@a'), sh('echo local >> etc/my.conf'), U('@b')],
  },
]
