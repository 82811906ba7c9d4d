// rpm's tags as rpm-sim's packages answer them: the one table --queryformat and the -qa/-Va filters read, by
// rpm's tag names (found without case). A tag a package lacks gives undefined (rpm's "(none)", or no match).
import type { FileState } from '../db/db.js'
import type {
  DependencyKind,
  EngineFile,
  EngineFileTrigger,
  EngineHeader,
  EngineTrigger,
  ScriptName,
} from '../format/model.js'
import {
  fileTriggerConditions,
  headerDependencies,
  headerNevra,
  parseDependency,
  senseBits,
  triggerKindSense,
  triggerScriptKey,
} from '../format/model.js'
import { RPM_TAGS, tagNumber } from '../format/_tag-names.js'
import { TRIGGER_SENSE_BITS, fileFlagBits } from '../format/tags.js'

/** One value of a tag: text or a number. */
export type TagValue = string | number

/**
 * What the tags are read from: an installed package (with its install time and file states) or a package file's
 * header (-qp: those tags are then absent, as in rpm).
 */
export type TaggedPackage = Omit<EngineHeader, 'files'> & {
  installTime?: number
  installTid?: number
  files: readonly (EngineFile & { state?: FileState })[]
}

/** A tag: whether its values are numbers, whether rpm computes it (an extension tag), and its values. */
export interface TagDef {
  numeric: boolean
  extension: boolean
  get(p: TaggedPackage): readonly TagValue[] | undefined
}

type Getter = (p: TaggedPackage) => readonly TagValue[] | undefined

const one = (v: TagValue | undefined): TagValue[] | undefined => (v === undefined || v === '' ? undefined : [v])
const files = (get: (f: TaggedPackage['files'][number]) => TagValue) => (p: TaggedPackage) =>
  p.files.length === 0 ? undefined : p.files.map(get)
const str = (get: Getter): TagDef => ({ numeric: false, extension: false, get })
const num = (get: Getter): TagDef => ({ numeric: true, extension: false, get })
const ext = (t: TagDef): TagDef => ({ ...t, extension: true })

const deps = (key: DependencyKind) => ({
  name: str((p) => (p[key]?.length ? p[key].map((d) => parseDependency(d).name) : undefined)),
  version: str((p) => (p[key]?.length ? p[key].map((d) => parseDependency(d).version) : undefined)),
  // the whole RPMSENSE bits where the record kept them, else the comparison's
  flags: num((p) => (p[key]?.length ? headerDependencies(p, key).map((d) => d.flags) : undefined)),
})

const FILE_STATE_NUMBER = { normal: 0, replaced: 1, notinstalled: 2, netshared: 3, wrongcolor: 4 } as const

const dirOf = (path: string): string => path.slice(0, path.lastIndexOf('/') + 1)
const evr = (p: TaggedPackage): string => `${p.epoch !== undefined ? `${p.epoch}:` : ''}${p.version}-${p.release}`

function scriptTags(tag: string, name: ScriptName): Record<string, TagDef> {
  return {
    [tag]: str((p) => one(p.scripts[name]?.body)),
    [`${tag}prog`]: str((p) => {
      const interpreter = p.scripts[name]?.interpreter
      return interpreter === undefined || interpreter.length === 0 ? undefined : interpreter
    }),
  }
}

// The header's trigger scripts in TRIGGERINDEX order, each with its conditions (triggerScriptKey groups them).
function triggerScripts(p: TaggedPackage): { index: number; entries: EngineTrigger[] }[] {
  const groups = new Map<string, { index: number; entries: EngineTrigger[] }>()
  for (const t of p.triggers) {
    const key = triggerScriptKey(t)
    let g = groups.get(key)
    if (g === undefined) {
      g = { index: t.index ?? groups.size, entries: [] }
      groups.set(key, g)
    }
    g.entries.push(t)
  }
  return [...groups.values()].sort((a, b) => a.index - b.index)
}

const triggerFlags = (t: EngineTrigger): number =>
  TRIGGER_SENSE_BITS[triggerKindSense(t.kind)] | senseBits(t.sense ?? '')
// rpm's triggercondsTag: `name op version` where the condition has a comparison, else the name; joined by `, `.
// The kept comparison is senseText's already.
const triggerCond = (t: EngineTrigger): string =>
  t.sense === undefined || t.sense === '' ? t.name : `${t.name} ${t.sense} ${t.version ?? ''}`
