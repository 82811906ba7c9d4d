// The engine's CLI modes: -i/-U/-F/-e, -q/-qa/-ql/-qc/-qi, -V, --rollback [TID], --history. Output as rpm 4.18's.
import { isAbsolute, join } from 'node:path'
import { unreadable } from '../base/_fs.js'
import type { MainIo, Mode, ParsedArgs } from './args.js'
import {
  UsageError,
  VERIFY_OMIT_OPTIONS,
  definedMacros,
  fileFilterOf,
  macroList,
  macroNumber,
  operandPath,
  verifyLevelOf,
  verifyOmitOf,
} from './args.js'
import type { TransactionFlags, TransactionOp, TransactionResult } from '../transaction/options.js'
import { runTransaction } from '../transaction/transaction.js'
import { rollbackTransaction } from '../transaction/rollback.js'
import { restorePackages } from '../transaction/restore.js'
import { parseFault } from '../transaction/fault.js'
import type { TransactionColors } from '../transaction/colors.js'
import { defaultColors } from '../transaction/colors.js'
import { listHistory } from '../db/history.js'
import { QUERY_SOURCES, installedInfo, listInstalled, matchSource } from '../query/db-query.js'
import { infoLines } from '../query/_format.js'
import { queryShow } from './_query-show.js'
import type { InstalledPackage } from '../db/db.js'
import { PackageDb } from '../db/db.js'
import type { QueryOptions } from '../query/db-query.js'
import { packageFilter } from '../query/_filter.js'
import { verifyPackageFile, verifyReports } from '../query/verify.js'
import { openRpm } from '../format/reader.js'
import { RpmFormatError } from '../format/errors.js'
import type { PackageArgs } from './_package-args.js'
import { readPackageArgs } from './_package-args.js'
import { engineHeader } from '../transaction/_source.js'
import { installSourcePackage } from '../transaction/_srpm.js'
import { isRdbpkgError } from '@rdbpkg/core'
import { recoverForQuery } from '../transaction/recovery.js'
import { SCRIPT_FLAGS } from '../transaction/_plan.js'

const FLAG_NAMES = [
  ...SCRIPT_FLAGS,
  'excludedocs',
  'excludeartifacts',
  'excludeconfigs',
  'oldpackage',
  'replacepkgs',
  'replacefiles',
  'force',
  'nodeps',
  'test',
  'justdb',
  'nodb',
  'repackage',
  'allmatches',
  'nosignature',
  'nodigest',
  'noverify',
  'noorder',
  'badreloc',
  'nocaps',
] as const satisfies readonly (keyof TransactionFlags)[]

// rpm --restore and the old names rpm keeps for it
const RESTORE_FLAGS = ['restore', 'setperms', 'setugids', 'setcaps'] as const

// Long options every mode accepts and ignores (rpm's output and database options); -V reads --nofiles, queries
// their list and format options.
const ACCEPTED = new Set([
  'help',
  'checksig',
  'querytags',
  'version',
  'initdb',
  'rebuilddb',
  'nofiles',
  'provides',
  'requires',
  'conflicts',
  'obsoletes',
  'recommends',
  'suggests',
  'supplements',
  'enhances',
  'scripts',
  'triggers',
  'triggerscripts',
  'filetriggers',
  'filetriggerscripts',
  'changelog',
  'changes',
  'last',
  'dupes',
  'filesbypkg',
  'filecolor',
  'filecaps',
  ...QUERY_SOURCES,
  'dump',
  'list',
  'configfiles',
  'docfiles',
  'licensefiles',
  'artifactfiles',
  'noconfig',
  'noghost',
  'noartifact',
  'state',
  'info',
  'verbose',
  'hash',
  'percent',
  'quiet',
  'ignorearch',
  'ignoreos',
  'rollback',
  'history',
  ...RESTORE_FLAGS,
  'nomanifest',
  'reinstall',
  ...Object.keys(VERIFY_OMIT_OPTIONS),
  'nocontexts',
])

const has = (a: ParsedArgs, l: string): boolean => a.letters.includes(l)

// rpm's SOURCE_DATE_EPOCH: the transaction's time (strtol's reading: leading digits; none is 0).
function sourceDateEpoch(io: MainIo): { time?: number } {
  const text = io.env.SOURCE_DATE_EPOCH
  if (text === undefined) return {}
  return { time: Number(/^\s*\d*/.exec(text)?.[0].trim() || '0') }
}

