// Builds the main header entries of a package that writer.ts writes, as rpmbuild lays them out.
import type { WriteCompressor } from './compress.js'
import type { HeaderValue } from './header.js'
import type { ScriptName } from './model.js'
import { DEPENDENCY_TAGS, fileTriggerConditions, senseBits, triggerKindSense } from './model.js'
import {
  DIGEST_ALGO,
  FILE_TRIGGER_TAGS,
  SCRIPT_TAGS,
  SENSE,
  TAG,
  TRIGGER_SENSE_BITS,
  TYPE,
  VERIFY,
  fileFlagBits,
} from './tags.js'
import type { PlannedFile, RpmSpec, RpmSpecDependency } from './spec.js'

// rpm's %{_isa} suffixes for the arches our products ship.
const ISA: Record<string, string> = {
  x86_64: 'x86-64',
  aarch64: 'aarch-64',
  i686: 'x86-32',
  ppc64le: 'ppc-64',
  s390x: 's390-64',
}
const RPMLIB = SENSE.RPMLIB | SENSE.LESS | SENSE.EQUAL
const GHOST_VERIFY = (VERIFY.ALL & ~(VERIFY.FILEDIGEST | VERIFY.FILESIZE | VERIFY.LINKTO | VERIFY.MTIME)) >>> 0

interface Dep {
  name: string
  flags: number
  version: string
}

/** Payload facts the header records. */
export interface PayloadFacts {
  buildTime: number
  compressor: WriteCompressor
  level: number
  payloadDigest: string
  archiveDigest: string
}

function dep(d: RpmSpecDependency, extra = 0): Dep {
  const sense = d.sense ?? (d.version ? '=' : undefined)
  return { name: d.name, flags: senseBits(sense ?? '') | extra, version: d.version ?? '' }
}

function depTags(deps: Dep[], [name, flags, version]: readonly [number, number, number]): HeaderValue[] {
  if (deps.length === 0) return []
  return [
    { tag: name, type: TYPE.STRING_ARRAY, value: deps.map((d) => d.name) },
    { tag: flags, type: TYPE.INT32, value: deps.map((d) => d.flags) },
    { tag: version, type: TYPE.STRING_ARRAY, value: deps.map((d) => d.version) },
  ]
}

function fileTags(files: PlannedFile[]): HeaderValue[] {
  if (files.length === 0) return []
  const dirnames: string[] = []
  const dirIndex = new Map<string, number>()
  const indexes: number[] = []
  const basenames: string[] = []
  for (const f of files) {
    const cut = f.path.lastIndexOf('/') + 1
    const dir = f.path.slice(0, cut)
    if (!dirIndex.has(dir)) {
      dirIndex.set(dir, dirnames.length)
      dirnames.push(dir)
    }
    indexes.push(dirIndex.get(dir) ?? 0)
    basenames.push(f.path.slice(cut))
  }
  const col = (tag: number, type: HeaderValue['type'], value: HeaderValue['value']): HeaderValue => ({
    tag,
    type,
    value,
  })
  return [
    col(
      TAG.FILESIZES,
      TYPE.INT32,
      files.map((f) => f.size),
    ),
    col(
      TAG.FILEMODES,
      TYPE.INT16,
      files.map((f) => f.mode),
    ),
    col(
      TAG.FILERDEVS,
      TYPE.INT16,
      files.map(() => 0),
    ),
    col(
      TAG.FILEMTIMES,
      TYPE.INT32,
      files.map((f) => f.mtime),
    ),
    col(
      TAG.FILEDIGESTS,
      TYPE.STRING_ARRAY,
      files.map((f) => f.digest),
    ),
    col(
      TAG.FILELINKTOS,
      TYPE.STRING_ARRAY,
      files.map((f) => f.linkTarget),
    ),
    col(
      TAG.FILEFLAGS,
      TYPE.INT32,
      files.map((f) => fileFlagBits(f.flags)),
    ),
    col(
      TAG.FILEUSERNAME,
      TYPE.STRING_ARRAY,
      files.map((f) => f.user),
    ),
    col(
      TAG.FILEGROUPNAME,
      TYPE.STRING_ARRAY,
      files.map((f) => f.group),
    ),
    col(
      TAG.FILEVERIFYFLAGS,
      TYPE.INT32,
      files.map((f) => (f.flags.ghost ? GHOST_VERIFY : VERIFY.ALL)),
    ),
    col(
      TAG.FILEDEVICES,
      TYPE.INT32,
      files.map(() => 1),
    ),
    col(
      TAG.FILEINODES,
      TYPE.INT32,
      files.map((_, i) => i + 1),
    ),
    col(
      TAG.FILELANGS,
      TYPE.STRING_ARRAY,
      files.map((f) => f.spec.lang ?? ''),
    ),
    col(TAG.DIRINDEXES, TYPE.INT32, indexes),
    col(TAG.BASENAMES, TYPE.STRING_ARRAY, basenames),
    col(TAG.DIRNAMES, TYPE.STRING_ARRAY, dirnames),
    col(TAG.FILEDIGESTALGO, TYPE.INT32, [DIGEST_ALGO.sha256]),
  ]
}

