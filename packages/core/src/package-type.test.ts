import { describe, expect, it } from 'vitest'
import {
  DEFAULT_CONFIG_FILES,
  PACKAGE_TYPES,
  PACKAGE_TYPE_RULES,
  PACKAGE_TYPE_VALUES,
  checkPayload,
  isPackageType,
  stripDotSlash,
  unsafeEntryReason,
} from './package-type.js'
import type { PackageType, PayloadCheck } from './package-type.js'

describe('PACKAGE_TYPES', () => {
  it('has exactly the five documented values', () => {
    expect(PACKAGE_TYPE_VALUES).toEqual([
      'install_rdb_server',
      'install_rdb_worker',
      'install_rdb_agent',
      'install_update_code',
      'install_update_agent',
    ])
    for (const [key, value] of Object.entries(PACKAGE_TYPES)) expect(key).toBe(value)
  })

  it.each([
    ['install_rdb_server', true],
    ['install_update_agent', true],
    ['install_rdb_sever', false],
    ['INSTALL_RDB_SERVER', false],
    ['', false],
    [42, false],
    [undefined, false],
    [null, false],
  ])('isPackageType(%j) is %j', (value, expected) => {
    expect(isPackageType(value)).toBe(expected)
  })
})

describe('PACKAGE_TYPE_RULES', () => {
  it('has one frozen rule set per type, naming its own type', () => {
    expect(Object.keys(PACKAGE_TYPE_RULES).sort()).toEqual([...PACKAGE_TYPE_VALUES].sort())
    for (const type of PACKAGE_TYPE_VALUES) {
      expect(PACKAGE_TYPE_RULES[type].type).toBe(type)
      expect(Object.isFrozen(PACKAGE_TYPE_RULES[type])).toBe(true)
    }
    expect(Object.isFrozen(PACKAGE_TYPE_RULES)).toBe(true)
  })

  it.each<[PackageType, Record<string, unknown>]>([
    [
      'install_rdb_server',
      { payload: 'rpm', rpmName: 'aio', defaultPrefix: '/', trackedName: undefined, requiresInstalled: false },
    ],
    [
      'install_rdb_worker',
      { payload: 'rpm', rpmName: 'aio-airflow', defaultPrefix: '/', trackedName: undefined, requiresInstalled: false },
    ],
    [
      'install_rdb_agent',
      {
        payload: 'files',
        rpmName: undefined,
        defaultPrefix: '/opt/rdb/agent',
        trackedName: 'rdb-agent',
        requiresInstalled: false,
      },
    ],
    [
      'install_update_code',
      {
        payload: 'wheels',
        rpmName: undefined,
        defaultPrefix: '/opt/rdb/code-tools',
        trackedName: 'rdb-code-tools',
        requiresInstalled: true,
        defaultPython: 'python3',
      },
    ],
    [
      'install_update_agent',
      {
        payload: 'files',
        rpmName: undefined,
        defaultPrefix: '/opt/rdb/agent',
        trackedName: 'rdb-agent',
        requiresInstalled: true,
      },
    ],
  ])('%s has its documented defaults', (type, expected) => {
    expect(PACKAGE_TYPE_RULES[type]).toMatchObject(expected)
  })

  it('gives agents their services and config globs, rpms neither', () => {
    expect(PACKAGE_TYPE_RULES.install_rdb_agent.defaultServices).toEqual(['rdb-agent', 'fsbackup'])
    expect(PACKAGE_TYPE_RULES.install_update_agent.defaultServices).toEqual(['rdb-agent', 'fsbackup'])
    expect(PACKAGE_TYPE_RULES.install_update_code.defaultServices).toEqual([])
    expect(PACKAGE_TYPE_RULES.install_rdb_server.defaultServices).toEqual([])
    expect(DEFAULT_CONFIG_FILES).toEqual([
      '**/*.conf',
      '**/*.cfg',
      '**/*.ini',
      '**/*.yaml',
      '**/*.yml',
      '**/*.properties',
    ])
    expect(PACKAGE_TYPE_RULES.install_rdb_agent.defaultConfigFiles).toEqual(DEFAULT_CONFIG_FILES)
    expect(PACKAGE_TYPE_RULES.install_update_code.defaultConfigFiles).toEqual(DEFAULT_CONFIG_FILES)
    expect(PACKAGE_TYPE_RULES.install_rdb_worker.defaultConfigFiles).toEqual([])
  })

  it.each([
    ['aio-5.7.1.0-1_1.el7.x86_64.rpm', ['5.7.1.0', '1_1.el7', 'x86_64']],
    ['aio-5.7.1.0-1.el7.aarch64.rpm', ['5.7.1.0', '1.el7', 'aarch64']],
    ['aio-1.0~rc1-2.noarch.rpm', ['1.0~rc1', '2', 'noarch']],
    ['aio-airflow-5.7.1.0-1.el7.x86_64.rpm', undefined],
    ['aio-5.7.1.0-1.el7.src.rpm', undefined],
    ['aio-5.7.1.0.x86_64.rpm', undefined],
    ['aio-5.7.1.0-1.el7.x86_64.rpm.bak', undefined],
  ])('server rpmPattern on %s', (name, groups) => {
    const match = PACKAGE_TYPE_RULES.install_rdb_server.rpmPattern!.exec(name)
    expect(match?.slice(1)).toEqual(groups)
  })
})

