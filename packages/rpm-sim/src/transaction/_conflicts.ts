// File conflicts as rpm 4.18 finds them: who owns each file by its host path (rpm's fingerprint: a path reached
// through a directory symlink is the same file), whether two header entries of one file differ, and which
// differences are problems (`file X from install of A conflicts with file from package B`).
import type { Stats } from 'node:fs'
import type { EngineFile } from '../format/model.js'
import { isDevice } from '../format/model.js'
import type { InstalledFile, InstalledPackage } from '../db/db.js'
import type { RootResolver } from '../base/_fs.js'
import { lstatQuiet } from '../base/_fs.js'

/** An installed package's file at a host path, and whether this transaction removes the package. */
export interface Owner {
  nevra: string
  file: InstalledFile
  removed: boolean
}

/** The installed owners of every host path (files not installed left out), for conflicts and sharing. */
export function ownersByHost(
  installed: readonly InstalledPackage[],
  removed: (nevra: string) => boolean,
  resolver: RootResolver,
): Map<string, Owner[]> {
  const owners = new Map<string, Owner[]>()
  for (const p of installed) {
    const gone = removed(p.nevra)
    for (const f of p.files) {
      if (f.state === 'notinstalled') continue
      const host = resolver.host(f.path)
      const l = owners.get(host)
      if (l) l.push({ nevra: p.nevra, file: f, removed: gone })
      else owners.set(host, [{ nevra: p.nevra, file: f, removed: gone }])
    }
  }
  return owners
}

/** A %config file (noreplace included): never shared silently, never taken over. */
export const isConfig = (f: { flags: EngineFile['flags'] }): boolean =>
  f.flags.config === true || f.flags.noreplace === true

/** rpm's rpmfilesCompare: two header entries of one file differ (a %ghost never does). */
export function filesDiffer(a: EngineFile, b: EngineFile): boolean {
  if (a.flags.ghost === true || b.flags.ghost === true) return false
  if (!(a.kind === 'symlink' && b.kind === 'symlink') && a.mode !== b.mode) return true
  if ((a.kind === 'file' || a.kind === 'symlink') && a.size !== b.size) return true
  if (a.user !== b.user || a.group !== b.group) return true
  if (a.kind === 'symlink') return a.linkTarget !== b.linkTarget
  if (isDevice(a.mode)) return a.rdev !== b.rdev
  if (a.kind === 'file') return a.digest === undefined || a.digest !== b.digest
  return false
}

const kindOnDisk = (st: Stats): EngineFile['kind'] =>
  st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other'

/**
 * rpm's handleRemovalConflict: replacing a file of a package being removed conflicts only where rpm cannot change
 * the type on disk: a directory becoming anything else, or a symlink to a directory becoming a directory; not when
 * the path is gone from disk or already has the new type.
 */
export function removalConflict(f: EngineFile, old: EngineFile, host: string, resolver: RootResolver): boolean {
  let conflict = false
  if (old.kind === 'dir') conflict = f.kind !== 'dir'
  else if (old.kind === 'symlink' && f.kind === 'dir') conflict = resolver.leadsTo(host)?.isDirectory() === true
  if (!conflict) return false
  const st = lstatQuiet(host)
  return st !== undefined && kindOnDisk(st) !== f.kind
}
