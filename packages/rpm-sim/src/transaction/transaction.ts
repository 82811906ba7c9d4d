// The transaction engine: plans install/upgrade/freshen/erase like rpm 4.18 (version checks, supersession, rpm's
// element order; then, after %pretrans as rpm's rpmtsRun, file conflicts as a problem list and per-file fates), then
// runs it: staging, per element pre/files/post and triggers, erasures with preun/files/postun, posttrans; journaled
// so a kill is finished or undone next time.
import { lstatSync, readlinkSync } from 'node:fs'
import { resolve } from 'node:path'
import type { FileFate } from '@rdbpkg/core'
import { FileSystemSyncer, decideFileFate } from '@rdbpkg/core'
import type { EngineFile, PackageSource, ScriptName, VerifyLevel } from '../format/model.js'
import { nodeType, triggerKindSense } from '../format/model.js'
import { RootResolver } from '../base/_fs.js'
import { withDbLock } from '../db/_lock.js'
import { openPackageSource } from './_source.js'
import { unwarnedNotes } from '../format/checksig.js'
import type { Identity } from './apply.js'
import { UnpackError, byPayloadPath, digestFile, stagePackage, unstage, writesContent } from './apply.js'
import { resolveOwners } from './_owners.js'
import { fsTransactionError } from '../base/transaction-error.js'
import type { InstalledFile, InstalledPackage } from '../db/db.js'
import { PackageDb } from '../db/db.js'
import type { CreatedFile } from '../db/history.js'
import { allocateTid, writeHistory } from '../db/history.js'
import type { EraseAction, FileAction, JournalErase, JournalInstall, JournalPlan, ScriptFlags } from './_plan.js'
import { SCRIPT_FLAGS } from './_plan.js'
import { Journal } from './_journal.js'
import { commitInstallDb, historyFromPlan } from './_db-commit.js'
import { recoverInterrupted } from './recovery.js'
import { removeKept, writeKeptPackages } from './_kept.js'
import type { ExecuteOutcome } from './_execute.js'
import { executePlan, runReported, scriptEnabled, triggerEnabled } from './_execute.js'
import { keepInstalled, repackageTarget, saveRecordFor } from './_repackage.js'
import type { Erasure, Selection } from './_select.js'
import { selectElements } from './_select.js'
import { orderElements } from './_order.js'
import type { TransactionColors } from './colors.js'
import type { PackageRelocations, Relocation } from './relocate.js'
import { installPrefixes, packageRelocations, relocatedPath } from './relocate.js'
import { colorWinner, outsideColors } from './colors.js'
import { filesDiffer, isConfig, ownersByHost, removalConflict } from './_conflicts.js'
import { DiskStates, atOrBelow, type diskState, excludedFiles, installFate, toPkgState } from './_fates.js'
import { plannedDirs } from './_dirs.js'
import type { TransactionFault } from './fault.js'
import { faultSteps } from './fault.js'

/** rpm's install/erase options that the engine honours (`--force` = replacepkgs + replacefiles + oldpackage). */
export interface TransactionFlags extends ScriptFlags {
  /** rpm's -v: also the warnings rpm prints only when verbose. */
  verbose?: boolean
  excludedocs?: boolean
  /** rpm's --excludeartifacts: %artifact files are not installed. */
  excludeartifacts?: boolean
  /** rpm's --excludeconfigs (--noconfigs): %config files are not installed. */
  excludeconfigs?: boolean
  /** rpm's --excludepath (each given): files at or below these absolute paths are not installed. */
  excludepaths?: string[]
  oldpackage?: boolean
  replacepkgs?: boolean
  replacefiles?: boolean
  force?: boolean
  /** Accepted for rpm command lines; the engine resolves no dependencies. */
  nodeps?: boolean
  test?: boolean
  justdb?: boolean
  /** rpm's --nodb: the files change, the database does not (nor the history: there is nothing to roll back by). */
  nodb?: boolean
  repackage?: boolean
  /** Allow erase arguments that match several installed packages (rpm's --allmatches). */
  allmatches?: boolean
  /** rpm's --nosignature: no word on the packages' signatures (by default each key is reported NOKEY once). */
  nosignature?: boolean
  /** rpm's --nodigest: the packages' digests are not checked before the transaction. */
  nodigest?: boolean
  /** rpm's --noverify: the package files are not verified before the transaction (`does not verify`). */
  noverify?: boolean
  /**
   * rpm's --noorder: the elements run in the order rpm adds them (each install followed by the erasures it brings)
   * instead of rpm's dependency order, in which a package comes after those it requires and independent ones in
   * reverse.
   */
  noorder?: boolean
  /** rpm's --relocate OLD=NEW (each given): a relocatable package's files at or below OLD go below NEW. */
  relocations?: Relocation[]
  /** rpm's --prefix NEW: a relocatable package's one prefix goes to NEW. */
  prefix?: string
  /** rpm's --badreloc: relocate paths that are not the package's prefixes too, without a problem. */
  badreloc?: boolean
  /** rpm's --nocaps: files are written without the capabilities their package gives them (%caps). */
  nocaps?: boolean
}

/** The operation of a transaction, as rpm's -i, -U, -F and -e. */
export type TransactionOp = 'install' | 'upgrade' | 'freshen' | 'erase'

