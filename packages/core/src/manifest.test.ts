import { describe, expect, it } from 'vitest'
import { ManifestError, RdbpkgError } from './errors.js'
import {
  MANIFEST_FIELDS,
  ManifestIssuesError,
  manifestToJson,
  parseManifest,
  parsePackageName,
  safeParseManifest,
  safeValidateManifest,
  validateManifest,
} from './manifest.js'
import type { BuildFacts, Manifest } from './manifest.js'
import { DEFAULT_CONFIG_FILES } from './package-type.js'

// The example from SPEC section 3 and the old build flow, verbatim (with the comment keys).
const EXAMPLE = `{
    "package_name": "update_code_5.7.1.0_centos.x86_64",
    "package_type": "install_update_code",
    "os_release": "bclinux,centos",
    "_os_release": "当前安装包的操作系统版本(os_release), 多个值中间用英文逗号分隔",
    "_package_type": "当前安装包的类型(package_type), 可选值为 constant.PackageTypeEnum中的值"
}
`

const BASE = {
  package_name: 'rdb_agent_5.7.1.0_centos.x86_64',
  package_type: 'install_rdb_agent',
  os_release: 'centos',
}

function json(extra: Record<string, unknown>, base: Record<string, unknown> = BASE): string {
  return JSON.stringify({ ...base, ...extra })
}

function messages(text: string): string[] {
  const result = safeParseManifest(text)
  if (result.success) throw new Error(`expected failure, got ${JSON.stringify(result.output)}`)
  return result.issues.map((i) => i.message)
}

