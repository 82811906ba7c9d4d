// --rollback and --history: a rollback reinstalls the packages a transaction repackaged (exactly as they were on
// disk, configs included, with their original database records) and erases what the transaction installed, then
// puts back the files the transaction renamed aside. It is itself a recorded transaction.
import { existsSync, lstatSync, readFileSync, renameSync, unlinkSync } from 'node:fs'
import { resolve } from 'node:path'
import type { InstalledPackage } from '../db/db.js'
import { PackageDb, parseInstalledPackage } from '../db/db.js'
import type { TransactionRecord } from '../db/history.js'
import { listHistory, writeHistory } from '../db/history.js'
import { recoverInterrupted } from './recovery.js'
import { RootResolver, lstatQuiet } from '../base/_fs.js'
import { withDbLock } from '../db/_lock.js'
import { openPackageSource } from './_source.js'
import { TransactionError } from '../base/transaction-error.js'
import type { ScriptFlags } from './_plan.js'
import type { TransactionOptions, TransactionResult } from './options.js'
import { runTransaction } from './transaction.js'
import { digestFile } from './apply.js'
import { isKept, writeKept } from './_repackage.js'

/** Options of {@link rollbackTransaction}. */
export interface RollbackOptions {
  root: string
  /** Roll back every transaction from this tid on (newest first), as rpm's --rollback; default: the last one not yet rolled back. */
  tid?: number
  /** With `tid`: roll back that transaction alone, leaving later ones (of other packages) in place. */
  only?: boolean
  onWarning?: (line: string) => void
  onScriptOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void
  /** See {@link TransactionOptions.scriptEnv}. */
  scriptEnv?: TransactionOptions['scriptEnv']
  flags?: ScriptFlags
  /** The caller's service window around each undone transaction (see {@link TransactionOptions.window}). */
  window?: TransactionOptions['window']
  onProgress?: TransactionOptions['onProgress']
  /** Crash tests only: see {@link TransactionOptions.fault}. */
  fault?: TransactionOptions['fault']
  /** Who runs the rollback: see {@link TransactionOptions.identity}. */
  identity?: TransactionOptions['identity']
}

const isUndoable = (r: TransactionRecord): boolean =>
  r.op !== 'rollback' && r.rolledBack === undefined && r.elements.some((e) => !e.failed)

/** Undo a transaction (or every transaction since `tid`), restoring files byte-identical to before. */
export async function rollbackTransaction(o: RollbackOptions): Promise<TransactionResult> {
  return withDbLock(resolve(o.root), () => rollbackLocked(o))
}

async function rollbackLocked(o: RollbackOptions): Promise<TransactionResult> {
  const root = resolve(o.root)
  const rec = await recoverInterrupted(root)
  for (const w of rec.warnings ?? []) o.onWarning?.(w)
  const history = await listHistory(root)
  // A rollback record names what it undid, even when a kill came before the original was marked.
  const undone = new Set(history.filter((r) => r.rollbackOf !== undefined && r.exitCode === 0).map((r) => r.rollbackOf))
  const undoable = (r: TransactionRecord): boolean => isUndoable(r) && !undone.has(r.tid)
  const targets =
    o.tid === undefined
      ? history.filter(undoable).slice(-1)
      : history.filter((r) => (o.only === true ? r.tid === o.tid : r.tid >= (o.tid as number)) && undoable(r))
  if (targets.length === 0) {
    throw new TransactionError(
      'E_ROLLBACK_NONE',
      o.tid === undefined
        ? 'there is no transaction to roll back'
        : `there is no transaction to roll back since ${o.tid}`,
      {
        ...(o.tid !== undefined ? { field: String(o.tid) } : {}),
        hint: 'see --history',
      },
    )
  }
  let last: TransactionResult | undefined
  const all: TransactionResult = {
    tid: 0,
    ok: true,
    exitCode: 0,
    problems: [],
    installed: [],
    erased: [],
    created: [],
    warnings: [],
    scriptletFailures: 0,
  }
  for (const t of targets.reverse()) {
    last = await rollbackOne(root, t, o)
    all.tid = last.tid
    all.ok &&= last.ok
    all.exitCode ||= last.exitCode
    all.problems.push(...last.problems)
    all.installed.push(...last.installed)
    all.erased.push(...last.erased)
    all.created.push(...last.created)
    all.warnings.push(...last.warnings)
    all.scriptletFailures += last.scriptletFailures
    if (!last.ok && last.problems.length > 0) break
  }
  return all
}