const triggers = (get: (p: TaggedPackage) => TagValue[]) => (p: TaggedPackage) =>
  p.triggers.length === 0 ? undefined : get(p)
const triggerTags: Record<string, TagDef> = {
  triggername: str(triggers((p) => p.triggers.map((t) => t.name))),
  triggerversion: str(triggers((p) => p.triggers.map((t) => t.version ?? ''))),
  triggerflags: num(triggers((p) => p.triggers.map(triggerFlags))),
  triggerindex: num(
    triggers((p) => {
      const at = new Map(triggerScripts(p).flatMap((g, i) => g.entries.map((t) => [t, i] as const)))
      return p.triggers.map((t) => at.get(t) ?? 0)
    }),
  ),
  triggerscripts: str(triggers((p) => triggerScripts(p).map((g) => g.entries[0]?.script.body ?? ''))),
  triggerscriptprog: str(
    triggers((p) => triggerScripts(p).map((g) => g.entries[0]?.script.interpreter.join(' ') ?? '')),
  ),
  triggertype: ext(
    str(triggers((p) => triggerScripts(p).map((g) => triggerKindSense(g.entries[0]?.kind ?? 'triggerin')))),
  ),
  triggerconds: ext(str(triggers((p) => triggerScripts(p).map((g) => g.entries.map(triggerCond).join(', '))))),
}

// The file trigger tags of one family (`file` or `transfile`): per condition NAME, FLAGS, INDEX, VERSION (empty) in
// rpmbuild's order; per script SCRIPTS, SCRIPTPROG, PRIORITIES, and the extensions TYPE and CONDS (the prefixes
// joined by `, `).
function fileTriggerTags(family: 'file' | 'transfile'): Record<string, TagDef> {
  const mine = (p: TaggedPackage) => (p.fileTriggers ?? []).filter((t) => t.kind.startsWith(`${family}trigger`))
  const of = (get: (ts: EngineFileTrigger[], p: TaggedPackage) => TagValue[]) => (p: TaggedPackage) =>
    mine(p).length === 0 ? undefined : get(mine(p), p)
  const conds = (get: (c: ReturnType<typeof fileTriggerConditions>[number]) => TagValue) =>
    of((_, p) => fileTriggerConditions(p.fileTriggers, family).map(get))
  const t = `${family}trigger`
  return {
    [`${t}name`]: str(conds((c) => c.name)),
    [`${t}flags`]: num(conds((c) => c.flags)),
    [`${t}index`]: num(conds((c) => c.index)),
    [`${t}version`]: str(conds(() => '')),
    [`${t}scripts`]: str(of((ts) => ts.map((x) => x.script.body))),
    [`${t}scriptprog`]: str(of((ts) => ts.map((x) => x.script.interpreter.join(' ')))),
    [`${t}priorities`]: num(of((ts) => ts.map((x) => x.priority))),
    [`${t}type`]: ext(str(of((ts) => ts.map((x) => triggerKindSense(x.kind))))),
    [`${t}conds`]: ext(str(of((ts) => ts.map((x) => x.prefixes.join(', '))))),
  }
}

// A tag kept as the header has it (EngineHeader.otherTags), by number.
const other = (p: TaggedPackage, tag: number): readonly TagValue[] | undefined => {
  const values = p.otherTags?.[tag]?.values
  return values === undefined || values.length === 0 ? undefined : values
}

const changelog = (get: (e: NonNullable<TaggedPackage['changelog']>[number]) => TagValue) => (p: TaggedPackage) =>
  p.changelog === undefined || p.changelog.length === 0 ? undefined : p.changelog.map(get)

const provides = deps('provides')
const requires = deps('requires')
const conflicts = deps('conflicts')
const obsoletes = deps('obsoletes')
// OrderWithRequires and the weak dependencies: NAME, VERSION, FLAGS tags and (but the order) NEVRS.
const rarer = (tag: string, key: DependencyKind, nevrs: boolean): Record<string, TagDef> => {
  const d = deps(key)
  return {
    [`${tag}name`]: d.name,
    [`${tag}version`]: d.version,
    [`${tag}flags`]: d.flags,
    ...(nevrs ? { [`${tag}nevrs`]: ext(str((p) => (p[key]?.length ? p[key] : undefined))) } : {}),
  }
}