/** Options of {@link runTransaction} and {@link planTransaction}. */
export interface TransactionOptions {
  /** The root folder (`/` for the host). */
  root: string
  op: TransactionOp
  /** .rpm paths (install/upgrade/freshen) or package names / NEVRAs (erase). */
  packages: string[]
  /** Packages given in memory instead of as .rpm paths (tests, rollback). */
  sources?: PackageSource[]
  flags?: TransactionFlags
  /** Each stderr line rpm would print (`warning: /etc/x saved as /etc/x.rpmsave`, scriptlet failures, ...). */
  onWarning?: (line: string) => void
  /** Output of scriptlets, as it comes. */
  onScriptOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void
  /** Free text stored in the history record. */
  description?: string
  /** Internal: a rollback transaction records the tid it undoes. */
  rollbackOf?: number
  /** Internal (rollback): write every file exactly as packaged and record these saved records instead. */
  exact?: { recordFor: (origin: string) => InstalledPackage | undefined }
  /**
   * rpm's multilib colors (`%_transaction_color`, `%_prefer_color`): which file colors are installed and which
   * build wins where the 32- and 64-bit builds of a package clash (the loser's file is `wrongcolor`, not a
   * conflict); with colors, packages of one name and version but another arch are distinct. The CLIs pass rpm's
   * default for the machine ({@link defaultColors}: 3, 64-bit preferred, on x86_64 and aarch64). Absent: colors
   * play no part, as rpm's on an arch without multilib.
   */
  colors?: TransactionColors | undefined
  /**
   * rpm's `%_netsharedpath`: paths (with what is below them) another host provides, over a network file system:
   * files there are neither installed (their state `netshared`) nor removed on erase.
   */
  netsharedPaths?: readonly string[] | undefined
  /**
   * rpm's `%_pkgverify_level`: what each package file must have verified before the transaction (default `digest`;
   * `signature` or `all` refuse every package here, as rpm-sim holds no keyring). `--noverify` skips the check.
   */
  verifyLevel?: VerifyLevel | undefined
  /**
   * rpm's `%_install_langs`: the languages to install (`de`, `de_DE`); a file marked `%lang` for none of them is not
   * installed (its state `not installed`). Absent: every language, as rpm's `all`.
   */
  installLangs?: readonly string[] | undefined
  /**
   * rpm's `%_minimize_writes`: an upgrade leaves a file it would rewrite with the same content in place and only
   * sets its owner, mode and time (the file keeps its inode; nothing is written).
   */
  minimizeWrites?: boolean | undefined
  /** Internal (rollback): installed NEVRAs to erase in the same transaction. */
  alsoErase?: string[]
  /**
   * The caller's service window: `open` is awaited right before the transaction's first visible change (its
   * first scriptlet, the kept copy for --repackage, the first rename), after the plan, the digests and the staged
   * files are ready; `close` right after the last change is committed (or undone), before --repackage writes its
   * .rpm files. A failure or kill before `open` leaves the root as it was (staged temps are removed by the next
   * command). Neither is called when nothing is to change.
   */
  window?: TransactionWindow
  /**
   * With --repackage: leave the replaced files kept (hard links) in the spool folder instead of writing the .rpm
   * after the transaction; a rollback writes it from them when it needs it. The installer's upgrades use this: an
   * upgrade then copies no byte of the old version.
   */
  repackageLazily?: boolean
  /** Progress of the swap (renaming staged files into place), in bytes of the files renamed. */
  onProgress?: (progress: { step: 'swap'; bytesDone: number; bytesTotal: number }) => void
  /** Crash tests only: kill this process at a given step (the CLIs read it from RPMSIM_FAULT; see parseFault). */
  fault?: TransactionFault | undefined
  /**
   * The transaction's time in seconds instead of the clock's (rpm's SOURCE_DATE_EPOCH, which the CLIs read): its
   * tid, unless an earlier transaction of the root already has that or a later one (tids only grow here, rollback
   * relies on it), and each installed package's install time, counting up by one per package as rpm's.
   */
  time?: number | undefined
  /**
   * Who runs the transaction (the CLIs pass the process's effective uid, gid and umask). Files get their packaged
   * owners only when `uid` is 0, as rpm as root; without an identity they keep the creating user's.
   */
  identity?: Identity | undefined
}

/** See {@link TransactionOptions.window}. */
export interface TransactionWindow {
  open: () => Promise<void>
  close: () => Promise<void>
}

/** The result of a transaction: problems are rpm's lines; `ok` is false when anything failed. */
export interface TransactionResult {
  tid: number
  ok: boolean
  exitCode: number
  /** rpm's problem lines (a TAB then `package X is already installed`, `error: package N is not installed`, ...). */
  problems: string[]
  installed: { nevra: string; replaced?: string }[]
  erased: string[]
  created: CreatedFile[]
  /** Every stderr line, in order (also passed to onWarning). */
  warnings: string[]
  /** Scriptlets and triggers that failed (a failing %post only warns, exit code 0, as rpm 4.18). */
  scriptletFailures: number
  /** The interrupted transaction completed or undone before this one, if any. */
  recovery?: { tid: number; action: 'completed' | 'rolled-back' }
}

/** One element of a plan as `--dry-run` shows it. */
export interface PlannedElement {
  op: 'install' | 'erase'
  nevra: string
  replaces?: string
  files: { path: string; fate: FileFate; reason: string; suffix?: string }[]
}

/** The result of {@link planTransaction}. */
export interface TransactionPlan {
  problems: string[]
  warnings: string[]
  elements: PlannedElement[]
}

interface Prepared {
  problems: string[]
  /** How many of `problems` rpm's checkProblems finds (versions, verification): those that stop %pretrans. */
  checked: number
  /** Erase labels that matched nothing (or several): the exit status of an erase with problems. */
  unmatched: number
  plan: JournalPlan
  sources: Map<number, PackageSource>
}

// rpm's rpmfileContentsEqual: what is at `host` is, by size, type and content (digest or link target), both the
// old version's file and the new one's.
async function sameOnDisk(
  host: string,
  old: EngineFile,
  f: EngineFile,
  algo: string,
  digestOf: (host: string, algo: string) => Promise<string>,
): Promise<boolean> {
  const st = lstatSync(host, { throwIfNoEntry: false })
  if (st === undefined || st.size !== f.size || old.kind !== f.kind) return false
  if (f.kind === 'file') {
    if (!st.isFile() || old.digest === undefined || old.digest !== f.digest) return false
    return (await digestOf(host, algo).catch(() => undefined)) === f.digest
  }
  if (f.kind === 'symlink') return st.isSymbolicLink() && readlinkSync(host) === f.linkTarget
  return false
}

