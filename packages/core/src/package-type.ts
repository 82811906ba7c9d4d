// The five kinds of archive and what each one's payload (package.tar.gz) must hold, as data, so the builder, the
// installer and the docs read the same table.

/** The values of version.json's `package_type`. */
export const PACKAGE_TYPES = {
  install_rdb_server: 'install_rdb_server',
  install_rdb_worker: 'install_rdb_worker',
  install_rdb_agent: 'install_rdb_agent',
  install_update_code: 'install_update_code',
  install_update_agent: 'install_update_agent',
} as const

/** One of {@link PACKAGE_TYPES}. */
export type PackageType = (typeof PACKAGE_TYPES)[keyof typeof PACKAGE_TYPES]

/** Every package type, in the order the docs list them. */
export const PACKAGE_TYPE_VALUES: readonly PackageType[] = Object.freeze(Object.values(PACKAGE_TYPES))

/** True when `value` is one of {@link PACKAGE_TYPES}. */
export function isPackageType(value: unknown): value is PackageType {
  return typeof value === 'string' && (PACKAGE_TYPE_VALUES as readonly string[]).includes(value)
}

/** What a payload carries: one rpm, a tree of files, or Python wheels plus tools. */
export type PayloadKind = 'rpm' | 'files' | 'wheels'

/** One kind of top-level entry a payload may (and with `min > 0`, must) hold. */
export interface PayloadEntryRule {
  /** How the entry is shown to users: `tools/`, `*.whl`, `aio-<version>-<release>.<arch>.rpm`. */
  readonly label: string
  /** Whether the entry is a folder (listed as `name/` or by its children) or a file. */
  readonly kind: 'file' | 'dir'
  /** Matches the top-level name, without `./` and without the trailing `/`. */
  readonly pattern: RegExp
  /** How many entries must match. */
  readonly min: number
  /** How many entries may match (`Infinity`: no limit). */
  readonly max: number
}

/** Everything that depends on the package type. */
export interface PackageTypeRules {
  /** The type these rules are for. */
  readonly type: PackageType
  /** One line on what the archive does. */
  readonly description: string
  /** What the payload carries. */
  readonly payload: PayloadKind
  /** For rpm payloads: the rpm's exact name (`aio`, `aio-airflow`). */
  readonly rpmName: string | undefined
  /** For rpm payloads: matches the rpm's file name; groups are version, release, arch. */
  readonly rpmPattern: RegExp | undefined
  /** The top-level entries the payload must and may hold; anything else is unexpected. */
  readonly entries: readonly PayloadEntryRule[]
  /** Where file payloads are installed. rpm types: `/` (not applied: an rpm carries its own paths). */
  readonly defaultPrefix: string
  /** systemd units or process names that must be stopped (with `-f`) before the install. */
  readonly defaultServices: readonly string[]
  /** The package database name files are tracked under; undefined for rpm types (the rpm's own name). */
  readonly trackedName: string | undefined
  /** True when an installed `trackedName` is a precondition (update archives; exit 7 when absent). */
  readonly requiresInstalled: boolean
  /** Globs, relative to the payload, treated as `%config(noreplace)`; empty for rpm types (the rpm says). */
  readonly defaultConfigFiles: readonly string[]
  /** The interpreter whose pip receives the wheels; undefined when the type carries no wheels. */
  readonly defaultPython: string | undefined
  /** Optional version.json fields that mean something for this type; the others are refused. */
  readonly fields: readonly ('prefix' | 'config_files' | 'python')[]
}

/** The config globs every file payload gets unless version.json says otherwise. */
export const DEFAULT_CONFIG_FILES: readonly string[] = Object.freeze([
  '**/*.conf',
  '**/*.cfg',
  '**/*.ini',
  '**/*.yaml',
  '**/*.yml',
  '**/*.properties',
])