// The tags rpm-sim keeps, by rpm's names (found without case, as rpm finds them).
const TAGS: Record<string, TagDef> = {
  name: str((p) => [p.name]),
  version: str((p) => [p.version]),
  release: str((p) => [p.release]),
  epoch: num((p) => one(p.epoch)),
  arch: str((p) => [p.arch]),
  summary: str((p) => one(p.summary)),
  description: str((p) => one(p.description)),
  license: str((p) => one(p.license)),
  group: str((p) => one(p.group)),
  url: str((p) => one(p.url)),
  vendor: str((p) => one(p.vendor)),
  packager: str((p) => one(p.packager)),
  os: str((p) => one(p.os)),
  buildtime: num((p) => one(p.buildTime)),
  buildhost: str((p) => one(p.buildHost)),
  sourcerpm: str((p) => one(p.sourceRpm)),
  size: num((p) => one(p.size)),
  installtime: num((p) => one(p.installTime)),
  installtid: num((p) => one(p.installTid)),
  prefixes: str((p) => (p.prefixes?.length ? p.prefixes : undefined)),
  instprefixes: str((p) => (p.installPrefixes?.length ? p.installPrefixes : undefined)),
  // extension tags, always there
  nevra: ext(str((p) => [headerNevra(p)])),
  nvra: ext(str((p) => [`${p.name}-${p.version}-${p.release}.${p.arch}`])),
  nevr: ext(str((p) => [`${p.name}-${evr(p)}`])),
  nvr: ext(str((p) => [`${p.name}-${p.version}-${p.release}`])),
  evr: ext(str((p) => [evr(p)])),
  epochnum: ext(num((p) => [p.epoch ?? 0])),
  filenames: ext(str(files((f) => f.path))),
  // files
  basenames: str(files((f) => f.path.slice(f.path.lastIndexOf('/') + 1))),
  dirnames: str((p) => (p.files.length === 0 ? undefined : [...new Set(p.files.map((f) => dirOf(f.path)))])),
  dirindexes: num((p) => {
    const dirs = [...new Set(p.files.map((f) => dirOf(f.path)))]
    return p.files.length === 0 ? undefined : p.files.map((f) => dirs.indexOf(dirOf(f.path)))
  }),
  filesizes: num(files((f) => f.size)),
  filemodes: num(files((f) => f.mode)),
  filemtimes: num(files((f) => f.mtime)),
  filedigests: str(files((f) => f.digest ?? '')),
  filelinktos: str(files((f) => f.linkTarget ?? '')),
  fileusername: str(files((f) => f.user)),
  filegroupname: str(files((f) => f.group)),
  fileflags: num(files((f) => fileFlagBits(f.flags))),
  fileverifyflags: num(files((f) => f.verify ?? 0xffffffff)),
  filestates: num((p) =>
    p.files.length === 0 || p.files[0]?.state === undefined
      ? undefined
      : p.files.map((f) => FILE_STATE_NUMBER[f.state ?? 'normal']),
  ),
  filerdevs: num(files((f) => f.rdev ?? 0)),
  filelangs: str(files((f) => f.lang ?? '')),
  providename: provides.name,
  provideversion: provides.version,
  provideflags: provides.flags,
  requirename: requires.name,
  requireversion: requires.version,
  requireflags: requires.flags,
  conflictname: conflicts.name,
  conflictversion: conflicts.version,
  conflictflags: conflicts.flags,
  obsoletename: obsoletes.name,
  obsoleteversion: obsoletes.version,
  obsoleteflags: obsoletes.flags,
  // `name op evr`, as the database keeps each dependency
  providenevrs: ext(str((p) => (p.provides?.length ? p.provides : undefined))),
  requirenevrs: ext(str((p) => (p.requires?.length ? p.requires : undefined))),
  conflictnevrs: ext(str((p) => (p.conflicts?.length ? p.conflicts : undefined))),
  obsoletenevrs: ext(str((p) => (p.obsoletes?.length ? p.obsoletes : undefined))),
  ...rarer('order', 'orders', false),
  ...rarer('recommend', 'recommends', true),
  ...rarer('suggest', 'suggests', true),
  ...rarer('supplement', 'supplements', true),
  ...rarer('enhance', 'enhances', true),
  // scriptlets: the body (absent when there is none, as for `-p /sbin/ldconfig`) and the interpreter
  ...scriptTags('pretrans', 'pretrans'),
  ...scriptTags('prein', 'pre'),
  ...scriptTags('postin', 'post'),
  ...scriptTags('preun', 'preun'),
  ...scriptTags('postun', 'postun'),
  ...scriptTags('posttrans', 'posttrans'),
  ...scriptTags('verifyscript', 'verifyscript'),
  ...triggerTags,
  ...fileTriggerTags('file'),
  ...fileTriggerTags('transfile'),
  // what rpm derives from the header (tagexts.c) or falls back to
  archsuffix: ext(str((p) => [p.sourceRpm ? `.${p.arch}` : ''])),
  headercolor: ext(num((p) => [p.files.reduce((c, f) => c | (f.color ?? 0), 0)])),
  filecolors: num(files((f) => f.color ?? 0)),
  filecaps: str((p) => (p.files.some((f) => f.caps !== undefined) ? p.files.map((f) => f.caps ?? '') : undefined)),
  filenlinks: ext(num(files((f) => f.nlink ?? 1))),
  instfilenames: ext(
    str((p) => {
      // installed files only: a package file's (no states) has none
      const kept = p.files.filter((f) => f.state === 'normal').map((f) => f.path)
      return kept.length === 0 ? undefined : kept
    }),
  ),
  longsize: num((p) => one(p.size)),
  longfilesizes: num(files((f) => f.size)),
  longarchivesize: num((p) => other(p, tagNumber('longarchivesize')) ?? other(p, tagNumber('archivesize'))),
  longsigsize: num((p) => other(p, tagNumber('longsigsize')) ?? other(p, tagNumber('sigsize'))),
  changelogtime: num(changelog((e) => e.time)),
  changelogname: str(changelog((e) => e.name)),
  changelogtext: str(changelog((e) => e.text)),
}