function interpreterValue(tag: number, interpreter: string): HeaderValue {
  const argv = interpreter.trim().split(/\s+/)
  return argv.length === 1
    ? { tag, type: TYPE.STRING, value: argv[0] ?? '/bin/sh' }
    : { tag, type: TYPE.STRING_ARRAY, value: argv }
}

function scriptTags(spec: RpmSpec): HeaderValue[] {
  const out: HeaderValue[] = []
  for (const [slot, script] of Object.entries(spec.scripts ?? {}) as [
    ScriptName,
    { interpreter?: string; body: string },
  ][]) {
    const tags = SCRIPT_TAGS[slot]
    out.push(interpreterValue(tags.prog, script.interpreter ?? '/bin/sh'))
    if (script.body !== '') out.push({ tag: tags.body, type: TYPE.STRING, value: script.body })
  }
  const triggers = spec.triggers ?? []
  if (triggers.length) {
    const deps = triggers.map((t) => dep(t, TRIGGER_SENSE_BITS[triggerKindSense(t.kind)]))
    out.push(
      { tag: TAG.TRIGGERSCRIPTS, type: TYPE.STRING_ARRAY, value: triggers.map((t) => t.body) },
      { tag: TAG.TRIGGERNAME, type: TYPE.STRING_ARRAY, value: deps.map((d) => d.name) },
      { tag: TAG.TRIGGERVERSION, type: TYPE.STRING_ARRAY, value: deps.map((d) => d.version) },
      { tag: TAG.TRIGGERFLAGS, type: TYPE.INT32, value: deps.map((d) => d.flags) },
      { tag: TAG.TRIGGERINDEX, type: TYPE.INT32, value: triggers.map((_, i) => i) },
      { tag: TAG.TRIGGERSCRIPTPROG, type: TYPE.STRING_ARRAY, value: triggers.map((t) => t.interpreter ?? '/bin/sh') },
    )
  }
  for (const family of ['file', 'transfile'] as const) out.push(...fileTriggerTags(spec, family))
  return out
}

// A family's file triggers as rpmbuild writes them: its conditions sorted (name, flags, index), one script each.
function fileTriggerTags(spec: RpmSpec, family: 'file' | 'transfile'): HeaderValue[] {
  const triggers = (spec.fileTriggers ?? []).filter((t) => t.kind.startsWith(`${family}trigger`))
  if (triggers.length === 0) return []
  const conds = fileTriggerConditions(
    triggers.map((t) => ({ ...t, priority: t.priority ?? 1_000_000, script: { interpreter: [], body: t.body } })),
    family,
  )
  const tag = FILE_TRIGGER_TAGS[family]
  return [
    { tag: tag.scripts, type: TYPE.STRING_ARRAY, value: triggers.map((t) => t.body) },
    { tag: tag.prog, type: TYPE.STRING_ARRAY, value: triggers.map((t) => t.interpreter ?? '/bin/sh') },
    { tag: tag.name, type: TYPE.STRING_ARRAY, value: conds.map((c) => c.name) },
    { tag: tag.index, type: TYPE.INT32, value: conds.map((c) => c.index) },
    { tag: tag.version, type: TYPE.STRING_ARRAY, value: conds.map(() => '') },
    { tag: tag.flags, type: TYPE.INT32, value: conds.map((c) => c.flags) },
    { tag: tag.priorities, type: TYPE.INT32, value: triggers.map((t) => t.priority ?? 1_000_000) },
  ]
}

