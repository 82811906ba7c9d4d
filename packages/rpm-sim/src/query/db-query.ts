// rpm's query modes on the database: -q, -qa, -ql, -qc, -qi: which installed packages, and their data for the one
// formatter (query.ts).
import { strerrorText } from '../base/_fs.js'
import { lstatSync, realpathSync } from 'node:fs'
import { join, posix, resolve } from 'node:path'
import type { InstalledPackage } from '../db/db.js'
import { FILE_STATES, PackageDb } from '../db/db.js'
import { isTransientRequire, parseDependency } from '../format/model.js'
import type { DependencyKind } from '../format/model.js'
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
 * With `anyState` (rpm's --path) a file of any state counts. Paths compare as written in the database: a queried
 * path through a directory symlink is not followed.
 */
export function ownersOf<T extends Pick<InstalledPackage, 'files' | 'provides' | 'requires'>>(
  installed: readonly T[],
  path: string,
  anyState = false,
): T[] {
  const owners = installed.filter((p) =>
    p.files.some((f) => f.path === path && (anyState || f.state === FILE_STATES.normal)),
  )
  if (owners.length > 0) return owners
  return whoDepends(installed, 'provides', path)
}

/**
 * --whatprovides and the like, as rpm's name indexes answer: the installed packages with a dependency of that name,
 * in database order, each once per such entry; requirements only an install needs are not in rpm's requirename
 * index ({@link isTransientRequire}).
 */
export function whoDepends<T extends Partial<Pick<InstalledPackage, DependencyKind | 'depFlags'>>>(
  installed: readonly T[],
  kind: DependencyKind,
  name: string,
): T[] {
  return installed.flatMap((p) =>
    (p[kind] ?? []).flatMap((d, i) => {
      if (parseDependency(d).name !== name) return []
      const flags = kind === 'requires' ? p.depFlags?.requires?.[i] : undefined
      return flags !== undefined && isTransientRequire(flags) ? [] : [p]
    }),
  )
}

/** rpm's query sources on the database besides labels and -a (its qva_source), by option name. */
export const QUERY_SOURCES = [
  'file',
  'path',
  'whatprovides',
  'whatrequires',
  'whatconflicts',
  'whatobsoletes',
  'whatrecommends',
  'whatsuggests',
  'whatsupplements',
  'whatenhances',
  'group',
  'triggeredby',
  'tid',
] as const
/** A query source, or `label` for rpm's default: the arguments are package labels. */
export type QuerySource = (typeof QUERY_SOURCES)[number] | 'label'

/** What one argument of a query source found: the packages, else the line rpm prints for it and where. */
export interface SourceMatch<T> {
  found: T[]
  line?: { stream: 'stdout' | 'stderr'; text: string }
}

/**
 * The packages one argument of a query source names, as rpm's rpmQueryVerify finds them: -qf/--path by file (an
 * argument nothing owns is `file P is not owned by any package` when it exists in the root, else
 * `error: file P: <errno text>`; rpm 4.18 looks for it outside the root, upstream fixed that in rpm 4.20, "Check
 * inside --root when querying for files", and rpm-sim follows upstream), the --what* options by dependency name
 * (--whatprovides of a path goes the -qf way), -g by group, --triggeredby by trigger name, --tid by transaction;
 * a label as {@link getInstalled} reads it.
 */
export function matchSource<T extends InstalledPackage>(
  installed: readonly T[],
  source: QuerySource,
  arg: string,
  where: { root: string; cwd: string } & Pick<QueryOptions, 'onError'>,
): SourceMatch<T> {
  const notice = (found: T[], text: string): SourceMatch<T> =>
    found.length > 0 ? { found } : { found, line: { stream: 'stdout', text } }
  switch (source) {
    case 'label':
      return notice(findByLabel(installed, arg, { onError: where.onError }), `package ${arg} is not installed`)
    case 'group':
      return notice(
        installed.filter((p) => inGroup(p, arg)),
        `group ${arg} does not contain any packages`,
      )
    case 'triggeredby':
      return notice(
        installed.filter((p) => p.triggers.some((t) => t.name === arg)),
        `no package triggers ${arg}`,
      )
    case 'tid': {
      // strtoul with base 0: decimal, 0x hex or 0 octal, all of the argument
      const tid = /^0x[0-9a-f]+$/i.test(arg)
        ? Number.parseInt(arg.slice(2), 16)
        : /^0[0-7]*$/.test(arg)
          ? Number.parseInt(arg, 8)
          : /^[1-9]\d*$/.test(arg)
            ? Number(arg)
            : Number.NaN
      if (Number.isNaN(tid) || tid >= 0xffffffff)
        return { found: [], line: { stream: 'stderr', text: `error: malformed tid: ${arg}` } }
      return notice(
        installed.filter((p) => p.installTid === tid),
        `no package matches tid: ${arg}`,
      )
    }
    case 'whatrequires':
    case 'whatconflicts':
    case 'whatobsoletes':
    case 'whatrecommends':
    case 'whatsuggests':
    case 'whatsupplements':
    case 'whatenhances':
    case 'whatprovides': {
      const kind = source.slice(4) as DependencyKind
      if (kind !== 'provides' || (!arg.startsWith('/') && !arg.startsWith('.')))
        return notice(whoDepends(installed, kind, arg), `no package ${kind} ${arg}`)
      break
    }
  }
  const fn = queryPath(arg, where.cwd)
  const owners = ownersOf(installed, fn, source === 'path')
  if (owners.length > 0) return { found: owners }
  try {
    lstatSync(join(where.root, fn))
    return notice([], `file ${fn} is not owned by any package`)
  } catch (error) {
    return { found: [], line: { stream: 'stderr', text: `error: file ${fn}: ${strerrorText(error)}` } }
  }
}

/**
 * -qg: is `p` in the group `group`? rpm's group index compares the whole text, and files a package without a
 * group under `Unknown`.
 */
function inGroup(p: Pick<InstalledPackage, 'group'>, group: string): boolean {
  return (p.group === undefined || p.group === '' ? 'Unknown' : p.group) === group
}

/** -qi's fields of an installed package (its size from the header, else the sum of its regular files). */
export function installedInfo(p: InstalledPackage): InfoFields {
  const size = p.size ?? p.files.reduce((n, f) => n + (f.kind === 'file' ? f.size : 0), 0)
  return { ...p, size, signature: '(none)' }
}
