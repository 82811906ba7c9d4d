// The engine's view of a package: the header data the transaction needs plus a way to stream its payload.
// Kept apart from the rpm format layer so planning, the database and the journal can be tested on packages
// built in memory, and so repackaged and database records share one shape.
import type { Readable } from 'node:stream'
import { compareEVR, formatEVR, parseEVR, rpmvercmp } from '@rdbpkg/core'
import type { FileFlags } from '@rdbpkg/core'
import type { TriggerSense } from './tags.js'
import { SENSE, TAG, TRIGGER_SENSE_BITS } from './tags.js'

/**
 * rpm's `%_pkgverify_level`: what a package must have verified, else it fails (-K) or is refused (install): digests
 * (`digest`, rpm's default), signatures (`signature`), both (`all`) or nothing (`none`). rpm-sim holds no keyring,
 * so where signatures are required every package fails: unsigned ones for `no signature`, signed ones as NOKEY.
 */
export type VerifyLevel = 'none' | 'digest' | 'signature' | 'all'

/** The levels rpm's vfylevel_init knows, by the macro's value. */
export const VERIFY_LEVELS: readonly VerifyLevel[] = ['none', 'digest', 'signature', 'all']

/** The scriptlets rpm runs around a transaction element, and `-V`'s %verifyscript, in the tags' own names. */
export const SCRIPT_NAMES = ['pretrans', 'pre', 'post', 'preun', 'postun', 'posttrans', 'verifyscript'] as const

/**
 * A scriptlet slot of rpm: one of `SCRIPT_NAMES`.
 *
 * @useDeclaredType
 */
export type ScriptName = (typeof SCRIPT_NAMES)[number]

/** A scriptlet: the interpreter argv (e.g. `['/bin/sh']`) and the script body. */
export interface EngineScript {
  interpreter: string[]
  body: string
}

/** The trigger kinds the engine runs. */
/**
 * The environment scriptlets inherit, as rpm's inherit rpm's own: PATH is set to rpm's (and a relocatable package's
 * `$RPM_INSTALL_PREFIX...`), the rest is passed on. The CLIs pass their process's.
 */
export type ScriptEnv = Readonly<Record<string, string | undefined>>

export type TriggerKind = 'triggerin' | 'triggerun' | 'triggerpostun' | 'triggerprein'

/** A trigger of a package on another package `name` (optionally bounded by a version comparison). */
export interface EngineTrigger {
  kind: TriggerKind
  name: string
  /** `<`, `<=`, `=`, `>=`, `>` or '' (any version). */
  sense?: string
  version?: string
  script: EngineScript
  /**
   * Which of the header's trigger scripts this is (rpm's TRIGGERINDEX): the conditions of one `%triggerin -- a, b`
   * share one index and one script. Absent in records written before rpm-sim kept it.
   */
  index?: number
}

/** rpm's file trigger kinds: `%filetriggerin` and the like run per package, `%transfiletrigger*` per transaction. */
export const FILE_TRIGGER_KINDS = [
  'filetriggerin',
  'filetriggerun',
  'filetriggerpostun',
  'transfiletriggerin',
  'transfiletriggerun',
  'transfiletriggerpostun',
] as const

/**
 * A file trigger kind: `filetriggerin`, `filetriggerun`, `filetriggerpostun` or the same with `trans` before.
 *
 * @useDeclaredType
 */
export type FileTriggerKind = (typeof FILE_TRIGGER_KINDS)[number]

/** The sense a trigger kind runs on: `triggerprein` → `prein`, `filetriggerun` → `un`, `transfiletriggerin` → `in`. */
export function triggerKindSense(kind: TriggerKind | FileTriggerKind): TriggerSense {
  return kind.slice(kind.indexOf('trigger') + 'trigger'.length) as TriggerSense
}

/**
 * A file trigger: set off by files whose paths start with one of `prefixes` (`%filetriggerin -- /usr/lib64`),
 * run with those paths on its standard input. Higher `priority` runs first (rpm's default 1000000; from 10000 up
 * a %filetriggerin runs before the %post of the package that set it off, below it after).
 */
export interface EngineFileTrigger {
  kind: FileTriggerKind
  prefixes: string[]
  priority: number
  script: EngineScript
}

/**
 * The conditions of a family's file triggers (`file` or `transfile`) as rpmbuild stores them (FILETRIGGERNAME,
 * FLAGS, INDEX): one per prefix, sorted by prefix, then RPMSENSE bits, then trigger index.
 */