// Why a file of the color the transaction does not prefer is not written (rpm's FA_SKIPCOLOR).
const COLOR_LOST = 'color: the other build of the file is installed'

// What diskState says of a path that is not there.
const ABSENT: ReturnType<typeof diskState> = { state: null, needsDigest: false }

// The selection in rpm's transaction order (see _order.ts); an erasure keeps pointing at the install replacing it.
function inOrder(s: Selection): Pick<Selection, 'installs' | 'erasing'> {
  const erasures = [...s.erasing.values()]
  const order = orderElements([
    ...s.installs.map((i) => ({ op: 'install' as const, header: i.source.header })),
    ...erasures.map((e) => ({ op: 'erase' as const, header: e.pkg })),
  ])
  const n = s.installs.length
  const installs = order.filter((i) => i < n).map((i) => s.installs[i] as Selection['installs'][number])
  const moved = new Map(order.filter((i) => i < n).map((i, at) => [i, at]))
  const erasing = new Map<string, Erasure>()
  for (const i of order.filter((i) => i >= n)) {
    const e = erasures[i - n] as Erasure
    erasing.set(e.pkg.nevra, e.replacedBy === undefined ? e : { ...e, replacedBy: moved.get(e.replacedBy) ?? 0 })
  }
  return { installs, erasing }
}