// rpm's version and release may hold letters, digits and . _ + ~ ^ (never '-'); the arch is the last dot part.
// Source rpms (`.src.rpm`, `.nosrc.rpm`) cannot be installed, so they never match.
const RPM_EVR_TAIL = String.raw`-([A-Za-z0-9._+~^]+)-([A-Za-z0-9._+~^]+)\.(?!(?:no)?src\.rpm$)([A-Za-z0-9_]+)\.rpm`
const SOURCE_ARCHES = new Set(['src', 'nosrc'])

function rpmRule(name: string): PayloadEntryRule {
  return Object.freeze({
    label: `${name}-<version>-<release>.<arch>.rpm`,
    kind: 'file',
    pattern: rpmPattern(name),
    min: 1,
    max: 1,
  })
}

function rpmPattern(name: string): RegExp {
  return new RegExp(`^${name.replace(/[.+]/g, '\\$&')}${RPM_EVR_TAIL}$`)
}

function dirRule(name: string): PayloadEntryRule {
  return Object.freeze({
    label: `${name}/`,
    kind: 'dir',
    pattern: new RegExp(`^${name.replace(/[.+]/g, '\\$&')}$`),
    min: 1,
    max: 1,
  })
}

const WHEEL_RULE: PayloadEntryRule = Object.freeze({
  label: '*.whl',
  kind: 'file',
  pattern: /^[^/]+\.whl$/,
  min: 1,
  max: Number.POSITIVE_INFINITY,
})

const AGENT_SERVICES: readonly string[] = Object.freeze(['rdb-agent', 'fsbackup'])
const NONE: readonly string[] = Object.freeze([])

/** The per-type table: payload layout, defaults and preconditions. */
export const PACKAGE_TYPE_RULES: Readonly<Record<PackageType, PackageTypeRules>> = Object.freeze({
  install_rdb_server: Object.freeze({
    type: 'install_rdb_server',
    description: 'installs or upgrades the rdb server rpm (aio)',
    payload: 'rpm',
    rpmName: 'aio',
    rpmPattern: rpmPattern('aio'),
    entries: Object.freeze([rpmRule('aio')]),
    defaultPrefix: '/',
    defaultServices: NONE,
    trackedName: undefined,
    requiresInstalled: false,
    defaultConfigFiles: NONE,
    defaultPython: undefined,
    fields: Object.freeze([]),
  }),
  install_rdb_worker: Object.freeze({
    type: 'install_rdb_worker',
    description: 'installs or upgrades the rdb worker rpm (aio-airflow)',
    payload: 'rpm',
    rpmName: 'aio-airflow',
    rpmPattern: rpmPattern('aio-airflow'),
    entries: Object.freeze([rpmRule('aio-airflow')]),
    defaultPrefix: '/',
    defaultServices: NONE,
    trackedName: undefined,
    requiresInstalled: false,
    defaultConfigFiles: NONE,
    defaultPython: undefined,
    fields: Object.freeze([]),
  }),
  install_rdb_agent: Object.freeze({
    type: 'install_rdb_agent',
    description: 'installs or upgrades the backup agent (rdb-agent)',
    payload: 'files',
    rpmName: undefined,
    rpmPattern: undefined,
    entries: Object.freeze([dirRule('fsbackup_kernel_4.x'), dirRule('tools')]),
    defaultPrefix: '/opt/rdb/agent',
    defaultServices: AGENT_SERVICES,
    trackedName: 'rdb-agent',
    requiresInstalled: false,
    defaultConfigFiles: DEFAULT_CONFIG_FILES,
    defaultPython: undefined,
    fields: Object.freeze(['prefix', 'config_files'] as const),
  }),
  install_update_code: Object.freeze({
    type: 'install_update_code',
    description: 'patches the product code (wheels, offline pip) and its tools (rdb-code-tools)',
    payload: 'wheels',
    rpmName: undefined,
    rpmPattern: undefined,
    entries: Object.freeze([WHEEL_RULE, dirRule('tools')]),
    defaultPrefix: '/opt/rdb/code-tools',
    defaultServices: NONE,
    trackedName: 'rdb-code-tools',
    requiresInstalled: true,
    defaultConfigFiles: DEFAULT_CONFIG_FILES,
    defaultPython: 'python3',
    fields: Object.freeze(['prefix', 'config_files', 'python'] as const),
  }),
  install_update_agent: Object.freeze({
    type: 'install_update_agent',
    description: 'upgrades an installed backup agent (rdb-agent)',
    payload: 'files',
    rpmName: undefined,
    rpmPattern: undefined,
    entries: Object.freeze([dirRule('fsbackup_kernel_4.x'), dirRule('tools')]),
    defaultPrefix: '/opt/rdb/agent',
    defaultServices: AGENT_SERVICES,
    trackedName: 'rdb-agent',
    requiresInstalled: true,
    defaultConfigFiles: DEFAULT_CONFIG_FILES,
    defaultPython: undefined,
    fields: Object.freeze(['prefix', 'config_files'] as const),
  }),
})