// rpm's file colors and the file-to-dependency dictionary rpmbuild's generators leave (FILEDEPENDSX/N index
// DEPENDSDICT, whose entries are the dependency's type letter in the top byte and its index below): written only
// when a file has a color or a dependency names its file, as rpmbuild writes them only for classified files.
function colorTags(files: PlannedFile[], spec: RpmSpec): HeaderValue[] {
  const out: HeaderValue[] = []
  if (files.some((f) => (f.spec.color ?? 0) !== 0))
    out.push({ tag: TAG.FILECOLORS, type: TYPE.INT32, value: files.map((f) => f.spec.color ?? 0) })
  const linked = (deps: readonly RpmSpecDependency[], letter: string, path: string): number[] =>
    deps.flatMap((d, i) => (d.file === path ? [((letter.charCodeAt(0) << 24) | i) >>> 0] : []))
  if (![...(spec.provides ?? []), ...(spec.requires ?? [])].some((d) => d.file !== undefined)) return out
  // The spec's own dependencies come first in PROVIDENAME and REQUIRENAME, so their indexes are the header's.
  const dict: number[] = []
  const starts: number[] = []
  const counts: number[] = []
  for (const f of files) {
    const entries = [...linked(spec.provides ?? [], 'P', f.path), ...linked(spec.requires ?? [], 'R', f.path)]
    starts.push(dict.length)
    counts.push(entries.length)
    dict.push(...entries)
  }
  out.push(
    { tag: TAG.FILEDEPENDSX, type: TYPE.INT32, value: starts },
    { tag: TAG.FILEDEPENDSN, type: TYPE.INT32, value: counts },
    { tag: TAG.DEPENDSDICT, type: TYPE.INT32, value: dict },
  )
  return out
}

