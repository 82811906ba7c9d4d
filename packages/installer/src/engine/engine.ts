// What the installer needs of a package engine, and the small types it deals in: the one interface both adapters
// (rpm-sim for any root, the host's real rpm for `/`) implement, so the rest of the installer never sees either.
import { formatNEVRA } from '@rdbpkg/core'
import type { PackageSource } from '../_tracked-source.js'

/** An installed package as the installer needs to know it. */
export interface InstalledFacts {
  name: string
  /** `name-version-release.arch`. */
  nevra: string
  epoch: number | undefined
  version: string
  release: string
  arch: string
}

/** A file an upgrade left beside its target (`.rpmnew`, `.rpmsave`, `.rpmorig`). */
export interface CreatedFile {
  path: string
  savedAs: string
  kind: 'rpmnew' | 'rpmsave' | 'rpmorig'
}

/** One file's fate in a planned transaction (for --dry-run). */
export interface PlannedFile {
  path: string
  fate: string
  reason?: string
}

/** What applying (or undoing) one package did. */
export interface ApplyOutcome {
  ok: boolean
  /** The engine's transaction id (rpm-sim), for rollback. */
  tid?: number
  problems: string[]
  created: CreatedFile[]
  warnings: string[]
  /** Real rpm: the repackaged rpm of what was replaced. */
  repackaged?: string[]
}

/** Flags of one upgrade. */
export interface ApplyFlags {
  replacepkgs: boolean
  oldpackage: boolean
  noscripts: boolean
}

/** What to undo: an rpm-sim tid, or (real rpm) the repackaged rpms to put back and the NEVRA to erase. */
export interface UndoTarget {
  tid?: number | string
  repackaged?: readonly string[]
  /** The package the transaction installed (erased when nothing was replaced). */
  installed?: string
  noscripts: boolean
}

/**
 * What the run gives the engine for one change: the service window (opened right before the first visible change,
 * closed right after the last one) and the swap's progress.
 */
export interface ApplyHooks {
  window?: { open: () => Promise<void>; close: () => Promise<void> }
  onProgress?: (progress: { step: 'swap'; bytesDone: number; bytesTotal: number }) => void
}

/** A package engine bound to one root. */
export interface Engine {
  readonly name: 'rpm-sim' | 'rpm'
  installed(name: string): Promise<InstalledFacts | undefined>
  /** Facts of an .rpm file (name, version, ...). */
  inspect(rpmFile: string): Promise<InstalledFacts>
  plan(rpmFile: string | PackageSource, flags: ApplyFlags): Promise<{ problems: string[]; files: PlannedFile[] }>
  upgrade(
    rpmFile: string | PackageSource,
    flags: ApplyFlags,
    description?: string,
    hooks?: ApplyHooks,
  ): Promise<ApplyOutcome>
  /** The transaction a killed run made under `description`, if it got that far. */
  findTransaction(
    description: string,
    from: string | undefined,
  ): Promise<Pick<UndoTarget, 'tid' | 'repackaged'> | undefined>
  /** Undoes one transaction; refuses (problems) when later transactions would be undone with it. */
  rollback(target: UndoTarget, hooks?: ApplyHooks): Promise<ApplyOutcome>
  /** `rpm -V NAME`: one line per file that differs from the database (empty when all match or none installed). */
  verify(name: string): Promise<string[]>
}

/** Which engine a run uses: `auto` is real rpm when the host has rpm and the root is `/`, else rpm-sim. */
export type EnginePreference = 'auto' | 'rpm-sim' | 'rpm'

/** An installed package's facts from a header or an rpm query (the NEVRA formatted by core). */
export function installedFacts(pkg: {
  name: string
  epoch?: number | undefined
  version: string
  release: string
  arch: string
}): InstalledFacts {
  return {
    name: pkg.name,
    nevra: formatNEVRA(pkg),
    epoch: pkg.epoch,
    version: pkg.version,
    release: pkg.release,
    arch: pkg.arch,
  }
}
