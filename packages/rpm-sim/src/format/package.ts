import { payloadCompressor } from './compress.js'
import type { PayloadCompressor } from './compress.js'
import { rpmError } from './errors.js'
import type { Header } from './header.js'
import {
  DIGEST_ALGO,
  FILE_FLAG,
  FILE_TRIGGER_TAGS,
  S_IF,
  SCRIPT_TAGS,
  SIGTAG,
  TAG,
  TYPE,
  triggerSenseOf,
} from './tags.js'
import type { DigestAlgo } from './tags.js'
import type {
  DependencyKind,
  EngineChangelogEntry,
  EngineFileFlags,
  EngineFileTrigger,
  ScriptName,
  TriggerKind,
} from './model.js'
import { DEPENDENCY_KINDS, DEPENDENCY_TAGS } from './model.js'
import type { EngineHeader, OtherTag } from './model.js'
import { RPM_TAGS, tagNumber } from './_tag-names.js'

/** The flags of a file in a package, from FILEFLAGS: every one of {@link EngineFileFlags}, set or not. */
export type RpmFileFlags = Required<EngineFileFlags>

/** One file of a package, as its header describes it. */
export interface RpmFileEntry {
  /** Absolute path, e.g. `/etc/x`. */
  path: string
  kind: 'file' | 'dir' | 'symlink' | 'other'
  size: number
  /** Full st_mode, type bits included. */
  mode: number
  /** Lowercase hex digest of a regular file's content; '' for anything else. */
  digest: string
  user: string
  group: string
  mtime: number
  linkTarget: string
  /** Shared by the files with the same flags, and frozen: read them, never write to them. */
  readonly flags: Readonly<RpmFileFlags>
  inode: number
  device: number
  lang: string
  verifyFlags: number
  rdev: number
  /** rpm's file color (FILECOLORS): 1 a 32-bit ELF file, 2 a 64-bit one, 0 none. */
  color: number
  /** The file's capabilities (FILECAPS, `%caps(cap_net_raw=ep)`) as text; '' none. */
  caps: string
}

/** A scriptlet: its interpreter with arguments, and its body (may be empty for `-p <program>`). */
export interface RpmScript {
  interpreter: string[]
  body: string
}

/** A trigger of a package on another package. */
export interface RpmTrigger {
  kind: TriggerKind
  name: string
  flags: number
  version: string
  script: RpmScript
  /** The script's position in TRIGGERSCRIPTS (shared by the conditions of one trigger). */
  index: number
}

/** A dependency entry (provides, requires, obsoletes, conflicts, orders and the weak ones); flags are RPMSENSE bits. */
export interface RpmDependency {
  name: string
  flags: number
  version: string
}

/** The typed view of a package's header. */
export interface RpmPackage {
  name: string
  epoch: number | undefined
  version: string
  release: string
  arch: string
  os: string
  summary: string
  description: string
  license: string
  group: string
  url: string
  vendor: string
  packager: string
  buildTime: number
  buildHost: string
  sourceRpm: string
  installedSize: number
  /** The paths a relocatable package may be moved from (PREFIXES: rpmbuild's `Prefix:`/`Prefixes:`). */
  prefixes: string[]
  /**
   * For a source package (no SOURCERPM: what rpmbuild -bs writes; its files are names, not paths), the index of its
   * spec file (rpm's headerFindSpec: the %spec-flagged file, else the first named *.spec); undefined otherwise.
   */
  specIndex?: number
  /**
   * The color of the package as a transaction element (rpm's rpmteColor): the colors of the files its provides and
   * requires come from (FILEDEPENDSX/N and DEPENDSDICT), or'ed; 0 when no dependency is linked to a colored file.
   */
  elementColor: number
  files: RpmFileEntry[]
  fileDigestAlgo: DigestAlgo
  provides: RpmDependency[]
  requires: RpmDependency[]
  obsoletes: RpmDependency[]
  conflicts: RpmDependency[]
  /** OrderWithRequires, and the weak dependencies: Recommends, Suggests, Supplements, Enhances. */
  orders: RpmDependency[]
  recommends: RpmDependency[]
  suggests: RpmDependency[]
  supplements: RpmDependency[]
  enhances: RpmDependency[]
  scripts: Partial<Record<ScriptName, RpmScript>>
  triggers: RpmTrigger[]
  /** File triggers: `%filetriggerin` and the like, then `%transfiletriggerin` and the like. */
  fileTriggers: EngineFileTrigger[]
  changelog: EngineChangelogEntry[]
  payloadFormat: string
  payloadCompressor: PayloadCompressor
  /** SHA256 of the main header, from the signature header, when present. */
  headerSha256?: string
  /** Hex digest of the compressed payload (PAYLOADDIGEST), when present. */
  payloadDigest?: string
  /** The header's other tags, by number, as {@link EngineHeader.otherTags} keeps them. */
  otherTags: Record<string, OtherTag>
}

