// rpm -V: compare each installed file with the database record and print rpm's `S.5....T.  c /path` lines.
import { lstat, readlink } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { InstalledFile, InstalledPackage } from '../db/db.js'
import { PackageDb } from '../db/db.js'
import { findByLabel } from '../db/_label.js'
import { recoverForQuery } from '../transaction/recovery.js'
import type { QueryOptions } from './db-query.js'
import { RootResolver, errCode, followsDirLink, strerrorText } from '../base/_fs.js'
import { canReadCaps, capsDiffer, readFileCaps } from '../base/_caps.js'
import { TransactionError } from '../base/transaction-error.js'
import { digestFile } from '../transaction/apply.js'
import { splitDev } from '../transaction/_stage.js'
import { headerNevra, isDevice } from '../format/model.js'
import type { EngineHeader, ScriptEnv } from '../format/model.js'
import { VERIFY, VERIFY_CHECKS } from '../format/tags.js'
import { readIdTable } from '../transaction/_owners.js'
import { runScriptlet } from '../transaction/_scriptlet.js'
import type { FileFilter } from './_format.js'
import { passesFilter, verifyString } from './_format.js'

/** rpm's one-letter attribute marker of a file in -V output. */
function attrChar(f: Pick<InstalledFile, 'flags'>): string {
  if (f.flags.config === true || f.flags.noreplace === true) return 'c'
  if (f.flags.doc === true) return 'd'
  if (f.flags.ghost === true) return 'g'
  if (f.flags.license === true) return 'l'
  if (f.flags.readme === true) return 'r'
  return ' '
}

/** What -V found for one package: its lines, and whether any attribute differs (rpm's exit status). */
export interface VerifyReport {
  /** Lines for stdout: the files' lines, then what the %verifyscript printed (both its streams, as rpm). */
  lines: string[]
  /** Lines for stderr (a failing %verifyscript). */
  errors?: string[]
  failed: boolean
}

/**
 * Options of -V: rpm's -v prints every file, and the state of files not installed; `files: false` is rpm's
 * --nofiles; `scripts: true` runs the package's %verifyscript after its files (rpm's -V without --noscripts).
 */
export interface VerifyOptions {
  verbose?: boolean
  /** rpm's file attribute filter (-c, -d, --noconfig, --noghost, ...): files it leaves out are not verified. */
  filter?: FileFilter
  files?: boolean
  scripts?: boolean
  /** The environment %verifyscript inherits (see {@link ScriptEnv}). */
  scriptEnv?: ScriptEnv | undefined
  /** RPMVERIFY_* bits not to check in any file (rpm's --nosize, --nomtime, --nouser, ...; {@link VERIFY}). */
  omit?: number
}

type Checks = Record<'S' | 'M' | '5' | 'D' | 'L' | 'U' | 'G' | 'T' | 'P', boolean>
const NONE: Checks = { S: false, M: false, 5: false, D: false, L: false, U: false, G: false, T: false, P: false }
// Each column of the result and the RPMVERIFY_* bit that enables it.
const CHECK_BITS: Record<keyof Checks, number> = {
  S: VERIFY.FILESIZE,
  M: VERIFY.MODE,
  5: VERIFY.FILEDIGEST,
  D: VERIFY.RDEV,
  L: VERIFY.LINKTO,
  U: VERIFY.USER,
  G: VERIFY.GROUP,
  T: VERIFY.MTIME,
  P: VERIFY.CAPS,
}

/**
 * rpm 4.18's rpmfilesVerify for each file of an installed package: replaced files are only checked to exist and
 * say `(replaced)`; files of the other multilib build's color skip content, size, time and device (and say
 * `(wrong color)` with -v); owners are compared as ids, the package's names resolved in the root (an unknown name is
 * root, as when the file was written); a directory replaced by a legitimate symlink to a directory is checked
 * through it; the mtime of a file that other packages share is not compared.
 */
