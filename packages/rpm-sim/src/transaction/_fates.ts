// Each file's fate in a transaction: what is on disk now (its digest only where a config decision needs it),
// then core's rpm rules (create, keep, save as .rpmsave, write .rpmnew, ...) for the files of an install and of
// an erasure; a rollback's exact restore; --excludedocs, --excludeartifacts, --excludeconfigs.
import { readdirSync, readlinkSync } from 'node:fs'
import type { Dirent } from 'node:fs'
import { lstatQuiet } from '../base/_fs.js'
import type { DiskFileState, FileFate } from '@rdbpkg/core'
import { decideFileFate } from '@rdbpkg/core'
import type { EngineFile } from '../format/model.js'
import { isConfig } from './_conflicts.js'
import type { TransactionColors } from './colors.js'
import { outsideColors } from './colors.js'

/** What is at a host path now; `needsDigest` when it is a regular file and `wantDigest` (a config decision). */
export function diskState(host: string, wantDigest: boolean): DiskLook {
  // Nothing there also when a folder above is now a file (an operator's): rpm's lstat says ENOTDIR, not there.
  return lookOf(lstatQuiet(host), host, wantDigest)
}

type DiskLook = { state: DiskFileState | null; needsDigest: boolean }

// What an entry's type (an lstat, or a folder listing's entry: the same answer) says is at `host`.
function lookOf(
  entry: Pick<Dirent, 'isSymbolicLink' | 'isDirectory' | 'isFile'> | undefined,
  host: string,
  wantDigest: boolean,
): DiskLook {
  if (entry === undefined) return { state: null, needsDigest: false }
  if (entry.isSymbolicLink()) return { state: { kind: 'symlink', linkTarget: readlinkSync(host) }, needsDigest: false }
  if (entry.isDirectory()) return { state: { kind: 'dir' }, needsDigest: false }
  if (entry.isFile()) return { state: { kind: 'file' }, needsDigest: wantDigest }
  return { state: { kind: 'other' }, needsDigest: false }
}

// A folder asked about this often is read whole once.
const LIST_AFTER = 8

/**
 * {@link diskState} of the many paths a plan asks about, unchanged meanwhile: a folder asked about
 * {@link LIST_AFTER} times is read once (readdir with entry types, lstat(2)'s answer for each name) instead of one
 * lstat per path, which an upgrade of thousands of files otherwise makes per file. A folder that cannot be read
 * falls back to lstat per path.
 */
export class DiskStates {
  private readonly asked = new Map<string, number>()
  private readonly listed = new Map<string, Map<string, Dirent> | null | undefined>()

  state(host: string, wantDigest: boolean): DiskLook {
    const cut = host.lastIndexOf('/')
    const dir = cut === 0 ? '/' : host.slice(0, cut)
    let listing = this.listed.get(dir)
    if (listing === undefined && !this.listed.has(dir)) {
      const n = (this.asked.get(dir) ?? 0) + 1
      this.asked.set(dir, n)
      if (n < LIST_AFTER) return diskState(host, wantDigest)
      listing = readListing(dir)
      this.listed.set(dir, listing)
    }
    if (listing === undefined) return diskState(host, wantDigest)
    return lookOf(listing?.get(host.slice(cut + 1)), host, wantDigest)
  }
}

// A folder's entries by name; null when it is not there (nothing below it is), undefined when it cannot be read
// (lstat per path then answers, or fails, as diskState does).
function readListing(dir: string): Map<string, Dirent> | null | undefined {
  try {
    return new Map(readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, e]))
  } catch (error) {
    return (error as { code?: unknown }).code === 'ENOENT' ? null : undefined
  }
}

/** A fate decision: the fate, why, and the suffix of a file kept beside. */
export interface FateDecision {
  fate: FileFate
  reason: string
  suffix?: '.rpmsave' | '.rpmnew' | '.rpmorig'
}

/**
 * The fate of a new package's file: core's rpm rules (install, or upgrade of `old`), or for a rollback (`exact`)
 * the repackaged file as it was: only a config edited since (neither what is installed now nor what is restored)
 * is kept beside as .rpmsave, so nothing the operator wrote is lost.
 */
export function installFate(
  f: EngineFile,
  old: EngineFile | undefined,
  disk: DiskFileState | null,
  exact: boolean,
): FateDecision {
  // Core's rules read the engine's files as they are: they have every field a PackageFileState has.
  if (!exact) return decideFileFate({ op: old !== undefined ? 'upgrade' : 'install', old, new: f, disk })
  if (f.flags.ghost === true) return { fate: 'skip', reason: 'ghost: never written' }
  if (
    disk !== null &&
    disk.kind === 'file' &&
    f.kind === 'file' &&
    isConfig(f) &&
    old !== undefined &&
    old.kind === 'file' &&
    disk.digest !== undefined &&
    disk.digest !== old.digest &&
    disk.digest !== f.digest
  ) {
    return {
      fate: 'save',
      suffix: '.rpmsave',
      reason: 'rollback: config edited since the transaction: saved as .rpmsave',
    }
  }
  return { fate: 'create', reason: 'rollback: restored as repackaged' }
}