// The other names rpm's tags have in rpmtag.h (#defines), which rpm 4.18 lists with its tags.
const RPMTAG_ALIASES: Record<string, string> = {
  n: 'name',
  v: 'version',
  r: 'release',
  e: 'epoch',
  provides: 'providename',
  p: 'providename',
  requires: 'requirename',
  conflicts: 'conflictname',
  c: 'conflictname',
  obsoletes: 'obsoletename',
  o: 'obsoletename',
  pkgid: 'sigmd5',
  hdrid: 'sha1header',
  filemd5s: 'filedigests',
  recommends: 'recommendname',
  suggests: 'suggestname',
  supplements: 'supplementname',
  enhances: 'enhancename',
  oldsuggests: 'oldsuggestsname',
  oldenhances: 'oldenhancesname',
}

// Every other name of a tag rpm finds (older names it still takes, and those above).
const ALIASES: Record<string, string> = {
  ...RPMTAG_ALIASES,
  serial: 'epoch',
  copyright: 'license',
  filename: 'filenames',
  basename: 'basenames',
  dirname: 'dirnames',
}

// Every other tag rpm knows: as the header has it (absent when it did not, or is one rpm-sim does not keep: one
// value per file, such as FILEINODES, or computed by rpm from what rpm-sim does not keep, such as DBINSTANCE).
const OTHERS = new Map<string, TagDef>(
  Object.entries(RPM_TAGS).map(([name, [tag, kind]]) => [
    name,
    { numeric: kind === 'n', extension: false, get: (p) => other(p, tag) },
  ]),
)

/** rpm --querytags: every tag name rpm 4.18 knows, as it lists them (upper case, sorted). */
export function queryTagNames(): string[] {
  return [...Object.keys(RPM_TAGS), ...Object.keys(RPMTAG_ALIASES)].map((n) => n.toUpperCase()).sort()
}

/** The names of the tags rpm-sim keeps (for messages). */
export const TAG_NAMES: readonly string[] = Object.keys(TAGS)

/** A tag by rpm's name (`RPMTAG_NAME`, `name`, `Name`, or an alias such as `provides`), or undefined. */
export function findTag(name: string): TagDef | undefined {
  const bare = (name.startsWith('RPMTAG_') ? name.slice(7) : name).toLowerCase()
  const canonical = ALIASES[bare] ?? bare
  return TAGS[canonical] ?? OTHERS.get(canonical)
}