export function fileTriggerConditions(
  triggers: readonly EngineFileTrigger[] | undefined,
  family: 'file' | 'transfile',
): { name: string; flags: number; index: number }[] {
  const mine = (triggers ?? []).filter((t) => t.kind.startsWith(`${family}trigger`))
  return mine
    .flatMap((t, index) =>
      t.prefixes.map((name) => ({
        name,
        flags: TRIGGER_SENSE_BITS[triggerKindSense(t.kind)],
        index,
      })),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.flags - b.flags || a.index - b.index))
}

/**
 * Which trigger script `t` runs, as a key: its TRIGGERINDEX, or for records kept before the index, its kind,
 * interpreter and body (rpmbuild writes the conditions of one `%triggerin -- a, b` with one shared script).
 */
export function triggerScriptKey(t: EngineTrigger): string {
  return t.index !== undefined ? `#${t.index}` : `${t.kind}\0${t.script.interpreter.join(' ')}\0${t.script.body}`
}

/** One entry of a package's %changelog (rpm's CHANGELOGTIME, CHANGELOGNAME and CHANGELOGTEXT). */
export interface EngineChangelogEntry {
  /** Seconds since the epoch (noon UTC of the entry's day, as rpmbuild stores it). */
  time: number
  /** The author line: `Name <mail> - version`. */
  name: string
  text: string
}

/**
 * rpm's file attributes (FILEFLAGS) that rpm-sim reads, writes and honours: core's fate flags, %license, %readme
 * and %artifact (what the list mode's -L, -A and --noartifact select on).
 */
export interface EngineFileFlags extends FileFlags {
  license?: boolean
  readme?: boolean
  artifact?: boolean
}

/** One file entry of a package header. Paths are absolute inside the root (`/etc/x`). */
export interface EngineFile {
  path: string
  kind: 'file' | 'dir' | 'symlink' | 'other'
  /** Full st_mode, type bits included. */
  mode: number
  size: number
  /** Lower-case hex digest in the package's {@link EngineHeader.digestAlgo}; regular files only. */
  digest?: string
  linkTarget?: string
  /** Device number of a character or block device (rpm's FILERDEVS). */
  rdev?: number
  /** The size of its hard-link group in the package (absent: 1), as `rpm -qlv` shows it. */
  nlink?: number
  /**
   * What `-V` checks of it (rpm's FILEVERIFYFLAGS, RPMVERIFY_* bits) when `%verify` or `%ghost` left a check out;
   * absent: every check.
   */
  verify?: number
  /** rpm's file color (FILECOLORS): 1 a 32-bit ELF file, 2 a 64-bit one; absent: 0, none. */
  color?: number
  /** The file's capabilities (rpm's FILECAPS, `%caps(cap_net_raw=ep)`), set when it is written; absent: none. */
  caps?: string
  /**
   * The languages the file is for (rpm's FILELANGS, `%lang(de)`; several joined by `|`): with `%_install_langs` set,
   * it is installed only for one of those languages. Absent: any language.
   */
  lang?: string
  user: string
  group: string
  mtime: number
  flags: EngineFileFlags
}

/**
 * The kinds of dependency a package declares, as the header and the database keep them: rpm's strong ones, its weak
 * ones (Recommends, Suggests, and the reverse Supplements and Enhances) and OrderWithRequires (`orders`). rpm-sim
 * resolves none of them; they order a transaction's elements, as rpm's do, and queries show them.
 */
export type DependencyKind =
  | 'provides'
  | 'requires'
  | 'conflicts'
  | 'obsoletes'
  | 'recommends'
  | 'suggests'
  | 'supplements'
  | 'enhances'
  | 'orders'

/** Every {@link DependencyKind}, in the order rpm's header lists their tags. */
export const DEPENDENCY_KINDS: readonly DependencyKind[] = [
  'provides',
  'requires',
  'conflicts',
  'obsoletes',
  'orders',
  'recommends',
  'suggests',
  'supplements',
  'enhances',
]