/** Why one entry of a payload is wrong. */
export interface PayloadProblem {
  /** `missing`: a required entry is absent; `unexpected`: not allowed here; `unsafe`: hostile name. */
  readonly kind: 'missing' | 'unexpected' | 'unsafe'
  /** The entry: a rule label when missing, the top-level name when unexpected, the name as listed when unsafe. */
  readonly entry: string
  /** One line: `package.tar.gz: tools/: missing (...)`. */
  readonly message: string
}

/** What {@link checkPayload} found. */
export interface PayloadCheck {
  /** True when nothing is missing, unexpected or unsafe. */
  ok: boolean
  /** Labels of required entries that are absent (`tools/`, `*.whl`, `aio-<version>-<release>.<arch>.rpm`). */
  missing: string[]
  /** Top-level names that are not allowed for the type, without `./`; folders end in `/`. */
  unexpected: string[]
  /** Entries, as listed, whose names are absolute, have a `..` part, control characters, or repeat. */
  unsafe: string[]
  /** One problem per missing, unexpected and unsafe entry, with a one-line message. */
  problems: PayloadProblem[]
  /** rpm types: the rpm entry as listed (for extraction by name), when exactly one matches. */
  rpm?: string
  /** update_code: the top-level wheel entries as listed, in listing order. */
  wheels: string[]
}

/** What an unsafe entry name is, or undefined when the name is safe. */
export function unsafeEntryReason(entry: string): string | undefined {
  if (entry === '') return 'empty name'
  if (/[\u0000-\u001f\u007f]/.test(entry)) return 'name has a NUL or control character'
  if (entry.startsWith('/')) return 'absolute path'
  if (entry.split('/').includes('..')) return "name has a '..' component"
  return undefined
}

/** An entry name without its leading `./` parts; `.` and `./` become the empty string. */
export function stripDotSlash(entry: string): string {
  const name = entry.replace(/^(?:\.\/+)+/, '')
  return name === '.' ? '' : name
}

interface TopLevel {
  name: string
  /** Listed as `name/` or with children. */
  dir: boolean
  /** Listed as `name` (no slash, no children). */
  file: boolean
  /** The first entry that named it exactly, as listed (for `rpm` and `wheels`). */
  listed: string | undefined
}

/**
 * Checks tar entry names (as `tar -tzf package.tar.gz` lists them) against what `type` needs. Expected failures
 * are returned as data: the builder prints `problems` and refuses, the installer re-checks before it writes.
 */