/** Builds the typed package model from the main and signature headers; checks that parallel file arrays agree. */
export function packageFromHeader(header: Header, signature: Header | undefined, file: string): RpmPackage {
  const str = (tag: number): string => header.string(tag) ?? ''
  const name = header.string(TAG.NAME)
  const version = header.string(TAG.VERSION)
  const release = header.string(TAG.RELEASE)
  if (name === undefined || version === undefined || release === undefined) {
    throw rpmError('E_RPM_FORMAT', {
      file,
      field: 'header',
      expected: 'NAME, VERSION and RELEASE',
      found: `${name ?? '-'} ${version ?? '-'} ${release ?? '-'}`,
    })
  }
  const algoNumber = header.number(TAG.FILEDIGESTALGO) ?? DIGEST_ALGO.md5
  const fileDigestAlgo = (Object.keys(DIGEST_ALGO) as DigestAlgo[]).find((key) => DIGEST_ALGO[key] === algoNumber)
  if (!fileDigestAlgo)
    throw rpmError('E_RPM_FORMAT', {
      file,
      field: 'FILEDIGESTALGO',
      expected: 'md5, sha1, sha256, sha384 or sha512',
      found: `${algoNumber}`,
    })
  const files = readFiles(header, file)
  const headerSha256 = signature?.string(SIGTAG.SHA256)
  const payloadDigest = header.string(TAG.PAYLOADDIGEST)
  return {
    name,
    epoch: header.number(TAG.EPOCH),
    version,
    release,
    arch: str(TAG.ARCH),
    os: str(TAG.OS),
    summary: str(TAG.SUMMARY),
    description: str(TAG.DESCRIPTION),
    license: str(TAG.LICENSE),
    group: str(TAG.GROUP),
    url: str(TAG.URL),
    vendor: str(TAG.VENDOR),
    packager: str(TAG.PACKAGER),
    buildTime: header.number(TAG.BUILDTIME) ?? 0,
    buildHost: str(TAG.BUILDHOST),
    sourceRpm: str(TAG.SOURCERPM),
    installedSize: header.number(TAG.LONGSIZE) ?? header.number(TAG.SIZE) ?? 0,
    files,
    prefixes: header.strings(TAG.PREFIXES) ?? [],
    ...(header.string(TAG.SOURCERPM) === undefined ? { specIndex: specIndexOf(header, files) } : {}),
    elementColor: elementColor(header, files),
    fileDigestAlgo,
    ...(Object.fromEntries(DEPENDENCY_KINDS.map((k) => [k, readDeps(header, DEPENDENCY_TAGS[k])])) as Record<
      DependencyKind,
      RpmDependency[]
    >),
    scripts: readScripts(header),
    triggers: readTriggers(header, file),
    fileTriggers: [...readFileTriggers(header, file, 'file'), ...readFileTriggers(header, file, 'transfile')],
    changelog: readChangelog(header),
    payloadFormat: header.string(TAG.PAYLOADFORMAT) ?? 'cpio',
    payloadCompressor: payloadCompressor(header.string(TAG.PAYLOADCOMPRESSOR), file),
    ...(headerSha256 ? { headerSha256 } : {}),
    ...(payloadDigest ? { payloadDigest } : {}),
    otherTags: readOtherTags(header, signature),
  }
}