/** The header tags of each {@link DependencyKind}: its names, flags and versions (what the reader and writer use). */
export const DEPENDENCY_TAGS: Readonly<Record<DependencyKind, readonly [number, number, number]>> = {
  provides: [TAG.PROVIDENAME, TAG.PROVIDEFLAGS, TAG.PROVIDEVERSION],
  requires: [TAG.REQUIRENAME, TAG.REQUIREFLAGS, TAG.REQUIREVERSION],
  conflicts: [TAG.CONFLICTNAME, TAG.CONFLICTFLAGS, TAG.CONFLICTVERSION],
  obsoletes: [TAG.OBSOLETENAME, TAG.OBSOLETEFLAGS, TAG.OBSOLETEVERSION],
  orders: [TAG.ORDERNAME, TAG.ORDERFLAGS, TAG.ORDERVERSION],
  recommends: [TAG.RECOMMENDNAME, TAG.RECOMMENDFLAGS, TAG.RECOMMENDVERSION],
  suggests: [TAG.SUGGESTNAME, TAG.SUGGESTFLAGS, TAG.SUGGESTVERSION],
  supplements: [TAG.SUPPLEMENTNAME, TAG.SUPPLEMENTFLAGS, TAG.SUPPLEMENTVERSION],
  enhances: [TAG.ENHANCENAME, TAG.ENHANCEFLAGS, TAG.ENHANCEVERSION],
}

/** The header fields of a package that the engine, the database and `-qi` use. */
export interface EngineHeader {
  name: string
  epoch?: number
  version: string
  release: string
  arch: string
  /** Node hash name of the file digests: `md5`, `sha1`, `sha256`, ... */
  digestAlgo: string
  files: EngineFile[]
  scripts: Partial<Record<ScriptName, EngineScript>>
  triggers: EngineTrigger[]
  /** File triggers in the header's order (file triggers, then transaction file triggers, each by index). */
  fileTriggers?: EngineFileTrigger[]
  summary?: string
  description?: string
  license?: string
  group?: string
  url?: string
  vendor?: string
  packager?: string
  /** rpm's OS tag (`linux`). */
  os?: string
  buildTime?: number
  buildHost?: string
  sourceRpm?: string
  /** Installed size from the header (rpm's SIZE), as -qi prints it. */
  size?: number
  /** The package's color as a transaction element (rpm's rpmteColor, from its linked files); absent: 0. */
  elementColor?: number
  /** A relocatable package's prefixes (rpm's PREFIXES); absent: not relocatable. */
  prefixes?: string[]
  /**
   * Where an installed relocatable package's prefixes went (rpm's INSTPREFIXES: its prefixes, moved by
   * `--relocate` or `--prefix`): what its scriptlets get as `$RPM_INSTALL_PREFIX0`... Only in records.
   */
  installPrefixes?: string[]
  provides?: string[]
  requires?: string[]
  /**
   * The whole RPMSENSE_* bits of each dependency of a kind, in its order (the texts keep only the comparison): what
   * tells a requirement only an install needs (rpm's isTransientReq) or a `config()` provide. Absent in
   * records written before they were kept.
   */
  depFlags?: Partial<Record<DependencyKind, number[]>>
  conflicts?: string[]
  obsoletes?: string[]
  /** The weak dependencies and OrderWithRequires, as `name op evr` (absent: none; see {@link DependencyKind}). */
  recommends?: string[]
  suggests?: string[]
  supplements?: string[]
  enhances?: string[]
  orders?: string[]
  /** The %changelog entries, newest first, as the header holds them. */
  changelog?: EngineChangelogEntry[]
  /**
   * The header's other tags, by number: those the fields above do not hold and that are not one value per file, as
   * the header has them (with the signature header's, which rpm merges in: SIGMD5, SHA1HEADER, ...), for queries.
   * Absent: none (and in records written before they were kept).
   */
  otherTags?: Record<string, OtherTag>
}

/** A header entry kept as it is (see {@link EngineHeader.otherTags}): its values, BIN data as lower-case hex. */
export interface OtherTag {
  /** rpm's data type (RPM_INT32_TYPE 4, RPM_STRING_TYPE 6, RPM_BIN_TYPE 7, ...). */
  type: number
  values: (string | number)[]
}

/** One payload entry as the engine consumes it; `body` must be read to the end before the next entry. */
export interface EnginePayloadEntry {
  path: string
  size: number
  /** cpio link count: members of a hard-link group carry no data except the last. */
  nlink?: number
  body?: Readable
  /** Instead of `body`: the whole body in memory (the reader reads bodies up to 1 MiB at once). */
  data?: Buffer | undefined
  /**
   * Instead of `body`: a file that already holds the body, written by the source, which vouches for its digest
   * (the header was computed from it). The engine moves it to its temporary name (a rename, or a copy across
   * filesystems) and sets the packaged metadata; the source's folder should be on the root's filesystem.
   */
  file?: string
}

/** A header signature as rpm reports it when it reads a package: its key ID and the text after `FILE: `. */
export interface SignatureNote {
  keyId: string
  /** `Header V4 RSA/SHA256 Signature, key ID 4ae0493b: NOKEY` */
  text: string
}

