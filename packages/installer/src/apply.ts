// The one module that talks to a package engine: rpm-sim (any root) or the host's real rpm (root `/`).
// Everything else in the installer deals in these small types.
import type { TrackedFile } from './tracked.js'

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
  config?: boolean
}

/** What applying one package did. */
export interface ApplyOutcome {
  ok: boolean
  /** The engine's transaction id (rpm-sim), for rollback. */
  tid?: string | number
  problems: string[]
  created: CreatedFile[]
  warnings: string[]
  /** Real rpm: repackaged rpms of what was replaced. */
  repackaged?: string[]
}

/** Flags of one upgrade. */
export interface ApplyFlags {
  replacepkgs: boolean
  oldpackage: boolean
  noscripts: boolean
}

/** A package engine bound to one root. */
export interface Engine {
  readonly name: 'rpm-sim' | 'rpm'
  installed(name: string): Promise<InstalledFacts | undefined>
  /** Facts of an .rpm file (name, version, ...). */
  inspect(rpmFile: string): Promise<InstalledFacts>
  plan(rpmFile: string, flags: ApplyFlags): Promise<{ problems: string[]; files: PlannedFile[] }>
  upgrade(rpmFile: string, flags: ApplyFlags): Promise<ApplyOutcome>
  rollback(tid: string | number | undefined, repackaged: readonly string[] | undefined): Promise<ApplyOutcome>
}

/** What a tracked package built from a file payload is. */
export interface TrackedSpec {
  name: string
  version: string
  release: string
  arch: string
  files: TrackedFile[]
}

/** Which engine a run uses: `auto` is real rpm when the host has it and the root is `/`, else rpm-sim. */
export type EnginePreference = 'auto' | 'rpm-sim' | 'rpm'

/** Opens the engine for `root`. */
export async function openEngine(_root: string, _preference: EnginePreference): Promise<Engine> {
  throw new Error('engine not wired yet')
}

/** Writes a tracked package (uncompressed payload, for speed) to `outFile`. */
export async function writeTrackedRpm(_spec: TrackedSpec, _outFile: string): Promise<void> {
  throw new Error('engine not wired yet')
}
