// What a journaled plan writes to the database and the history: an install element's records, the history
// record of a plan, the `created` entries of its renames.
import { join } from 'node:path'
import type { PackageDb } from '../db/db.js'
import type { CreatedFile, TransactionRecord } from '../db/history.js'
import type { RenameNote } from './apply.js'
import type { JournalInstall, JournalPlan } from './_plan.js'

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

/**
 * Apply an install element's database side: its record (the journal's record file renamed into place where the
 * element has one and `journal` names the journal folder), and `replaced` marks on files it took over.
 */
export async function commitInstallDb(db: PackageDb, e: JournalInstall, journal?: string): Promise<void> {
  if (e.recordFile !== undefined && journal !== undefined) await db.adopt(e.record, join(journal, e.recordFile))
  else await db.put(e.record)
  const byPkg = new Map<string, Map<string, 'replaced' | 'wrongcolor'>>()
  for (const t of e.takesOver) {
    if (t.nevra === e.nevra) continue
    const s = byPkg.get(t.nevra) ?? new Map<string, 'replaced' | 'wrongcolor'>()
    s.set(t.path, t.wrongColor === true ? 'wrongcolor' : 'replaced')
    byPkg.set(t.nevra, s)
  }
  for (const [nevra, paths] of byPkg) {
    const other = await db.get(nevra)
    if (other === undefined) continue
    await db.put({
      ...other,
      files: other.files.map((f) => {
        const state = paths.get(f.path)
        return state !== undefined ? { ...f, state } : f
      }),
    })
  }
}