async function prepare(
  o: TransactionOptions,
  root: string,
  tid: number,
  warn: (l: string) => void,
  db = new PackageDb(root),
): Promise<Prepared> {
  const flags = o.flags ?? {}
  const replacefiles = flags.replacefiles === true || flags.force === true
  const installed = await db.list()
  const given = [...(o.sources ?? [])]
  if (o.op !== 'erase') for (const file of o.packages) given.push(await openPackageSource(file))
  // rpm warns of each signature whose key the root lacks as it reads the packages, once per key
  const keys = new Set<string>()
  for (const s of flags.nosignature === true ? [] : given)
    for (const n of unwarnedNotes(s.signatures ?? [], keys)) warn(`warning: ${s.origin}: ${n.text}`)
  const selected = selectElements(
    {
      op: o.op,
      labels: o.packages,
      sources: given,
      installed,
      alsoErase: o.alsoErase,
      replacepkgs: flags.replacepkgs === true || flags.force === true,
      oldpackage: flags.oldpackage === true || flags.force === true,
      allmatches: flags.allmatches === true,
      verbose: flags.verbose === true,
      colors: o.colors,
    },
    warn,
  )
  const { installs, erasing } = flags.noorder === true ? selected : inOrder(selected)
  const { problems, unmatched } = selected
  // rpm's checkProblems verifies each package file it adds before anything runs (verifyPackageFiles).
  if (flags.noverify !== true)
    for (const { source, nevra } of installs) {
      const why = await source.verify?.({
        digests: flags.nodigest !== true,
        signatures: flags.nosignature !== true,
        ...(o.verifyLevel !== undefined ? { level: o.verifyLevel } : {}),
      })
      if (why !== undefined) problems.push(`\tpackage ${nevra} does not verify: ${why}`)
    }
  // rpm's checkAdded: a relocation of a path that is not a prefix of the package (rpmteAddRelocProblems).
  const relocs = installs.map(({ source, nevra }) =>
    o.exact === undefined ? packageRelocations(source.header, nevra, flags) : { relocations: [], problems: [] },
  )
  for (const r of relocs) problems.push(...r.problems)
  const checked = problems.length
  // Fingerprints (owners, conflicts) follow every directory symlink, as rpm's do; where files are written follows
  // only the links rpm's safe-symlink rule allows (an unsafe one stays in the path: see apply.ts's checkDirChain).
  const resolver = new RootResolver(root)
  const writer = new RootResolver(root, { safeLinks: true })
  const tidHex = tid.toString(16).padStart(8, '0')
  const owners = ownersByHost(installed, (nevra) => erasing.has(nevra), resolver)
  const newOwners = new Map<string, { nevra: string; file: EngineFile; action: FileAction }>()
  const digestCache = new Map<string, string>()
  const disk = new DiskStates()
  const diskDigest = async (host: string, algo: string): Promise<string> => {
    const k = `${algo}:${host}`
    let d = digestCache.get(k)
    if (d === undefined) {
      d = await digestFile(host, algo)
      digestCache.set(k, d)
    }
    return d
  }

  const elements: (JournalInstall | JournalErase)[] = []
  const sources = new Map<number, PackageSource>()
  // Files any new package installs (by host path): an erasure leaves them to the install.
  const newHosts = new Set<string>()
  const now = o.time ?? Math.floor(Date.now() / 1000)
  // rpm's rpmtsGetTime(ts, 1) per installed package: the clock, or an overridden time counting up from it.
  const installTime = (index: number): number => (o.time !== undefined ? o.time + index : now)
  for (const [index, { source, nevra, replaces }] of installs.entries()) {
    sources.set(index, source)
    const h = source.header
    const oldFiles = new Map<string, EngineFile>()
    for (const p of replaces)
      for (const f of p.files) if (f.state === 'normal' && !oldFiles.has(f.path)) oldFiles.set(f.path, f)
    const files: InstalledFile[] = []
    const actions: FileAction[] = []
    const takesOver: JournalInstall['takesOver'] = []
    const { relocations } = relocs[index] as PackageRelocations
    // Where the files go: rpm's skipInstallFiles runs on the relocated names (so %_netsharedpath matches there),
    // its relocation code's exclusions (--excludepath) on the packaged ones.
    const placed = relocations.length > 0 ? h.files.map((f) => relocatedPath(f.path, relocations)) : undefined
    const skipped =
      o.exact === undefined
        ? excludedFiles(placed === undefined ? h.files : h.files.map((f, i) => ({ ...f, path: placed[i] as string })), {
            docs: flags.excludedocs,
            artifacts: flags.excludeartifacts,
            configs: flags.excludeconfigs,
            paths: o.netsharedPaths,
            ...(flags.excludepaths !== undefined && flags.excludepaths.length > 0
              ? {
                  also: new Set(
                    h.files.flatMap((f, i) => (atOrBelow(f.path, flags.excludepaths) ? [placed?.[i] ?? f.path] : [])),
                  ),
                }
              : {}),
            langs: o.installLangs,
            colors: o.colors,
          })
        : new Set<string>()
    for (const [i, packaged] of h.files.entries()) {
      // A relocated file is a copy with its new path (the header's own stays as packaged, its payload's name).
      const moved = placed?.[i] ?? packaged.path
      const f = moved === packaged.path ? packaged : { ...packaged, path: moved }
      const host = resolver.host(f.path)
      const writeHost = writer.host(f.path)
      const excluded = skipped.has(moved)
      // A colored file of a color the transaction does not install is never written (rpm's skipInstallFiles);
      // one whose other build the colors prefer is left to it (rpm's handleColorConflict).
      let wrongColor = o.exact === undefined && outsideColors(o.colors, f.color)
      if (!excluded && !wrongColor) newHosts.add(host)
      let shared: FileAction | undefined
      // The header's own file object becomes the record's, its state added: no copy per file.
      const netshared = excluded && atOrBelow(moved, o.netsharedPaths)
      files.push(
        Object.assign(f, {
          state: netshared ? ('netshared' as const) : excluded ? ('notinstalled' as const) : ('normal' as const),
        }),
      )
      if (o.exact === undefined && !excluded && !wrongColor) {
        for (const other of owners.get(host) ?? []) {
          if (!filesDiffer(other.file, f)) continue
          // A file of a package this transaction removes only conflicts where rpm cannot change its type.
          // rpm lets a removal conflict through on --test when the package has a %pretrans that may fix it.
          let conflicts = other.removed
            ? removalConflict(f, other.file, host) && !(flags.test === true && h.scripts.pretrans !== undefined)
            : true
          const winner = conflicts ? colorWinner(o.colors, f.color, other.file.color) : undefined
          if (winner !== undefined) conflicts = false
          if (winner === 'old') wrongColor = true
          else if (!other.removed && !isConfig(f) && !isConfig(other.file))
            takesOver.push({
              nevra: other.nevra,
              path: other.file.path,
              ...(winner === 'new' ? { wrongColor: true as const } : {}),
            })
          if (conflicts && !replacefiles)
            problems.push(`\tfile ${f.path} from install of ${nevra} conflicts with file from package ${other.nevra}`)
        }
        const prior = newOwners.get(host)
        if (prior !== undefined && filesDiffer(prior.file, f)) {
          const winner = wrongColor ? undefined : colorWinner(o.colors, f.color, prior.file.color)
          if (winner === 'new') {
            // The earlier element's file loses: it is not written and its record says so.
            Object.assign(prior.file, { state: 'wrongcolor' as const })
            prior.action.fate = 'skip'
            prior.action.reason = COLOR_LOST
            delete prior.action.temp
            delete prior.action.suffix
          } else if (winner === 'old') wrongColor = true
          else if (!replacefiles) {
            // rpm names the element it is checking first, then the earlier one that has the file (its altNEVR).
            problems.push(`\tfile ${f.path} conflicts between attempted installs of ${nevra} and ${prior.nevra}`)
          }
        }
        if (prior !== undefined && prior.nevra !== nevra && !filesDiffer(prior.file, f)) {
          shared = prior.action
          // rpm: "if the other file is color skipped then skip this file too"
          if ((prior.file as InstalledFile).state === 'wrongcolor') wrongColor = true
        }
      }
      // One object per file, its optional fields set only when present (no spread copies: this runs per file of
      // every package, and the objects are most of what planning allocates).
      const action: FileAction = {
        path: f.path,
        host: writeHost,
        kind: f.kind,
        fate: 'skip',
        reason: '',
        mode: f.mode,
        // Owners are resolved when the files are written (after %pre); see resolveOwners.
        user: f.user,
        group: f.group,
        uid: 0,
        gid: 0,
        mtime: f.mtime,
        size: f.size,
      }
      if (f !== packaged) action.payloadPath = packaged.path
      if (f.caps !== undefined && flags.nocaps !== true) action.caps = f.caps
      if (f.linkTarget !== undefined) action.linkTarget = f.linkTarget
      if (f.rdev !== undefined) action.rdev = f.rdev
      if (f.digest !== undefined) action.digest = f.digest
      actions.push(action)
      if (wrongColor) {
        Object.assign(f, { state: 'wrongcolor' as const })
        action.reason = COLOR_LOST
        continue
      }
      if (o.exact === undefined && !excluded) newOwners.set(host, { nevra, file: f, action })
      if (f.flags.ghost === true || excluded) {
        action.reason = netshared ? 'netshared: not installed' : excluded ? 'doc: excluded' : 'ghost: never written'
        continue
      }
      const old = oldFiles.get(f.path)
      if (old !== undefined && old.kind === 'file' && (old.mode & 0o6000) !== 0) action.oldSetid = true
      // Below a directory that is not there (a fresh install's new folders) nothing is: no look per file.
      const d = writer.knownMissing(writeHost.slice(0, writeHost.lastIndexOf('/')))
        ? ABSENT
        : disk.state(writeHost, isConfig(f) || (old !== undefined && isConfig(old)))
      if (d.state !== null && d.needsDigest) d.state.digest = await diskDigest(writeHost, h.digestAlgo)
      const decision = installFate(f, old, d.state, o.exact !== undefined)
      action.fate = decision.fate
      action.reason = decision.reason
      if (decision.suffix) action.suffix = decision.suffix
      // rpm's %_minimize_writes: a file the upgrade would rewrite with what is on disk already is only touched
      // (owner, mode, mtime), where neither version is %config or hard-linked (rpm's rpmfileContentsEqual).
      if (
        o.minimizeWrites === true &&
        action.fate === 'create' &&
        old !== undefined &&
        !isConfig(f) &&
        !isConfig(old) &&
        (old.nlink ?? 1) === 1 &&
        (f.nlink ?? 1) === 1 &&
        d.state !== null &&
        (await sameOnDisk(writeHost, old, f, h.digestAlgo, diskDigest))
      ) {
        action.fate = 'touch'
        action.reason = 'minimize writes: on disk as the new version: owner, mode and time set'
      }
      // A file two packages of this transaction share, identical: the first writes it, the later one leaves it
      // (rpm's handleOverlappedFiles), so its mtime and owner are the first's.
      if (shared !== undefined && f.kind !== 'dir' && writesContent(shared.fate) && writesContent(action.fate)) {
        action.fate = 'skip'
        action.reason = 'shared: an earlier package of the transaction writes it'
        delete action.suffix
      }
      // A touched file gets a temporary name too: written only if it is gone when its element unpacks (see
      // stagePackage), as rpm's fsm creates a touched file that vanished (a %pre that removes it).
      if (
        (writesContent(action.fate) || action.fate === 'touch') &&
        (f.kind === 'file' || f.kind === 'symlink' || nodeType(f.mode) !== undefined)
      )
        action.temp = `${writeHost};${tidHex}`
    }
    const { files: _drop, ...rest } = h
    void _drop
    const saved = o.exact?.recordFor(source.origin)
    const record =
      saved !== undefined
        ? { ...saved, installTime: installTime(index), installTid: tid, installIndex: index }
        : {
            ...rest,
            nevra,
            installTime: installTime(index),
            installTid: tid,
            installIndex: index,
            ...(h.prefixes !== undefined ? { installPrefixes: installPrefixes(h.prefixes, relocations) } : {}),
            files,
          }
    elements.push({
      op: 'install',
      nevra,
      origin: source.origin,
      record,
      replaces: replaces.map((p) => p.nevra),
      actions,
      takesOver,
    })
  }

  for (const { pkg, replacedBy, sameNevra } of erasing.values()) {
    const actions: EraseAction[] = []
    // rpm removes files walking the list backwards: its warnings come in that order.
    for (const f of [...pkg.files].reverse()) {
      // rpm's skipEraseFiles: what is below a %_netsharedpath stays, whatever its state.
      if (f.state !== 'normal' || atOrBelow(f.path, o.netsharedPaths)) continue
      const host = resolver.host(f.path)
      if (newHosts.has(host)) continue
      if ((owners.get(host) ?? []).some((x) => x.nevra !== pkg.nevra && !x.removed && x.file.state === 'normal'))
        continue
      const d = disk.state(host, isConfig(f))
      if (d.state === null && f.flags.ghost !== true && f.flags.missingok !== true) {
        // rpm's FA_ERASE of a file already gone: its removal fails, which rpm reports (a %ghost or %missingok not)
        actions.push({
          path: f.path,
          host,
          kind: f.kind,
          fate: 'erase',
          reason: 'absent: removal fails',
          missing: true,
        })
        continue
      }
      if (d.state !== null && d.needsDigest) d.state.digest = await diskDigest(host, pkg.digestAlgo)
      const decision = decideFileFate({ op: 'erase', old: toPkgState(f), disk: d.state })
      if (decision.fate !== 'erase' && decision.fate !== 'save') continue
      actions.push({
        path: f.path,
        host,
        kind: f.kind,
        fate: decision.fate,
        reason: decision.reason,
        ...(decision.suffix ? { suffix: decision.suffix } : {}),
      })
    }
    const { files: _files, ...header } = pkg
    void _files
    elements.push({
      op: 'erase',
      nevra: pkg.nevra,
      ...(replacedBy !== undefined ? { replacedBy } : {}),
      sameNevra,
      actions,
      header,
    })
  }

  const installElements = elements.filter((e): e is JournalInstall => e.op === 'install')
  const dirs = plannedDirs(installElements.map((e) => e.actions.flatMap((a) => (a.temp !== undefined ? [a.temp] : []))))
  for (const [k, e] of installElements.entries()) e.createdDirs = dirs[k] ?? []

  const plan: JournalPlan = {
    tid,
    root,
    time: now,
    op: o.rollbackOf !== undefined ? 'rollback' : o.op,
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.rollbackOf !== undefined ? { rollbackOf: o.rollbackOf } : {}),
    chown: o.identity?.uid === 0,
    elements,
    createdDirs: [],
    ...(flags.nodb === true ? { nodb: true as const } : {}),
  }
  // --noorder: rpm runs the elements as it added them, each install followed by the erasures it brings.
  if (flags.noorder === true) {
    const order = elements.flatMap((e, i) =>
      e.op === 'erase' && e.replacedBy !== undefined
        ? []
        : [
            i,
            ...(e.op === 'install'
              ? elements.flatMap((x, j) => (x.op === 'erase' && x.replacedBy === i ? [j] : []))
              : []),
          ],
    )
    if (order.some((k, at) => k !== at)) plan.order = order
  }
  return { problems, checked, plan, sources, unmatched }
}

