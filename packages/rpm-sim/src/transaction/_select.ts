// Which packages a transaction touches, as rpm's addPackage and checks decide before any file is looked at: the
// erase arguments matched against the database, -F's freshen rule, supersession among the given packages (the
// same NEVRA twice, a newer one of a name), the installed instances each new package replaces, and rpm's
// version problems (`already installed`, `newer ... is already installed`).
import { compareEVR } from '@rdbpkg/core'
import type { EngineHeader, PackageSource } from '../format/model.js'
import { headerNevra } from '../format/model.js'
import type { InstalledPackage } from '../db/db.js'
import { findByLabel } from '../db/_label.js'

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
  for (const src of supersede(wanted, s.op === 'install', s.verbose, warn)) {
    const h = src.header
    const nevra = headerNevra(h)
    // rpm checks every installed instance and reports every problem (versions and file conflicts alike); on
    // -U/-F each instance of the name is erased whatever its version, on -i only a --replacepkgs reinstall is.
    const replaces: InstalledPackage[] = []
    for (const p of s.installed.filter((x) => x.name === h.name)) {
      const c = compareEVR(evrOf(h), evrOf(p))
      const same = c === 0 && p.arch === h.arch
      if (same && !s.replacepkgs) problems.push(`\tpackage ${p.nevra} is already installed`)
      else if (c < 0 && !s.oldpackage)
        problems.push(`\tpackage ${p.nevra} (which is newer than ${nevra}) is already installed`)
      if (s.op !== 'install' || (same && s.replacepkgs)) replaces.push(p)
    }
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

// rpm's addPackage: the same NEVRA twice is added once; on -U/-F a newer one of a name replaces an older one (an
// older one after a newer is skipped); -i adds every version. -v says so.
function supersede(
  wanted: readonly PackageSource[],
  everyVersion: boolean,
  verbose: boolean,
  warn: (line: string) => void,
): PackageSource[] {
  const chosen: PackageSource[] = []
  for (const s of wanted) {
    const same = chosen.find(
      (c) =>
        c.header.name === s.header.name &&
        c.header.arch === s.header.arch &&
        compareEVR(evrOf(c.header), evrOf(s.header)) === 0,
    )
    const i = everyVersion
      ? -1
      : chosen.findIndex((c) => c.header.name === s.header.name && c.header.arch === s.header.arch)
    const prev = same ?? chosen[i]
    if (prev === undefined) {
      chosen.push(s)
      continue
    }
    const skip = same !== undefined || compareEVR(evrOf(prev.header), evrOf(s.header)) > 0
    if (verbose)
      warn(
        `warning: package ${headerNevra(prev.header)} was already added, ${skip ? 'skipping' : 'replacing with'} ${headerNevra(s.header)}`,
      )
    if (!skip) chosen[i] = s
  }
  return chosen
}