// The tags packageFromHeader reads into the model's own fields.
const MODELED = new Set<number>([
  ...[TAG.NAME, TAG.VERSION, TAG.RELEASE, TAG.EPOCH, TAG.ARCH, TAG.OS, TAG.SUMMARY, TAG.DESCRIPTION, TAG.LICENSE],
  ...[
    TAG.GROUP,
    TAG.URL,
    TAG.VENDOR,
    TAG.PACKAGER,
    TAG.BUILDTIME,
    TAG.BUILDHOST,
    TAG.SOURCERPM,
    TAG.SIZE,
    TAG.PREFIXES,
  ],
  TAG.INSTPREFIXES,
  ...Object.values(DEPENDENCY_TAGS).flat(),
  ...Object.values(SCRIPT_TAGS).flatMap((t) => [t.body, t.prog]),
  ...[
    TAG.TRIGGERSCRIPTS,
    TAG.TRIGGERNAME,
    TAG.TRIGGERVERSION,
    TAG.TRIGGERFLAGS,
    TAG.TRIGGERINDEX,
    TAG.TRIGGERSCRIPTPROG,
  ],
  ...Object.values(FILE_TRIGGER_TAGS).flatMap((t) => Object.values(t)),
  ...[TAG.CHANGELOGTIME, TAG.CHANGELOGNAME, TAG.CHANGELOGTEXT],
])
// Tags not kept: the header's own regions and images, and those with one value per file or their dictionaries (the
// model's files hold what rpm-sim reads of them).
const PER_FILE =
  /^(file(?!digestalgo$|signaturelength$|trigger)|orig(basenames|dirnames|dirindexes)$|(classdict|dependsdict)$)/
const NOT_KEPT = new Set<number>(
  [
    ...['headerimage', 'headersignatures', 'headerimmutable', 'headerregions', 'gif', 'xpm', 'icon'],
    ...['oldfilenames', 'basenames', 'dirnames', 'dirindexes', 'longfilesizes', 'veritysignatures'],
    ...Object.keys(RPM_TAGS).filter((name) => PER_FILE.test(name)),
  ].map(tagNumber),
)
// The signature header's tags rpm merges into the main header (headerMergeLegacySigs), and their names there.
const SIGNATURE_TAGS: readonly (readonly [number, number])[] = (
  [
    [SIGTAG.SIZE, 'sigsize'],
    [SIGTAG.PGP, 'sigpgp'],
    [SIGTAG.MD5, 'sigmd5'],
    [SIGTAG.GPG, 'siggpg'],
    [SIGTAG.PAYLOADSIZE, 'archivesize'],
    [SIGTAG.SHA1, 'sha1header'],
    [SIGTAG.SHA256, 'sha256header'],
    [SIGTAG.DSA, 'dsaheader'],
    [SIGTAG.RSA, 'rsaheader'],
    [SIGTAG.LONGSIZE, 'longsigsize'],
    [SIGTAG.LONGARCHIVESIZE, 'longarchivesize'],
  ] as const
).map(([from, name]) => [from, tagNumber(name)] as const)

/**
 * The tags of a package's header the model does not read, and are not one value per file, by number, as rpm's
 * queries see them: the signature header's merged in where the main header lacks them (SIGMD5, SHA1HEADER,
 * ARCHIVESIZE, ...). What `--queryformat` shows of the tags rpm-sim has no field for (RPMVERSION, OPTFLAGS, ...).
 */
function readOtherTags(header: Header, signature: Header | undefined): Record<string, OtherTag> {
  const out: Record<string, OtherTag> = {}
  for (const entry of header.entries.values()) {
    if (MODELED.has(entry.tag) || NOT_KEPT.has(entry.tag)) continue
    const tag = entryValues(header, entry.tag, entry.type)
    if (tag !== undefined) out[entry.tag] = tag
  }
  for (const [from, to] of SIGNATURE_TAGS) {
    const entry = signature?.entries.get(from)
    if (entry === undefined || header.has(to)) continue
    const tag = entryValues(signature as Header, from, entry.type)
    if (tag !== undefined) out[to] = tag
  }
  return out
}

function entryValues(header: Header, tag: number, type: number): OtherTag | undefined {
  if (type === TYPE.BIN) return { type, values: [header.bin(tag)?.toString('hex') ?? ''] }
  // an i18n string: the C locale's, as rpm shows it
  if (type === TYPE.I18NSTRING) return { type, values: (header.strings(tag) ?? []).slice(0, 1) }
  const values = header.strings(tag) ?? header.numbers(tag)
  return values === undefined ? undefined : { type, values }
}