/** A package to install: its header and a way to stream its payload once. */
export interface PackageSource {
  /** Where it came from (an .rpm path), for messages and history. */
  origin: string
  header: EngineHeader
  payload(): AsyncIterable<EnginePayloadEntry>
  /** Its header signatures, which rpm reports as it reads the package (NOKEY: rpm-sim holds no keys). */
  signatures?: SignatureNote[]
  /**
   * Verify the whole package file before the transaction, as rpm's default `_pkgverify_level digest`: why it does not
   * verify (`Payload SHA256 digest: BAD (Expected ... != ...)`, `no digest`), or undefined when it does.
   */
  verify?(options: { digests: boolean; signatures: boolean; level?: VerifyLevel }): Promise<string | undefined>
}

/** `name-[epoch:]version-release.arch` as rpm prints it in problems and queries. */
export function headerNevra(h: Pick<EngineHeader, 'name' | 'epoch' | 'version' | 'release' | 'arch'>): string {
  return `${h.name}-${formatEVR({ epoch: h.epoch ?? 0, version: h.version, release: h.release })}.${h.arch}`
}

/** rpm's comparison text of RPMSENSE_LESS/GREATER/EQUAL bits (2, 4, 8). */
export function senseText(flags: number): string {
  const lt = (flags & 2) !== 0
  const gt = (flags & 4) !== 0
  const eq = (flags & 8) !== 0
  return `${lt ? '<' : ''}${gt ? '>' : ''}${eq ? '=' : ''}`
}

/** The RPMSENSE_LESS/GREATER/EQUAL bits of a comparison text (`<`, `<=`, `=`, `>=`, `>`; '' is none). */
export function senseBits(op: string): number {
  return (op.includes('<') ? 2 : 0) | (op.includes('>') ? 4 : 0) | (op.includes('=') ? 8 : 0)
}

/** rpmds.h's masks of RPMSENSE bits (the legacy PREREQ bit, which its _notpre strips, is in none but allRequires). */
export const DEP_MASK = {
  /** RPMSENSE_SENSEMASK: the comparison (LESS, GREATER, EQUAL). */
  comparison: SENSE.LESS | SENSE.GREATER | SENSE.EQUAL,
  installOnly: SENSE.SCRIPT_PRE | SENSE.SCRIPT_POST | SENSE.RPMLIB | SENSE.KEYRING | SENSE.PRETRANS | SENSE.POSTTRANS,
  eraseOnly: SENSE.SCRIPT_PREUN | SENSE.SCRIPT_POSTUN,
  unorderedOnly: SENSE.RPMLIB | SENSE.CONFIG | SENSE.PRETRANS | SENSE.POSTTRANS | SENSE.SCRIPT_VERIFY | SENSE.META,
  forceOrderOnly: SENSE.SCRIPT_PRE | SENSE.SCRIPT_POST | SENSE.SCRIPT_PREUN | SENSE.SCRIPT_POSTUN,
  allRequires:
    SENSE.INTERP |
    SENSE.SCRIPT_PRE |
    SENSE.SCRIPT_POST |
    SENSE.SCRIPT_PREUN |
    SENSE.SCRIPT_POSTUN |
    SENSE.SCRIPT_VERIFY |
    SENSE.FIND_REQUIRES |
    SENSE.RPMLIB |
    SENSE.KEYRING |
    SENSE.PRETRANS |
    SENSE.POSTTRANS |
    SENSE.PREREQ |
    SENSE.META |
    SENSE.MISSINGOK,
} as const

/**
 * rpm's isTransientReq: a requirement only installing needs (`Requires(pre)`, `(post)`, rpmlib(), ...) and not
 * erasing, nor a meta one. rpm leaves those out of its requirename index, so --whatrequires does not find them.
 */
export function isTransientRequire(flags: number): boolean {
  return (flags & DEP_MASK.installOnly) !== 0 && (flags & DEP_MASK.eraseOnly) === 0 && (flags & SENSE.META) === 0
}

/**
 * Does a package of this EVR satisfy a dependency's `sense version` range (a trigger's condition, an Obsoletes)?
 * No range is any version; rpm compares only the parts the range names: no release in it means any release.
 */