describe('parseManifest: valid input and defaults', () => {
  it('reads the documented example, ignoring _ keys', () => {
    expect(parseManifest(EXAMPLE)).toEqual({
      package_name: 'update_code_5.7.1.0_centos.x86_64',
      package_type: 'install_update_code',
      os_release: ['bclinux', 'centos'],
      version: '5.7.1.0',
      release: '1',
      arch: 'x86_64',
      kind: 'update_code',
      prefix: '/opt/rdb/code-tools',
      services: [],
      config_files: [...DEFAULT_CONFIG_FILES],
      python: 'python3',
      build: undefined,
    } satisfies Manifest)
  })

  it.each<[string, Record<string, unknown>, Partial<Manifest>]>([
    [
      'server',
      { package_name: 'rdb_server_5.7.1.0_centos.x86_64', package_type: 'install_rdb_server' },
      {
        kind: 'rdb_server',
        version: '5.7.1.0',
        arch: 'x86_64',
        prefix: '/',
        services: [],
        config_files: [],
        python: undefined,
      },
    ],
    [
      'worker on aarch64',
      { package_name: 'rdb_worker_5.7.1.0_bclinux.aarch64', package_type: 'install_rdb_worker' },
      {
        kind: 'rdb_worker',
        version: '5.7.1.0',
        arch: 'aarch64',
        prefix: '/',
        services: [],
        config_files: [],
      },
    ],
    [
      'agent',
      {},
      {
        kind: 'rdb_agent',
        version: '5.7.1.0',
        release: '1',
        arch: 'x86_64',
        prefix: '/opt/rdb/agent',
        services: ['rdb-agent', 'fsbackup'],
        config_files: [...DEFAULT_CONFIG_FILES],
        python: undefined,
      },
    ],
    [
      'agent update, noarch',
      { package_name: 'update_agent_5.7.2.0rc1_centos.noarch', package_type: 'install_update_agent' },
      {
        kind: 'update_agent',
        version: '5.7.2.0rc1',
        arch: 'noarch',
        prefix: '/opt/rdb/agent',
        services: ['rdb-agent', 'fsbackup'],
      },
    ],
    [
      'name without arch',
      { package_name: 'rdb_agent_5.7.1.0_centos' },
      { version: '5.7.1.0', arch: undefined, kind: 'rdb_agent' },
    ],
    [
      'name without a version, version given',
      { package_name: 'agent-hotfix', version: '5.7.1.1' },
      {
        version: '5.7.1.1',
        kind: undefined,
        arch: undefined,
      },
    ],
    ['version field overrides the name', { version: '5.7.1.0.1' }, { version: '5.7.1.0.1', arch: 'x86_64' }],
    ['release as a string', { release: '2.el7' }, { release: '2.el7' }],
    ['release as an integer', { release: 3 }, { release: '3' }],
    [
      'os_release trimmed, lower-cased, deduplicated',
      { os_release: ' BCLinux , centos,centos' },
      { os_release: ['bclinux', 'centos'] },
    ],
    ['os_release as an array', { os_release: ['CentOS', 'bclinux'] }, { os_release: ['centos', 'bclinux'] }],
    ['prefix normalized', { prefix: '//opt/./rdb//agent2/' }, { prefix: '/opt/rdb/agent2' }],
    [
      'services replace the default',
      { services: ['rdb-agent.service', 'fsbackup@1', 'fsbackup@1'] },
      {
        services: ['rdb-agent.service', 'fsbackup@1'],
      },
    ],
    ['no services', { services: [] }, { services: [] }],
    [
      'config_files replace the default',
      { config_files: ['./tools/*.json', 'fsbackup_kernel_4.x/**/*.conf'] },
      {
        config_files: ['tools/*.json', 'fsbackup_kernel_4.x/**/*.conf'],
      },
    ],
    ['no config files', { config_files: [] }, { config_files: [] }],
    [
      'python path',
      { package_type: 'install_update_code', python: '/opt/rdb/venv//bin/python3' },
      { python: '/opt/rdb/venv/bin/python3' },
    ],
    ['python command', { package_type: 'install_update_code', python: 'python3.11' }, { python: 'python3.11' }],
    [
      'server services may be listed',
      { package_type: 'install_rdb_server', services: ['aio'] },
      { services: ['aio'], prefix: '/' },
    ],
  ])('%s', (_name, extra, expected) => {
    expect(parseManifest(json(extra))).toMatchObject(expected)
  })

  it('tolerates a BOM, CRLF and a custom file name', () => {
    expect(parseManifest(`\uFEFF${EXAMPLE.replace(/\n/g, '\r\n')}`, 'dist/version.json').package_name).toBe(
      'update_code_5.7.1.0_centos.x86_64',
    )
  })

  it('does not share default arrays between manifests', () => {
    const a = parseManifest(json({}))
    a.services.push('x')
    a.config_files.push('y')
    expect(parseManifest(json({})).services).toEqual(['rdb-agent', 'fsbackup'])
    expect(parseManifest(json({})).config_files).toEqual([...DEFAULT_CONFIG_FILES])
  })
})

describe('parsePackageName', () => {
  it.each([
    ['update_code_5.7.1.0_centos.x86_64', { kind: 'update_code', version: '5.7.1.0', os: 'centos', arch: 'x86_64' }],
    ['rdb_server_5.7.1.0_centos.x86_64', { kind: 'rdb_server', version: '5.7.1.0', os: 'centos', arch: 'x86_64' }],
    ['rdb_agent_5.7.1.0_bclinux.aarch64', { kind: 'rdb_agent', version: '5.7.1.0', os: 'bclinux', arch: 'aarch64' }],
    ['rdb_agent_5.7.1.0_el7.i686', { kind: 'rdb_agent', version: '5.7.1.0', os: 'el7', arch: 'i686' }],
    ['rdb_agent_5.7.1.0_centos7.9.noarch', { kind: 'rdb_agent', version: '5.7.1.0', os: 'centos7.9', arch: 'noarch' }],
    ['rdb_agent_5.7.1.0_centos', { kind: 'rdb_agent', version: '5.7.1.0', os: 'centos', arch: undefined }],
    ['rdb_agent_5.7.1.0.x86_64', { kind: 'rdb_agent', version: '5.7.1.0', os: undefined, arch: 'x86_64' }],
    ['rdb_agent_5.7.1.0', { kind: 'rdb_agent', version: '5.7.1.0', os: undefined, arch: undefined }],
    [
      'rdb_agent_5.7.1.0_centos.sparc64',
      { kind: 'rdb_agent', version: '5.7.1.0', os: 'centos.sparc64', arch: undefined },
    ],
    ['rdb-agent-5.7.1.0', undefined],
    ['5.7.1.0_centos.x86_64', undefined],
    ['rdb_agent_centos.x86_64', undefined],
    ['rdb_agent_5.7.1.0-1_centos.x86_64', undefined],
  ])('%s', (name, expected) => {
    expect(parsePackageName(name)).toEqual(expected)
  })
})

