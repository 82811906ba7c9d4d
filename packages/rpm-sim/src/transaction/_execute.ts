// Runs a plan in rpm's order, journaling each step, so the same code finishes a transaction after a kill: for each
// install: triggerprein, %pre, then its files (owners resolved now, staged under temporary names beside their
// targets, renamed into place), database, %post, triggerin; then each erasure: triggerun, %preun, files, database,
// %postun, triggerpostun; then %posttrans. Nothing of a package is on disk before its %pre has run. A step marked
// in the journal is not run twice; an element whose staging a kill interrupted after an earlier element was
// committed is undone and reported failed (its payload is gone with the process).
import { fateWarning } from '@rdbpkg/core'
import type {
  EngineHeader,
  EngineScript,
  EngineTrigger,
  FileTriggerKind,
  PackageSource,
  ScriptName,
  TriggerKind,
} from '../format/model.js'
import { evrSatisfies, triggerKindSense, triggerScriptKey } from '../format/model.js'
import type { TriggerSense } from '../format/tags.js'
import type { Identity, RenameNote } from './apply.js'
import { commitActions, commitErase } from './apply.js'
import { UnpackError, byPayloadPath, stagePackage, unstage } from './_stage.js'
import { resolveOwners } from './_owners.js'
import { fsTransactionError } from '../base/transaction-error.js'
import { PackageDb } from '../db/db.js'
import type { JournalErase, JournalInstall, JournalPlan, ScriptFlags } from './_plan.js'
import { commitInstallDb, noteToCreated } from './_db-commit.js'
import type { Journal, JournalMark } from './_journal.js'
import { journalDir } from './_journal.js'
import type { FileTriggerRun, PendingPostun, PriorityClass, TriggerPackage } from './_file-triggers.js'
import { ownTriggers, pendingPostuns, postunSetOffBy, transactionTriggers, triggersSetOffBy } from './_file-triggers.js'
import type { ScriptSlot } from './_scriptlet.js'
import type { ScriptEnv } from '../format/model.js'
import { runScriptlet } from './_scriptlet.js'
import type { CreatedFile } from '../db/history.js'

/** What an execution reports back. */
export interface ExecuteOutcome {
  installed: { nevra: string; replaced?: string }[]
  erased: string[]
  created: CreatedFile[]
  failed: Set<number>
  scriptletFailures: number
}

/** Inputs of {@link executePlan}. */
export interface ExecuteContext {
  root: string
  plan: JournalPlan
  journal: Journal
  /** Steps already done (recovery); empty on a normal run. */
  marks: Set<string>
  out: ExecuteOutcome
  warn: (line: string) => void
  onScriptOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void
  scriptEnv?: ScriptEnv | undefined
  /** Payloads of the install elements by index; absent in recovery (elements not yet staged then fail). */
  sources?: Map<number, PackageSource>
  /** Crash tests: called after each file step of a phase. */
  onStep?: (phase: 'commit' | 'erase') => (() => void) | undefined
  /** Who writes the files (see {@link TransactionOptions.identity}); absent in recovery. */
  identity?: Identity | undefined
  /** The root's database as the caller read it (read again when absent). */
  db?: PackageDb
}

// One trigger script naming several packages (`%triggerin -- a, b`) is several entries sharing one script; rpm
// runs that script once per event, as the first entry that matches says.
function firstRun(fired: Set<string>, t: EngineTrigger): boolean {
  const key = triggerScriptKey(t)
  if (fired.has(key)) return false
  fired.add(key)
  return true
}

/** Script switch of one slot under rpm's --noscripts / --noX rules. */
export function scriptEnabled(flags: ScriptFlags, name: ScriptName): boolean {
  if (flags.noscripts === true) return false
  const off = {
    pretrans: flags.nopretrans,
    pre: flags.nopre,
    post: flags.nopost,
    preun: flags.nopreun,
    postun: flags.nopostun,
    posttrans: flags.noposttrans,
    verifyscript: false,
  }[name]
  return off !== true
}

/**
 * Trigger switch of one sense, file triggers included, under rpm's rules: `--noscripts` and `--notriggers` turn
 * every sense off, `--notriggerprein`, `--notriggerin`, `--notriggerun` and `--notriggerpostun` one.
 */
export function triggerEnabled(flags: ScriptFlags, sense: TriggerSense): boolean {
  if (flags.noscripts === true || flags.notriggers === true) return false
  return flags[`notrigger${sense}`] !== true
}