// rpm's multilib colors: the machine's default (see defaultColors), or what `_transaction_color` and
// `_prefer_color` are defined as (rpmExpandNumeric: the leading number; a preferred color of 0 is 2).
function colorsOf(defined: Map<string, string>, io: MainIo): TransactionColors | undefined {
  const base = io.machine !== undefined ? defaultColors(io.machine) : undefined
  const transaction = macroNumber(defined, '_transaction_color')
  if (base === undefined && transaction === undefined) return undefined
  return {
    transaction: transaction ?? base?.transaction ?? 0,
    prefer: macroNumber(defined, '_prefer_color') || (base?.prefer ?? 2),
  }
}

// rpm's %_minimize_writes: on where the macro is defined to a number other than 0.
function minimizeWritesOf(defined: Map<string, string>): { minimizeWrites?: true } {
  return (macroNumber(defined, '_minimize_writes') ?? 0) !== 0 ? { minimizeWrites: true } : {}
}

// rpm's %_netsharedpath: paths split at colons.
function netsharedOf(defined: Map<string, string>): { netsharedPaths?: string[] } {
  const paths = macroList(defined, '_netsharedpath')
  return paths.length > 0 ? { netsharedPaths: paths } : {}
}

// rpm's %_install_langs: languages split at colons; `all` among them (rpm's default) installs every language.
function installLangsOf(defined: Map<string, string>): { installLangs?: string[] } {
  const langs = macroList(defined, '_install_langs')
  return langs.length > 0 && !langs.includes('all') ? { installLangs: langs } : {}
}

// rpm's --relocate OLD=NEW (each given) and --prefix NEW, checked as rpm's option parser and main do.
function relocationsOf(a: ParsedArgs, op: TransactionOp): Pick<TransactionFlags, 'relocations' | 'prefix'> {
  const given = a.options.flatMap((o) => (o.name === 'relocate' && o.value !== undefined ? [o.value] : []))
  const prefix = a.values.get('prefix')
  const relocations = given.map((text) => {
    if (!text.startsWith('/')) throw new UsageError('relocations must begin with a /')
    const eq = text.indexOf('=')
    if (eq < 0) throw new UsageError('relocations must contain a =')
    if (text[eq + 1] !== '/') throw new UsageError('relocations must have a / following the =')
    return { from: text.slice(0, eq), to: text.slice(eq + 1) }
  })
  const excluding = a.options.some((o) => o.name === 'excludepath')
  if (op === 'erase' && (relocations.length > 0 || excluding))
    throw new UsageError('--relocate and --excludepath may only be used when installing new packages')
  if (prefix !== undefined) {
    if (relocations.length > 0 || excluding)
      throw new UsageError('cannot use --prefix with --relocate or --excludepath')
    if (op === 'erase') throw new UsageError('--prefix may only be used when installing new packages')
    if (!prefix.startsWith('/')) throw new UsageError('arguments to --prefix must begin with a /')
  }
  return { ...(relocations.length > 0 ? { relocations } : {}), ...(prefix !== undefined ? { prefix } : {}) }
}

// rpm's rpmInstallSource for each source package: its files into %{_topdir} (`--define "_topdir DIR"`, else
// $HOME/rpmbuild as rpm's %{getenv:HOME}); nothing on --test. Exit: how many failed, each with rpm's line.
async function installSources(
  a: ParsedArgs,
  io: MainIo,
  sources: readonly { given: string; path: string }[],
  flags: TransactionFlags,
  macros: Map<string, string>,
): Promise<number> {
  if (flags.test === true) return 0
  const topdir = macros.get('_topdir') ?? `${io.env.HOME ?? ''}/rpmbuild`
  let failed = 0
  for (const s of sources) {
    try {
      await installSourcePackage(rootOf(a, io), await openRpm(s.path), { topdir })
    } catch (error) {
      line(io, 'stderr', `error: ${s.given} cannot be installed (${(error as Error).message})`)
      failed++
    }
  }
  return failed
}

function rootOf(a: ParsedArgs, io: MainIo): string {
  const r = a.values.get('root') ?? '/'
  return operandPath(r, io.cwd)
}

// rpm's hidden other names of install options.
const FLAG_ALIASES: Record<string, (typeof FLAG_NAMES)[number]> = { nodocs: 'excludedocs', noconfigs: 'excludeconfigs' }

