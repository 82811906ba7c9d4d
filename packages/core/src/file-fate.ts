// Per-file decisions of rpm 4.18 on install, upgrade and erase. The rules mirror lib/rpmfi.c
// (rpmfilesDecideFate, rpmfilesConfigConflict), lib/transaction.c (handleInstInstalledFile,
// handleOverlappedFiles) and lib/fsm.c (fsmBackup skips %ghost); corners were checked against Debian's rpm 4.18.

/** The actions rpm can take on one path (rpm's FA_* file actions that rdbpkg needs). */
export const FILE_FATES = {
  create: 'create',
  touch: 'touch',
  skip: 'skip',
  save: 'save',
  backup: 'backup',
  altname: 'altname',
  erase: 'erase',
} as const

/** One of {@link FILE_FATES}. */
export type FileFate = (typeof FILE_FATES)[keyof typeof FILE_FATES]

/** What sort of filesystem object a path is. */
export type FileKind = 'file' | 'dir' | 'symlink' | 'other'

/** rpm file attributes that change a file's fate; `noreplace` implies `config`, as `%config(noreplace)` does. */
export interface FileFlags {
  config?: boolean
  noreplace?: boolean
  ghost?: boolean
  missingok?: boolean
  doc?: boolean
}

/** One side of the comparison: what a package says about a path. */
export interface PackageFileState {
  kind: FileKind
  digest?: string | undefined
  linkTarget?: string | undefined
  flags?: FileFlags | undefined
}

/** What is on disk now (null = absent). */
export interface DiskFileState {
  kind: FileKind
  digest?: string | undefined
  linkTarget?: string | undefined
}

/** The transaction step a path takes part in. */
export type FateOperation = 'install' | 'upgrade' | 'erase'

/** Everything {@link decideFileFate} looks at: the old package's entry, the new one's, and the disk. */
export interface FateInput {
  op: FateOperation
  old?: PackageFileState | undefined
  new?: PackageFileState | undefined
  disk: DiskFileState | null
}

/** The fate of one path, the rename suffix when the fate renames something, and a short text for plans. */
export interface FateDecision {
  fate: FileFate
  suffix?: '.rpmsave' | '.rpmnew' | '.rpmorig'
  reason: string
}

type Comparable = Pick<PackageFileState, 'kind' | 'digest' | 'linkTarget'>

const isConfig = (f: PackageFileState): boolean => f.flags?.config === true || f.flags?.noreplace === true

// rpm only compares contents of regular files (digests) and symlinks (targets); a missing digest or target
// never counts as equal, as rpm's NULL checks do.
function sameContent(a: Comparable, b: Comparable): boolean {
  if (a.kind !== b.kind) return false
  if (a.kind === 'file') return a.digest !== undefined && a.digest === b.digest
  if (a.kind === 'symlink') return a.linkTarget !== undefined && a.linkTarget === b.linkTarget
  return true
}

const decide = (fate: FileFate, reason: string): FateDecision => ({ fate, reason })
const save = (reason: string): FateDecision => ({ fate: 'save', suffix: '.rpmsave', reason })
const backup = (reason: string): FateDecision => ({ fate: 'backup', suffix: '.rpmorig', reason })
const altname = (reason: string): FateDecision => ({ fate: 'altname', suffix: '.rpmnew', reason })

// rpmfilesConfigConflict: an existing %config file or symlink that differs from `pkg`; an existing
// %ghost %config always counts as modified (rpm's long-standing legacy rule).
function configConflict(pkg: PackageFileState, disk: DiskFileState | null): boolean {
  if (!isConfig(pkg)) return false
  if (pkg.kind !== 'file' && pkg.kind !== 'symlink') return false
  if (disk === null) return false
  if (pkg.flags?.ghost === true) return true
  return !sameContent(disk, pkg)
}

function decideInstall(pkg: PackageFileState, disk: DiskFileState | null): FateDecision {
  if (pkg.flags?.ghost === true) return decide('skip', 'ghost: never written')
  // rpm honours %config(missingok) only on upgrade (rpmfilesDecideFate); a fresh install creates the file.
  if (disk === null) return decide('create', 'absent: created')
  if (configConflict(pkg, disk)) {
    return pkg.flags?.noreplace === true
      ? altname('config differs from the unowned file on disk: kept, new as .rpmnew')
      : backup('config differs from the unowned file on disk: saved as .rpmorig, new written')
  }
  if (sameContent(disk, pkg) && (pkg.kind === 'file' || pkg.kind === 'symlink')) {
    return decide('create', 'on disk already as packaged: rewritten')
  }
  if (pkg.kind === 'dir') return decide('create', 'directory: created if missing')
  return decide('create', 'not config: unowned file on disk replaced')
}