describe('parseManifest: every problem, one line each', () => {
  it('reports a misspelt package_type with a suggestion (exact message)', () => {
    expect(messages(json({ package_type: 'install_rdb_sever' }))).toEqual([
      'version.json: package_type: expected one of install_rdb_server, install_rdb_worker, install_rdb_agent, install_update_code, install_update_agent, found "install_rdb_sever" (did you mean install_rdb_server?)',
    ])
  })

  it('reports an unknown key with a suggestion (exact message)', () => {
    const { package_type: _dropped, ...rest } = BASE
    expect(messages(json({ pakage_type: 'install_rdb_agent' }, rest))).toEqual([
      'version.json: package_type: expected one of install_rdb_server, install_rdb_worker, install_rdb_agent, install_update_code, install_update_agent, found nothing (the field is required)',
      'version.json: pakage_type: expected one of the fields package_name, package_type, os_release, version, release, prefix, services, config_files, python, or a comment key starting with _, found unknown field "pakage_type" (did you mean package_type?)',
    ])
  })

  it('reports a missing version (exact message)', () => {
    expect(messages(json({ package_name: 'agent-hotfix' }))).toEqual([
      'version.json: version: expected a version in package_name (<kind>_<version>_<os>.<arch>, e.g. rdb_agent_5.7.1.0_centos.x86_64) or a "version" field, found package_name "agent-hotfix" with no version (add "version": "<version>" to version.json or rename the package)',
    ])
  })

  it('lists all problems at once, in field order, unknown keys last', () => {
    const result = safeParseManifest(
      JSON.stringify({
        colour: 'red',
        python: 3,
        os_release: 'centos,,bclinux',
        package_name: 'a/b',
        servcies: [],
      }),
      'release/version.json',
    )
    expect(result.success).toBe(false)
    if (result.success) return
    expect(result.code).toBe('E_MANIFEST_INVALID')
    expect(result.issues.map((i) => [i.field, i.found, i.hint])).toEqual([
      ['package_name', '"a/b"', undefined],
      ['package_type', 'nothing', 'the field is required'],
      ['os_release', '"centos,,bclinux"', 'remove the empty item'],
      ['python', '3', undefined],
      ['colour', 'unknown field "colour"', undefined],
      ['servcies', 'unknown field "servcies"', 'did you mean services?'],
    ])
    for (const i of result.issues)
      expect(i.message.startsWith(`release/version.json: ${i.field}: expected `)).toBe(true)
  })

  it.each<[string, Record<string, unknown>, string, string]>([
    ['package_name with ..', { package_name: 'rdb..agent_5.7' }, 'package_name', '"rdb..agent_5.7"'],
    ['package_name with a slash', { package_name: '../x' }, 'package_name', '"../x"'],
    ['package_name with a space', { package_name: 'rdb agent' }, 'package_name', '"rdb agent"'],
    ['package_name empty', { package_name: '' }, 'package_name', '""'],
    ['package_name too long', { package_name: `a_1_${'x'.repeat(197)}` }, 'package_name', `"a_1_${'x'.repeat(73)}..."`],
    ['package_name a number', { package_name: 5 }, 'package_name', '5'],
    ['package_type null', { package_type: null }, 'package_type', 'null'],
    ['package_type upper case', { package_type: 'INSTALL_RDB_AGENT' }, 'package_type', '"INSTALL_RDB_AGENT"'],
    ['os_release empty', { os_release: '' }, 'os_release', '""'],
    ['os_release blank', { os_release: ' , ' }, 'os_release', '" , "'],
    ['os_release trailing comma', { os_release: 'centos,' }, 'os_release', '"centos,"'],
    ['os_release with a space inside an ID', { os_release: 'cent os' }, 'os_release', '"cent os"'],
    ['os_release empty array', { os_release: [] }, 'os_release', 'an empty array'],
    ['os_release array of numbers', { os_release: [7] }, 'os_release', 'an array'],
    ['os_release an object', { os_release: { id: 'centos' } }, 'os_release', 'an object'],
    ['version with a dash', { version: '5.7-1' }, 'version', '"5.7-1"'],
    ['version empty', { version: '' }, 'version', '""'],
    ['version a number', { version: 5.7 }, 'version', '5.7'],
    ['release with a dash', { release: '1-2' }, 'release', '"1-2"'],
    ['release negative', { release: -1 }, 'release', '-1'],
    ['release fractional', { release: 1.5 }, 'release', '1.5'],
    ['prefix relative', { prefix: 'opt/rdb' }, 'prefix', '"opt/rdb"'],
    ['prefix with ..', { prefix: '/opt/rdb/../../etc' }, 'prefix', '"/opt/rdb/../../etc"'],
    ['prefix root', { prefix: '//' }, 'prefix', '"//"'],
    ['prefix with a NUL', { prefix: '/opt/a\0b' }, 'prefix', JSON.stringify('/opt/a\0b')],
    ['services a string', { services: 'rdb-agent' }, 'services', '"rdb-agent"'],
    ['services item with a space', { services: ['ok', 'rdb agent'] }, 'services[1]', '"rdb agent"'],
    ['services item empty', { services: [''] }, 'services[0]', '""'],
    ['config_files a string', { config_files: '**/*.conf' }, 'config_files', '"**/*.conf"'],
    ['config_files absolute', { config_files: ['/etc/*.conf'] }, 'config_files[0]', '"/etc/*.conf"'],
    ['config_files with ..', { config_files: ['tools/../../x'] }, 'config_files[0]', '"tools/../../x"'],
    ['config_files only ./', { config_files: ['./'] }, 'config_files[0]', '"./"'],
    [
      'python relative path',
      { package_type: 'install_update_code', python: 'venv/bin/python' },
      'python',
      '"venv/bin/python"',
    ],
    ['python empty', { package_type: 'install_update_code', python: '' }, 'python', '""'],
    ['build not an object', { build: 'x' }, 'build', '"x"'],
  ])('%s', (_name, extra, field, found) => {
    const result = safeParseManifest(json(extra))
    expect(result.success).toBe(false)
    if (result.success) return
    expect(result.issues.map((i) => [i.field, i.found])).toEqual([[field, found]])
  })

  it.each<[string, Record<string, unknown>, string, string]>([
    [
      'prefix on a server',
      { package_type: 'install_rdb_server', prefix: '/opt/x' },
      'prefix',
      'an rpm installs to the paths it carries; remove the field',
    ],
    [
      'config_files on a worker',
      { package_type: 'install_rdb_worker', config_files: [] },
      'config_files',
      "the rpm's own %config flags apply; remove the field",
    ],
    [
      'python on an agent',
      { python: 'python3' },
      'python',
      'only install_update_code installs wheels; remove the field',
    ],
  ])('refuses a field that does not apply: %s', (_name, extra, field, hint) => {
    const result = safeParseManifest(json(extra))
    expect(result.success).toBe(false)
    if (result.success) return
    expect(result.issues).toHaveLength(1)
    expect(result.issues[0]).toMatchObject({ field, hint })
    expect(result.issues[0]?.expected).toBe(`no ${field} for ${String(extra.package_type ?? 'install_rdb_agent')}`)
  })

  it.each([
    ['an array', '[1, 2]', 'version.json: expected a JSON object, found an array'],
    ['null', 'null', 'version.json: expected a JSON object, found null'],
    ['a string', '"x"', 'version.json: expected a JSON object, found string "x"'],
    ['a number', '42', 'version.json: expected a JSON object, found number 42'],
  ])('refuses %s at the top level', (_name, text, message) => {
    expect(messages(text)).toEqual([message])
  })
})