/**
 * Refuses, as rpm's option parsing does, a long option no mode of rpm-sim knows (`--yaml: unknown option`) instead of
 * leaving it out unsaid (rpm's options rpm-sim does not have, `--xml`, `--fileclass`, ..., are among them), and an
 * empty `--root` (an unset variable's: it would name the working folder). A relative one is taken below the working
 * folder, where rpm refuses it.
 */
export function checkOptions(a: ParsedArgs): void {
  for (const given of a.flags) {
    const f = FLAG_ALIASES[given] ?? given
    if (!(FLAG_NAMES as readonly string[]).includes(f) && !ACCEPTED.has(f))
      throw new UsageError(`--${given}: unknown option`)
  }
  const root = a.values.get('root')
  if (root === '') throw new UsageError('arguments to --root (-r) must begin with a /')
}

function flagsOf(a: ParsedArgs): TransactionFlags {
  checkOptions(a)
  const flags: TransactionFlags = {}
  for (const given of a.flags) {
    const f = FLAG_ALIASES[given] ?? given
    if ((FLAG_NAMES as readonly string[]).includes(f)) flags[f as (typeof FLAG_NAMES)[number]] = true
  }
  const excluded = a.options.flatMap((o) => (o.name === 'excludepath' && o.value !== undefined ? [o.value] : []))
  for (const p of excluded) if (!p.startsWith('/')) throw new UsageError('exclude paths must begin with a /')
  if (excluded.length > 0) flags.excludepaths = excluded
  return flags
}

const line = (io: MainIo, stream: 'stdout' | 'stderr', text: string): void => {
  io[stream].write(`${text}\n`)
}

// rpm's hash marks (printHash, not on a terminal): 40 of them, after a label only with -v (INSTALL_LABEL).
const bar = (label: string | undefined): string => `${label === undefined ? '' : label.padEnd(38)}${'#'.repeat(40)}`
const nvr = (nevra: string): string => nevra.replace(/\.[^.]+$/, '').replace(/-\d+:/, '-')

function printProgress(a: ParsedArgs, io: MainIo, r: TransactionResult, erase: boolean): void {
  if (has(a, 'h')) {
    const label = (text: string): string | undefined => (has(a, 'v') ? text : undefined)
    if (!erase) line(io, 'stdout', bar(label('Verifying...')))
    line(io, 'stdout', bar(label('Preparing...')))
    if (r.installed.length > 0) {
      line(io, 'stdout', 'Updating / installing...')
      for (const i of r.installed) line(io, 'stdout', bar(label(nvr(i.nevra))))
    }
    if (r.erased.length > 0) {
      line(io, 'stdout', 'Cleaning up / removing...')
      for (const e of r.erased) line(io, 'stdout', bar(label(nvr(e))))
    }
  } else if (has(a, 'v')) {
    if (!erase) line(io, 'stdout', 'Verifying packages...')
    line(io, 'stdout', 'Preparing packages...')
    for (const i of r.installed) line(io, 'stdout', i.nevra)
    for (const e of r.erased) line(io, 'stdout', e)
  }
}