function decideUpgrade(old: PackageFileState, pkg: PackageFileState, disk: DiskFileState | null): FateDecision {
  if (pkg.flags?.ghost === true) return decide('skip', 'ghost: never written')
  const newConfig = isConfig(pkg)
  // handleInstInstalledFile runs rpmfilesDecideFate only when either side is %config; otherwise the new
  // file simply replaces whatever is there.
  if (!newConfig && !isConfig(old)) {
    if (disk === null) return decide('create', 'absent: created')
    if (pkg.kind === 'dir') return decide('create', 'directory: created if missing')
    return decide('create', 'not config: replaced')
  }
  if (disk === null) {
    return pkg.flags?.missingok === true
      ? decide('skip', 'config absent and missingok: not recreated')
      : decide('create', 'config absent: created')
  }
  // Only a regular file or a symlink in the old package can need a backup; everything else is created.
  if (old.kind !== 'file' && old.kind !== 'symlink') return decide('create', 'old entry not a file or link: replaced')
  // This order is rpm's: prefer touch when the disk already holds the new content.
  if (disk.kind === old.kind && pkg.kind === old.kind && sameContent(disk, pkg)) {
    return decide('touch', 'config on disk equals new version: kept')
  }
  if (disk.kind === old.kind && sameContent(disk, old)) {
    return decide('create', 'config unmodified: replaced by new version')
  }
  // The file stopped being %config: the operator's edits are saved, the new file is written.
  if (!newConfig) return save('config modified, new version no longer config: saved as .rpmsave, new written')
  if (pkg.kind === old.kind && sameContent(old, pkg)) {
    return decide('skip', 'config modified, new version same as old: kept')
  }
  return pkg.flags?.noreplace === true
    ? altname('config modified, new version differs: kept, new as .rpmnew')
    : save('config modified, new version differs: saved as .rpmsave, new written')
}

function decideErase(old: PackageFileState, disk: DiskFileState | null): FateDecision {
  // rpm sets FA_ERASE here too, and the removal quietly finds nothing.
  if (disk === null) return decide('skip', 'absent: nothing to remove')
  if (configConflict(old, disk)) {
    // fsm never renames a %ghost, and only FA_ERASE removes: a %ghost %config on disk is left alone.
    if (old.flags?.ghost === true) return decide('skip', 'ghost config: left on disk')
    return save('config modified: saved as .rpmsave')
  }
  if (old.kind === 'dir') return decide('erase', 'directory: removed if empty')
  if (isConfig(old)) return decide('erase', 'config unmodified: removed')
  return decide('erase', 'removed')
}

/**
 * Decide what rpm 4.18 does with one path: `install` needs `new`, `erase` needs `old`, `upgrade` needs both
 * (with one side missing it falls back to install or erase). Directories get `create` (mkdir -p) and `erase`
 * (the engine keeps non-empty ones).
 */
export function decideFileFate(input: FateInput): FateDecision {
  const { op, old, new: pkg, disk } = input
  if (op === 'install' || (op === 'upgrade' && old === undefined)) {
    if (pkg === undefined) throw new TypeError(`decideFileFate: op ${op} needs the new package's entry`)
    return decideInstall(pkg, disk)
  }
  if (op === 'erase' || pkg === undefined) {
    if (old === undefined) throw new TypeError(`decideFileFate: op ${op} needs the old package's entry`)
    return decideErase(old, disk)
  }
  if (old === undefined) throw new TypeError('decideFileFate: unreachable: upgrade without old entry')
  return decideUpgrade(old, pkg, disk)
}

/** rpm's stderr line for a decision that renames something (`path` as it should be printed), else undefined. */
export function fateWarning(path: string, decision: FateDecision): string | undefined {
  if (decision.suffix === undefined) return undefined
  const verb = decision.fate === 'altname' ? 'created' : 'saved'
  return `warning: ${path} ${verb} as ${path}${decision.suffix}`
}
