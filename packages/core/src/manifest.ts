// version.json: parsed and validated once, at the boundary, into a Manifest whose per-type defaults are resolved.
// Every problem is collected (not just the first) so a release engineer fixes the file in one pass.
import * as v from 'valibot'
import { ManifestError, formatProblem } from './errors.js'
import { RPM_ARCHES } from './os-release.js'
import { PACKAGE_TYPE_RULES, PACKAGE_TYPE_VALUES, isPackageType } from './package-type.js'
import type { PackageType } from './package-type.js'
import { locateJsonError } from './_json-syntax.js'
import { suggest } from './_suggest.js'

/** Facts the builder adds to the archive's version.json (absent from a release engineer's input). */
export interface BuildFacts {
  /** Version of @rdbpkg/builder that made the archive. */
  builder_version: string
  /** sha256 of package.tar.gz, 64 lower-case hex digits. */
  payload_sha256: string
  /** Size of package.tar.gz in bytes. */
  payload_size: number
  /** When the archive was built, ISO 8601 UTC (from SOURCE_DATE_EPOCH when set). */
  build_time: string
}

/** A validated version.json with every per-type default resolved. */
export interface Manifest {
  /** The archive's file and folder name. */
  package_name: string
  /** What the archive installs. */
  package_type: PackageType
  /** Allowed `/etc/os-release` IDs: trimmed, lower-case, unique, at least one. */
  os_release: string[]
  /** From the `version` field, else from package_name. */
  version: string
  /** From the `release` field, else `1`. */
  release: string
  /** The arch at the end of package_name (`x86_64`), when it names a known rpm arch. */
  arch: string | undefined
  /** The part of package_name before the version (`rdb_server`), when package_name has that shape. */
  kind: string | undefined
  /** Install folder of file payloads (normalized, absolute); `/` for rpm types, where it is not applied. */
  prefix: string
  /** systemd units or process names to check and stop. */
  services: string[]
  /** Globs relative to the payload treated as `%config(noreplace)`; empty for rpm types. */
  config_files: string[]
  /** The interpreter whose pip receives wheels (install_update_code only). */
  python: string | undefined
  /** Build facts, present in an archive's version.json. */
  build: BuildFacts | undefined
}

/** One problem with version.json. */
export interface ManifestIssue {
  /** The field at fault (`package_type`, `services[1]`); empty for the document as a whole. */
  field: string
  /** What was expected. */
  expected: string
  /** What was found. */
  found: string
  /** What to do, e.g. `did you mean install_rdb_server?`. */
  hint?: string
  /** 1-based line of a JSON syntax error. */
  line?: number
  /** 1-based column of a JSON syntax error. */
  column?: number
  /** The one-line message: `version.json: field: expected X, found Y (hint)`. */
  message: string
}

/** The result of {@link safeParseManifest}. */
export type ManifestResult =
  | { success: true; output: Manifest }
  | { success: false; code: 'E_MANIFEST_JSON' | 'E_MANIFEST_INVALID'; issues: ManifestIssue[] }

/** The plain object the builder writes as the archive's version.json (field names as in SPEC section 3). */
export interface ManifestJson {
  package_name: string
  package_type: PackageType
  os_release: string
  version: string
  release: string
  prefix?: string
  services: string[]
  config_files?: string[]
  python?: string
  build?: BuildFacts
}

/** The parts of a `<kind>_<version>_<os>.<arch>` package name. */
export interface PackageNameParts {
  kind: string
  version: string
  os: string | undefined
  arch: string | undefined
}

/** The fields version.json may hold (besides comment keys starting with `_`), in the order they are checked. */
export const MANIFEST_FIELDS = [
  'package_name',
  'package_type',
  'os_release',
  'version',
  'release',
  'prefix',
  'services',
  'config_files',
  'python',
  'build',
] as const

type ManifestField = (typeof MANIFEST_FIELDS)[number]

const REQUIRED: readonly ManifestField[] = ['package_name', 'package_type', 'os_release']

