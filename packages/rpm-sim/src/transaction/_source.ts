// Adapts the rpm format layer's package model to the engine's, so the engine depends on one small shape.
import { checksigPackage, signatureNotes, verifyFailure } from '../format/checksig.js'
import { openRpm, readRpmPayload } from '../format/reader.js'
import type { RpmPackage } from '../format/package.js'
import type { EngineFile, EngineFileFlags, EngineHeader, PackageSource } from '../format/model.js'
import { DEPENDENCY_KINDS, dependencyText, isDevice, senseText } from '../format/model.js'
import { VERIFY } from '../format/tags.js'

// In the order the format layer sets them (the order the database has always kept them in).
const FLAG_NAMES = ['config', 'noreplace', 'ghost', 'doc', 'missingok', 'license', 'readme', 'artifact'] as const

// One file of the header as the engine keeps it (in the database too): the same properties in the same order as
// ever, built by assignment (this runs once per file; spreads of conditional parts cost far more).
function engineFile(f: RpmPackage['files'][number], links: Map<number, number>): EngineFile {
  const out: EngineFile = { path: f.path, kind: f.kind, mode: f.mode, size: f.size } as EngineFile
  // The format layer lowercased it already.
  if (f.kind === 'file' && f.digest) out.digest = f.digest
  if (f.kind === 'symlink') out.linkTarget = f.linkTarget
  if (isDevice(f.mode)) out.rdev = f.rdev
  if (f.color !== 0) out.color = f.color
  if (f.caps !== '' && f.kind === 'file') out.caps = f.caps
  if (f.lang !== '') out.lang = f.lang
  out.user = f.user || 'root'
  out.group = f.group || 'root'
  out.mtime = f.mtime
  out.flags = engineFlags(f.flags)
  const nlink = f.kind === 'file' ? (links.get(f.inode) ?? 1) : 1
  if (nlink > 1) out.nlink = nlink
  if (f.verifyFlags >>> 0 !== VERIFY.ALL) out.verify = f.verifyFlags >>> 0
  return out
}

// Hard-link groups: how many regular files of the package share each FILEINODES value (rpm's rpmfiFNlink).
function linkCounts(files: RpmPackage['files']): Map<number, number> {
  const counts = new Map<number, number>()
  for (const f of files) if (f.kind === 'file') counts.set(f.inode, (counts.get(f.inode) ?? 0) + 1)
  return counts
}

// The format layer shares one frozen flags object per combination of bits (see readFiles): so does the engine,
// one object per combination instead of one per file (nothing writes to a file's flags).
const flagsCache = new WeakMap<object, EngineFileFlags>()
function engineFlags(from: RpmPackage['files'][number]['flags']): EngineFileFlags {
  let flags = flagsCache.get(from)
  if (flags === undefined) {
    const made: EngineFileFlags = {}
    for (const k of FLAG_NAMES) if (from[k]) made[k] = true
    flags = Object.freeze(made)
    flagsCache.set(from, flags)
  }
  return flags
}

/** The engine's header view of a package read by the format layer. */
/** The engine's view of a package file's header (what a transaction and -qp --queryformat read). */
export function engineHeader(pkg: RpmPackage): EngineHeader {
  const links = linkCounts(pkg.files)
  return {
    name: pkg.name,
    ...(pkg.epoch !== undefined ? { epoch: pkg.epoch } : {}),
    version: pkg.version,
    release: pkg.release,
    arch: pkg.arch,
    digestAlgo: pkg.fileDigestAlgo,
    files: pkg.files.map((f) => engineFile(f, links)),
    scripts: Object.fromEntries(
      Object.entries(pkg.scripts).map(([k, s]) => [k, { interpreter: [...s.interpreter], body: s.body }]),
    ),
    triggers: pkg.triggers.map((t) => ({
      kind: t.kind,
      name: t.name,
      sense: senseText(t.flags),
      ...(t.version ? { version: t.version } : {}),
      script: { interpreter: [...t.script.interpreter], body: t.script.body },
      index: t.index,
    })),
    ...(pkg.fileTriggers.length > 0 ? { fileTriggers: pkg.fileTriggers } : {}),
    summary: pkg.summary,
    description: pkg.description,
    license: pkg.license,
    group: pkg.group,
    url: pkg.url,
    vendor: pkg.vendor,
    packager: pkg.packager,
    os: pkg.os,
    buildTime: pkg.buildTime,
    buildHost: pkg.buildHost,
    sourceRpm: pkg.sourceRpm,
    size: pkg.installedSize,
    ...(pkg.elementColor !== 0 ? { elementColor: pkg.elementColor } : {}),
    ...(pkg.prefixes.length > 0 ? { prefixes: pkg.prefixes } : {}),
    provides: pkg.provides.map(dependencyText),
    requires: pkg.requires.map(dependencyText),
    depFlags: depFlags(pkg),
    conflicts: pkg.conflicts.map(dependencyText),
    obsoletes: pkg.obsoletes.map(dependencyText),
    // The rarer kinds only where the package has them (records stay as they were).
    ...Object.fromEntries(WEAK_AND_ORDER.flatMap((k) => (pkg[k].length > 0 ? [[k, pkg[k].map(dependencyText)]] : []))),
    ...(pkg.changelog.length > 0 ? { changelog: pkg.changelog } : {}),
    ...(Object.keys(pkg.otherTags).length > 0 ? { otherTags: pkg.otherTags } : {}),
  }
}

const WEAK_AND_ORDER = ['orders', 'recommends', 'suggests', 'supplements', 'enhances'] as const

// Each dependency kind's whole RPMSENSE bits, for the kinds that have entries.
function depFlags(pkg: RpmPackage): NonNullable<EngineHeader['depFlags']> {
  const out: NonNullable<EngineHeader['depFlags']> = {}
  for (const kind of DEPENDENCY_KINDS) if (pkg[kind].length > 0) out[kind] = pkg[kind].map((d) => d.flags)
  return out
}

/** Opens an .rpm file as a package source (header now, read once; payload streamed when asked). */
export async function openPackageSource(file: string): Promise<PackageSource> {
  const rpm = await openRpm(file)
  return {
    origin: file,
    header: engineHeader(rpm.pkg),
    // The payload entries as the reader makes them (path, size, nlink, and the body whole or streamed).
    payload: () => readRpmPayload(rpm),
    signatures: signatureNotes(rpm.signature),
    verify: async (options) => verifyFailure(await checksigPackage(rpm, options), options.level),
  }
}
