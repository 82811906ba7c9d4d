// Which packages a transaction touches, as rpm's addPackage and checks decide before any file is looked at: the
// erase arguments matched against the database, -F's freshen rule, supersession among the given packages (the
// same NEVRA twice, a newer one of a name, one another obsoletes), the installed instances each new package
// replaces (on -U/-F also those its Obsoletes name), and rpm's version problems (`already installed`, `newer ...
// is already installed`).
import { compareEVR } from '@rdbpkg/core'
import type { EngineHeader, PackageSource } from '../format/model.js'
import { evrSatisfies, headerNevra, parseDependency, senseText } from '../format/model.js'
import type { InstalledPackage } from '../db/db.js'
import { findByLabel } from '../db/_label.js'
import type { TransactionColors } from './colors.js'
import { headerColor, keepsOtherBuild } from './colors.js'

/** What the selection is asked: the operation, its arguments and rpm's switches that change it. */
export interface SelectInput {
  op: 'install' | 'upgrade' | 'freshen' | 'erase'
  /** Erase: the labels given; otherwise unused (the packages come as `sources`). */
  labels: readonly string[]
  sources: readonly PackageSource[]
  installed: readonly InstalledPackage[]
  /** Installed NEVRAs erased as well (rollback). */
  alsoErase?: readonly string[] | undefined
  replacepkgs: boolean
  oldpackage: boolean
  allmatches: boolean
  verbose: boolean
  /** Multilib colors: with them, packages of another arch are other packages (rpm's checkAdded, skipColor). */
  colors?: TransactionColors | undefined
}

/** A package this transaction erases, the install element (index) that replaces it, if any, and whether that is the very same NEVRA. */
export interface Erasure {
  pkg: InstalledPackage
  replacedBy?: number
  sameNevra: boolean
}

/** The packages chosen, each with the installed instances it replaces, the erasures by NEVRA, and rpm's problem lines. */
export interface Selection {
  installs: { source: PackageSource; nevra: string; replaces: InstalledPackage[] }[]
  erasing: Map<string, Erasure>
  problems: string[]
  /** Erase: the labels that matched no package, or several without --allmatches (rpm's exit status). */
  unmatched: number
}

// Does a package freshen an installed instance it compares to as `c` (new vs installed)?
const freshens = (c: number, oldpackage: boolean): boolean => c > 0 || (oldpackage && c < 0)

/** The EVR of a header as core compares it (a missing epoch is 0). */
function evrOf(h: Pick<EngineHeader, 'epoch' | 'version' | 'release'>) {
  return { epoch: h.epoch ?? 0, version: h.version, release: h.release }
}

/**
 * Does `by` obsolete a package named and versioned as `h`? An Obsoletes entry names a package (never a provide),
 * with or without a version range.
 */
function obsoletes(
  by: Pick<EngineHeader, 'obsoletes'>,
  h: Pick<EngineHeader, 'name' | 'epoch' | 'version' | 'release'>,
) {
  return (by.obsoletes ?? []).some((text) => {
    const d = parseDependency(text)
    return d.name === h.name && evrSatisfies(h, senseText(d.flags), d.version)
  })
}