describe('stripDotSlash and unsafeEntryReason', () => {
  it.each([
    ['./tools/', 'tools/'],
    ['././tools/a', 'tools/a'],
    ['.//tools', 'tools'],
    ['tools', 'tools'],
    ['./', ''],
    ['.', ''],
    ['.hidden', '.hidden'],
  ])('stripDotSlash(%j) is %j', (entry, expected) => {
    expect(stripDotSlash(entry)).toBe(expected)
  })

  it.each([
    ['tools/a..b', undefined],
    ['./tools/x', undefined],
    ['/etc/passwd', 'absolute path'],
    ['./../etc/passwd', "name has a '..' component"],
    ['tools/../../x', "name has a '..' component"],
    ['..', "name has a '..' component"],
    ['tools/a\0b', 'name has a NUL or control character'],
    ['tools/a\nb', 'name has a NUL or control character'],
    ['', 'empty name'],
  ])('unsafeEntryReason(%j) is %j', (entry, expected) => {
    expect(unsafeEntryReason(entry)).toBe(expected)
  })
})

const SERVER_RPM = 'aio-5.7.1.0-1_1.el7.x86_64.rpm'
const WORKER_RPM = 'aio-airflow-5.7.1.0-1_1.el7.x86_64.rpm'
const AGENT = ['./', './fsbackup_kernel_4.x/', './fsbackup_kernel_4.x/fsbackup.ko', './tools/', './tools/agent.conf']
const CODE = [
  'aio-5.5.1.0-py3-none-any.whl',
  'aio_public_module-1.0-py3-none-any.whl',
  'aio_tasks-5.5.1.0rc1.dev149+g44dce80.d20250814-py3-none-any.whl',
  'tasks-5.5.1.0rc1.dev149+g44dce80.d20250814-py3-none-any.whl',
  'tools/',
  'tools/run.sh',
]

type Expect = Pick<PayloadCheck, 'ok' | 'missing' | 'unexpected' | 'unsafe' | 'wheels'> & { rpm?: string }

