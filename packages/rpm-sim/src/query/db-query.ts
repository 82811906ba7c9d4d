// rpm's query modes on the database: -q, -qa, -ql, -qc, -qi: which installed packages, and their data for the one
// formatter (query.ts).
import { resolve } from 'node:path'
import type { InstalledPackage } from '../db/db.js'
import { PackageDb } from '../db/db.js'
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

/** -qc: the config files of an installed package. */
export function configPaths(p: InstalledPackage): string[] {
  return p.files.filter((f) => f.flags.config === true || f.flags.noreplace === true).map((f) => f.path)
}

/** -qi's fields of an installed package (its size from the header, else the sum of its regular files). */
export function installedInfo(p: InstalledPackage): InfoFields {
  const size = p.size ?? p.files.reduce((n, f) => n + (f.kind === 'file' ? f.size : 0), 0)
  return { ...p, size, signature: '(none)' }
}
