// rpm's query modes on the database: -q, -qa, -ql, -qc, -qi: which installed packages, and their data for the one
// formatter (query.ts).
import { realpathSync } from 'node:fs'
import { posix, resolve } from 'node:path'
import type { InstalledPackage } from '../db/db.js'
import { FILE_STATES, PackageDb } from '../db/db.js'
import { parseDependency } from '../format/model.js'
import { findByLabel } from '../db/_label.js'
import { recoverForQuery } from '../transaction/recovery.js'
import type { InfoFields } from './_format.js'

/** Options of the database queries: where the one-line warning of a transaction left pending goes. */
export interface QueryOptions {
  onWarning?: (line: string) => void
  /** Gets rpm's error line for a label whose version, release or arch is a pattern glibc refuses. */
  onError?: (line: string) => void
}

/**
 * Every installed package, in install order. Runs recovery of an interrupted transaction first; one that cannot
 * be recovered yet is reported through `onWarning` and the database is read as it stands.
 */
export async function listInstalled(root: string, options: QueryOptions = {}): Promise<InstalledPackage[]> {
  const r = resolve(root)
  await recoverForQuery(r, options.onWarning)
  return new PackageDb(r).list()
}

/**
 * Installed instances matching `name` as rpm -q, -V and -e find them: `name`, `name-[epoch:]version`,
 * `name-[epoch:]version-release`, each with an optional `.arch`; version, release and arch are rpm patterns.
 */
export async function getInstalled(
  root: string,
  name: string,
  options: QueryOptions = {},
): Promise<InstalledPackage[]> {
  return findByLabel(await listInstalled(root, options), name, { onError: options.onError })
}

/**
 * The path -qf looks up for an argument, as rpm 4.18 makes it: an argument of only `.` and `/` is resolved to the
 * real path (of `cwd`), another relative one is taken below `cwd`; then `//`, `/./`, `/../` and a trailing `/` are
 * cleaned away (rpm's rpmCleanPath).
 */
export function queryPath(arg: string, cwd: string): string {
  let fn = arg
  if (/^[./]+$/.test(arg)) {
    try {
      fn = realpathSync(resolve(cwd, arg))
    } catch {
      fn = arg
    }
  } else if (!arg.startsWith('/')) fn = `${cwd}/${arg}`
  const clean = posix.normalize(fn)
  return clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean
}

/**
 * -qf: the installed packages that own `path` (a path in the root, as {@link queryPath} gives it), in database
 * order: those with a file there that is installed (not replaced by another package, not left out), else those
 * that provide the path itself (`Provides: /usr/bin/x`), as rpm looks in its file index and then its provides.
 * Paths compare as written in the database: a queried path through a directory symlink is not followed.
 */
export function ownersOf<T extends Pick<InstalledPackage, 'files' | 'provides' | 'requires'>>(
  installed: readonly T[],
  path: string,
): T[] {
  const owners = installed.filter((p) => p.files.some((f) => f.path === path && f.state === FILE_STATES.normal))
  if (owners.length > 0) return owners
  return whoDepends(installed, 'provides', path)
}

/** --whatprovides and --whatrequires: the installed packages with a dependency of that name, in database order. */
export function whoDepends<T extends Pick<InstalledPackage, 'provides' | 'requires'>>(
  installed: readonly T[],
  kind: 'provides' | 'requires',
  name: string,
): T[] {
  return installed.filter((p) => (p[kind] ?? []).some((d) => parseDependency(d).name === name))
}

/**
 * -qg: is `p` in the group `group`? rpm's group index compares the whole text, and files a package without a
 * group under `Unknown`.
 */
export function inGroup(p: Pick<InstalledPackage, 'group'>, group: string): boolean {
  return (p.group === undefined || p.group === '' ? 'Unknown' : p.group) === group
}

/** --triggeredby: does `p` have a trigger on the package `name`? */
export function triggeredBy(p: Pick<InstalledPackage, 'triggers'>, name: string): boolean {
  return p.triggers.some((t) => t.name === name)
}

/** -qi's fields of an installed package (its size from the header, else the sum of its regular files). */
export function installedInfo(p: InstalledPackage): InfoFields {
  const size = p.size ?? p.files.reduce((n, f) => n + (f.kind === 'file' ? f.size : 0), 0)
  return { ...p, size, signature: '(none)' }
}
