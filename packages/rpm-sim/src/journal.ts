// The transaction journal: the whole plan is written (fsynced) before anything is staged, and each step appends a
// line to `progress` (fsynced). After a kill the next command reads it: before the `commit` line nothing visible
// has changed, so the staged temps are removed (rolled back); after it, every remaining step is replayed
// (completed), because each commit step is idempotent. Either way the database matches the disk afterwards.
import { open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { InstalledPackage } from './db.js'
import { PackageDb, dbDir } from './db.js'
import type { EraseAction, FileAction, RenameNote } from './apply.js'
import { commitActions, commitErase, unstage } from './apply.js'
import type { CreatedFile, TransactionRecord } from './history.js'
import { writeHistory } from './history.js'
import { errCode, writeFileAtomic } from './_fsutil.js'
import { TransactionError } from './_txn-error.js'

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
  repackaged?: string
  savedRecord?: string
}

/** A planned transaction as the journal stores it. */
export interface JournalPlan {
  tid: number
  time: number
  op: TransactionRecord['op']
  description?: string
  rollbackOf?: number
  chown: boolean
  elements: (JournalInstall | JournalErase)[]
  /** Host directories staging will create (parents first). */
  createdDirs: string[]
}

/** The journal folder of a root. */
export function journalDir(root: string): string {
  return join(dbDir(root), 'journal')
}

/** Progress markers appended to the journal. */
export type JournalMark = 'commit' | `installed ${number}` | `skipped ${number}` | `erased ${number}` | 'done'

/** An open journal of one running transaction. */
export class Journal {
  private constructor(
    readonly root: string,
    readonly plan: JournalPlan,
  ) {}

  /** Write the plan (fsynced) before anything is staged. */
  static async begin(root: string, plan: JournalPlan): Promise<Journal> {
    const dir = journalDir(root)
    await rm(join(dir, 'progress'), { force: true })
    await writeFileAtomic(join(dir, 'plan.json'), JSON.stringify(plan))
    return new Journal(root, plan)
  }

  /** The journal of an interrupted transaction, to append to while recovering it. */
  static attach(root: string, plan: JournalPlan): Journal {
    return new Journal(root, plan)
  }

  /** Append a progress marker and fsync it. */
  async mark(m: JournalMark): Promise<void> {
    const fh = await open(join(journalDir(this.root), 'progress'), 'a')
    try {
      await fh.write(`${m}\n`)
      await fh.sync()
    } finally {
      await fh.close()
    }
  }

  /** The transaction finished: drop the journal. */
  async end(): Promise<void> {
    await rm(journalDir(this.root), { recursive: true, force: true })
  }
}

/** The outcome of {@link recoverInterrupted}. */
export interface RecoveryResult {
  recovered: boolean
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
    await db.put({ ...other, files: other.files.map((f) => (paths.has(f.path) ? { ...f, state: 'replaced' as const } : f)) })
  }
}

/**
 * Finish or undo a transaction that a kill interrupted; every operation runs this first. Scriptlets that had not
 * run are not run by recovery (they are reported as warnings).
 */
export async function recoverInterrupted(root: string): Promise<RecoveryResult> {
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
    throw new TransactionError('E_JOURNAL', `${join(dir, 'plan.json')}: not valid JSON`, { file: join(dir, 'plan.json'), cause: error })
  }
  let progress = ''
  try {
    progress = await readFile(join(dir, 'progress'), 'utf8')
  } catch (error) {
    if (errCode(error) !== 'ENOENT') throw error
  }
  // A torn last line (kill during the write) is ignored: its step is replayed, which is safe.
  const marks = new Set(progress.split('\n').filter((l) => l !== ''))
  const installs = plan.elements.filter((e): e is JournalInstall => e.op === 'install')
  if (!marks.has('commit')) {
    for (const e of installs) unstage(e.actions, [])
    unstage([], plan.createdDirs)
    await rm(dir, { recursive: true, force: true })
    return { recovered: true, action: 'rolled-back', tid: plan.tid }
  }
  const db = new PackageDb(root)
  const j = Journal.attach(root, plan)
  const created: CreatedFile[] = []
  const failed = new Set<number>()
  const onNote = (n: RenameNote): void => {
    const c = noteToCreated(n)
    if (c !== undefined) created.push(c)
  }
  for (const [i, e] of plan.elements.entries()) {
    if (e.op !== 'install') continue
    if (marks.has(`skipped ${i}`)) {
      failed.add(i)
      unstage(e.actions, [])
      continue
    }
    if (marks.has(`installed ${i}`)) continue
    commitActions(e.actions, plan.chown, onNote)
    await commitInstallDb(db, e)
    await j.mark(`installed ${i}`)
  }
  for (const [i, e] of plan.elements.entries()) {
    if (e.op !== 'erase') continue
    if (marks.has(`erased ${i}`)) continue
    if (marks.has(`skipped ${i}`) || (e.replacedBy !== undefined && failed.has(e.replacedBy))) {
      failed.add(i)
      continue
    }
    commitErase(e.actions, onNote)
    if (!e.sameNevra) await db.remove(e.nevra)
    await j.mark(`erased ${i}`)
  }
  await writeHistory(root, historyFromPlan(plan, failed, created, failed.size > 0 ? 1 : 0, true))
  await j.end()
  return {
    recovered: true,
    action: 'completed',
    tid: plan.tid,
    warnings: [`warning: transaction ${plan.tid} was interrupted and has been completed; scriptlets after the interruption were not run`],
  }
}