function fileKind(mode: number): RpmFileEntry['kind'] {
  const type = mode & S_IF.MT
  return type === S_IF.REG ? 'file' : type === S_IF.DIR ? 'dir' : type === S_IF.LNK ? 'symlink' : 'other'
}

function readPaths(header: Header, file: string): string[] {
  const basenames = header.strings(TAG.BASENAMES)
  if (!basenames) return (header.strings(TAG.OLDFILENAMES) ?? []).map((p) => (p.startsWith('/') ? p : `/${p}`))
  const dirnames = header.strings(TAG.DIRNAMES) ?? []
  const indexes = header.numbers(TAG.DIRINDEXES) ?? []
  if (indexes.length !== basenames.length) {
    throw rpmError('E_RPM_FORMAT', {
      file,
      field: 'DIRINDEXES',
      expected: `${basenames.length} entries (one per basename)`,
      found: `${indexes.length}`,
    })
  }
  return basenames.map((base, i) => {
    const dir = dirnames[indexes[i] ?? -1]
    if (dir === undefined)
      throw rpmError('E_RPM_FORMAT', {
        file,
        field: 'DIRINDEXES',
        expected: `an index below ${dirnames.length}`,
        found: `${indexes[i]}`,
      })
    return dir + base
  })
}

// One frozen flags object per combination of bits, shared by the files that have it: a package of 10,000 files has
// a handful of combinations, and one object per file was a tenth of what reading a header allocates.
const flagsByBits = new Map<number, RpmFileEntry['flags']>()
function fileFlags(bits: number): RpmFileEntry['flags'] {
  const key = bits & FLAG_BITS
  let flags = flagsByBits.get(key)
  if (flags === undefined) {
    flags = Object.freeze({
      config: (key & FILE_FLAG.CONFIG) !== 0,
      noreplace: (key & FILE_FLAG.NOREPLACE) !== 0,
      ghost: (key & FILE_FLAG.GHOST) !== 0,
      doc: (key & FILE_FLAG.DOC) !== 0,
      missingok: (key & FILE_FLAG.MISSINGOK) !== 0,
      license: (key & FILE_FLAG.LICENSE) !== 0,
      readme: (key & FILE_FLAG.README) !== 0,
      artifact: (key & FILE_FLAG.ARTIFACT) !== 0,
    })
    flagsByBits.set(key, flags)
  }
  return flags
}
const FLAG_BITS =
  FILE_FLAG.CONFIG |
  FILE_FLAG.NOREPLACE |
  FILE_FLAG.GHOST |
  FILE_FLAG.DOC |
  FILE_FLAG.MISSINGOK |
  FILE_FLAG.LICENSE |
  FILE_FLAG.README |
  FILE_FLAG.ARTIFACT

