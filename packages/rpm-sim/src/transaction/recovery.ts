// Recovery of a transaction a kill interrupted, run first by every command: before the `commit` line of its
// journal nothing visible had changed, so the staged temps are removed (rolled back); after it, every remaining
// step is replayed (completed), because each commit step is idempotent. Either way the database matches the disk
// afterwards. A journal plan that does not validate stops recovery (E_JOURNAL) and nothing is changed.
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { PackageDb } from '../db/db.js'
import { writeHistory } from '../db/history.js'
import { errCode } from '../base/_fs.js'
import { TransactionError, fsTransactionError } from '../base/transaction-error.js'
import { lockDb } from '../db/_lock.js'
import type { ExecuteOutcome } from './_execute.js'
import { executePlan } from './_execute.js'
import { unstage } from './_stage.js'
import { Journal, journalDir } from './_journal.js'
import type { JournalInstall } from './_plan.js'
import { parsePlan, rebasePlan } from './_plan.js'
import { historyFromPlan } from './_db-commit.js'
import { removeKept, writeKeptPackages } from './_kept.js'
import type { ScriptEnv } from '../format/model.js'

/** The outcome of {@link recoverInterrupted}. */
export interface RecoveryResult {
  recovered: boolean
  /** Another live process holds the database lock (its transaction is running): nothing was touched. */
  busy?: boolean
  action?: 'completed' | 'rolled-back'
  tid?: number
  warnings?: string[]
}

/** Options of {@link recoverInterrupted}: where its warnings and scriptlet output go. */
export interface RecoveryOptions {
  onWarning?: (line: string) => void
  onScriptOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void
  /** The environment scriptlets inherit (see {@link ScriptEnv}). */
  scriptEnv?: ScriptEnv | undefined
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
  // An install element's record is in the journal until its commit renames it into the database.
  const db = new PackageDb(root)
  let plan = parsePlan(text, join(dir, 'plan.json'), (recordFile, nevra, tid) => {
    const journaled = PackageDb.readRecord(join(dir, recordFile))
    if (journaled !== undefined) return journaled
    const committed = PackageDb.readRecord(db.recordPath(nevra))
    return committed?.installTid === tid ? committed : undefined
  })
  let progress = ''
  try {
    progress = await readFile(join(dir, 'progress'), 'utf8')
  } catch (error) {
    if (errCode(error) !== 'ENOENT') throw error
  }
  if (plan.root !== undefined && plan.root !== root) plan = rebasePlan(plan, plan.root, root)
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
    scriptEnv: options.scriptEnv,
    db,
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