async function runInstallMode(a: ParsedArgs, io: MainIo): Promise<number> {
  const op: TransactionOp = has(a, 'e') ? 'erase' : has(a, 'F') ? 'freshen' : has(a, 'U') ? 'upgrade' : 'install'
  // rpm's --reinstall: an install that replaces the very same NEVRA where it is installed (-i --replacepkgs).
  const macros = definedMacros(a)
  const verify = verifyLevelOf(macros)
  if (verify.warning !== undefined) line(io, 'stderr', verify.warning)
  const reinstall = op === 'install' && a.flags.has('reinstall')
  const flags: TransactionFlags = {
    ...flagsOf(a),
    ...relocationsOf(a, op),
    ...(has(a, 'v') ? { verbose: true } : {}),
    ...(reinstall ? { replacepkgs: true } : {}),
    // rpm's %_excludedocs: --excludedocs where the macro is defined to a number other than 0.
    ...((macroNumber(macros, '_excludedocs') ?? 0) !== 0 ? { excludedocs: true } : {}),
  }
  if (a.operands.length === 0)
    throw new UsageError(op === 'erase' ? 'no packages given for erase' : 'no packages given for install')
  // rpm reads every package file argument (and manifest) first; one it cannot use stops everything: its errors,
  // in argument order with each header's check, and the exit status, how many failed.
  const read = (headers: boolean): Promise<PackageArgs> =>
    readPackageArgs(a.operands, {
      cwd: io.cwd,
      nomanifest: a.flags.has('nomanifest'),
      ...(headers ? { headers: { digests: !a.flags.has('nodigest'), signatures: !a.flags.has('nosignature') } } : {}),
    })
  const failedArgs = async (): Promise<number> => {
    const full = await read(true)
    for (const l of full.errors) line(io, 'stderr', l)
    return full.failed
  }
  const args = op === 'erase' ? undefined : await read(false)
  if (args !== undefined && args.failed > 0) return failedArgs()
  // Source packages go to %_topdir after the transaction of the others (rpm's rpmInstallSource), never to it;
  // -F leaves them out.
  const all = args?.packages ?? []
  const sources = op === 'freshen' ? [] : all.filter((p) => p.source === true)
  const binaries = all.filter((p) => p.source !== true)
  const packages = args === undefined ? a.operands : binaries.map((p) => p.path)
  const givenAs = new Map(all.map((p) => [p.path, p.given]))
  if (all.length > 0 && binaries.length === 0) return installSources(a, io, sources, flags, macros)
  const r = await runTransaction({
    root: rootOf(a, io),
    op,
    packages,
    flags,
    // rpm names a package file as it was given (`warning: x.rpm: Header V4 ...`)
    onWarning: (l) =>
      line(
        io,
        'stderr',
        packages.reduce((t, p) => (t.startsWith(`warning: ${p}: `) ? t.replace(p, givenAs.get(p) ?? p) : t), l),
      ),
    onScriptOutput: (chunk, stream) => io[stream].write(chunk),
    scriptEnv: io.env,
    description: `rpm-sim ${a.letters.map((l) => `-${l}`).join(' ')} ${a.operands.join(' ')}`,
    fault: parseFault(io.env.RPMSIM_FAULT),
    identity: io.identity,
    colors: colorsOf(macros, io),
    ...netsharedOf(macros),
    ...installLangsOf(macros),
    ...(verify.level !== 'digest' ? { verifyLevel: verify.level } : {}),
    ...minimizeWritesOf(macros),
    ...sourceDateEpoch(io),
  }).catch(async (error: unknown) => {
    // A header whose digest does not match stops the engine as it reads the packages: rpm's words for the
    // arguments, each such package's check among them.
    if (!(error instanceof RpmFormatError && error.code === 'E_RPM_DIGEST')) throw error
    const failed = await failedArgs()
    if (failed === 0) throw error
    return failed
  })
  if (typeof r === 'number') return r
  // rpm lists the packages an ambiguous erase argument matched (`  NEVRA`) on stdout, the rest on stderr.
  for (const p of r.problems) line(io, p.startsWith('  ') ? 'stdout' : 'stderr', p)
  // rpm runs a transaction, and shows its progress, when it has elements and every argument resolved: its problems
  // are then rpmtsRun's (a TAB first), which it lists after the progress.
  if ((r.elements ?? 0) > 0 && r.problems.every((p) => p.startsWith('\t'))) printProgress(a, io, r, op === 'erase')
  if (sources.length > 0) return (await installSources(a, io, sources, flags, macros)) || r.exitCode
  return r.exitCode
}

// Queries read the database even while a transaction is pending; its warning goes to stderr once per command.
function queryOptions(io: MainIo): QueryOptions {
  const seen = new Set<string>()
  return {
    onWarning: (l) => {
      if (seen.has(l)) return
      seen.add(l)
      line(io, 'stderr', l)
    },
    onError: (l) => line(io, 'stderr', l),
  }
}

// -qa's and -Va's packages: all, or those the arguments' [tag=]patterns pick (rpm's filter; its errors printed).
async function filtered(root: string, args: readonly string[], q: QueryOptions, io: MainIo) {
  const filter = packageFilter(args)
  for (const l of filter.errors) line(io, 'stderr', l)
  return (await listInstalled(root, q)).filter((p) => filter.test(p))
}

async function runQueryDb(a: ParsedArgs, io: MainIo): Promise<number> {
  flagsOf(a)
  const root = rootOf(a, io)
  const q = queryOptions(io)
  const shown = queryShow(a)
  const show = (p: InstalledPackage): void => {
    const r = shown(p, () => infoLines(installedInfo(p)))
    for (const l of r.errors) line(io, 'stderr', l)
    io.stdout.write(r.text)
  }
  return failures(await eachSelected(a, io, root, q, show))
}