describe('parseManifest: JSON syntax errors', () => {
  it.each<[string, string, number, number, string]>([
    ['missing value', '{\n  "package_name": }', 2, 19, 'version.json: line 2, column 19: expected a value, found "}"'],
    [
      'trailing comma in an object',
      '{\n  "a": 1,\n}',
      3,
      1,
      'version.json: line 3, column 1: expected a "quoted" field name, found "}" (remove the comma before })',
    ],
    [
      'trailing comma in an array',
      '{"a": [1,\n ]}',
      2,
      2,
      'version.json: line 2, column 2: expected a value, found "]" (remove the trailing comma)',
    ],
    [
      'single quotes',
      "{'a': 1}",
      1,
      2,
      'version.json: line 1, column 2: expected a "quoted" field name, found "\'" (JSON needs double quotes)',
    ],
    [
      'missing comma',
      '{\n "a": "x"\n "b": "y"\n}',
      3,
      2,
      'version.json: line 3, column 2: expected "," or "}", found "\\"" (a comma is missing)',
    ],
    [
      'unterminated string',
      '{"a": "x',
      1,
      9,
      'version.json: line 1, column 9: expected a closing " of the string, found the end of the file',
    ],
    [
      'raw line break in a string',
      '{"a": "x\ny"}',
      1,
      9,
      'version.json: line 1, column 9: expected a string without raw control characters, found "\\n" (write a line break as \\n)',
    ],
    [
      'bad escape',
      '{"a": "C:\\x"}',
      1,
      11,
      'version.json: line 1, column 11: expected one of the escapes \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, found "x"',
    ],
    ['missing colon', '{"a" 1}', 1, 6, 'version.json: line 1, column 6: expected ":" after the field name, found "1"'],
    [
      'text after the value',
      '{"a": 1} x',
      1,
      10,
      'version.json: line 1, column 10: expected the end of the file after the JSON value, found "x"',
    ],
    ['truncated', '{"a": 1', 1, 8, 'version.json: line 1, column 8: expected "," or "}", found the end of the file'],
    ['bad literal', '{"a": True}', 1, 7, 'version.json: line 1, column 7: expected a value, found "T"'],
  ])('%s', (_name, text, line, column, message) => {
    expect(() => JSON.parse(text)).toThrow()
    const result = safeParseManifest(text)
    expect(result.success).toBe(false)
    if (result.success) return
    expect(result.code).toBe('E_MANIFEST_JSON')
    expect(result.issues).toHaveLength(1)
    expect(result.issues[0]).toMatchObject({ line, column, message })
  })

  it('counts columns after a BOM as an editor shows them', () => {
    const result = safeParseManifest('\uFEFF{"a" 1}')
    expect(result.success ? undefined : result.issues[0]).toMatchObject({ line: 1, column: 6 })
  })

  it.each(['', '   \n\t'])('says an empty file is empty (%j)', (text) => {
    expect(messages(text)).toEqual(['version.json: expected a JSON object, found an empty file'])
  })
})

