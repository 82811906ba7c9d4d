// The transaction journal: the whole plan is written (fsynced) before anything is staged, and each step appends a
// line to `progress` (fsynced). After a kill the next command reads it: before the `commit` line nothing visible
// has changed, so the staged temps are removed (rolled back); after it, every remaining step is replayed
// (completed), because each commit step is idempotent. Either way the database matches the disk afterwards.
import { existsSync, rmSync } from 'node:fs'
import { open, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { InstalledPackage } from '../db/db.js'
import { dbDir } from '../db/db.js'
import type { PackageDb } from '../db/db.js'
import type { ExecuteOutcome, ScriptFlags } from './_execute.js'
import { executePlan } from './_execute.js'
import type { EraseAction, FileAction, RenameNote } from './apply.js'
import { unstage } from './apply.js'
import type { CreatedFile, TransactionRecord } from '../db/history.js'
import { writeHistory } from '../db/history.js'
import { errCode, syncDir, writeFileAtomic } from '../base/fs.js'
import { syncFileSystems } from '@rdbpkg/core'
import { TransactionError, fsTransactionError } from '../base/transaction-error.js'
import { lockDb } from '../db/_lock.js'
import { writeKept } from './repackage.js'

/** An install element of a journaled plan. */
export interface JournalInstall {
  op: 'install'
  nevra: string
  origin: string
  record: InstalledPackage
  /** NEVRAs of the installed instances this element upgrades. */
  replaces: string[]
  actions: FileAction[]
  /** Files of other installed packages this one takes over (--replacefiles): marked `replaced` there. */
  takesOver: { nevra: string; path: string }[]
  /** Host directories this element's staging creates (parents first), removed again when it is undone. */
  createdDirs?: string[]
}

/** An erase element of a journaled plan. */
export interface JournalErase {
  op: 'erase'
  nevra: string
  /** Index (in `elements`) of the install that replaces it, on upgrade. */
  replacedBy?: number
  /** The install reinstalls this very NEVRA (--replacepkgs): keep the record, remove only what it dropped. */
  sameNevra: boolean
  actions: EraseAction[]
  /** The erased package's header data (no files): its scripts and triggers run after its record is gone. */
  header: Omit<InstalledPackage, 'files'>
  repackaged?: string
  savedRecord?: string
  /** --repackage: the folder the files are kept in until `repackaged` is written from it (after the window). */
  kept?: string
}

/** A planned transaction as the journal stores it. */
export interface JournalPlan {
  tid: number
  /** The root the host paths below were made for (recovery re-bases them if the root was moved). */
  root?: string
  time: number
  op: TransactionRecord['op']
  description?: string
  rollbackOf?: number
  chown: boolean
  elements: (JournalInstall | JournalErase)[]
  /** Host directories staging creates (parents first); journals written since staging became per element keep
   * them in each element's `createdDirs` and leave this empty. */
  createdDirs: string[]
  /** Script switches (--noscripts, --noX, --notriggers), honoured by recovery too. */
  scriptFlags?: ScriptFlags
  /** Installed instances of each installed name before the transaction (%pretrans and %posttrans $1). */
  before?: Record<string, number>
}

/** The journal folder of a root. */
export function journalDir(root: string): string {
  return join(dbDir(root), 'journal')
}

/** Progress markers appended to the journal. */
export type JournalMark =
  | 'commit'
  | `pre ${number}`
  | `staged ${number}`
  | `installed ${number}`
  | `post ${number}`
  | `skipped ${number}`
  | `preun ${number}`
  | `erased ${number}`
  | `postun ${number}`
  | 'posttrans'
  | 'done'

/** An open journal of one running transaction. */
export class Journal {
  // Folders the plan writes in (targets, temps, kept files), gathered once: their file systems are synced.
  private folders: string[] | undefined

  private constructor(
    readonly root: string,
    readonly plan: JournalPlan,
    // Whether `commit` is in the journal: from then on recovery relies on each `staged N`, not only on `commit`.
    private committed: boolean,
  ) {}

  /** Write the plan and an empty progress file (both durable, and the journal folder's entry) before anything is staged. */
  static async begin(root: string, plan: JournalPlan): Promise<Journal> {
    const dir = journalDir(root)
    await writeFileAtomic(join(dir, 'progress'), '')
    await writeFileAtomic(join(dir, 'plan.json'), JSON.stringify(plan))
    await syncDir(dbDir(root))
    return new Journal(root, plan, false)
  }

  /** The journal of an interrupted transaction that had committed, to append to while recovering it. */
  static attach(root: string, plan: JournalPlan): Journal {
    return new Journal(root, plan, true)
  }

  /**
   * Append a progress marker and fsync it. A marker that records file changes as made first makes them durable
   * with one syncfs per file system (a barrier, never a sync per file), so a power cut never leaves the journal
   * past changes the disk lost: `commit` (the staged files, their folders, the kept links and spec.json of
   * --repackage), `staged N` once committed (an element staged after its %pre: recovery renames its temps),
   * `installed N` (its renames, folders, database record) and `erased N` (its removals and .rpmsave renames).
   * `staged N` before `commit` needs none: without `commit` recovery removes every temp.
   */
  async mark(m: JournalMark): Promise<void> {
    if (
      m === 'commit' ||
      m.startsWith('installed ') ||
      m.startsWith('erased ') ||
      (this.committed && m.startsWith('staged '))
    ) {
      syncFileSystems(this.fileSystems())
    }
    if (m === 'commit') this.committed = true
    const fh = await open(join(journalDir(this.root), 'progress'), 'a')
    try {
      // The leading newline ends a line a kill may have torn, so this mark always stands on its own line.
      await fh.write(`\n${m}\n`)
      await fh.sync()
    } finally {
      await fh.close()
    }
  }

  /**
   * Write back what the plan wrote so far (staged files, kept links) without a marker: called before a caller's
   * service window opens, so the `commit` barrier inside the window finds next to nothing left to write.
   */
  settle(): void {
    syncFileSystems(this.fileSystems())
  }

  // The root and every folder the plan writes in: `syncFileSystems` syncs each file system among them once.
  private fileSystems(): string[] {
    if (this.folders === undefined) {
      const dirs = new Set<string>([this.root])
      for (const e of this.plan.elements) {
        for (const a of e.actions) dirs.add(dirname(a.host))
        if (e.op === 'erase' && e.kept !== undefined) dirs.add(dirname(e.kept))
      }
      this.folders = [...dirs]
    }
    return this.folders
  }

  /**
   * The transaction finished: drop the journal. plan.json goes first and its removal is made durable before the
   * progress file goes: a power cut must never leave a plan without its progress, which recovery would take for
   * a transaction that never committed and undo (rewriting its history as failed). A journal without its plan
   * is removed by the next command.
   */
  async end(): Promise<void> {
    const dir = journalDir(this.root)
    await rm(join(dir, 'plan.json'), { force: true })
    await syncDir(dir).catch((error: unknown) => {
      if (errCode(error) !== 'ENOENT') throw error
    })
    await rm(dir, { recursive: true, force: true })
  }
}

/** The outcome of {@link recoverInterrupted}. */
export interface RecoveryResult {
  recovered: boolean
  /** Another live process holds the database lock (its transaction is running): nothing was touched. */
  busy?: boolean
  action?: 'completed' | 'rolled-back'
  tid?: number
  warnings?: string[]
}

/** Build the history record of a plan and what happened to its elements. */
export function historyFromPlan(
  plan: JournalPlan,
  failed: Set<number>,
  created: CreatedFile[],
  exitCode: number,
  recovered = false,
): TransactionRecord {
  return {
    tid: plan.tid,
    time: plan.time,
    op: plan.op,
    ...(plan.description !== undefined ? { description: plan.description } : {}),
    ...(plan.rollbackOf !== undefined ? { rollbackOf: plan.rollbackOf } : {}),
    elements: plan.elements.map((e, i) => ({
      op: e.op,
      nevra: e.nevra,
      ...(e.op === 'install' && e.replaces.length > 0 ? { replaces: e.replaces } : {}),
      ...(e.op === 'erase' && e.repackaged !== undefined ? { repackaged: e.repackaged } : {}),
      ...(e.op === 'erase' && e.savedRecord !== undefined ? { savedRecord: e.savedRecord } : {}),
      ...(e.op === 'erase' && e.kept !== undefined ? { kept: e.kept } : {}),
      ...(failed.has(i) ? { failed: true } : {}),
    })),
    created,
    exitCode,
    ...(recovered ? { recovered: true } : {}),
  }
}

/** The `created` entry (and rpm's warning) of a rename note. */
export function noteToCreated(n: RenameNote): CreatedFile | undefined {
  const s = n.decision.suffix
  if (s === undefined) return undefined
  return { path: n.path, savedAs: `${n.path}${s}`, kind: s.slice(1) as CreatedFile['kind'] }
}

/** Apply an install element's database side: its record, and `replaced` marks on files it took over. */
export async function commitInstallDb(db: PackageDb, e: JournalInstall): Promise<void> {
  await db.put(e.record)
  const byPkg = new Map<string, Set<string>>()
  for (const t of e.takesOver) {
    if (t.nevra === e.nevra) continue
    const s = byPkg.get(t.nevra) ?? new Set<string>()
    s.add(t.path)
    byPkg.set(t.nevra, s)
  }
  for (const [nevra, paths] of byPkg) {
    const other = await db.get(nevra)
    if (other === undefined) continue
    await db.put({
      ...other,
      files: other.files.map((f) => (paths.has(f.path) ? { ...f, state: 'replaced' as const } : f)),
    })
  }
}

/** Options of {@link recoverInterrupted}: where its warnings and scriptlet output go. */
export interface RecoveryOptions {
  onWarning?: (line: string) => void
  onScriptOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void
}

/**
 * Finish or undo a transaction that a kill interrupted; every operation runs this first. Before the commit began
 * the staged files are removed (rolled back); after it, the remaining steps run, scriptlets included, as the
 * transaction would have run them (completed).
 */
export async function recoverInterrupted(root: string, options: RecoveryOptions = {}): Promise<RecoveryResult> {
  // Nothing journaled: nothing to do, and no lock to take (queries stay read-only).
  if (!existsSync(journalDir(root))) return { recovered: false }
  let release: () => void
  try {
    release = lockDb(root)
  } catch (error) {
    // A live process holds the lock: its transaction is running, not interrupted; leave it alone.
    if (error instanceof TransactionError && error.code === 'E_LOCKED') return { recovered: false, busy: true }
    throw error
  }
  try {
    return await recoverLocked(root, options)
  } catch (error) {
    // Whatever stops recovery (a read-only or full folder) leaves the journal for the next command to retry.
    throw fsTransactionError(error, 'E_JOURNAL', 'cannot recover the interrupted transaction')
  } finally {
    release()
  }
}

/**
 * Recovery before a read-only query (-q, -qa, -ql, -V, --history): a transaction that cannot be recovered yet
 * (E_JOURNAL) is reported through `onWarning` in one line instead of thrown, so the database can still be read.
 */
export async function recoverForQuery(root: string, onWarning?: (line: string) => void): Promise<void> {
  try {
    await recoverInterrupted(root)
  } catch (error) {
    if (!(error instanceof TransactionError) || error.code !== 'E_JOURNAL') throw error
    onWarning?.(`warning: an interrupted transaction is pending and was not recovered: ${error.message}`)
  }
}

async function recoverLocked(root: string, options: RecoveryOptions): Promise<RecoveryResult> {
  const dir = journalDir(root)
  let text: string
  try {
    text = await readFile(join(dir, 'plan.json'), 'utf8')
  } catch (error) {
    if (errCode(error) !== 'ENOENT') throw error
    // A kill while the plan itself was being written leaves only a temp file: nothing had started.
    await rm(dir, { recursive: true, force: true })
    return { recovered: false }
  }
  let plan: JournalPlan
  try {
    plan = JSON.parse(text) as JournalPlan
  } catch (error) {
    throw new TransactionError('E_JOURNAL', `${join(dir, 'plan.json')}: not valid JSON`, {
      file: join(dir, 'plan.json'),
      cause: error,
    })
  }
  let progress = ''
  try {
    progress = await readFile(join(dir, 'progress'), 'utf8')
  } catch (error) {
    if (errCode(error) !== 'ENOENT') throw error
  }
  if (plan.root !== undefined && plan.root !== root) plan = rebase(plan, plan.root, root)
  // A torn last line (kill during the write) is ignored: its step is replayed, which is safe.
  const marks = new Set(progress.split('\n').filter((l) => l !== ''))
  const installs = plan.elements.filter((e): e is JournalInstall => e.op === 'install')
  if (!marks.has('commit')) {
    for (const e of installs) unstage(e.actions, [])
    unstage([], [...plan.createdDirs, ...installs.flatMap((e) => e.createdDirs ?? [])])
    removeKept(plan)
    // Recorded as a failed transaction, so --history shows what the kill interrupted; nothing in it took effect.
    await writeHistory(root, historyFromPlan(plan, new Set(plan.elements.map((_, i) => i)), [], 1, true))
    await rm(dir, { recursive: true, force: true })
    return { recovered: true, action: 'rolled-back', tid: plan.tid }
  }
  const j = Journal.attach(root, plan)
  const out: ExecuteOutcome = { installed: [], erased: [], created: [], failed: new Set(), scriptletFailures: 0 }
  const warnings: string[] = []
  const warn = (l: string): void => {
    warnings.push(l)
    options.onWarning?.(l)
  }
  warn(`warning: transaction ${plan.tid} was interrupted: finishing it`)
  await executePlan({
    root,
    plan,
    journal: j,
    marks,
    out,
    warn,
    ...(options.onScriptOutput ? { onScriptOutput: options.onScriptOutput } : {}),
  })
  await writeHistory(root, historyFromPlan(plan, out.failed, out.created, out.failed.size > 0 ? 1 : 0, true))
  await j.end()
  await writeKeptPackages(plan, warn)
  return {
    recovered: true,
    action: 'completed',
    tid: plan.tid,
    warnings,
  }
}

// Host paths in a plan are absolute; a root that was moved or named another way since is re-based onto.
function rebase(plan: JournalPlan, from: string, to: string): JournalPlan {
  const move = (p: string): string => (p === from ? to : p.startsWith(`${from}/`) ? `${to}${p.slice(from.length)}` : p)
  return {
    ...plan,
    root: to,
    createdDirs: plan.createdDirs.map(move),
    elements: plan.elements.map((e) =>
      e.op === 'install'
        ? {
            ...e,
            actions: e.actions.map((a) => ({
              ...a,
              host: move(a.host),
              ...(a.temp !== undefined ? { temp: move(a.temp) } : {}),
            })),
            ...(e.createdDirs !== undefined ? { createdDirs: e.createdDirs.map(move) } : {}),
          }
        : {
            ...e,
            actions: e.actions.map((a) => ({ ...a, host: move(a.host) })),
            ...(e.kept !== undefined ? { kept: move(e.kept) } : {}),
          },
    ),
  }
}

/** Removes the kept folders of a plan that never committed (nothing was replaced, nothing needs keeping). */
export function removeKept(plan: JournalPlan): void {
  for (const e of plan.elements)
    if (e.op === 'erase' && e.kept !== undefined) rmSync(e.kept, { recursive: true, force: true })
}

/** After the window: the .rpm of each repackaged package is written from its kept files. */
export async function writeKeptPackages(plan: JournalPlan, warn: (l: string) => void): Promise<void> {
  for (const e of plan.elements) {
    if (e.op !== 'erase' || e.kept === undefined || e.repackaged === undefined) continue
    try {
      await writeKept(e.kept, e.repackaged)
    } catch (error) {
      // The kept files stay; a rollback writes the .rpm from them first.
      warn(
        `warning: ${e.repackaged}: not written yet (${error instanceof Error ? error.message : String(error)}); kept in ${e.kept}`,
      )
    }
  }
}