/** Plan a transaction and report each file's fate; changes nothing (the installer's --dry-run). */
export async function planTransaction(o: TransactionOptions): Promise<TransactionPlan> {
  const root = resolve(o.root)
  const warnings: string[] = []
  const prep = await prepare(o, root, 0, (l) => warnings.push(l))
  return {
    problems: prep.problems,
    warnings,
    elements: prep.plan.elements.map((e) => ({
      op: e.op,
      nevra: e.nevra,
      ...(e.op === 'install' && e.replaces.length > 0 ? { replaces: e.replaces.join(' ') } : {}),
      files: e.actions.map((a) => ({
        path: a.path,
        fate: a.fate,
        reason: a.reason,
        ...(a.suffix ? { suffix: a.suffix } : {}),
      })),
    })),
  }
}

/** Run an rpm transaction (rpm -i/-U/-F/-e) on `root`; problems are returned as data, broken invariants throw. */
export async function runTransaction(o: TransactionOptions): Promise<TransactionResult> {
  return withDbLock(resolve(o.root), () => runLocked(o))
}

async function runLocked(o: TransactionOptions): Promise<TransactionResult> {
  // The barriers' syncs go through one helper process started now, while this process is small: forking it later,
  // grown by the plan, for each barrier costs more than the syncs (see FileSystemSyncer).
  const syncer = o.flags?.test === true ? undefined : FileSystemSyncer.start()
  try {
    return await runWith(o, syncer)
  } finally {
    syncer?.close()
  }
}