async function verifyPackageReport(
  root: string,
  pkg: Pick<InstalledPackage, 'files' | 'digestAlgo'>,
  options: VerifyOptions = {},
  sharedPaths: Set<string> = new Set(),
): Promise<VerifyReport> {
  const resolver = new RootResolver(root)
  const users = readIdTable(root, 'passwd').ids
  const groups = readIdTable(root, 'group').ids
  const lines: string[] = []
  let failed = false
  // Capabilities (P) of the package's regular files, read in a few getcap runs; where getcap cannot run, none is
  // checked (as an rpm built without libcap).
  const capsChecked = ((options.omit ?? 0) & VERIFY.CAPS) === 0 && capsReadable()
  const caps = capsChecked
    ? readFileCaps(pkg.files.filter((f) => f.kind === 'file' && isInstalled(f)).map((f) => resolver.host(f.path)))
    : new Map<string, string>()
  for (const f of pkg.files) {
    if (options.filter !== undefined && !passesFilter(f, options.filter)) continue
    if (f.state === 'notinstalled' || f.state === 'netshared') {
      const state = f.state === 'netshared' ? 'net shared' : 'not installed'
      if (options.verbose === true) lines.push(`.........  ${attrChar(f)} ${f.path} (${state})`)
      continue
    }
    const replaced = f.state === 'replaced'
    // A file of the other build's color shares what the builds have in common: no content, size, time or device.
    const wrongColor = f.state === 'wrongcolor'
    const suffix = replaced ? ' (replaced)' : wrongColor && options.verbose === true ? ' (wrong color)' : ''
    const host = resolver.host(f.path)
    let lstatError: unknown
    let st = await lstat(host).catch((error: unknown) => {
      lstatError = error
      return undefined
    })
    const ac = attrChar(f)
    const quiet = f.flags.ghost === true || f.flags.missingok === true
    if (st === undefined) {
      // rpm adds why, but for a plain "not there": `missing     /a/b (Not a directory)` when a folder above is a file.
      const why = errCode(lstatError) === 'ENOENT' ? '' : ` (${strerrorText(lstatError)})`
      if (!quiet || options.verbose === true) lines.push(`missing   ${ac} ${f.path}${suffix}${why}`)
      if (!quiet) failed = true
      continue
    }
    if (f.kind === 'dir' && st.isSymbolicLink()) {
      // Where the link leads inside the root (an absolute target such as /srv/dir names the root's /srv/dir, as rpm
      // sees it from its chroot), not on the host.
      const target = resolver.leadsTo(host)
      if (target !== undefined && followsDirLink(st, target)) st = target
    }
    let check: Checks = replaced
      ? NONE
      : { S: true, M: true, 5: true, D: true, L: true, U: true, G: true, T: true, P: capsChecked }
    if (st.isSymbolicLink()) check = { ...check, M: false }
    else check = { ...check, L: false }
    if (!st.isFile()) check = { ...check, 5: false, S: false, T: false, P: false }
    if (f.flags.ghost === true) check = { ...check, 5: false, S: false, T: false, L: false }
    if (sharedPaths.has(f.path)) check = { ...check, T: false }
    if (wrongColor) check = { ...check, 5: false, S: false, T: false, D: false }
    // what the file's %verify allows, less what the command leaves out (rpm's omitMask)
    const allowed = (f.verify ?? VERIFY_CHECKS) & ~(options.omit ?? 0)
    check = Object.fromEntries(
      (Object.entries(check) as [keyof Checks, boolean][]).map(([k, on]) => [k, on && (allowed & CHECK_BITS[k]) !== 0]),
    ) as Checks
    const uidKnown = users.get(f.user)
    const gidKnown = groups.get(f.group)
    // What rpm wrote: an unknown owner became root and lost its setuid/setgid bit.
    let mode = f.mode
    if (uidKnown === undefined) mode &= ~0o4000
    if (gidKnown === undefined) mode &= ~0o2000
    const fileType = (m: number): number => m & 0o170000
    const bad = { ...NONE } as Record<keyof Checks, boolean | '?'>
    bad.S = check.S && st.size !== f.size
    bad.M = check.M && (f.flags.ghost === true ? (st.mode & 0o7777) !== (mode & 0o7777) : st.mode !== mode)
    bad.D =
      check.D &&
      (st.isCharacterDevice() || st.isBlockDevice() || isDevice(mode)) &&
      (fileType(st.mode) !== fileType(mode) || splitDev(st.rdev).join() !== splitDev(f.rdev ?? 0).join())
    bad.U = check.U && st.uid !== (uidKnown ?? 0)
    bad.G = check.G && st.gid !== (gidKnown ?? 0)
    bad.T = check.T && Math.floor(st.mtimeMs / 1000) !== f.mtime
    bad.P = check.P && capsDiffer(f.caps, caps.get(host))
    if (check[5]) {
      if (f.kind !== 'file' || f.digest === undefined) bad[5] = true
      else {
        try {
          bad[5] = (await digestFile(host, pkg.digestAlgo)) !== f.digest
        } catch {
          bad[5] = '?'
        }
      }
    }
    if (check.L) {
      try {
        bad.L = (await readlink(host)) !== (f.linkTarget ?? '')
      } catch {
        bad.L = '?'
      }
    }
    let result = 0
    for (const k of Object.keys(bad) as (keyof Checks)[]) if (bad[k] === true) result |= CHECK_BITS[k]
    if (bad[5] === '?') result |= VERIFY.READFAIL
    if (bad.L === '?') result |= VERIFY.READLINKFAIL
    const res = verifyString(result, '.')
    if (res !== '.........') failed = true
    if (res !== '.........' || replaced || options.verbose === true) lines.push(`${res}  ${ac} ${f.path}${suffix}`)
  }
  return { lines, failed }
}

