// Property-based fuzzing of version.json parsing: random text, random JSON, and near-valid manifests with hostile
// field values. Only typed errors; whatever is accepted satisfies the contract of SPEC section 3.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PACKAGE_TYPE_VALUES, manifestToJson, parseManifest, safeParseManifest } from '@rdbpkg/core'
import type { Manifest } from '@rdbpkg/core'
import { checkProperty, fuzzRuns, typedOrOk } from './_test-fuzz.js'

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '..',
    '../x',
    '/etc/passwd',
    'a/../../b',
    'a\nb',
    'a\u0000b',
    ' centos ',
    'CentOS',
    '',
    ' ',
    '~',
    '$(id)',
    '%s',
    'x'.repeat(300),
  ),
)
const packageName = fc.oneof(
  fc.constantFrom(
    'rdb_server_5.7.1.0_centos.x86_64',
    'update_code_5.7.1.0_centos.x86_64',
    'rdb_agent_5.7.1.0_bclinux.aarch64',
    'a',
    'x..y',
    '..',
  ),
  fc.stringMatching(/^[A-Za-z0-9._+-]{1,20}$/),
  hostileString,
)
const packageType = fc.oneof(
  fc.constantFrom(...PACKAGE_TYPE_VALUES),
  fc.constantFrom('install_rdb_sever', 'INSTALL_RDB_SERVER', ''),
  hostileString,
)
const osRelease = fc.oneof(
  fc.constantFrom('centos', 'bclinux,centos', ' centos , BCLinux ', 'centos,,', ','),
  hostileString,
)
const anyJson = fc.jsonValue({ maxDepth: 2 })
// Mostly valid values, sometimes hostile ones, so both the accept and the refuse paths get many cases.
const mostly = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: hostile, weight: 1 })
const sometimes = <T>(arb: fc.Arbitrary<T>, weight = 5): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 15 }, { arbitrary: arb, weight })

const nearValid = fc.record({
  package_name: mostly(
    fc.constantFrom(
      'rdb_server_5.7.1.0_centos.x86_64',
      'update_code_5.7.1.0_centos.x86_64',
      'rdb_agent_5.7.1.0_bclinux.aarch64',
      'agent',
    ),
    fc.oneof(packageName, anyJson),
  ),
  package_type: mostly(fc.constantFrom(...PACKAGE_TYPE_VALUES), fc.oneof(packageType, anyJson)),
  os_release: mostly(fc.constantFrom('centos', 'bclinux,centos', ' centos , BCLinux '), fc.oneof(osRelease, anyJson)),
  version: sometimes(
    mostly(
      fc.constantFrom('5.7.1.0', '1.0~rc1', '2.0'),
      fc.oneof(fc.constantFrom('1:2', '', '1-2'), hostileString, anyJson),
    ),
  ),
  release: sometimes(
    mostly(fc.constantFrom('1', '2.el7'), fc.oneof(fc.constantFrom('-1', ''), hostileString, anyJson)),
  ),
  prefix: sometimes(
    mostly(
      fc.constantFrom('/opt/rdb/agent', '/opt/x', '/opt/../etc', '//opt//x/', '/', '/opt/./x/..'),
      fc.oneof(fc.constantFrom('relative/dir', '../x'), hostileString, anyJson),
    ),
  ),
  services: sometimes(
    mostly(
      fc.array(fc.constantFrom('rdb-agent', 'fsbackup.service'), { maxLength: 2 }),
      fc.oneof(fc.array(hostileString, { maxLength: 3 }), anyJson),
    ),
  ),
  config_files: sometimes(
    mostly(
      fc.array(fc.constantFrom('**/*.conf', 'etc/*.ini', '../*.conf', '/etc/*'), { maxLength: 3 }),
      fc.oneof(fc.array(hostileString, { maxLength: 3 }), anyJson),
    ),
  ),
  python: sometimes(
    mostly(
      fc.constantFrom('/usr/bin/python3', '/opt/rdb/venv/bin/python'),
      fc.oneof(fc.constantFrom('python3', '../python'), hostileString, anyJson),
    ),
  ),
  _comment: sometimes(anyJson),
  package_nmae: sometimes(anyJson, 1),
})

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}

// What SPEC section 3 promises about anything accepted.
function checkAccepted(m: Manifest): void {
  expect(m.package_name).toMatch(/^[A-Za-z0-9._+-]{1,200}$/)
  expect(m.package_name).not.toContain('..')
  expect(m.os_release.length).toBeGreaterThan(0)
  for (const id of m.os_release) expect(id).toBe(id.trim().toLowerCase())
  for (const id of m.os_release) expect(id).not.toBe('')
  expect(PACKAGE_TYPE_VALUES).toContain(m.package_type)
  // The prefix decides where files land: it must be absolute and normalised, never climbing out.
  expect(m.prefix.startsWith('/')).toBe(true)
  expect(m.prefix.split('/')).not.toContain('..')
  expect(m.prefix).not.toMatch(/\/\/|\/\.\/|\/\.$|[\u0000\n]/)
  // The documented round trip: what the builder writes, the installer reads back the same.
  expect(parseManifest(JSON.stringify(manifestToJson(m)))).toEqual(m)
}

describe('fuzz: version.json', () => {
  it('safeParseManifest never throws on random text; parseManifest throws only ManifestError', async () => {
    await checkProperty(
      {
        id: 'fuzz-manifest-text',
        tried: 'safeParseManifest / parseManifest on random text and random JSON',
        notes: 'never threw from safeParse; parse threw only typed ManifestError; issue messages one line each',
      },
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          anyJson.map((j) => JSON.stringify(j)),
        ),
        (text) => {
          const result = safeParseManifest(text)
          if (!result.success) {
            expect(result.issues.length).toBeGreaterThan(0)
            for (const issue of result.issues) expect(issue.message).toMatch(/^version\.json: [^\n]*$/)
          } else checkAccepted(result.output)
          typedOrOk(() => parseManifest(text))
        },
      ),
      fuzzRuns(3000),
    )
  })

  it('near-valid manifests with hostile field values: typed issues, or an accepted manifest that keeps the contract', async () => {
    let accepted = 0
    await checkProperty(
      {
        id: 'fuzz-manifest-fields',
        tried: 'near-valid version.json objects with hostile values in every field',
        notes: () =>
          `${accepted} accepted, the rest refused with typed issues; accepted ones kept the contract (name charset, no \`..\`, absolute normalised prefix, os ids trimmed lower-case, JSON round trip)`,
      },
      fc.property(nearValid, (raw) => {
        const text = JSON.stringify(stripUndefined(raw))
        const result = safeParseManifest(text)
        if (result.success) {
          accepted++
          checkAccepted(result.output)
        } else {
          for (const issue of result.issues) expect(issue.message).toMatch(/^version\.json: [^\n]*$/)
        }
      }),
      fuzzRuns(4000),
    )
    // A generator that never produces an accepted manifest would test only the error path.
    expect(accepted).toBeGreaterThan(0)
  })
})