// The packages a -q or -V command line selects, as rpm's rpmQueryVerify: with -a all (or those its filters pick),
// else each argument's by the one query source given (-f, -g, --whatprovides, ...; by default a label). An
// argument that selects nothing prints rpm's line for it and counts as failed: the number returned. `visit` gets
// the index of the argument that selected the package (0 for all of -a).
async function eachSelected(
  a: ParsedArgs,
  io: MainIo,
  root: string,
  q: QueryOptions,
  visit: (p: InstalledPackage, arg: number) => void | Promise<void>,
): Promise<number> {
  if (has(a, 'a')) {
    for (const p of await filtered(root, a.operands, q, io)) await visit(p, 0)
    return 0
  }
  if (a.operands.length === 0) throw new UsageError(`no arguments given for ${has(a, 'V') ? 'verify' : 'query'}`)
  // -f is --file, -g --group; one source per command, as rpm allows
  const source = has(a, 'f') ? 'file' : has(a, 'g') ? 'group' : (QUERY_SOURCES.find((s) => a.flags.has(s)) ?? 'label')
  const installed = await listInstalled(root, q)
  let none = 0
  for (const [k, arg] of a.operands.entries()) {
    const m = matchSource(installed, source, arg, { root, cwd: io.cwd, ...(q.onError ? { onError: q.onError } : {}) })
    if (m.line !== undefined) line(io, m.line.stream, m.line.text)
    if (m.found.length === 0) none++
    for (const p of m.found) await visit(p, k)
  }
  return none
}

// rpm's exit status of a query: the number of arguments that failed, in one byte.
const failures = (n: number): number => Math.min(n, 255)

async function runVerify(a: ParsedArgs, io: MainIo): Promise<number> {
  flagsOf(a)
  const root = rootOf(a, io)
  const q = queryOptions(io)
  const options = {
    ...q,
    verbose: has(a, 'v'),
    files: !a.flags.has('nofiles'),
    filter: fileFilterOf(a),
    scripts: !a.flags.has('noscripts'),
    scriptEnv: io.env,
    omit: verifyOmitOf(a),
  }
  let bad = 0
  const report = (r: { lines: string[]; errors?: string[]; failed: boolean }): void => {
    for (const l of r.lines) line(io, 'stdout', l)
    for (const l of r.errors ?? []) line(io, 'stderr', l)
    if (r.failed) bad++
  }
  if (has(a, 'p')) {
    // -Vp: package files, their files checked in the root as if installed. rpm -V works chrooted (rpmcliVerify's
    // rpmChrootIn), so it reads the package files inside the root; a relative name from the host's /, where
    // rpmChrootIn left the working directory.
    // Its exit status (rpmgiShowMatches): 1 when any package failed, plus one per file it could not read.
    if (a.operands.length === 0) throw new UsageError('no arguments given for verify')
    let unread = 0
    for (const operand of a.operands) {
      const file = isAbsolute(operand) ? join(root, operand) : join('/', operand)
      const why = unreadable(file)
      if (why !== undefined) {
        line(io, 'stderr', `error: open of ${operand} failed: ${why}`)
        unread++
        continue
      }
      try {
        report(await verifyPackageFile(root, engineHeader((await openRpm(file)).pkg), options))
      } catch (error) {
        if (!isRdbpkgError(error)) throw error
        line(io, 'stderr', `error: ${error.message.replaceAll(file, operand)}`)
        unread++
      }
    }
    return failures(Math.min(bad, 1) + unread)
  }
  // Each package by its own nevra, never read back as a label (a release such as `1(x)` would be one). rpm counts
  // an argument once however many of its packages fail (rpmcliShowMatches); -a is one argument.
  const failedArgs = new Set<number>()
  const none = await eachSelected(a, io, root, q, async (p, k) => {
    for (const r of await verifyReports(root, { nevra: p.nevra }, options)) {
      report(r)
      if (r.failed) failedArgs.add(k)
    }
  })
  return failures(none + failedArgs.size)
}

/**
 * rpm --restore [-a | LABEL... | -f FILE... | ...]: owners, modes, capabilities and mtimes back as the database has them. Nothing
 * is restored when an argument matches no package (rpm's rpmcliArgIter fails first); a package that fails to
 * restore makes rpm's transaction fail, exit 255.
 */
