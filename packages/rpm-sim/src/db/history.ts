// Transaction history: one JSON record per transaction under <root>/var/lib/rpm-sim/history/<tid>.json.
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import * as v from 'valibot'
import { dbDir } from './db.js'
import { errCode, writeFileAtomic } from '../base/_fs.js'
import { TransactionError } from '../base/transaction-error.js'

/** The operations a transaction record names (a rollback is its own). */
export const HISTORY_OPS = ['install', 'upgrade', 'freshen', 'erase', 'rollback'] as const

const elementSchema = v.object({
  op: v.picklist(['install', 'erase']),
  nevra: v.string(),
  replaces: v.exactOptional(v.array(v.string())),
  repackaged: v.exactOptional(v.string()),
  savedRecord: v.exactOptional(v.string()),
  kept: v.exactOptional(v.string()),
  failed: v.exactOptional(v.boolean()),
})

/**
 * One element of a recorded transaction: for an install that upgraded, `replaces` the NEVRAs it replaced; for an
 * erase with --repackage, `repackaged` the .rpm (host path), `savedRecord` its saved database record and `kept`
 * the folder its files are kept in until the .rpm is written (a kill can leave it); `failed` when the element
 * did not run (a failed scriptlet).
 *
 * @useDeclaredType
 */
export type TransactionRecordElement = v.InferOutput<typeof elementSchema>

const createdSchema = v.object({
  path: v.string(),
  savedAs: v.string(),
  kind: v.picklist(['rpmnew', 'rpmsave', 'rpmorig']),
})

/**
 * A file a transaction renamed aside, as the summary and rollback need it.
 *
 * @useDeclaredType
 */
export type CreatedFile = v.InferOutput<typeof createdSchema>

const recordSchema = v.object({
  tid: v.number(),
  time: v.number(),
  op: v.picklist(HISTORY_OPS),
  description: v.exactOptional(v.string()),
  elements: v.array(elementSchema),
  created: v.array(createdSchema),
  exitCode: v.number(),
  rolledBack: v.exactOptional(v.number()),
  rollbackOf: v.exactOptional(v.number()),
  recovered: v.exactOptional(v.boolean()),
})

/**
 * What `--history` lists and `--rollback` reads: `time` in seconds since the epoch; `rolledBack` set on a
 * transaction that a later rollback undid (that rollback's tid); `rollbackOf` set on a rollback (the tid it
 * undid); `recovered` when recovery completed it after an interruption.
 *
 * @useDeclaredType
 */
export type TransactionRecord = v.InferOutput<typeof recordSchema>

/** The history folder of a root. */
function historyDir(root: string): string {
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
    out.push(r.output)
  }
  return out.sort((a, b) => a.tid - b.tid)
}

/** A new transaction id: the time in seconds, made strictly greater than every earlier one (as rpm's are time-based). */
export async function allocateTid(root: string, nowSeconds: number): Promise<number> {
  const last = (await listHistory(root)).at(-1)?.tid ?? 0
  return Math.max(nowSeconds, last + 1)
}