/** Decide the transaction's elements as rpm does; `warn` gets rpm's -v lines about superseded packages. */
export function selectElements(s: SelectInput, warn: (line: string) => void): Selection {
  const problems: string[] = []
  const erasing = new Map<string, Erasure>()
  const installs: Selection['installs'] = []
  if (s.op === 'erase') {
    let unmatched = 0
    for (const arg of s.labels) {
      const m = findByLabel(s.installed, arg, { onError: (l) => problems.push(l) })
      if (m.length === 0) {
        problems.push(`error: package ${arg} is not installed`)
        unmatched++
      } else if (m.length > 1 && !s.allmatches) {
        problems.push(`error: "${arg}" specifies multiple packages:`, ...m.map((p) => `  ${p.nevra}`))
        unmatched++
      } else for (const p of m) erasing.set(p.nevra, { pkg: p, sameNevra: false })
    }
    return { installs, erasing, problems, unmatched }
  }
  // rpm -F takes a package only when an older instance is installed (with --oldpackage also a newer one); the
  // rest are skipped quietly (rpm's checkFreshenStatus).
  const wanted =
    s.op !== 'freshen'
      ? s.sources
      : s.sources.filter((src) =>
          s.installed.some(
            (p) => p.name === src.header.name && freshens(compareEVR(evrOf(src.header), evrOf(p)), s.oldpackage),
          ),
        )
  const colored = (s.colors?.transaction ?? 0) !== 0
  for (const src of supersede(wanted, s.op === 'install', s.verbose, warn, colored)) {
    const h = src.header
    const nevra = headerNevra(h)
    // rpm checks every installed instance and reports every problem (versions and file conflicts alike); on
    // -U/-F each instance of the name is erased whatever its version, on -i only a --replacepkgs reinstall is.
    // The other build of a multilib package (colored, no color in common) is left alone (rpm's skipColor).
    const replaces: InstalledPackage[] = []
    for (const p of s.installed.filter((x) => x.name === h.name)) {
      if (keepsOtherBuild(s.colors, h.elementColor, headerColor(p.files))) continue
      const c = compareEVR(evrOf(h), evrOf(p))
      const same = c === 0 && (!colored || (p.arch === h.arch && (p.os ?? '') === (h.os ?? '')))
      if (same && !s.replacepkgs) problems.push(`\tpackage ${p.nevra} is already installed`)
      else if (c < 0 && !s.oldpackage)
        problems.push(`\tpackage ${p.nevra} (which is newer than ${nevra}) is already installed`)
      if (s.op !== 'install' || (same && s.replacepkgs)) replaces.push(p)
    }
    // rpm's addObsoleteErasures: on -U/-F each installed package an Obsoletes names goes too, replaced by this one
    // (a package already leaving is not added twice).
    if (s.op !== 'install')
      for (const p of s.installed)
        if (
          !replaces.includes(p) &&
          !erasing.has(p.nevra) &&
          obsoletes(h, p) &&
          !keepsOtherBuild(s.colors, h.elementColor, headerColor(p.files))
        )
          replaces.push(p)
    const index = installs.length
    installs.push({ source: src, nevra, replaces })
    for (const p of replaces) erasing.set(p.nevra, { pkg: p, replacedBy: index, sameNevra: p.nevra === nevra })
  }
  for (const n of s.alsoErase ?? []) {
    const p = s.installed.find((x) => x.nevra === n)
    if (p !== undefined && !erasing.has(n)) erasing.set(n, { pkg: p, sameNevra: false })
  }
  return { installs, erasing, problems, unmatched: 0 }
}

// rpm's addPackage and findPos: a package an added one obsoletes is skipped, one that obsoletes an added package
// replaces it; the same NEVRA twice is added once; on -U/-F a newer one of a name replaces an older one (an older
// one after a newer is skipped); -i adds every version. -v says so. With colors, only packages of the same arch
// supersede each other (rpm's checkAdded); obsoletes are not colored.
function supersede(
  wanted: readonly PackageSource[],
  everyVersion: boolean,
  verbose: boolean,
  warn: (line: string) => void,
  colored: boolean,
): PackageSource[] {
  const sameArch = (a: EngineHeader, b: EngineHeader): boolean =>
    !colored || (a.arch === b.arch && (a.os ?? '') === (b.os ?? ''))
  const chosen: PackageSource[] = []
  const say = (prev: PackageSource, s: PackageSource, skip: boolean): void => {
    if (verbose)
      warn(
        `warning: package ${headerNevra(prev.header)} was already added, ${skip ? 'skipping' : 'replacing with'} ${headerNevra(s.header)}`,
      )
  }
  for (const s of wanted) {
    const obsoleter = chosen.find((c) => obsoletes(c.header, s.header))
    if (obsoleter !== undefined) {
      say(obsoleter, s, true)
      continue
    }
    const obsoleted = chosen.findIndex((c) => obsoletes(s.header, c.header))
    if (obsoleted >= 0) {
      say(chosen[obsoleted] as PackageSource, s, false)
      chosen[obsoleted] = s
      continue
    }
    const same = chosen.find(
      (c) =>
        c.header.name === s.header.name &&
        sameArch(c.header, s.header) &&
        compareEVR(evrOf(c.header), evrOf(s.header)) === 0,
    )
    const i = everyVersion
      ? -1
      : chosen.findIndex((c) => c.header.name === s.header.name && sameArch(c.header, s.header))
    const prev = same ?? chosen[i]
    if (prev === undefined) {
      chosen.push(s)
      continue
    }
    const skip = same !== undefined || compareEVR(evrOf(prev.header), evrOf(s.header)) > 0
    say(prev, s, skip)
    if (!skip) chosen[i] = s
  }
  return chosen
}