describe('parseManifest throws ManifestError', () => {
  it('with E_MANIFEST_INVALID, every issue, and the first issue as details', () => {
    let caught: unknown
    try {
      parseManifest(json({ package_type: 'install_rdb_sever', relase: '2' }))
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ManifestError)
    expect(caught).toBeInstanceOf(RdbpkgError)
    expect(caught).toBeInstanceOf(ManifestIssuesError)
    const error = caught as ManifestIssuesError
    expect(error.code).toBe('E_MANIFEST_INVALID')
    expect(error.name).toBe('ManifestError')
    expect(error.issues.map((i) => i.field)).toEqual(['package_type', 'relase'])
    expect(error.message.split('\n')).toEqual(error.issues.map((i) => i.message))
    expect(error.details).toMatchObject({
      file: 'version.json',
      field: 'package_type',
      hint: 'did you mean install_rdb_server?',
    })
  })

  it('with E_MANIFEST_JSON for bad JSON', () => {
    expect(() => parseManifest('{', 'x/version.json')).toThrowError(
      expect.objectContaining({
        code: 'E_MANIFEST_JSON',
        message: 'x/version.json: line 1, column 2: expected a "quoted" field name, found the end of the file',
      }),
    )
  })

  it('validateManifest and safeValidateManifest take a parsed value', () => {
    expect(validateManifest({ ...BASE }).version).toBe('5.7.1.0')
    expect(() => validateManifest([])).toThrowError(ManifestError)
    expect(safeValidateManifest({ ...BASE, package_type: 'x' }).success).toBe(false)
  })
})