function readFiles(header: Header, file: string): RpmFileEntry[] {
  const paths = readPaths(header, file)
  const n = paths.length
  const column = <T>(values: T[] | undefined, tag: string, fallback: T): T[] => {
    if (values === undefined) return new Array<T>(n).fill(fallback)
    if (values.length !== n)
      throw rpmError('E_RPM_FORMAT', {
        file,
        field: tag,
        expected: `${n} entries (one per file)`,
        found: `${values.length}`,
      })
    return values
  }
  const sizes = column(header.numbers(TAG.LONGFILESIZES) ?? header.numbers(TAG.FILESIZES), 'FILESIZES', 0)
  const modes = column(header.numbers(TAG.FILEMODES), 'FILEMODES', 0o100644)
  const digests = column(header.strings(TAG.FILEDIGESTS), 'FILEDIGESTS', '')
  const users = column(header.strings(TAG.FILEUSERNAME), 'FILEUSERNAME', 'root')
  const groups = column(header.strings(TAG.FILEGROUPNAME), 'FILEGROUPNAME', 'root')
  const mtimes = column(header.numbers(TAG.FILEMTIMES), 'FILEMTIMES', 0)
  const links = column(header.strings(TAG.FILELINKTOS), 'FILELINKTOS', '')
  const flags = column(header.numbers(TAG.FILEFLAGS), 'FILEFLAGS', 0)
  const inodes = column(header.numbers(TAG.FILEINODES), 'FILEINODES', 0)
  const devices = column(header.numbers(TAG.FILEDEVICES), 'FILEDEVICES', 0)
  const langs = column(header.strings(TAG.FILELANGS), 'FILELANGS', '')
  const verify = column(header.numbers(TAG.FILEVERIFYFLAGS), 'FILEVERIFYFLAGS', 0xffffffff)
  const rdevs = column(header.numbers(TAG.FILERDEVS), 'FILERDEVS', 0)
  const colors = column(header.numbers(TAG.FILECOLORS), 'FILECOLORS', 0)
  const caps = column(header.strings(TAG.FILECAPS), 'FILECAPS', '')
  // Owner names repeat across thousands of files: one string each, the decoded copies left to die young.
  const seen = new Map<string, string>()
  const names = (n: string): string => {
    const known = seen.get(n)
    if (known !== undefined) return known
    seen.set(n, n)
    return n
  }
  return paths.map((path, i) => {
    const mode = modes[i] ?? 0
    const kind = fileKind(mode)
    const bits = flags[i] ?? 0
    return {
      path,
      kind,
      size: sizes[i] ?? 0,
      mode,
      digest: kind === 'file' ? (digests[i] ?? '').toLowerCase() : '',
      user: names(users[i] ?? 'root'),
      group: names(groups[i] ?? 'root'),
      mtime: mtimes[i] ?? 0,
      linkTarget: links[i] ?? '',
      flags: fileFlags(bits),
      inode: inodes[i] ?? 0,
      device: devices[i] ?? 0,
      lang: langs[i] ?? '',
      verifyFlags: verify[i] ?? 0xffffffff,
      rdev: rdevs[i] ?? 0,
      color: colors[i] ?? 0,
      caps: caps[i] ?? '',
    }
  })
}

// rpm's headerFindSpec: the file flagged %spec, else the first whose name ends in .spec (-1: none).
function specIndexOf(header: Header, files: readonly RpmFileEntry[]): number {
  const flags = header.numbers(TAG.FILEFLAGS) ?? []
  const flagged = flags.findIndex((bits) => (bits & FILE_FLAG.SPECFILE) !== 0)
  return flagged >= 0 ? flagged : files.findIndex((f) => f.path.endsWith('.spec'))
}

// rpm's rpmteColorDS for provides and requires: each colored file colors the dependencies the dictionary links it
// to, and the element takes every such color.
function elementColor(header: Header, files: readonly RpmFileEntry[]): number {
  const dict = header.numbers(TAG.DEPENDSDICT)
  const starts = header.numbers(TAG.FILEDEPENDSX)
  const counts = header.numbers(TAG.FILEDEPENDSN)
  if (dict === undefined || starts === undefined || counts === undefined) return 0
  const provides = header.strings(TAG.PROVIDENAME)?.length ?? 0
  const requires = header.strings(TAG.REQUIRENAME)?.length ?? 0
  let color = 0
  files.forEach((f, i) => {
    if (f.color === 0) return
    const start = starts[i] ?? 0
    for (let k = start; k < start + (counts[i] ?? 0); k++) {
      const entry = dict[k] ?? 0
      const letter = String.fromCharCode((entry >>> 24) & 0xff)
      const index = entry & 0xffffff
      if ((letter === 'P' && index < provides) || (letter === 'R' && index < requires)) color |= f.color
    }
  })
  return color
}

function readDeps(header: Header, [nameTag, flagsTag, versionTag]: readonly [number, number, number]): RpmDependency[] {
  const names = header.strings(nameTag) ?? []
  const flags = header.numbers(flagsTag) ?? []
  const versions = header.strings(versionTag) ?? []
  return names.map((name, i) => ({ name, flags: flags[i] ?? 0, version: versions[i] ?? '' }))
}

function interpreterOf(header: Header, tag: number): string[] | undefined {
  return header.strings(tag)
}

