// The one package-name matcher of rpm-sim: how rpm 4.18 finds installed packages by a label (rpmdb's
// dbiFindByLabel), shared by -q, -V and -e so the three always agree.
import type { EngineHeader } from '../format/model.js'

type Labelled = Pick<EngineHeader, 'name' | 'epoch' | 'version' | 'release' | 'arch'>

// rpm's dbiFindMatches: the name exactly; a version given as `epoch:version` also compares the epoch (a package
// without one has epoch 0), a bare version matches any epoch; release and arch when given.
function matches(p: Labelled, name: string, version?: string, release?: string, arch?: string): boolean {
  if (p.name !== name) return false
  if (arch !== undefined && p.arch !== arch) return false
  if (release !== undefined && p.release !== release) return false
  if (version === undefined) return true
  const colon = /^(\d+):/.exec(version)
  if (colon === null) return p.version === version
  return Number(colon[1]) === (p.epoch ?? 0) && p.version === version.slice(colon[0].length)
}

// rpm's dbiFindByLabelArch: the first of name, name-[epoch:]version, name-[epoch:]version-release that matches.
function byLabelArch<T extends Labelled>(packages: readonly T[], label: string, arch?: string): T[] {
  let found = packages.filter((p) => matches(p, label, undefined, undefined, arch))
  if (found.length > 0) return found
  const v = label.lastIndexOf('-')
  if (v <= 0) return []
  const name = label.slice(0, v)
  found = packages.filter((p) => matches(p, name, label.slice(v + 1), undefined, arch))
  if (found.length > 0) return found
  const r = name.lastIndexOf('-')
  if (r <= 0) return []
  return packages.filter((p) => matches(p, name.slice(0, r), name.slice(r + 1), label.slice(v + 1), arch))
}

/**
 * The installed packages a label names, as rpm's -q, -V and -e find them: `name`, `name-[epoch:]version`,
 * `name-[epoch:]version-release`, each optionally followed by `.arch` (tried without the arch first, as rpm).
 * rpm's glob patterns in versions are not supported.
 */
export function findByLabel<T extends Labelled>(packages: readonly T[], label: string): T[] {
  const found = byLabelArch(packages, label)
  if (found.length > 0) return found
  const dot = label.lastIndexOf('.')
  return dot <= 0 ? [] : byLabelArch(packages, label.slice(0, dot), label.slice(dot + 1))
}