/** Run one scriptlet as rpm reports it; false when it failed, undefined when there is none. */
export async function runReported(
  ctx: Pick<ExecuteContext, 'root' | 'warn' | 'onScriptOutput' | 'scriptEnv' | 'out'>,
  slot: ScriptSlot,
  nevra: string,
  script: EngineScript | undefined,
  args: number[],
  input?: string[],
  prefixes?: readonly string[],
): Promise<boolean | undefined> {
  if (script === undefined) return undefined
  const r = await runScriptlet({
    root: ctx.root,
    slot,
    nevra,
    script,
    args,
    ...(input !== undefined ? { input } : {}),
    prefixes,
    ...(ctx.onScriptOutput ? { onOutput: ctx.onScriptOutput } : {}),
    env: ctx.scriptEnv,
  })
  if (r.unsupported !== undefined) ctx.warn(`warning: ${r.unsupported}`)
  if (r.ok) return true
  // rpm 4.18 only warns about a failing %post, %postun, %posttrans or trigger and still exits 0; the failures
  // that skip an element (%pretrans, %pre, %preun) make the exit code 1 through the failed element.
  const fatal = slot === 'pre' || slot === 'preun' || slot === 'pretrans'
  ctx.warn(`${fatal ? 'error' : 'warning'}: ${r.message ?? ''}`)
  ctx.out.scriptletFailures += 1
  return false
}