/** The main header entries for `spec` with its planned files (digests filled in) and payload facts. */
export function buildMainHeader(spec: RpmSpec, files: PlannedFile[], facts: PayloadFacts): HeaderValue[] {
  const evr = `${spec.epoch !== undefined ? `${spec.epoch}:` : ''}${spec.version}-${spec.release}`
  const str = (tag: number, value: string | undefined): HeaderValue[] =>
    value ? [{ tag, type: TYPE.STRING, value }] : []
  const i18n = (tag: number, value: string): HeaderValue => ({ tag, type: TYPE.I18NSTRING, value: [value] })
  const installed = files.filter((f) => !f.flags.ghost && f.kind !== 'dir').reduce((n, f) => n + f.size, 0)
  const provides: Dep[] = (spec.provides ?? []).map((d) => dep(d))
  const isa = ISA[spec.arch]
  provides.push({ name: spec.name, flags: SENSE.EQUAL, version: evr })
  if (isa) provides.push({ name: `${spec.name}(${isa})`, flags: SENSE.EQUAL, version: evr })
  if (files.some((f) => f.flags.config))
    provides.push({ name: `config(${spec.name})`, flags: SENSE.EQUAL | SENSE.CONFIG, version: evr })
  const requires: Dep[] = (spec.requires ?? []).map((d) => dep(d))
  requires.push(
    { name: 'rpmlib(CompressedFileNames)', flags: RPMLIB, version: '3.0.4-1' },
    { name: 'rpmlib(FileDigests)', flags: RPMLIB, version: '4.6.0-1' },
    { name: 'rpmlib(PayloadFilesHavePrefix)', flags: RPMLIB, version: '4.0-1' },
  )
  if (facts.compressor === 'xz') requires.push({ name: 'rpmlib(PayloadIsXz)', flags: RPMLIB, version: '5.2-1' })
  if (facts.compressor === 'zstd') requires.push({ name: 'rpmlib(PayloadIsZstd)', flags: RPMLIB, version: '5.4.18-1' })
  return [
    { tag: TAG.HEADERI18NTABLE, type: TYPE.STRING_ARRAY, value: ['C'] },
    { tag: TAG.NAME, type: TYPE.STRING, value: spec.name },
    { tag: TAG.VERSION, type: TYPE.STRING, value: spec.version },
    { tag: TAG.RELEASE, type: TYPE.STRING, value: spec.release },
    ...(spec.epoch !== undefined ? [{ tag: TAG.EPOCH, type: TYPE.INT32, value: [spec.epoch] }] : []),
    i18n(TAG.SUMMARY, spec.summary ?? spec.name),
    i18n(TAG.DESCRIPTION, spec.description ?? spec.summary ?? spec.name),
    { tag: TAG.BUILDTIME, type: TYPE.INT32, value: [facts.buildTime] },
    { tag: TAG.BUILDHOST, type: TYPE.STRING, value: spec.buildHost ?? 'localhost' },
    installed > 0xffffffff
      ? { tag: TAG.LONGSIZE, type: TYPE.INT64, value: [installed] }
      : { tag: TAG.SIZE, type: TYPE.INT32, value: [installed] },
    ...str(TAG.VENDOR, spec.vendor),
    ...str(TAG.LICENSE, spec.license),
    ...str(TAG.PACKAGER, spec.packager),
    i18n(TAG.GROUP, spec.group ?? 'Unspecified'),
    ...str(TAG.URL, spec.url),
    { tag: TAG.OS, type: TYPE.STRING, value: spec.os ?? 'linux' },
    { tag: TAG.ARCH, type: TYPE.STRING, value: spec.arch },
    ...scriptTags(spec),
    ...fileTags(files),
    ...colorTags(files, spec),
    // rpmbuild writes FILECAPS for every file once one has capabilities.
    ...(files.some((f) => (f.spec.caps ?? '') !== '')
      ? [{ tag: TAG.FILECAPS, type: TYPE.STRING_ARRAY, value: files.map((f) => f.spec.caps ?? '') }]
      : []),
    ...((spec.prefixes ?? []).length > 0
      ? [{ tag: TAG.PREFIXES, type: TYPE.STRING_ARRAY, value: spec.prefixes ?? [] }]
      : []),
    // rpm takes a header without SOURCERPM for a source package.
    { tag: TAG.SOURCERPM, type: TYPE.STRING, value: `${spec.name}-${spec.version}-${spec.release}.src.rpm` },
    ...depTags(provides, DEPENDENCY_TAGS.provides),
    ...depTags(requires, DEPENDENCY_TAGS.requires),
    // The other kinds as the spec gives them.
    ...(['conflicts', 'obsoletes', 'orders', 'recommends', 'suggests', 'supplements', 'enhances'] as const).flatMap(
      (k) =>
        depTags(
          (spec[k] ?? []).map((d) => dep(d)),
          DEPENDENCY_TAGS[k],
        ),
    ),
    { tag: TAG.PAYLOADFORMAT, type: TYPE.STRING, value: 'cpio' },
    {
      tag: TAG.PAYLOADCOMPRESSOR,
      type: TYPE.STRING,
      value: facts.compressor === 'none' ? 'identity' : facts.compressor,
    },
    { tag: TAG.PAYLOADFLAGS, type: TYPE.STRING, value: String(facts.level) },
    { tag: TAG.ENCODING, type: TYPE.STRING, value: 'utf-8' },
    { tag: TAG.PAYLOADDIGEST, type: TYPE.STRING_ARRAY, value: [facts.payloadDigest] },
    { tag: TAG.PAYLOADDIGESTALGO, type: TYPE.INT32, value: [DIGEST_ALGO.sha256] },
    { tag: TAG.PAYLOADDIGESTALT, type: TYPE.STRING_ARRAY, value: [facts.archiveDigest] },
  ]
}