const EXPECTED = {
  package_name: 'a name of 1 to 200 characters from A-Z a-z 0-9 . _ + - without ".."',
  package_type: `one of ${PACKAGE_TYPE_VALUES.join(', ')}`,
  os_release: 'a comma-separated list of os-release IDs (a-z 0-9 . _ -), e.g. "bclinux,centos"',
  version: 'an rpm version: letters, digits and . _ + ~ ^ (no "-")',
  release: 'an rpm release: letters, digits and . _ + ~ ^ (no "-"), or a non-negative integer',
  prefix: 'an absolute folder path other than / without ".." parts',
  services: 'an array of systemd unit or process names',
  service: 'a systemd unit or process name (A-Z a-z 0-9 @ . _ : -)',
  config_files: 'an array of globs relative to the payload',
  config_glob: 'a glob relative to the payload, without ".." parts',
  python: 'an absolute path or a command name of the Python interpreter',
  build: 'an object with builder_version, payload_sha256, payload_size and build_time',
  builder_version: 'a non-empty string',
  payload_sha256: '64 lower-case hex digits',
  payload_size: 'a non-negative integer',
  build_time: 'an ISO 8601 UTC time such as 2026-01-01T00:00:00.000Z',
} as const

const RPM_VERSION = /^[A-Za-z0-9._+~^]{1,128}$/

// Each schema's message is what was expected; what was found is described from the issue's input.
const PackageNameSchema = v.pipe(
  v.string(EXPECTED.package_name),
  v.regex(/^[A-Za-z0-9._+-]{1,200}$/, EXPECTED.package_name),
  v.check((name) => !name.includes('..'), EXPECTED.package_name),
)

const PackageTypeSchema = v.picklist(PACKAGE_TYPE_VALUES, EXPECTED.package_type)

const OS_ID = /^[a-z0-9._-]+$/

function osIds(value: string | string[]): string[] {
  return (typeof value === 'string' ? value.split(',') : value).map((id) => id.trim().toLowerCase())
}

// Checks run on the value as written, so the message can quote it; transforms come last.
const OsReleaseSchema = v.pipe(
  v.union([v.string(), v.array(v.string())], EXPECTED.os_release),
  v.check((value) => {
    const ids = osIds(value)
    return ids.length > 0 && ids.every((id) => OS_ID.test(id))
  }, EXPECTED.os_release),
  v.transform((value) => [...new Set(osIds(value))]),
)

const VersionSchema = v.pipe(v.string(EXPECTED.version), v.regex(RPM_VERSION, EXPECTED.version))

const ReleaseSchema = v.pipe(
  v.union([v.string(), v.pipe(v.number(), v.safeInteger(), v.minValue(0))], EXPECTED.release),
  v.transform((value) => String(value)),
  v.regex(RPM_VERSION, EXPECTED.release),
)

const PrefixSchema = v.pipe(
  v.string(EXPECTED.prefix),
  v.check((path) => path.startsWith('/') && isCleanPath(path) && normalizeAbsolute(path) !== '/', EXPECTED.prefix),
  v.transform(normalizeAbsolute),
)

const ServicesSchema = v.pipe(
  v.array(
    v.pipe(v.string(EXPECTED.service), v.regex(/^[A-Za-z0-9@._:\\-]{1,256}$/, EXPECTED.service)),
    EXPECTED.services,
  ),
  v.transform((names) => [...new Set(names)]),
)

const ConfigFilesSchema = v.pipe(
  v.array(
    v.pipe(
      v.string(EXPECTED.config_glob),
      v.check((glob) => {
        const relative = stripDot(glob)
        return relative !== '' && !relative.startsWith('/') && isCleanPath(relative)
      }, EXPECTED.config_glob),
      v.transform(stripDot),
    ),
    EXPECTED.config_files,
  ),
  v.transform((globs) => [...new Set(globs)]),
)

const PythonSchema = v.pipe(
  v.string(EXPECTED.python),
  v.check(
    (python) => (python.startsWith('/') && isCleanPath(python) && python !== '/') || /^[A-Za-z0-9._+-]+$/.test(python),
    EXPECTED.python,
  ),
  v.transform((python) => (python.startsWith('/') ? normalizeAbsolute(python) : python)),
)