/** Execute (or, with marks, finish) a staged plan. */
export async function executePlan(ctx: ExecuteContext): Promise<void> {
  const { plan, journal, marks, out } = ctx
  const db = ctx.db ?? new PackageDb(ctx.root)
  const flags = plan.scriptFlags ?? {}
  const on = (name: ScriptName): boolean => scriptEnabled(flags, name)
  const fires = (kind: TriggerKind | FileTriggerKind): boolean => triggerEnabled(flags, triggerKindSense(kind))
  const mark = async (m: JournalMark): Promise<void> => {
    marks.add(m)
    await journal.mark(m)
  }
  // `of`: the package whose script it is (its install prefixes go to the script's environment).
  const run = (
    slot: ScriptSlot,
    nevra: string,
    script: EngineScript | undefined,
    args: number[],
    of?: Pick<EngineHeader, 'installPrefixes'>,
  ) => runReported(ctx, slot, nevra, script, args, undefined, of?.installPrefixes)
  const count = async (name: string): Promise<number> => (await db.byName(name)).length
  // The instances after an element's database step, which --nodb leaves out (rpm counts as if it had been made).
  const nodb = plan.nodb === true ? 1 : 0
  const afterInstall = async (name: string): Promise<number> => (await count(name)) + nodb
  const afterErase = async (name: string, e: JournalErase): Promise<number> =>
    (await count(name)) - (e.sameNevra ? 0 : nodb)
  const onNote = (n: RenameNote): void => {
    const line = fateWarning(n.path, n.decision)
    if (line !== undefined) ctx.warn(line)
    const c = noteToCreated(n)
    if (c !== undefined) out.created.push(c)
  }
  // Triggers in other installed packages that `h` sets off, and triggers in `h` set off by installed packages.
  const fireOthers = async (
    kind: 'triggerprein' | 'triggerin' | 'triggerun' | 'triggerpostun',
    h: Pick<EngineHeader, 'name' | 'epoch' | 'version' | 'release'>,
    self: string,
    arg2: number,
  ): Promise<void> => {
    if (!fires(kind)) return
    for (const p of await db.list()) {
      if (p.nevra === self) continue
      const fired = new Set<string>()
      for (const t of p.triggers) {
        if (t.kind !== kind || t.name !== h.name || !evrSatisfies(h, t.sense, t.version)) continue
        if (!firstRun(fired, t)) continue
        await run(kind, p.nevra, t.script, [await count(p.name), arg2], p)
      }
    }
  }
  const fireOwn = async (
    kind: 'triggerprein' | 'triggerin' | 'triggerun',
    h: Pick<EngineHeader, 'triggers' | 'installPrefixes'>,
    nevra: string,
    arg1: number,
  ): Promise<void> => {
    if (!fires(kind)) return
    const all = await db.list()
    const fired = new Set<string>()
    for (const t of h.triggers) {
      if (t.kind !== kind) continue
      const hits = all.filter((p) => p.nevra !== nevra && p.name === t.name && evrSatisfies(p, t.sense, t.version))
      if (hits.length === 0 || !firstRun(fired, t)) continue
      await run(kind, nevra, t.script, [arg1, hits.length], h)
    }
  }
  const commitOnce = async (): Promise<void> => {
    if (!marks.has('commit')) await mark('commit')
  }
  // File triggers: rpm runs each with $1 0 and the paths that set it off on stdin; a failure only warns.
  const runFileTriggers = async (runs: FileTriggerRun[]): Promise<void> => {
    for (const r of runs) await runReported(ctx, r.trigger.kind, r.nevra, r.trigger.script, [0], r.input)
  }
  const fileTriggersOf = async (
    kind: 'filetriggerin' | 'filetriggerun' | 'filetriggerpostun',
    own: TriggerPackage,
    paths: () => Promise<string[]>,
    cls: PriorityClass,
    ownFirst: boolean,
  ): Promise<void> => {
    if (!fires(kind)) return
    const pkgs = await triggerPackages(own)
    if (!pkgs.some((p) => (p.fileTriggers?.length ?? 0) > 0)) return
    const changed = await paths()
    const others = () => triggersSetOffBy(pkgs, changed, kind, cls)
    const mine = () => (kind === 'filetriggerpostun' ? [] : ownTriggers(own, pkgs, kind, cls))
    if (ownFirst) await runFileTriggers([...mine(), ...others()])
    else await runFileTriggers([...others(), ...mine()])
  }
  // The database as triggers see it: an element being erased stays in it until its last trigger has run.
  const triggerPackages = async (own: TriggerPackage): Promise<TriggerPackage[]> => {
    const pkgs: TriggerPackage[] = await db.list()
    return pkgs.some((p) => p.nevra === own.nevra) ? pkgs : [...pkgs, own]
  }
  // The %transfiletriggerpostun the erasures set off, run at the end: each is journaled (`pending NEVRA INDEX
  // PRIORITY`) before its erasure's `postun` mark, so recovery after a kill in between still runs it.
  const pendingPostun: PendingPostun[] = [...marks].flatMap((m) => {
    const [word, nevra, index, priority] = m.split(' ')
    return word === 'pending' && nevra !== undefined && priority !== undefined
      ? [{ nevra, index: Number(index), priority: Number(priority) }]
      : []
  })

  const installs = [...plan.elements.entries()].filter((x): x is [number, JournalInstall] => x[1].op === 'install')
  const erases = [...plan.elements.entries()].filter((x): x is [number, JournalErase] => x[1].op === 'erase')

  // %transfiletriggerun first: installed packages' on the files the transaction erases, then each erased
  // package's own on every installed file (rpm runs them after %pretrans, before any element).
  if (fires('transfiletriggerun') && flags.nopretrans !== true && !marks.has('transfiletriggerun')) {
    const pkgs = await db.list()
    const erased = erases.flatMap(([, e]) => pkgs.filter((p) => p.nevra === e.nevra))
    const runs = [
      ...transactionTriggers(pkgs, erased, 'transfiletriggerun'),
      ...erased.flatMap((p) => ownTriggers(p, pkgs, 'transfiletriggerun', 0)),
    ]
    if (runs.length > 0) {
      await runFileTriggers(runs)
      await mark('transfiletriggerun')
    }
  }

  const installOne = async (i: number, e: JournalInstall): Promise<void> => {
    if (out.failed.has(i) || marks.has(`skipped ${i}`)) {
      out.failed.add(i)
      unstage(e.actions, [])
      return
    }
    const h = e.record
    if (!marks.has(`installed ${i}`) && !marks.has(`staged ${i}`) && ctx.sources?.get(i) === undefined) {
      // Recovery: this element's payload went with the killed process; nothing of it was committed.
      unstage(e.actions, e.createdDirs ?? [])
      out.failed.add(i)
      await mark(`skipped ${i}`)
      ctx.warn(`error: ${e.nevra}: install failed: interrupted before its files were written`)
      return
    }
    if (!marks.has(`installed ${i}`)) {
      if (!marks.has(`pre ${i}`)) {
        // %triggerprein: other packages' on this one, then this one's on installed packages; the new package is
        // not in the database yet, and rpm passes the counts as they are.
        await fireOthers('triggerprein', h, h.nevra, await count(h.name))
        await fireOwn('triggerprein', h, h.nevra, await count(h.name))
        if (on('pre') && (await run('pre', e.nevra, h.scripts.pre, [(await count(h.name)) + 1], h)) === false) {
          out.failed.add(i)
          await mark(`skipped ${i}`)
          ctx.warn(`error: ${e.nevra}: install failed`)
          return
        }
        await mark(`pre ${i}`)
      }
      if (!marks.has(`staged ${i}`)) {
        if (!(await stageElement(ctx, i, e, mark))) return
      } else resolveOwners(ctx.root, e.actions)
      await commitOnce()
      commitActions(ctx.root, e.actions, plan.chown, onNote, ctx.onStep?.('commit'))
      if (plan.nodb !== true) await commitInstallDb(db, e, journalDir(ctx.root))
      await mark(`installed ${i}`)
      out.installed.push({ nevra: e.nevra, ...(e.replaces.length > 0 ? { replaced: e.replaces.join(' ') } : {}) })
    }
    if (!marks.has(`post ${i}`)) {
      // %filetriggerin of priority 10000 and up before %post, the others after its triggers: installed packages'
      // on the files this element wrote, then its own on every installed file.
      // The element's files but those it leaves alone (rpm lists a %ghost, which it "creates" without writing).
      const written = async (): Promise<string[]> => {
        const ghosts = new Set(h.files.filter((f) => f.flags.ghost === true).map((f) => f.path))
        return e.actions.filter((a) => a.fate !== 'skip' || ghosts.has(a.path)).map((a) => a.path)
      }
      await fileTriggersOf('filetriggerin', h, written, 1, false)
      if (on('post')) await run('post', e.nevra, h.scripts.post, [await afterInstall(h.name)], h)
      // rpm counts the instances in the database at this moment: on upgrade the old one is still there.
      await fireOthers('triggerin', h, h.nevra, await afterInstall(h.name))
      await fireOwn('triggerin', h, h.nevra, await afterInstall(h.name))
      await fileTriggersOf('filetriggerin', h, written, 2, false)
      await mark(`post ${i}`)
    }
  }

  const eraseOne = async (j: number, e: JournalErase): Promise<void> => {
    if (marks.has(`skipped ${j}`)) {
      out.failed.add(j)
      return
    }
    if (e.replacedBy !== undefined && out.failed.has(e.replacedBy)) {
      // rpm marks the erasure of what a failed install would have replaced failed too, and says so when it comes
      // to it (rpmteMarkFailed, then rpmtsProcess's `erase skipped`).
      out.failed.add(j)
      await mark(`skipped ${j}`)
      ctx.warn(`error: ${e.nevra}: erase skipped`)
      return
    }
    const h = e.header
    const erasedPkg: TriggerPackage = (await db.get(e.nevra)) ?? { ...h, files: [] }
    // The files this erasure removes, in the package's order: its installed ones but those another package that
    // stays keeps (rpm lists a file already gone too: its removal finds nothing).
    const removed = async (): Promise<string[]> => {
      const leaving = new Set(erases.map(([, x]) => x.nevra))
      const kept = new Set(
        (await db.list())
          .filter((p) => !leaving.has(p.nevra))
          .flatMap((p) => p.files.filter((f) => f.state === 'normal').map((f) => f.path)),
      )
      return erasedPkg.files.filter((f) => (f.state ?? 'normal') === 'normal' && !kept.has(f.path)).map((f) => f.path)
    }
    if (!marks.has(`erased ${j}`)) {
      if (!marks.has(`preun ${j}`)) {
        const remaining = (await count(h.name)) - 1
        await fileTriggersOf('filetriggerun', erasedPkg, removed, 1, true)
        await fireOwn('triggerun', h, e.nevra, remaining)
        await fireOthers('triggerun', h, e.nevra, remaining)
        if (on('preun') && (await run('preun', e.nevra, h.scripts.preun, [remaining], h)) === false) {
          out.failed.add(j)
          await mark(`skipped ${j}`)
          ctx.warn(`error: ${e.nevra}: erase failed`)
          return
        }
        await fileTriggersOf('filetriggerun', erasedPkg, removed, 2, true)
        await mark(`preun ${j}`)
      }
      await commitOnce()
      commitErase(e.actions, onNote, ctx.onStep?.('erase'), ctx.warn)
      // rpm's rmdir("/") of a package owning the root fails in its chroot; commitErase leaves the root alone.
      if (e.actions.some((a) => a.path === '/' && a.kind === 'dir' && a.fate === 'erase'))
        ctx.warn('warning: directory /: remove failed: Device or resource busy')
      if (!e.sameNevra && plan.nodb !== true) await db.remove(e.nevra)
      await mark(`erased ${j}`)
      out.erased.push(e.nevra)
    }
    if (!marks.has(`postun ${j}`)) {
      await fileTriggersOf('filetriggerpostun', erasedPkg, removed, 1, false)
      if (on('postun')) await run('postun', e.nevra, h.scripts.postun, [await afterErase(h.name, e)], h)
      await fireOthers('triggerpostun', h, e.nevra, await afterErase(h.name, e))
      await fileTriggersOf('filetriggerpostun', erasedPkg, removed, 2, false)
      if (fires('transfiletriggerpostun') && flags.noposttrans !== true) {
        for (const p of postunSetOffBy(await triggerPackages(erasedPkg), erasedPkg)) {
          await mark(`pending ${p.nevra} ${p.index} ${p.priority}`)
          pendingPostun.push(p)
        }
      }
      await mark(`postun ${j}`)
    }
  }

  // rpm's order: the plan's (--noorder: each install followed by the erasures it brings), else every install,
  // then every erasure.
  for (const k of plan.order ?? [...installs, ...erases].map(([k]) => k)) {
    const e = plan.elements[k]
    if (e?.op === 'install') await installOne(k, e)
    else if (e?.op === 'erase') await eraseOne(k, e)
  }

  if (!marks.has('posttrans')) {
    for (const [i, e] of installs) {
      if (out.failed.has(i) || !on('posttrans')) continue
      // rpm 4.18 passes %posttrans the same $1 as %pretrans: the instances before the transaction plus one.
      await run('posttrans', e.nevra, e.record.scripts.posttrans, [(plan.before?.[e.record.name] ?? 0) + 1], e.record)
    }
    if (flags.noposttrans !== true) {
      // Then installed packages' %transfiletriggerin on the installed files, the %transfiletriggerpostun the
      // erasures set off (no input), and each installed package's own %transfiletriggerin on every installed file;
      // --notriggerin and --notriggerpostun each leave their part out.
      const pkgs = await db.list()
      const added = installs
        .filter(([i]) => !out.failed.has(i))
        .flatMap(([, e]) => pkgs.filter((p) => p.nevra === e.nevra))
      const transIn = fires('transfiletriggerin')
      await runFileTriggers([
        ...(transIn ? transactionTriggers(pkgs, added, 'transfiletriggerin') : []),
        ...(fires('transfiletriggerpostun') ? pendingPostuns(pkgs, pendingPostun) : []),
        ...(transIn ? added.flatMap((p) => ownTriggers(p, pkgs, 'transfiletriggerin', 0)) : []),
      ])
    }
    await mark('posttrans')
  }
  await mark('done')
}