describe('checkPayload', () => {
  it.each<[string, PackageType, string[], Expect]>([
    [
      'server rpm, ./ prefixed',
      'install_rdb_server',
      ['./', `./${SERVER_RPM}`],
      {
        ok: true,
        missing: [],
        unexpected: [],
        unsafe: [],
        wheels: [],
        rpm: `./${SERVER_RPM}`,
      },
    ],
    [
      'server rpm, bare',
      'install_rdb_server',
      [SERVER_RPM],
      {
        ok: true,
        missing: [],
        unexpected: [],
        unsafe: [],
        wheels: [],
        rpm: SERVER_RPM,
      },
    ],
    [
      'worker rpm',
      'install_rdb_worker',
      ['.', `./${WORKER_RPM}`],
      {
        ok: true,
        missing: [],
        unexpected: [],
        unsafe: [],
        wheels: [],
        rpm: `./${WORKER_RPM}`,
      },
    ],
    [
      'worker rpm in a server payload',
      'install_rdb_server',
      [`./${WORKER_RPM}`],
      {
        ok: false,
        missing: ['aio-<version>-<release>.<arch>.rpm'],
        unexpected: [WORKER_RPM],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'server rpm in a worker payload',
      'install_rdb_worker',
      [SERVER_RPM],
      {
        ok: false,
        missing: ['aio-airflow-<version>-<release>.<arch>.rpm'],
        unexpected: [SERVER_RPM],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'two server rpms',
      'install_rdb_server',
      [SERVER_RPM, 'aio-5.7.2.0-1.el7.x86_64.rpm'],
      {
        ok: false,
        missing: [],
        unexpected: [SERVER_RPM, 'aio-5.7.2.0-1.el7.x86_64.rpm'],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'source rpm',
      'install_rdb_server',
      ['aio-5.7.1.0-1.el7.src.rpm'],
      {
        ok: false,
        missing: ['aio-<version>-<release>.<arch>.rpm'],
        unexpected: ['aio-5.7.1.0-1.el7.src.rpm'],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'rpm inside a folder',
      'install_rdb_server',
      ['rpms/', `rpms/${SERVER_RPM}`],
      {
        ok: false,
        missing: ['aio-<version>-<release>.<arch>.rpm'],
        unexpected: ['rpms/'],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'empty payload',
      'install_rdb_server',
      [],
      {
        ok: false,
        missing: ['aio-<version>-<release>.<arch>.rpm'],
        unexpected: [],
        unsafe: [],
        wheels: [],
      },
    ],
    ['agent', 'install_rdb_agent', AGENT, { ok: true, missing: [], unexpected: [], unsafe: [], wheels: [] }],
    ['agent update', 'install_update_agent', AGENT, { ok: true, missing: [], unexpected: [], unsafe: [], wheels: [] }],
    [
      'agent folders known only by their children',
      'install_rdb_agent',
      ['fsbackup_kernel_4.x/a', 'tools/b/c'],
      {
        ok: true,
        missing: [],
        unexpected: [],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'agent folders that are empty',
      'install_rdb_agent',
      ['fsbackup_kernel_4.x/', 'tools/'],
      {
        ok: true,
        missing: [],
        unexpected: [],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'agent without tools, with extras',
      'install_rdb_agent',
      ['./fsbackup_kernel_4.x/', './README.md', './docs/x', `./${SERVER_RPM}`],
      {
        ok: false,
        missing: ['tools/'],
        unexpected: ['README.md', 'docs/', SERVER_RPM],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'agent with tools as a file',
      'install_update_agent',
      ['fsbackup_kernel_4.x/', 'tools'],
      {
        ok: false,
        missing: ['tools/'],
        unexpected: ['tools'],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'code update',
      'install_update_code',
      CODE,
      {
        ok: true,
        missing: [],
        unexpected: [],
        unsafe: [],
        wheels: CODE.slice(0, 4),
      },
    ],
    [
      'code update, ./ prefixed',
      'install_update_code',
      ['./', './a-1.0-py3-none-any.whl', './tools/'],
      {
        ok: true,
        missing: [],
        unexpected: [],
        unsafe: [],
        wheels: ['./a-1.0-py3-none-any.whl'],
      },
    ],
    [
      'code update without wheels',
      'install_update_code',
      ['tools/', 'tools/x.whl'],
      {
        ok: false,
        missing: ['*.whl'],
        unexpected: [],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'code update without tools',
      'install_update_code',
      ['a-1.0-py3-none-any.whl'],
      {
        ok: false,
        missing: ['tools/'],
        unexpected: [],
        unsafe: [],
        wheels: ['a-1.0-py3-none-any.whl'],
      },
    ],
    [
      'code update with a wheel folder',
      'install_update_code',
      ['a.whl/', 'a.whl/x', 'tools/'],
      {
        ok: false,
        missing: ['*.whl'],
        unexpected: ['a.whl/'],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'wheels in an agent payload',
      'install_rdb_agent',
      ['fsbackup_kernel_4.x/', 'tools/', 'a-1.0-py3-none-any.whl'],
      {
        ok: false,
        missing: [],
        unexpected: ['a-1.0-py3-none-any.whl'],
        unsafe: [],
        wheels: [],
      },
    ],
    [
      'unsafe names',
      'install_rdb_agent',
      ['fsbackup_kernel_4.x/', 'tools/', '/etc/passwd', './tools/../../x', 'tools/a\0b'],
      {
        ok: false,
        missing: [],
        unexpected: [],
        unsafe: ['/etc/passwd', './tools/../../x', 'tools/a\0b'],
        wheels: [],
      },
    ],
    [
      'a file listed twice',
      'install_rdb_server',
      [`./${SERVER_RPM}`, SERVER_RPM],
      {
        ok: false,
        missing: [],
        unexpected: [],
        unsafe: [SERVER_RPM],
        wheels: [],
        rpm: `./${SERVER_RPM}`,
      },
    ],
    [
      'a name both file and folder',
      'install_rdb_agent',
      ['fsbackup_kernel_4.x/', 'tools', 'tools/x'],
      {
        ok: false,
        missing: ['tools/'],
        unexpected: ['tools'],
        unsafe: [],
        wheels: [],
      },
    ],
  ])('%s', (_name, type, entries, expected) => {
    const check = checkPayload(entries, type)
    expect({
      ok: check.ok,
      missing: check.missing,
      unexpected: check.unexpected,
      unsafe: check.unsafe,
      wheels: check.wheels,
      ...(check.rpm === undefined ? {} : { rpm: check.rpm }),
    }).toEqual(expected)
    expect(check.problems.length).toBe(check.missing.length + check.unexpected.length + check.unsafe.length)
  })

  it('explains each problem in one line naming the file and entry', () => {
    const agent = checkPayload(
      ['./fsbackup_kernel_4.x/', './README.md', '../x'],
      'install_rdb_agent',
      'payload/package.tar.gz',
    )
    expect(agent.problems.map((p) => p.message)).toEqual([
      'payload/package.tar.gz: "../x": unsafe entry (name has a \'..\' component)',
      'payload/package.tar.gz: README.md: unexpected (install_rdb_agent holds only fsbackup_kernel_4.x/ and tools/ at the top level)',
      'payload/package.tar.gz: tools/: missing (install_rdb_agent needs fsbackup_kernel_4.x/ and tools/ at the top level)',
    ])
    expect(agent.problems.map((p) => p.kind)).toEqual(['unsafe', 'unexpected', 'missing'])

    const server = checkPayload([WORKER_RPM, 'aio-1-1.src.rpm', 'x.whl'], 'install_rdb_server')
    expect(server.problems.map((p) => p.message)).toEqual([
      `package.tar.gz: ${WORKER_RPM}: unexpected (install_rdb_server holds only aio-<version>-<release>.<arch>.rpm at the top level; this rpm is named aio-airflow, which belongs in install_rdb_worker)`,
      'package.tar.gz: aio-1-1.src.rpm: unexpected (install_rdb_server holds only aio-<version>-<release>.<arch>.rpm at the top level; this is a source rpm)',
      'package.tar.gz: x.whl: unexpected (install_rdb_server holds only aio-<version>-<release>.<arch>.rpm at the top level; wheels belong in install_update_code)',
      'package.tar.gz: aio-<version>-<release>.<arch>.rpm: missing (install_rdb_server needs aio-<version>-<release>.<arch>.rpm at the top level)',
    ])

    const two = checkPayload(['aio-1-1.x86_64.rpm', 'aio-2-1.x86_64.rpm'], 'install_rdb_server')
    expect(two.problems[0]?.message).toBe(
      'package.tar.gz: aio-1-1.x86_64.rpm: unexpected (install_rdb_server holds exactly 1 aio-<version>-<release>.<arch>.rpm, found 2)',
    )
  })
})