const BuildSchema = v.strictObject(
  {
    builder_version: v.pipe(v.string(EXPECTED.builder_version), v.minLength(1, EXPECTED.builder_version)),
    payload_sha256: v.pipe(v.string(EXPECTED.payload_sha256), v.regex(/^[0-9a-f]{64}$/, EXPECTED.payload_sha256)),
    payload_size: v.pipe(
      v.number(EXPECTED.payload_size),
      v.safeInteger(EXPECTED.payload_size),
      v.minValue(0, EXPECTED.payload_size),
    ),
    build_time: v.pipe(
      v.string(EXPECTED.build_time),
      v.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z$/, EXPECTED.build_time),
    ),
  },
  EXPECTED.build,
)

const ManifestInputSchema = v.object({
  package_name: v.optional(PackageNameSchema),
  package_type: v.optional(PackageTypeSchema),
  os_release: v.optional(OsReleaseSchema),
  version: v.optional(VersionSchema),
  release: v.optional(ReleaseSchema),
  prefix: v.optional(PrefixSchema),
  services: v.optional(ServicesSchema),
  config_files: v.optional(ConfigFilesSchema),
  python: v.optional(PythonSchema),
  build: v.optional(BuildSchema),
})

// No `..` (escapes), no NUL or line breaks (they break logs and SHA256SUMS-style lists).
function isCleanPath(path: string): boolean {
  return !/[\u0000\n\r]/.test(path) && !path.split('/').includes('..')
}

function stripDot(glob: string): string {
  return glob.replace(/^(?:\.\/+)+/, '')
}

function normalizeAbsolute(path: string): string {
  const parts = path.split('/').filter((part) => part !== '' && part !== '.')
  return `/${parts.join('/')}`
}

/**
 * Splits `<kind>_<version>_<os>.<arch>` (e.g. `update_code_5.7.1.0_centos.x86_64`); the arch is recognised
 * from {@link RPM_ARCHES}, the os part is optional. Undefined when the name has no `<kind>_<version>` start.
 */
export function parsePackageName(name: string): PackageNameParts | undefined {
  let base = name
  let arch: string | undefined
  const dot = name.lastIndexOf('.')
  if (dot !== -1 && RPM_ARCHES.includes(name.slice(dot + 1))) {
    arch = name.slice(dot + 1)
    base = name.slice(0, dot)
  }
  const match =
    /^([A-Za-z][A-Za-z0-9]*(?:_[A-Za-z][A-Za-z0-9]*)*)_([0-9][A-Za-z0-9.+~^]*)(?:_([A-Za-z0-9.+-]+))?$/.exec(base)
  if (match === null) return undefined
  const version = match[2]!.replace(/\.+$/, '')
  return { kind: match[1]!, version, os: match[3], arch }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array'
  return 'an object'
}

function fieldOf(path: readonly { key: unknown }[] | undefined): string {
  let field = ''
  for (const item of path ?? []) {
    field += typeof item.key === 'number' ? `[${item.key}]` : `${field === '' ? '' : '.'}${String(item.key)}`
  }
  return field
}

function issue(fileName: string, parts: Omit<ManifestIssue, 'message'>): ManifestIssue {
  const message = formatProblem({
    file: fileName,
    field: parts.field,
    expected: parts.expected,
    found: parts.found,
    ...(parts.hint === undefined ? {} : { hint: parts.hint }),
  })
  return { ...parts, message }
}