export function evrSatisfies(
  h: Pick<EngineHeader, 'epoch' | 'version' | 'release'>,
  sense: string | undefined,
  version: string | undefined,
): boolean {
  if (sense === undefined || sense === '' || version === undefined || version === '') return true
  const want = parseEVR(version)
  const have = { epoch: h.epoch ?? 0, version: h.version, release: h.release }
  const c = want.release === '' ? compareEVR({ ...have, release: '' }, want) : compareEVR(have, want)
  return (c < 0 && sense.includes('<')) || (c > 0 && sense.includes('>')) || (c === 0 && sense.includes('='))
}

/** A dependency as the engine and the database keep it: `name`, or `name op version` (`tool >= 1.2`). */
export function dependencyText(d: { name: string; flags: number; version: string }): string {
  return d.version ? `${d.name} ${senseText(d.flags)} ${d.version}` : d.name
}

/** A dependency in rpm's three parts: name, RPMSENSE flags, `[epoch:]version[-release]` ('' for none). */
export interface Dependency {
  name: string
  flags: number
  version: string
}

/** {@link dependencyText} read back into rpm's three parts (the comparison as its LESS/GREATER/EQUAL bits). */
export function parseDependency(text: string): Dependency {
  const [name = '', op = '', version = ''] = text.split(' ')
  return { name, flags: senseBits(op), version }
}

/** A header's dependencies of a kind, each with its whole RPMSENSE flags where the header kept them. */
export function headerDependencies(
  h: Pick<EngineHeader, DependencyKind | 'depFlags'>,
  kind: DependencyKind,
): Dependency[] {
  const bits = h.depFlags?.[kind]
  return (h[kind] ?? []).map((text, i) => {
    const d = parseDependency(text)
    return { ...d, flags: bits?.[i] ?? d.flags }
  })
}

// [epoch:]version[-release] as rpmverParse splits it, an absent epoch or release left empty.
function evrParts(evr: string): { e: string; v: string; r: string } {
  const colon = evr.indexOf(':')
  const e = colon >= 0 && /^[0-9]*$/.test(evr.slice(0, colon)) ? evr.slice(0, colon) : ''
  const rest = colon >= 0 && e !== '' ? evr.slice(colon + 1) : evr
  const dash = rest.lastIndexOf('-')
  return dash < 0 ? { e, v: rest, r: '' } : { e, v: rest.slice(0, dash), r: rest.slice(dash + 1) }
}

/** rpm's rpmdsCompare: do a provide and a requirement (or any two dependencies) overlap? */
export function dependenciesOverlap(a: Dependency, b: Dependency): boolean {
  if (a.name !== b.name) return false
  if ((a.flags & DEP_MASK.comparison) === 0 || (b.flags & DEP_MASK.comparison) === 0) return true
  if (a.version === '' || b.version === '') return true
  const v1 = evrParts(a.version)
  const v2 = evrParts(b.version)
  let sense = 0
  if (v1.e !== '' && v2.e !== '') sense = rpmvercmp(v1.e, v2.e)
  else if (v1.e !== '' && Number(v1.e) > 0) sense = 1
  else if (v2.e !== '' && Number(v2.e) > 0) sense = -1
  if (sense === 0) {
    sense = rpmvercmp(v1.v, v2.v)
    if (sense === 0) {
      if (v1.r !== '' && v2.r !== '') sense = rpmvercmp(v1.r, v2.r)
      else if ((v1.r !== '' && (b.flags & SENSE.EQUAL) !== 0) || (v2.r !== '' && (a.flags & SENSE.EQUAL) !== 0))
        return true
    }
  }
  if (sense < 0) return (a.flags & SENSE.GREATER) !== 0 || (b.flags & SENSE.LESS) !== 0
  if (sense > 0) return (a.flags & SENSE.LESS) !== 0 || (b.flags & SENSE.GREATER) !== 0
  return (
    ((a.flags & SENSE.EQUAL) !== 0 && (b.flags & SENSE.EQUAL) !== 0) ||
    ((a.flags & SENSE.LESS) !== 0 && (b.flags & SENSE.LESS) !== 0) ||
    ((a.flags & SENSE.GREATER) !== 0 && (b.flags & SENSE.GREATER) !== 0)
  )
}

/** mknod(1)'s type letter of a special file's st_mode: `c`, `b` or `p`; undefined for any other type. */
export function nodeType(mode: number): 'c' | 'b' | 'p' | undefined {
  const t = mode & 0o170000
  return t === 0o020000 ? 'c' : t === 0o060000 ? 'b' : t === 0o010000 ? 'p' : undefined
}

/** A character or block device. */
export const isDevice = (mode: number): boolean => nodeType(mode) === 'c' || nodeType(mode) === 'b'
