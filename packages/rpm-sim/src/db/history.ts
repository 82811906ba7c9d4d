// Transaction history: one JSON record per transaction under <root>/var/lib/rpm-sim/history/<tid>.json.
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import * as v from 'valibot'
import { dbDir } from './db.js'
import { errCode, writeFileAtomic } from '../base/fs.js'
import { TransactionError } from '../base/transaction-error.js'

/** One element of a recorded transaction. */
export interface TransactionRecordElement {
  op: 'install' | 'erase'
  nevra: string
  /** For an install that upgraded: the NEVRAs it replaced. */
  replaces?: string[]
  /** For an erase with --repackage: the repackaged .rpm (host path) and its saved database record. */
  repackaged?: string
  savedRecord?: string
  /** The folder the repackaged files are kept in until `repackaged` is written (a kill can leave it). */
  kept?: string
  /** The element did not run (failed scriptlet). */
  failed?: boolean
}

/** A file a transaction renamed aside, as the summary and rollback need it. */
export interface CreatedFile {
  path: string
  savedAs: string
  kind: 'rpmnew' | 'rpmsave' | 'rpmorig'
}

/** What `--history` lists and `--rollback` reads. */
export interface TransactionRecord {
  tid: number
  /** Seconds since the epoch. */
  time: number
  op: 'install' | 'upgrade' | 'freshen' | 'erase' | 'rollback'
  description?: string
  elements: TransactionRecordElement[]
  created: CreatedFile[]
  exitCode: number
  /** Set on a transaction that a later rollback undid: that rollback's tid. */
  rolledBack?: number
  /** Set on a rollback: the tid it undid. */
  rollbackOf?: number
  /** Completed by recovery after an interruption. */
  recovered?: boolean
}

const recordSchema = v.object({
  tid: v.number(),
  time: v.number(),
  op: v.picklist(['install', 'upgrade', 'freshen', 'erase', 'rollback']),
  description: v.optional(v.string()),
  elements: v.array(
    v.object({
      op: v.picklist(['install', 'erase']),
      nevra: v.string(),
      replaces: v.optional(v.array(v.string())),
      repackaged: v.optional(v.string()),
      savedRecord: v.optional(v.string()),
      kept: v.optional(v.string()),
      failed: v.optional(v.boolean()),
    }),
  ),
  created: v.array(
    v.object({ path: v.string(), savedAs: v.string(), kind: v.picklist(['rpmnew', 'rpmsave', 'rpmorig']) }),
  ),
  exitCode: v.number(),
  rolledBack: v.optional(v.number()),
  rollbackOf: v.optional(v.number()),
  recovered: v.optional(v.boolean()),
})

/** The history folder of a root. */
export function historyDir(root: string): string {
  return join(dbDir(root), 'history')
}

/** Write (or overwrite) a transaction record atomically. */
export async function writeHistory(root: string, rec: TransactionRecord): Promise<void> {
  await writeFileAtomic(join(historyDir(root), `${rec.tid}.json`), `${JSON.stringify(rec, null, 1)}\n`)
}

/** Every recorded transaction, oldest first; each record is validated. */
export async function listHistory(root: string): Promise<TransactionRecord[]> {
  let names: string[] = []
  try {
    names = await readdir(historyDir(root))
  } catch (error) {
    if (errCode(error) !== 'ENOENT') throw error
  }
  const out: TransactionRecord[] = []
  for (const n of names.filter((x) => /^\d+\.json$/.test(x))) {
    const file = join(historyDir(root), n)
    let data: unknown
    try {
      data = JSON.parse(await readFile(file, 'utf8'))
    } catch (error) {
      throw new TransactionError('E_DB_INVALID', `${file}: not valid JSON`, { file, cause: error })
    }
    const r = v.safeParse(recordSchema, data)
    if (!r.success) {
      const issue = r.issues[0]
      throw new TransactionError(
        'E_DB_INVALID',
        `${file}: ${issue ? (v.getDotPath(issue) ?? '') : ''}: ${issue?.message ?? 'invalid'}`,
        { file },
      )
    }
    out.push(r.output as TransactionRecord)
  }
  return out.sort((a, b) => a.tid - b.tid)
}

/** A new transaction id: the time in seconds, made strictly greater than every earlier one (as rpm's are time-based). */
export async function allocateTid(root: string, nowSeconds: number): Promise<number> {
  const last = (await listHistory(root)).at(-1)?.tid ?? 0
  return Math.max(nowSeconds, last + 1)
}