// Whether the file is on disk as its package's (not left out, not another build's or host's).
const isInstalled = (f: InstalledFile): boolean =>
  f.state === undefined || f.state === 'normal' || f.state === 'wrongcolor'

// Whether getcap runs here, asked once per process.
let getcapRuns: boolean | undefined
function capsReadable(): boolean {
  getcapRuns ??= canReadCaps()
  return getcapRuns
}

/** Paths that more than one installed package lists (-V leaves their mtimes alone, as rpm). */
function sharedPathsOf(pkgs: InstalledPackage[]): Set<string> {
  const seen = new Set<string>()
  const shared = new Set<string>()
  for (const p of pkgs) {
    for (const f of new Set(p.files.map((x) => x.path))) {
      if (seen.has(f)) shared.add(f)
      else seen.add(f)
    }
  }
  return shared
}

/**
 * rpm -V for every installed instance matching the label `name` (or, given `{ nevra }`, that one package, as -Va
 * walks the database): one report per instance; throws E_NOT_INSTALLED when none.
 */
export async function verifyReports(
  root: string,
  target: string | { nevra: string },
  options: QueryOptions & VerifyOptions = {},
): Promise<VerifyReport[]> {
  const r = resolve(root)
  await recoverForQuery(r, options.onWarning)
  const db = new PackageDb(r)
  const all = await db.list()
  const name = typeof target === 'string' ? target : target.nevra
  const pkgs =
    typeof target === 'string'
      ? findByLabel(all, target, { onError: options.onError })
      : all.filter((p) => p.nevra === target.nevra)
  if (pkgs.length === 0)
    throw new TransactionError('E_NOT_INSTALLED', `package ${name} is not installed`, { field: name })
  const shared = sharedPathsOf(all)
  const out: VerifyReport[] = []
  for (const p of pkgs) {
    const report =
      options.files === false ? { lines: [], failed: false } : await verifyPackageReport(r, p, options, shared)
    out.push(options.scripts === true ? withScript(report, await verifyScript(r, p, options.scriptEnv)) : report)
  }
  return out
}

/**
 * rpm -Vp: the files a package file lists, checked in the root as if it were installed (every file's state normal,
 * so no `(replaced)`; the mtime of a path several installed packages share is not compared), then its
 * %verifyscript, as rpm's showVerifyPackage does for a header read from a file.
 */
export async function verifyPackageFile(
  root: string,
  header: EngineHeader,
  options: QueryOptions & VerifyOptions = {},
): Promise<VerifyReport> {
  const r = resolve(root)
  await recoverForQuery(r, options.onWarning)
  const shared = sharedPathsOf(await new PackageDb(r).list())
  const pkg = {
    nevra: headerNevra(header),
    digestAlgo: header.digestAlgo,
    files: header.files.map((f) => ({ ...f, state: 'normal' as const })),
    scripts: header.scripts,
  }
  const report =
    options.files === false ? { lines: [], failed: false } : await verifyPackageReport(r, pkg, options, shared)
  return options.scripts === true ? withScript(report, await verifyScript(r, pkg, options.scriptEnv)) : report
}

// A report with its package's %verifyscript output after the files' lines.
function withScript(report: VerifyReport, script: { lines: string[]; error?: string }): VerifyReport {
  report.lines.push(...script.lines)
  if (script.error !== undefined) report.errors = [script.error]
  report.failed ||= script.error !== undefined
  return report
}

/**
 * rpm's %verifyscript of an installed package, run as its other scriptlets are (chrooted, $1 = 1): what it prints
 * on either stream, and rpm's `error: %verify(NEVRA) scriptlet failed, exit status N` when it fails.
 */
async function verifyScript(
  root: string,
  pkg: Pick<InstalledPackage, 'nevra' | 'scripts'>,
  env: ScriptEnv | undefined,
): Promise<{ lines: string[]; error?: string }> {
  const script = pkg.scripts.verifyscript
  if (script === undefined) return { lines: [] }
  let text = ''
  const r = await runScriptlet({
    root,
    slot: 'verifyscript',
    nevra: pkg.nevra,
    script,
    args: [1],
    onOutput: (chunk) => (text += chunk),
    env,
  })
  const lines = text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1)
  if (r.unsupported !== undefined) return { lines, error: `warning: ${r.unsupported}` }
  return r.ok ? { lines } : { lines, error: `error: ${r.message ?? ''}` }
}

/** rpm -V NAME: the lines for every installed instance of `name`; throws E_NOT_INSTALLED when there is none. */
export async function verifyInstalled(root: string, name: string, options: QueryOptions = {}): Promise<string[]> {
  return (await verifyReports(root, name, options)).flatMap((r) => r.lines)
}