async function runWith(o: TransactionOptions, syncer: FileSystemSyncer | undefined): Promise<TransactionResult> {
  const root = resolve(o.root)
  const flags = o.flags ?? {}
  const warnings: string[] = []
  const warn = (l: string): void => {
    warnings.push(l)
    o.onWarning?.(l)
  }
  const rec = await recoverInterrupted(root, {
    onWarning: warn,
    ...(o.onScriptOutput ? { onScriptOutput: o.onScriptOutput } : {}),
  })
  const recovery =
    rec.recovered && rec.action !== undefined && rec.tid !== undefined
      ? { recovery: { tid: rec.tid, action: rec.action } }
      : {}
  const tid = await allocateTid(root, o.time ?? Math.floor(Date.now() / 1000))
  // One database for the whole run: its records (thousands of files each) are read and validated once.
  const db = new PackageDb(root)
  let prepared = await prepare(o, root, tid, warn, db)
  // rpm runs %pretrans before it looks at the files (rpmtsRun: checkProblems, %pretrans, then rpmtsPrepare's fates
  // and file conflicts), so a %pretrans can make room for what the packages bring (a directory becoming a symlink):
  // the files are planned again after it, and conflicts still left stop the transaction after it ran.
  const window = serviceWindow(o.window)
  const pretransFailed = new Set<number>()
  const pretransOut: ExecuteOutcome = {
    installed: [],
    erased: [],
    created: [],
    failed: new Set(),
    scriptletFailures: 0,
  }
  const pretrans = plannedPretrans(prepared.plan, flags)
  if (pretrans.length > 0 && prepared.checked === 0) {
    // %pretrans may do anything: the window opens before it.
    await window.open()
    for (const [i, e] of pretrans) {
      const ok = await runReported(
        { root, warn, out: pretransOut, ...(o.onScriptOutput ? { onScriptOutput: o.onScriptOutput } : {}) },
        'pretrans',
        e.nevra,
        e.record.scripts.pretrans,
        [(await db.byName(e.record.name)).length + 1],
        undefined,
        e.record.installPrefixes,
      )
      if (ok === false) {
        pretransFailed.add(i)
        warn(`error: ${e.nevra}: install skipped`)
      }
    }
    prepared = await prepare(o, root, tid, () => {}, db).catch(async (error: unknown) => {
      await window.close()
      throw error
    })
  }
  const { problems, plan, sources, unmatched } = prepared
  const result: TransactionResult = {
    tid,
    ok: true,
    exitCode: 0,
    problems,
    installed: [],
    erased: [],
    created: [],
    warnings,
    scriptletFailures: pretransOut.scriptletFailures,
    ...recovery,
  }
  // rpm's exit status for problems: on erase the arguments it could not match; otherwise rpmtsRun's count of the
  // transaction's elements (an upgrade's erasures included).
  if (problems.length > 0) {
    await window.close()
    const exitCode = o.op === 'erase' ? Math.max(1, unmatched) : Math.max(1, plan.elements.length)
    return { ...result, ok: false, exitCode }
  }
  if (flags.test === true || plan.elements.length === 0) return result
  const failed = new Set<number>()

  if (flags.justdb === true) {
    for (const e of plan.elements) {
      if (e.op === 'install') {
        await commitInstallDb(db, e)
        result.installed.push({ nevra: e.nevra, ...(e.replaces.length > 0 ? { replaced: e.replaces.join(' ') } : {}) })
      } else if (!e.sameNevra) {
        await db.remove(e.nevra)
        result.erased.push(e.nevra)
      }
    }
    return finish(root, plan, failed, result)
  }

  // --repackage: the saved records now; the files are kept inside the window, the .rpm files written after it.
  const repackaged = new Map<string, InstalledPackage>()
  if (flags.repackage === true) {
    for (const e of plan.elements) {
      if (e.op !== 'erase') continue
      const pkg = await db.get(e.nevra)
      if (pkg === undefined) continue
      const target = repackageTarget(root, pkg, tid)
      await saveRecordFor(target, pkg)
      e.repackaged = target.file
      e.savedRecord = target.savedRecord
      e.kept = target.kept
      repackaged.set(e.nevra, pkg)
    }
  }

  const count = async (name: string): Promise<number> => (await db.byName(name)).length
  plan.before = {}
  for (const e of plan.elements) if (e.op === 'install') plan.before[e.record.name] = await count(e.record.name)
  plan.scriptFlags = Object.fromEntries(SCRIPT_FLAGS.filter((k) => flags[k] === true).map((k) => [k, true]))
  const journal = await Journal.begin(root, plan, syncer)
  const out: ExecuteOutcome = { installed: [], erased: [], created: [], failed, scriptletFailures: 0 }
  const installs = [...plan.elements.entries()].filter((x): x is [number, JournalInstall] => x[1].op === 'install')
  const marks = new Set<string>()
  const fault = faultSteps(o.fault, () => process.kill(process.pid, 'SIGKILL'))
  let done: TransactionResult
  try {
    await stageEarly({ o, root, plan, sources, installs, journal, out, warn, window, db, marks, pretransFailed })
    fault.step('stage')?.()
    // The replaced files are hard-linked for rollback while services still run; the rest is kept inside the window.
    const kept = await keepReplaced(root, plan, repackaged, warn).catch((error: unknown) =>
      undoStaged(
        plan,
        installs,
        journal,
        warn,
        fsTransactionError(error, 'E_IO', 'cannot keep the replaced files for rollback'),
      ),
    )
    // The staged bytes go to disk while services still run: the commit barrier inside the window stays short.
    if (o.window !== undefined) await journal.settle()
    // Everything from here on is visible: the caller's services are stopped for it, and only for it.
    await window.open()
    try {
      kept()
    } catch (error) {
      await undoStaged(
        plan,
        installs,
        journal,
        warn,
        fsTransactionError(error, 'E_IO', 'cannot keep the replaced files for rollback'),
      )
    }
    const progress = swapProgress(plan, o.onProgress)
    const step = (phase: 'commit' | 'erase'): (() => void) | undefined => {
      const kill = fault.step(phase)
      if (phase !== 'commit') return kill
      return () => {
        progress()
        kill?.()
      }
    }
    await executePlan({
      root,
      plan,
      journal,
      marks,
      out,
      warn,
      sources,
      ...(o.onScriptOutput ? { onScriptOutput: o.onScriptOutput } : {}),
      onStep: step,
      identity: o.identity,
      db,
    })
    result.installed.push(...out.installed)
    result.erased.push(...out.erased)
    result.created.push(...out.created)
    result.scriptletFailures += out.scriptletFailures
    done = await finish(root, plan, failed, result)
    await journal.end()
  } finally {
    await window.close()
  }
  if (o.repackageLazily !== true) await writeKeptPackages(plan, warn)
  return done
}