function rankOf(field: string): number {
  const top = field.split(/[.[]/)[0] as ManifestField
  const rank = MANIFEST_FIELDS.indexOf(top)
  return rank === -1 ? MANIFEST_FIELDS.length : rank
}

/** Validates an already-parsed version.json value; never throws for bad input. */
export function safeValidateManifest(value: unknown, fileName = 'version.json'): ManifestResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : `${typeof value} ${describe(value)}`
    return {
      success: false,
      code: 'E_MANIFEST_INVALID',
      issues: [issue(fileName, { field: '', expected: 'a JSON object', found })],
    }
  }
  const input = value as Record<string, unknown>
  const issues: ManifestIssue[] = []
  const unknown: ManifestIssue[] = []

  for (const key of Object.keys(input)) {
    if (key.startsWith('_') || (MANIFEST_FIELDS as readonly string[]).includes(key)) continue
    const near = suggest(key, MANIFEST_FIELDS)
    unknown.push(
      issue(fileName, {
        field: key,
        expected: `one of the fields ${MANIFEST_FIELDS.filter((f) => f !== 'build').join(', ')}, or a comment key starting with _`,
        found: `unknown field ${JSON.stringify(key)}`,
        ...(near === undefined ? {} : { hint: `did you mean ${near}?` }),
      }),
    )
  }

  for (const field of REQUIRED) {
    if (input[field] === undefined) {
      issues.push(
        issue(fileName, { field, expected: EXPECTED[field], found: 'nothing', hint: 'the field is required' }),
      )
    }
  }

  const parsed = v.safeParse(ManifestInputSchema, input, { abortPipeEarly: true })
  if (!parsed.success) {
    for (const problem of parsed.issues) {
      const field = fieldOf(problem.path)
      let expected = problem.message
      let found = describe(problem.input)
      let hint: string | undefined
      if (problem.type === 'strict_object' && problem.expected === 'never') {
        // An unknown key inside `build`: valibot reports the key name as the input.
        expected = `no such field (${EXPECTED.build})`
        found = `unknown field ${JSON.stringify(problem.input)}`
      } else if (problem.type === 'strict_object' && problem.input === undefined && (problem.path?.length ?? 0) > 1) {
        // A missing key inside `build`: the issue carries the object's message, so name the key's own.
        const key = String(problem.path?.at(-1)?.key) as keyof typeof EXPECTED
        expected = Object.hasOwn(EXPECTED, key) ? EXPECTED[key] : problem.message
        found = 'nothing'
      } else if (field === 'package_type' && typeof problem.input === 'string') {
        const near = suggest(problem.input, PACKAGE_TYPE_VALUES)
        if (near !== undefined) hint = `did you mean ${near}?`
      } else if (
        field === 'os_release' &&
        typeof problem.input === 'string' &&
        problem.input.split(',').some((id) => id.trim() === '')
      ) {
        hint = 'remove the empty item'
      } else if (field === 'package_name' && typeof problem.input === 'string' && problem.input.length > 200) {
        hint = `it has ${problem.input.length} characters`
      }
      issues.push(issue(fileName, { field, expected, found, ...(hint === undefined ? {} : { hint }) }))
    }
  }

  const out = parsed.success ? parsed.output : undefined
  const type = out?.package_type ?? (isPackageType(input.package_type) ? input.package_type : undefined)
  if (type !== undefined) {
    const rules = PACKAGE_TYPE_RULES[type]
    const notApplicable = {
      prefix: 'an rpm installs to the paths it carries; remove the field',
      config_files: "the rpm's own %config flags apply; remove the field",
      python: 'only install_update_code installs wheels; remove the field',
    } as const
    for (const field of ['prefix', 'config_files', 'python'] as const) {
      if (input[field] !== undefined && !rules.fields.includes(field)) {
        issues.push(
          issue(fileName, {
            field,
            expected: `no ${field} for ${type}`,
            found: describe(input[field]),
            hint: notApplicable[field],
          }),
        )
      }
    }
  }

  const nameParts = out?.package_name === undefined ? undefined : parsePackageName(out.package_name)
  if (out?.package_name !== undefined && input.version === undefined && nameParts === undefined) {
    issues.push(
      issue(fileName, {
        field: 'version',
        expected:
          'a version in package_name (<kind>_<version>_<os>.<arch>, e.g. rdb_agent_5.7.1.0_centos.x86_64) or a "version" field',
        found: `package_name ${JSON.stringify(out.package_name)} with no version`,
        hint: 'add "version": "<version>" to version.json or rename the package',
      }),
    )
  }

  issues.sort((a, b) => rankOf(a.field) - rankOf(b.field))
  issues.push(...unknown)
  if (issues.length > 0 || out === undefined) return { success: false, code: 'E_MANIFEST_INVALID', issues }

  const packageType = out.package_type!
  const rules = PACKAGE_TYPE_RULES[packageType]
  return {
    success: true,
    output: {
      package_name: out.package_name!,
      package_type: packageType,
      os_release: out.os_release!,
      version: out.version ?? nameParts!.version,
      release: out.release ?? '1',
      arch: nameParts?.arch,
      kind: nameParts?.kind,
      prefix: out.prefix ?? rules.defaultPrefix,
      services: out.services ?? [...rules.defaultServices],
      config_files: out.config_files ?? [...rules.defaultConfigFiles],
      python: out.python ?? rules.defaultPython,
      build: out.build,
    },
  }
}