function readScripts(header: Header): Partial<Record<ScriptName, RpmScript>> {
  const scripts: Partial<Record<ScriptName, RpmScript>> = {}
  for (const [slot, tags] of Object.entries(SCRIPT_TAGS) as [ScriptName, (typeof SCRIPT_TAGS)[ScriptName]][]) {
    const body = header.string(tags.body)
    const interpreter = interpreterOf(header, tags.prog)
    if (body === undefined && interpreter === undefined) continue
    scripts[slot] = { interpreter: interpreter ?? ['/bin/sh'], body: body ?? '' }
  }
  return scripts
}

function readTriggers(header: Header, file: string): RpmTrigger[] {
  const names = header.strings(TAG.TRIGGERNAME) ?? []
  const versions = header.strings(TAG.TRIGGERVERSION) ?? []
  const flags = header.numbers(TAG.TRIGGERFLAGS) ?? []
  const indexes = header.numbers(TAG.TRIGGERINDEX) ?? []
  const bodies = header.strings(TAG.TRIGGERSCRIPTS) ?? []
  const progs = header.strings(TAG.TRIGGERSCRIPTPROG) ?? []
  return names.map((name, i) => {
    const bits = flags[i] ?? 0
    const at = indexes[i] ?? 0
    if (at >= bodies.length && at >= progs.length) {
      throw rpmError('E_RPM_FORMAT', {
        file,
        field: 'TRIGGERINDEX',
        expected: `an index below ${bodies.length}`,
        found: `${at}`,
      })
    }
    const kind: RpmTrigger['kind'] = `trigger${triggerSenseOf(bits)}`
    // TRIGGERSCRIPTPROG holds one interpreter string per script; arguments are space-separated as rpm stores them.
    const prog = progs[at]
    return {
      kind,
      name,
      flags: bits,
      version: versions[i] ?? '',
      script: { interpreter: prog ? prog.split(' ') : ['/bin/sh'], body: bodies[at] ?? '' },
      index: at,
    }
  })
}

// rpm's default file trigger priority, for a header without priorities.
const DEFAULT_PRIORITY = 1_000_000

// One entry per trigger script (its index): the prefixes that name it, its kind from the first one's sense bits.
function readFileTriggers(header: Header, file: string, family: 'file' | 'transfile'): EngineFileTrigger[] {
  const tags = FILE_TRIGGER_TAGS[family]
  const names = header.strings(tags.name) ?? []
  const flags = header.numbers(tags.flags) ?? []
  const indexes = header.numbers(tags.index) ?? []
  const bodies = header.strings(tags.scripts) ?? []
  const progs = header.strings(tags.prog) ?? []
  const priorities = header.numbers(tags.priorities) ?? []
  const out: EngineFileTrigger[] = []
  for (let at = 0; at < Math.max(bodies.length, progs.length); at++) {
    const prefixes = names.filter((_, i) => indexes[i] === at)
    const first = indexes.indexOf(at)
    if (first < 0) continue
    const bits = flags[first] ?? 0
    // A file trigger has no %filetriggerprein: rpm reads such a condition as `in`, its default.
    const read = triggerSenseOf(bits)
    const sense = read === 'prein' ? 'in' : read
    const prog = progs[at]
    out.push({
      kind: `${family}trigger${sense}`,
      prefixes,
      priority: priorities[at] ?? DEFAULT_PRIORITY,
      script: { interpreter: prog ? prog.split(' ') : ['/bin/sh'], body: bodies[at] ?? '' },
    })
  }
  const stray = indexes.find((at) => at >= bodies.length && at >= progs.length)
  if (stray !== undefined) {
    throw rpmError('E_RPM_FORMAT', {
      file,
      field: `${family.toUpperCase()}TRIGGERINDEX`,
      expected: `an index below ${bodies.length}`,
      found: `${stray}`,
    })
  }
  return out
}

// The three changelog arrays run in step; rpm shows as many entries as there are times.
function readChangelog(header: Header): EngineChangelogEntry[] {
  const times = header.numbers(TAG.CHANGELOGTIME) ?? []
  const names = header.strings(TAG.CHANGELOGNAME) ?? []
  const texts = header.strings(TAG.CHANGELOGTEXT) ?? []
  return times.map((time, i) => ({ time, name: names[i] ?? '', text: texts[i] ?? '' }))
}