interface StageContext {
  o: TransactionOptions
  root: string
  plan: JournalPlan
  sources: Map<number, PackageSource>
  installs: [number, JournalInstall][]
  journal: Journal
  out: ExecuteOutcome
  warn: (l: string) => void
  window: TransactionWindow
  db: PackageDb
  /** Journal marks written here, so executePlan does not stage an element twice. */
  marks: Set<string>
  /** The install elements whose %pretrans failed (it ran before the files were planned): they are skipped. */
  pretransFailed: ReadonlySet<number>
}

// The install elements whose %pretrans runs: none on --test or --justdb (rpm's _noTransScripts) or with it off.
function plannedPretrans(plan: JournalPlan, flags: TransactionFlags): [number, JournalInstall][] {
  if (flags.test === true || flags.justdb === true || !scriptEnabled(flags, 'pretrans')) return []
  return [...plan.elements.entries()].filter(
    (x): x is [number, JournalInstall] => x[1].op === 'install' && x[1].record.scripts.pretrans !== undefined,
  )
}

// The elements whose %pretrans failed are skipped; then the files of the elements nothing can see early (see
// earlyElements) are written beside their targets before the window opens; the others are staged by executePlan
// after their %pre. On failure the temps are removed again.
async function stageEarly(c: StageContext): Promise<void> {
  const { o, root, plan, installs, journal, out, warn } = c
  const early = await earlyElements(plan, installs, c.db)
  try {
    for (const i of c.pretransFailed) {
      out.failed.add(i)
      await journal.mark(`skipped ${i}`)
    }
    for (const [i, e] of installs) {
      if (!early.has(i) || out.failed.has(i)) continue
      resolveOwners(root, e.actions, warn)
      try {
        await stagePackage({
          root,
          source: c.sources.get(i) as PackageSource,
          actions: byPayloadPath(e.actions),
          digestAlgo: e.record.digestAlgo,
          chown: plan.chown,
          identity: o.identity,
          createdDirs: [],
        })
      } catch (error) {
        if (!(error instanceof UnpackError)) throw error
        // rpm fails this element (an unsafe symlink) and goes on with the others.
        unstage(e.actions, e.createdDirs ?? [])
        out.failed.add(i)
        await journal.mark(`skipped ${i}`)
        for (const l of error.lines) warn(l)
        warn(`error: ${e.nevra}: install failed`)
        continue
      }
      await journal.mark(`staged ${i}`)
      c.marks.add(`staged ${i}`)
    }
  } catch (error) {
    await undoStaged(plan, installs, journal, warn, fsTransactionError(error, 'E_IO', 'cannot stage the new file'))
  }
}

