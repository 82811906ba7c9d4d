// rpm's query modes on the database: -q, -qa, -ql, -qc, -qi, with rpm's output.
import { resolve } from 'node:path'
import type { InstalledPackage } from '../db/db.js'
import { PackageDb } from '../db/db.js'
import { findByLabel } from '../db/label.js'
import { recoverForQuery } from '../transaction/journal.js'
import { headerNvra } from '../format/model.js'

/** Options of the database queries: where the one-line warning of a transaction left pending goes. */
export interface QueryOptions {
  onWarning?: (line: string) => void
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

/** Installed instances matching `name` as rpm -q finds them (see {@link findByLabel}). */
export async function getInstalled(
  root: string,
  name: string,
  options: QueryOptions = {},
): Promise<InstalledPackage[]> {
  return findByLabel(await listInstalled(root, options), name)
}

/** What -q prints for a package: `name-version-release.arch`. */
export function queryLine(p: InstalledPackage): string {
  return headerNvra(p)
}

/** -ql lines (every file, ghosts included), or rpm's `(contains no files)`. */
export function listLines(p: InstalledPackage): string[] {
  return p.files.length === 0 ? ['(contains no files)'] : p.files.map((f) => f.path)
}

/** -qc lines: the config files. */
export function configLines(p: InstalledPackage): string[] {
  return p.files.filter((f) => f.flags.config === true || f.flags.noreplace === true).map((f) => f.path)
}

function rpmDate(seconds: number): string {
  // rpm prints dates with strftime("%c") in the C locale: "Fri Nov 20 22:05:22 2026".
  const d = new Date(seconds * 1000)
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]
  const p2 = (n: number): string => String(n).padStart(2, '0')
  return `${day} ${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`
}

/** -qi lines, in rpm 4.18's layout. */
export function infoLines(p: InstalledPackage): string[] {
  const size = p.size ?? p.files.reduce((n, f) => n + (f.kind === 'file' ? f.size : 0), 0)
  const out = [`Name        : ${p.name}`]
  if (p.epoch !== undefined) out.push(`Epoch       : ${p.epoch}`)
  out.push(
    `Version     : ${p.version}`,
    `Release     : ${p.release}`,
    `Architecture: ${p.arch}`,
    `Install Date: ${rpmDate(p.installTime)}`,
    `Group       : ${p.group || 'Unspecified'}`,
    `Size        : ${size}`,
    `License     : ${p.license ?? ''}`,
    'Signature   : (none)',
    `Source RPM  : ${p.sourceRpm || '(none)'}`,
    `Build Date  : ${rpmDate(p.buildTime ?? 0)}`,
    `Build Host  : ${p.buildHost || '(none)'}`,
  )
  if (p.url) out.push(`URL         : ${p.url}`)
  if (p.vendor) out.push(`Vendor      : ${p.vendor}`)
  out.push(`Summary     : ${p.summary ?? ''}`, 'Description :', ...(p.description ?? '').split('\n'))
  return out
}