// Write one element's files under their temporary names, owners resolved now (after its %pre). A failure before
// anything was committed undoes the element, ends the journal and throws (the transaction changed nothing on disk);
// after a commit the element is undone and reported failed and the transaction goes on, as rpm's failed unpacking.
async function stageElement(
  ctx: ExecuteContext,
  i: number,
  e: JournalInstall,
  mark: (m: JournalMark) => Promise<void>,
): Promise<boolean> {
  const source = ctx.sources?.get(i) as PackageSource
  resolveOwners(ctx.root, e.actions, ctx.warn)
  try {
    await stagePackage({
      root: ctx.root,
      source,
      actions: byPayloadPath(e.actions),
      digestAlgo: e.record.digestAlgo,
      chown: ctx.plan.chown,
      identity: ctx.identity,
      createdDirs: [],
    })
  } catch (error) {
    const failure = fsTransactionError(error, 'E_IO', 'cannot stage the new file')
    try {
      unstage(e.actions, e.createdDirs ?? [])
    } catch (undoError) {
      // The journal stays, so the next command finishes the undo; this run reports why it failed first.
      ctx.warn(`warning: ${undoError instanceof Error ? undoError.message : String(undoError)}`)
      throw failure
    }
    // rpm's own unpacking failures (an unsafe symlink) fail the element and the transaction goes on, as in rpm.
    if (!ctx.marks.has('commit') && !(error instanceof UnpackError)) {
      await ctx.journal.end()
      throw failure
    }
    ctx.out.failed.add(i)
    await mark(`skipped ${i}`)
    if (error instanceof UnpackError) for (const l of error.lines) ctx.warn(l)
    else ctx.warn(`error: unpacking of archive failed: ${failure instanceof Error ? failure.message : String(failure)}`)
    ctx.warn(`error: ${e.nevra}: install failed`)
    return false
  }
  await mark(`staged ${i}`)
  return true
}