/** Validates an already-parsed version.json value; throws {@link ManifestError} listing every problem. */
export function validateManifest(value: unknown, fileName = 'version.json'): Manifest {
  return unwrap(safeValidateManifest(value, fileName), fileName)
}

/** Parses and validates version.json text; never throws for bad input. A leading BOM is tolerated. */
export function safeParseManifest(text: string, fileName = 'version.json'): ManifestResult {
  const body = text.replace(/^\uFEFF/, '')
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch (cause) {
    return { success: false, code: 'E_MANIFEST_JSON', issues: [jsonIssue(body, fileName, cause)] }
  }
  return safeValidateManifest(value, fileName)
}

/**
 * Parses and validates version.json text into a {@link Manifest}. Throws {@link ManifestError} with code
 * `E_MANIFEST_JSON` (syntax) or `E_MANIFEST_INVALID` (schema); its message has one line per problem.
 */
export function parseManifest(text: string, fileName = 'version.json'): Manifest {
  return unwrap(safeParseManifest(text, fileName), fileName)
}

/** Thrown by {@link parseManifest} and {@link validateManifest}: a ManifestError carrying every issue. */
export class ManifestIssuesError extends ManifestError {
  override name = 'ManifestError'
  readonly issues: ManifestIssue[]

  constructor(code: 'E_MANIFEST_JSON' | 'E_MANIFEST_INVALID', fileName: string, issues: ManifestIssue[]) {
    const first = issues[0]
    super(code, issues.map((i) => i.message).join('\n'), {
      file: fileName,
      ...(first === undefined ? {} : { field: first.field, expected: first.expected, found: first.found }),
      ...(first?.hint === undefined ? {} : { hint: first.hint }),
    })
    this.issues = issues
  }
}

function unwrap(result: ManifestResult, fileName: string): Manifest {
  if (result.success) return result.output
  throw new ManifestIssuesError(result.code, fileName, result.issues)
}

/**
 * The JSON-able object for the archive's version.json: the resolved manifest (so the installer applies exactly
 * what was validated), fields that do not apply to the type left out, `build` facts when given.
 * `parseManifest(JSON.stringify(manifestToJson(m)))` gives `m` back.
 */
export function manifestToJson(manifest: Manifest, build: BuildFacts | undefined = manifest.build): ManifestJson {
  const rules = PACKAGE_TYPE_RULES[manifest.package_type]
  const json: ManifestJson = {
    package_name: manifest.package_name,
    package_type: manifest.package_type,
    os_release: manifest.os_release.join(','),
    version: manifest.version,
    release: manifest.release,
    ...(rules.fields.includes('prefix') ? { prefix: manifest.prefix } : {}),
    services: [...manifest.services],
    ...(rules.fields.includes('config_files') ? { config_files: [...manifest.config_files] } : {}),
    ...(rules.fields.includes('python') && manifest.python !== undefined ? { python: manifest.python } : {}),
  }
  if (build !== undefined) {
    json.build = {
      builder_version: build.builder_version,
      payload_sha256: build.payload_sha256,
      payload_size: build.payload_size,
      build_time: build.build_time,
    }
  }
  return json
}

function jsonIssue(text: string, fileName: string, cause: unknown): ManifestIssue {
  if (text.trim() === '') {
    return issue(fileName, { field: '', expected: 'a JSON object', found: 'an empty file' })
  }
  const located = locateJsonError(text)
  if (located === undefined) {
    return issue(fileName, {
      field: '',
      expected: 'valid JSON',
      found: cause instanceof Error ? cause.message : String(cause),
    })
  }
  const before = text.slice(0, located.offset)
  const line = before.split('\n').length
  const column = located.offset - before.lastIndexOf('\n')
  return {
    ...issue(fileName, {
      field: `line ${line}, column ${column}`,
      expected: located.expected,
      found: located.found,
      ...(located.hint === undefined ? {} : { hint: located.hint }),
    }),
    line,
    column,
  }
}