describe('build facts and manifestToJson', () => {
  const build: BuildFacts = {
    builder_version: '0.1.0',
    payload_sha256: 'a'.repeat(64),
    payload_size: 1234,
    build_time: '2026-01-01T00:00:00.000Z',
  }

  it('writes the SPEC field names and round-trips every type', () => {
    for (const extra of [
      { package_name: 'rdb_server_5.7.1.0_centos.x86_64', package_type: 'install_rdb_server', services: ['aio'] },
      { package_name: 'rdb_worker_5.7.1.0_centos.x86_64', package_type: 'install_rdb_worker' },
      { release: '2', prefix: '/srv/agent', config_files: ['tools/*.json'] },
      {
        package_name: 'update_code_5.7.1.0_centos.x86_64',
        package_type: 'install_update_code',
        python: '/usr/bin/python3',
      },
      {
        package_name: 'update_agent_5.7.1.0_centos.x86_64',
        package_type: 'install_update_agent',
        version: '5.7.1.0.2',
      },
    ]) {
      const manifest = parseManifest(json(extra))
      const written = manifestToJson(manifest, build)
      expect(Object.keys(written).every((key) => (MANIFEST_FIELDS as readonly string[]).includes(key))).toBe(true)
      expect(parseManifest(JSON.stringify(written))).toEqual({ ...manifest, build })
    }
  })

  it('leaves out fields that do not apply and keeps a stable key order', () => {
    const server = manifestToJson(
      parseManifest(json({ package_name: 'rdb_server_5.7.1.0_centos.x86_64', package_type: 'install_rdb_server' })),
    )
    expect(server).toEqual({
      package_name: 'rdb_server_5.7.1.0_centos.x86_64',
      package_type: 'install_rdb_server',
      os_release: 'centos',
      version: '5.7.1.0',
      release: '1',
      services: [],
    })
    const agent = manifestToJson(parseManifest(json({})), build)
    expect(Object.keys(agent)).toEqual([
      'package_name',
      'package_type',
      'os_release',
      'version',
      'release',
      'prefix',
      'services',
      'config_files',
      'build',
    ])
  })

  it.each<[string, unknown, string[]]>([
    ['bad sha256', { ...build, payload_sha256: 'A'.repeat(64) }, ['build.payload_sha256']],
    ['negative size', { ...build, payload_size: -1 }, ['build.payload_size']],
    ['bad time', { ...build, build_time: '2026-01-01 00:00' }, ['build.build_time']],
    ['missing key', { builder_version: '1', payload_sha256: 'a'.repeat(64), payload_size: 1 }, ['build.build_time']],
    ['unknown key', { ...build, signer: 'x' }, ['build.signer']],
  ])('refuses build facts with %s', (_name, facts, fields) => {
    const result = safeParseManifest(json({ build: facts }))
    expect(result.success ? [] : result.issues.map((i) => i.field)).toEqual(fields)
  })

  it('names a missing or unknown build key in its message', () => {
    expect(messages(json({ build: { ...build, build_time: undefined, signer: 'x' } }))).toEqual([
      'version.json: build.build_time: expected an ISO 8601 UTC time such as 2026-01-01T00:00:00.000Z, found nothing',
      'version.json: build.signer: expected no such field (an object with builder_version, payload_sha256, payload_size and build_time), found unknown field "signer"',
    ])
  })
})