async function rollbackOne(root: string, t: TransactionRecord, o: RollbackOptions): Promise<TransactionResult> {
  const db = new PackageDb(root)
  const erasedByT = t.elements.filter((e) => e.op === 'erase' && !e.failed)
  const missing = erasedByT.filter((e) => e.repackaged === undefined || e.savedRecord === undefined)
  if (missing.length > 0) {
    throw new TransactionError(
      'E_ROLLBACK_NONE',
      `transaction ${t.tid} removed ${missing.map((e) => e.nevra).join(', ')} without --repackage: it cannot be restored`,
      {
        field: String(t.tid),
        hint: 'only transactions run with --repackage can be rolled back',
      },
    )
  }
  const records = new Map<string, InstalledPackage>()
  const sources = []
  for (const e of erasedByT) {
    const file = e.repackaged as string
    // A kill after the swap, before the .rpm was written from the kept files: it is written now.
    if (isKept(e.kept) && !existsSync(file)) await writeKept(e.kept, file)
    const recFile = e.savedRecord as string
    let data: unknown
    try {
      data = JSON.parse(readFileSync(recFile, 'utf8'))
    } catch (error) {
      throw new TransactionError('E_ROLLBACK_NONE', `${recFile}: the saved record of ${e.nevra} cannot be read`, {
        file: recFile,
        cause: error,
      })
    }
    records.set(file, parseInstalledPackage(data, recFile))
    sources.push(await openPackageSource(file))
  }
  const restoredNames = new Set(sources.map((s) => s.header.name))
  const installedNow = await db.list()
  const alsoErase = t.elements
    .filter((e) => e.op === 'install' && !e.failed)
    .map((e) => e.nevra)
    .filter((n) => installedNow.some((p) => p.nevra === n && !restoredNames.has(p.name)))
  const result = await runTransaction({
    root,
    op: 'upgrade',
    packages: [],
    sources,
    flags: { ...o.flags, oldpackage: true, replacepkgs: true, replacefiles: true },
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    ...(o.onScriptOutput ? { onScriptOutput: o.onScriptOutput } : {}),
    scriptEnv: o.scriptEnv,
    description: `rollback of ${t.tid}`,
    rollbackOf: t.tid,
    exact: { recordFor: (origin) => records.get(origin) },
    alsoErase,
    ...(o.window ? { window: o.window } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    fault: o.fault,
    identity: o.identity,
  })
  if (result.problems.length > 0) return result
  // Put back what the transaction renamed aside: .rpmorig to its place, .rpmnew away, .rpmsave away when the
  // restored file holds the same bytes (else it stays: nothing the operator wrote is lost).
  const resolver = new RootResolver(root)
  const ours = new Set(result.created.map((c) => c.savedAs))
  for (const c of t.created) {
    if (ours.has(c.savedAs)) continue
    const aside = resolver.host(c.savedAs)
    const target = resolver.host(c.path)
    if (lstatQuiet(aside) === undefined) continue
    const here = lstatQuiet(target)
    if (c.kind === 'rpmnew') unlinkSync(aside)
    else if (c.kind === 'rpmorig' && here === undefined) renameSync(aside, target)
    else if (
      here?.isFile() &&
      lstatSync(aside).isFile() &&
      (await digestFile(aside, 'sha256')) === (await digestFile(target, 'sha256'))
    )
      unlinkSync(aside)
    else if (c.kind === 'rpmsave' && here === undefined) renameSync(aside, target)
  }
  const history = await listHistory(root)
  const original = history.find((r) => r.tid === t.tid)
  if (original !== undefined) await writeHistory(root, { ...original, rolledBack: result.tid })
  return result
}