/** What rpm's --excludedocs, --excludeartifacts and --excludeconfigs leave out (rpm's RPMTRANS_FLAG_NO*). */
export interface Exclusions {
  docs?: boolean | undefined
  artifacts?: boolean | undefined
  configs?: boolean | undefined
  /**
   * Paths whose files (at or below them, see {@link atOrBelow}) are not installed: rpm's %_netsharedpath, matched
   * where the files go.
   */
  paths?: readonly string[] | undefined
  /** rpm's `%_install_langs`: the languages installed; a file for none of them is not (see {@link forLangs}). */
  langs?: readonly string[] | undefined
  /** Paths left out before (rpm's relocation exclusions, --excludepath, matched where the files were packaged). */
  also?: ReadonlySet<string> | undefined
  /**
   * The transaction's colors: a file of a color not installed is not excluded itself (its state is `wrong color`) but
   * counts as left out of its folder, as in rpm's skipInstallFiles.
   */
  colors?: TransactionColors | undefined
}

/**
 * Is a file of languages `lang` (FILELANGS: `de`, `de|fi`; empty: any) installed for `langs` (`%_install_langs`)?
 * As rpm's skipInstallFiles: one of the file's languages is a prefix of one given (`de` is installed for `de_DE`).
 */
export function forLangs(lang: string | undefined, langs: readonly string[] | undefined): boolean {
  if (langs === undefined || lang === undefined || lang === '') return true
  const mine = lang.split('|').filter((l) => l !== '')
  return langs.some((given) => mine.some((l) => given.startsWith(l)))
}

/**
 * Is `path` one of `paths` or below one (rpm's relocation exclusions and matchNetsharedpath: a whole path
 * component, `/usr/share` covers `/usr/share/doc` but not `/usr/shared`)? Trailing slashes of `paths` are ignored.
 */
export function atOrBelow(path: string, paths: readonly string[] | undefined): boolean {
  if (paths === undefined) return false
  for (const given of paths) {
    const p = given.replace(/\/+$/, '')
    if (path === p || path.startsWith(`${p}/`)) return true
  }
  return false
}

/**
 * The files rpm's skipInstallFiles leaves out: those below an excluded path (its relocation code's, any file), the
 * %config files, %doc files or %artifact files asked for and those of languages not installed (never a %license),
 * then every directory of the package left holding nothing but excluded entries and files of a color not installed,
 * deepest first.
 */
export function excludedFiles(files: readonly EngineFile[], ex: Exclusions): Set<string> {
  const out = new Set<string>()
  const paths = ex.paths ?? []
  if (
    ex.docs !== true &&
    ex.artifacts !== true &&
    ex.configs !== true &&
    paths.length === 0 &&
    ex.langs === undefined &&
    (ex.also === undefined || ex.also.size === 0) &&
    !files.some((f) => outsideColors(ex.colors, f.color))
  )
    return out
  const parent = (p: string): string => p.slice(0, p.lastIndexOf('/')) || '/'
  const count = new Map<string, number>()
  const emptied = new Set<string>()
  // A file skipped empties its folder by one; an excluded one is also left out itself.
  const leaveOut = (p: string): void => {
    const d = parent(p)
    count.set(d, (count.get(d) ?? 0) - 1)
    emptied.add(d)
  }
  const drop = (p: string): void => {
    out.add(p)
    leaveOut(p)
  }
  const excluded = (f: EngineFile): boolean =>
    atOrBelow(f.path, paths) ||
    (f.flags.license !== true &&
      (!forLangs(f.lang, ex.langs) ||
        (ex.configs === true && isConfig(f)) ||
        (ex.docs === true && f.flags.doc === true) ||
        (ex.artifacts === true && f.flags.artifact === true)))
  for (const f of files) count.set(parent(f.path), (count.get(parent(f.path)) ?? 0) + 1)
  // rpm's order: relocation exclusions first, then colors (skipped, not excluded: `wrong color`), then the rest.
  for (const f of files) {
    if (ex.also?.has(f.path) === true) drop(f.path)
    else if (outsideColors(ex.colors, f.color)) leaveOut(f.path)
    else if (excluded(f)) drop(f.path)
  }
  const listedDirs = new Set(files.filter((f) => f.kind === 'dir').map((f) => f.path))
  for (const d of [...count.keys()].sort().reverse()) {
    if ((count.get(d) ?? 0) > 0 || !emptied.has(d) || !listedDirs.has(d) || out.has(d)) continue
    drop(d)
  }
  return out
}