export function checkPayload(entries: readonly string[], type: PackageType, fileName = 'package.tar.gz'): PayloadCheck {
  const rules = PACKAGE_TYPE_RULES[type]
  const problems: PayloadProblem[] = []
  const unsafe: string[] = []
  const seenFiles = new Set<string>()
  const tops = new Map<string, TopLevel>()

  for (const entry of entries) {
    const reason = unsafeEntryReason(entry)
    if (reason !== undefined) {
      unsafe.push(entry)
      problems.push({
        kind: 'unsafe',
        entry,
        message: `${fileName}: ${JSON.stringify(entry)}: unsafe entry (${reason})`,
      })
      continue
    }
    const name = stripDotSlash(entry)
    if (name === '' || name === '/') continue
    const isDirEntry = name.endsWith('/')
    const path = name.replace(/\/+$/, '')
    if (!isDirEntry) {
      // A second copy of a file silently replaces the first on extraction: what was checked is not what lands.
      if (seenFiles.has(path)) {
        unsafe.push(entry)
        problems.push({
          kind: 'unsafe',
          entry,
          message: `${fileName}: ${entry}: unsafe entry (listed more than once; a later copy would replace the earlier)`,
        })
        continue
      }
      seenFiles.add(path)
    }
    const slash = path.indexOf('/')
    const top = slash === -1 ? path : path.slice(0, slash)
    const hasChildren = slash !== -1
    const record = tops.get(top) ?? { name: top, dir: false, file: false, listed: undefined }
    if (isDirEntry || hasChildren) record.dir = true
    else record.file = true
    if (!hasChildren) record.listed ??= entry
    tops.set(top, record)
  }

  const matches = new Map<PayloadEntryRule, TopLevel[]>(rules.entries.map((rule) => [rule, []]))
  const unexpected: string[] = []
  const allowedText = rules.entries.map((rule) => rule.label).join(' and ')
  for (const top of tops.values()) {
    if (top.dir && top.file) {
      unexpected.push(top.name)
      problems.push({
        kind: 'unexpected',
        entry: top.name,
        message: `${fileName}: ${top.name}: unexpected (listed both as a file and as a folder)`,
      })
      continue
    }
    const rule = rules.entries.find((r) => (r.kind === 'dir') === top.dir && r.pattern.test(top.name))
    if (rule !== undefined) {
      matches.get(rule)!.push(top)
      continue
    }
    const shown = top.dir ? `${top.name}/` : top.name
    unexpected.push(shown)
    problems.push({
      kind: 'unexpected',
      entry: shown,
      message: `${fileName}: ${shown}: unexpected (${type} holds only ${allowedText} at the top level${whyUnexpected(top)})`,
    })
  }

  const missing: string[] = []
  let rpm: string | undefined
  const wheels: string[] = []
  for (const [rule, found] of matches) {
    if (found.length < rule.min) {
      missing.push(rule.label)
      problems.push({
        kind: 'missing',
        entry: rule.label,
        message: `${fileName}: ${rule.label}: missing (${type} needs ${allowedText} at the top level)`,
      })
    } else if (found.length > rule.max) {
      for (const top of found) {
        unexpected.push(top.name)
        problems.push({
          kind: 'unexpected',
          entry: top.name,
          message: `${fileName}: ${top.name}: unexpected (${type} holds exactly ${rule.max} ${rule.label}, found ${found.length})`,
        })
      }
    } else if (rule.label.endsWith('.rpm')) {
      rpm = found[0]?.listed
    } else if (rule === WHEEL_RULE) {
      for (const top of found) if (top.listed !== undefined) wheels.push(top.listed)
    }
  }

  return {
    ok: missing.length === 0 && unexpected.length === 0 && unsafe.length === 0,
    missing,
    unexpected,
    unsafe,
    problems,
    ...(rpm === undefined ? {} : { rpm }),
    wheels,
  }
}

// A hint for the near misses operators actually make: the other rpm, a source rpm, wheels in the wrong archive.
function whyUnexpected(top: TopLevel): string {
  if (top.dir) return ''
  const rpm = /^(.+)-[^-]+-[^-]+\.([A-Za-z0-9_]+)\.rpm$/.exec(top.name)
  if (rpm !== null) {
    if (SOURCE_ARCHES.has(rpm[2]!)) return '; this is a source rpm'
    const other = Object.values(PACKAGE_TYPE_RULES).find((rules) => rules.rpmName === rpm[1])
    return other === undefined
      ? `; this rpm is named ${rpm[1]}`
      : `; this rpm is named ${rpm[1]}, which belongs in ${other.type}`
  }
  if (top.name.endsWith('.whl')) return '; wheels belong in install_update_code'
  return ''
}