async function runRestore(a: ParsedArgs, io: MainIo): Promise<number> {
  flagsOf(a)
  if (has(a, 'h') || a.flags.has('hash'))
    throw new UsageError('--hash (-h) may only be specified during package installation and erasure')
  if (a.flags.has('test')) throw new UsageError('--test may only be specified during package installation and erasure')
  // rpm --restore with nothing to select does nothing
  if (a.operands.length === 0 && !has(a, 'a')) return 0
  const root = rootOf(a, io)
  const q = queryOptions(io)
  const nevras: string[] = []
  const none = await eachSelected(a, io, root, q, (p) => {
    nevras.push(p.nevra)
  })
  if (none > 0) return failures(none)
  if (nevras.length === 0) return 0
  if (has(a, 'v')) line(io, 'stdout', 'Preparing packages...')
  const r = await restorePackages({
    root,
    nevras,
    identity: io.identity,
    onWarning: (l) => line(io, 'stderr', l),
    ...(has(a, 'v') ? { onPackage: (nevra: string) => line(io, 'stdout', nevra) } : {}),
  })
  return r.failed.length > 0 ? 255 : 0
}

async function runRollback(a: ParsedArgs, io: MainIo): Promise<number> {
  const flags = flagsOf(a)
  const tidArg = a.operands[0]
  if (tidArg !== undefined && !/^\d+$/.test(tidArg))
    throw new UsageError(`--rollback: expected a transaction id, found ${JSON.stringify(tidArg)}`)
  const r = await rollbackTransaction({
    root: rootOf(a, io),
    ...(tidArg !== undefined ? { tid: Number(tidArg) } : {}),
    flags,
    onWarning: (l) => line(io, 'stderr', l),
    onScriptOutput: (chunk, stream) => io[stream].write(chunk),
    scriptEnv: io.env,
    fault: parseFault(io.env.RPMSIM_FAULT),
    identity: io.identity,
  })
  for (const p of r.problems) line(io, 'stderr', p)
  printProgress(a, io, r, false)
  return r.exitCode
}

async function runHistory(a: ParsedArgs, io: MainIo): Promise<number> {
  flagsOf(a)
  const root = rootOf(a, io)
  await recoverForQuery(root, queryOptions(io).onWarning)
  for (const t of await listHistory(root)) {
    const when = new Date(t.time * 1000)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')
    const what = t.elements
      .map((e) => `${e.op === 'install' ? '+' : '-'}${e.nevra}${e.failed ? '(failed)' : ''}`)
      .join(' ')
    const notes = [
      t.rollbackOf !== undefined ? `rollback of ${t.rollbackOf}` : '',
      t.rolledBack !== undefined ? `rolled back by ${t.rolledBack}` : '',
      t.recovered ? 'recovered' : '',
      t.exitCode !== 0 ? `exit ${t.exitCode}` : '',
    ].filter(Boolean)
    line(
      io,
      'stdout',
      `${t.tid}  ${when}  ${t.op.padEnd(8)} ${what}${notes.length > 0 ? `  (${notes.join(', ')})` : ''}`,
    )
  }
  return 0
}

/** The engine's modes for main's dispatch table. */
// rpm --initdb: the database made where there is none; rpm-sim's is its folder.
async function runInitdb(a: ParsedArgs, io: MainIo): Promise<number> {
  new PackageDb(rootOf(a, io)).init()
  return 0
}

// rpm --rebuilddb: rpm-sim's database keeps no index to rebuild; every record is read and checked (an invalid one
// is named, exit 1).
async function runRebuilddb(a: ParsedArgs, io: MainIo): Promise<number> {
  await new PackageDb(rootOf(a, io)).list()
  return 0
}

export const TRANSACTION_MODES: Mode[] = [
  { name: 'initdb', matches: (a) => a.flags.has('initdb'), run: runInitdb },
  { name: 'rebuilddb', matches: (a) => a.flags.has('rebuilddb'), run: runRebuilddb },
  { name: 'rollback', matches: (a) => a.flags.has('rollback'), run: runRollback },
  { name: 'history', matches: (a) => a.flags.has('history'), run: runHistory },
  { name: 'restore', matches: (a) => RESTORE_FLAGS.some((f) => a.flags.has(f)), run: runRestore },
  { name: 'query-db', matches: (a) => has(a, 'q') && !has(a, 'p'), run: runQueryDb },
  { name: 'verify', matches: (a) => has(a, 'V'), run: runVerify },
  { name: 'erase', matches: (a) => has(a, 'e'), run: runInstallMode },
  {
    name: 'install',
    matches: (a) => has(a, 'i') || has(a, 'U') || has(a, 'F') || a.flags.has('reinstall'),
    run: runInstallMode,
  },
]
