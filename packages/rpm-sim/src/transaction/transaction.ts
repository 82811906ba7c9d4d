// The transaction engine: runs a plan made as rpm 4.18 makes it (see _prepare.ts: version checks, supersession, rpm's
// element order; then, after %pretrans as rpm's rpmtsRun, file conflicts as a problem list and per-file fates):
// staging, per element pre/files/post and triggers, erasures with preun/files/postun, posttrans; journaled so a kill
// is finished or undone next time.
import { resolve } from 'node:path'
import { FileSystemSyncer } from '@rdbpkg/core'
import type { PackageSource, ScriptName } from '../format/model.js'
import { triggerKindSense } from '../format/model.js'
import { withDbLock } from '../db/_lock.js'
import { UnpackError, byPayloadPath, stagePackage, unstage } from './_stage.js'
import { resolveOwners } from './_owners.js'
import { fsTransactionError } from '../base/transaction-error.js'
import type { InstalledPackage } from '../db/db.js'
import { PackageDb } from '../db/db.js'
import { allocateTid, writeHistory } from '../db/history.js'
import type { JournalInstall, JournalPlan } from './_plan.js'
import { SCRIPT_FLAGS } from './_plan.js'
import { Journal } from './_journal.js'
import { commitInstallDb, historyFromPlan } from './_db-commit.js'
import { recoverInterrupted } from './recovery.js'
import { removeKept, writeKeptPackages } from './_kept.js'
import type { ExecuteOutcome } from './_execute.js'
import { executePlan, runReported, scriptEnabled, triggerEnabled } from './_execute.js'
import { keepInstalled, repackageTarget, saveRecordFor } from './_repackage.js'
import { faultSteps } from './fault.js'
import type {
  TransactionFlags,
  TransactionOptions,
  TransactionPlan,
  TransactionResult,
  TransactionWindow,
} from './options.js'
import { prepare } from './_prepare.js'

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
    scriptEnv: o.scriptEnv,
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
        {
          root,
          warn,
          out: pretransOut,
          ...(o.onScriptOutput ? { onScriptOutput: o.onScriptOutput } : {}),
          scriptEnv: o.scriptEnv,
        },
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
    elements: plan.elements.length,
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
      scriptEnv: o.scriptEnv,
      onStep: step,
      identity: o.identity,
      db,
    }).catch((error: unknown) => {
      // The file system refused a step (a rename onto an immutable file, a read-only mount): one line naming the
      // path and why; the journal stays, so once that is fixed the next command finishes (or undoes) the transaction.
      throw fsTransactionError(error, 'E_IO', 'cannot go on with the transaction', PENDING)
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

// What an operator reads after a file system error stopped a transaction midway.
const PENDING =
  'it stays pending: once the path can be written (an immutable file? chattr -i; a read-only mount?) the next rpm-sim command finishes it'

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