// The install elements whose files can be written before the window without any scriptlet seeing them early: in
// rpm's order no %pretrans, no %pre or trigger of theirs, and no %post or trigger of an element before them runs
// ahead of their files (erasures come after all installs). Owners then resolve as they would in order.
async function earlyElements(
  plan: JournalPlan,
  installs: [number, JournalInstall][],
  db: PackageDb,
): Promise<Set<number>> {
  const flags = plan.scriptFlags ?? {}
  const on = (name: ScriptName): boolean => scriptEnabled(flags, name)
  const early = new Set<number>()
  if (on('pretrans') && installs.some(([, e]) => e.record.scripts.pretrans !== undefined)) return early
  const sensed = (['prein', 'in', 'un'] as const).some((s) => triggerEnabled(flags, s))
  const pkgs = sensed ? await db.list() : []
  const installed = pkgs.flatMap((p) => p.triggers)
  const fires = (h: JournalInstall['record'], kind: 'triggerprein' | 'triggerin'): boolean =>
    triggerEnabled(flags, triggerKindSense(kind)) &&
    (h.triggers.some((t) => t.kind === kind) || installed.some((t) => t.kind === kind && t.name === h.name))
  // File triggers: a %transfiletriggerun runs before any element; an element that may set off a %filetriggerin
  // (its own, or an installed package's on its files) runs it as it runs %post.
  const fileTriggers = pkgs.flatMap((p) => p.fileTriggers ?? [])
  if (
    triggerEnabled(flags, 'un') &&
    fileTriggers.some((t) => t.kind === 'transfiletriggerun') &&
    plan.elements.some((e) => e.op === 'erase')
  )
    return early
  const setsOff = (h: JournalInstall['record']): boolean =>
    triggerEnabled(flags, 'in') &&
    ((h.fileTriggers ?? []).some((t) => t.kind === 'filetriggerin') ||
      fileTriggers.some(
        (t) => t.kind === 'filetriggerin' && h.files.some((f) => t.prefixes.some((p) => f.path.startsWith(p))),
      ))
  // --noorder runs an upgrade's erasures between the installs: none is written early past the first of them.
  const firstErase = plan.order?.findIndex((k) => plan.elements[k]?.op === 'erase') ?? -1
  const afterErase = new Set(firstErase < 0 ? [] : plan.order?.slice(firstErase))
  for (const [i, e] of installs) {
    const h = e.record
    if (afterErase.has(i)) break
    if ((on('pre') && h.scripts.pre !== undefined) || fires(h, 'triggerprein')) break
    early.add(i)
    if ((on('post') && h.scripts.post !== undefined) || fires(h, 'triggerin') || setsOff(h)) break
  }
  return early
}

// Nothing visible was changed: the temps, the folders made for them and kept copies go, then `failure` is thrown.
async function undoStaged(
  plan: JournalPlan,
  installs: [number, JournalInstall][],
  journal: Journal,
  warn: (l: string) => void,
  failure: unknown,
): Promise<never> {
  try {
    for (const [, e] of installs) unstage(e.actions, e.createdDirs ?? [])
    unstage([], plan.createdDirs)
  } catch (undoError) {
    // The journal stays, so the next command finishes the undo; this run reports why it failed first.
    warn(`warning: ${undoError instanceof Error ? undoError.message : String(undoError)}`)
    throw failure
  }
  removeKept(plan)
  await journal.end()
  throw failure
}

// The window opens once and closes once, and only if it opened.
function serviceWindow(w: TransactionWindow | undefined): TransactionWindow {
  let state: 'shut' | 'open' | 'closed' = 'shut'
  return {
    open: async () => {
      if (state !== 'shut') return
      state = 'open'
      await w?.open()
    },
    close: async () => {
      if (state !== 'open') return
      state = 'closed'
      await w?.close()
    },
  }
}

// Each repackaged package's files are kept: hard links for files the swap unlinks or renames over now, copies
// of those that stay in place by the returned function, inside the window before the first rename.
async function keepReplaced(
  root: string,
  plan: JournalPlan,
  packages: ReadonlyMap<string, InstalledPackage>,
  warn: (l: string) => void,
): Promise<() => void> {
  const leaving = new Set<string>()
  const hosts = new Map<string, string>()
  for (const e of plan.elements) {
    for (const a of e.actions) {
      hosts.set(a.path, a.host)
      const renamedOver = 'temp' in a && a.fate === 'create' && a.temp !== undefined
      if (renamedOver || (e.op === 'erase' && a.fate === 'erase')) leaving.add(a.path)
    }
  }
  const finishers: (() => void)[] = []
  for (const e of plan.elements) {
    if (e.op !== 'erase' || e.kept === undefined) continue
    const pkg = packages.get(e.nevra)
    if (pkg === undefined) continue
    finishers.push(
      (
        await keepInstalled({
          root,
          pkg,
          dir: e.kept,
          leavesPlace: (path) => leaving.has(path),
          hosts,
          onWarning: warn,
        })
      ).finish,
    )
  }
  return () => {
    for (const finish of finishers) finish()
  }
}

function swapProgress(plan: JournalPlan, onProgress: TransactionOptions['onProgress']): () => void {
  if (onProgress === undefined) return () => undefined
  const sizes: number[] = []
  for (const e of plan.elements)
    if (e.op === 'install')
      for (const a of e.actions)
        if (a.temp !== undefined && a.kind !== 'dir' && a.fate !== 'touch') sizes.push(a.size ?? 0)
  const bytesTotal = sizes.reduce((x, y) => x + y, 0)
  let n = 0
  let bytesDone = 0
  onProgress({ step: 'swap', bytesDone, bytesTotal })
  return () => {
    bytesDone += sizes[n++] ?? 0
    if (n % 64 === 0 || n === sizes.length) onProgress({ step: 'swap', bytesDone, bytesTotal })
  }
}

async function finish(
  root: string,
  plan: JournalPlan,
  failed: Set<number>,
  result: TransactionResult,
): Promise<TransactionResult> {
  if (failed.size > 0) {
    result.ok = false
    // rpm's rpmInstall/rpmErase: a transaction with any failed element exits with the number of its packages.
    const kind = plan.op === 'erase' ? 'erase' : 'install'
    result.exitCode = result.exitCode || Math.max(1, plan.elements.filter((e) => e.op === kind).length)
  }
  if (plan.nodb !== true) await writeHistory(root, historyFromPlan(plan, failed, result.created, result.exitCode))
  return result
}
