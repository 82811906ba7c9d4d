// The installer's own transaction records (which engine transactions, wheel backups and services one run
// touched), kept beside the package database under <root>/var/lib/rpm-sim/rdbpkg/ so --rollback and --history
// work from any archive of the product.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { syncDirSync, writeFileAtomicSync } from '@rdbpkg/core'
import * as v from 'valibot'

const WheelDist = v.object({ name: v.string(), version: v.string() })

// Field notes are line comments: TypeDoc sees a JSDoc comment inside a valibot schema twice through the inferred
// type and warns, so the inferred type's own comment (InstallRecord) describes the fields.
const RecordSchema = v.object({
  id: v.string(),
  time: v.string(),
  product: v.string(),
  packageName: v.string(),
  packageType: v.string(),
  action: v.picklist(['install', 'upgrade', 'reinstall', 'downgrade', 'rollback']),
  from: v.optional(v.string()),
  to: v.optional(v.string()),
  engine: v.picklist(['rpm-sim', 'rpm']),
  // tids: rpm-sim transaction ids this run made, in order.
  tids: v.array(v.union([v.string(), v.number()])),
  // repackaged (real rpm): the repackaged rpm of what was replaced (rollback reinstalls it).
  repackaged: v.optional(v.array(v.string())),
  wheels: v.optional(
    v.object({
      python: v.string(),
      backup: v.optional(v.string()),
      backupBase: v.optional(v.string()),
      replaced: v.array(WheelDist),
      installed: v.array(WheelDist),
    }),
  ),
  services: v.array(v.string()),
  // created: the .rpmnew/.rpmsave/.rpmorig files the run made (paths relative to the root, as rpm prints them).
  created: v.optional(
    v.array(v.object({ path: v.string(), savedAs: v.string(), kind: v.picklist(['rpmnew', 'rpmsave', 'rpmorig']) })),
  ),
  // pending: written before the run changes anything, cleared when it finishes: a killed run leaves it set.
  pending: v.optional(v.boolean()),
  rolledBackBy: v.optional(v.string()),
  rollbackOf: v.optional(v.string()),
})

/**
 * One installer transaction as stored on disk. `tids`: the rpm-sim transactions it made, in order;
 * `repackaged` (real rpm): the repackaged rpms of what it replaced; `created`: the `.rpmnew`, `.rpmsave` and
 * `.rpmorig` files it made, relative to the root; `pending`: set while the run changes things, so a killed run
 * is recognised.
 *
 * @useDeclaredType
 */
export type InstallRecord = v.InferOutput<typeof RecordSchema>

/** The folder of the installer's records under a root. */
export function recordsDir(root: string): string {
  return join(root, 'var', 'lib', 'rpm-sim', 'rdbpkg')
}

/** A new record id: sortable by time, unique per process. */
export function newRecordId(now: Date = new Date()): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.(\d+)Z$/, '$1Z')}-${process.pid}`
}

/**
 * Writes a record atomically and durably (write beside, fsync, rename into place, fsync of the folder): a pending
 * record must survive a power cut to tie the engine's journaled transaction to this run. Returns the folders it
 * had to create.
 */
export function saveRecord(root: string, record: InstallRecord): string[] {
  const dir = recordsDir(root)
  const created = makeDirDurable(dir)
  writeFileAtomicSync(join(dir, `${record.id}.json`), `${JSON.stringify(record, null, 2)}\n`)
  return created
}

// Makes `dir` (and the folders above it that are missing) so that their entries survive a power cut; returns the
// folders it created, parents first.
function makeDirDurable(dir: string, mode?: number): string[] {
  const created: string[] = []
  for (let d = dir; !existsSync(d); d = join(d, '..')) created.unshift(d)
  mkdirSync(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) })
  for (const d of created) syncDirSync(dirname(d))
  return created
}

/** Removes a record (a run that failed and undid itself leaves nothing to roll back), and `created` folders left empty. */
export function removeRecord(root: string, id: string, created: readonly string[] = []): void {
  rmSync(join(recordsDir(root), `${id}.json`), { force: true })
  for (const dir of [...created].reverse()) {
    try {
      if (readdirSync(dir).length > 0) return
      rmdirSync(dir)
    } catch {
      return
    }
  }
}

/** The engine transaction description that ties an rpm-sim transaction to a record, even after a kill. */
export function recordDescription(id: string): string {
  return `rdbpkg ${id}`
}

/** Every record under a root, oldest first; records that do not validate are skipped and reported. */
export function listRecords(root: string, onInvalid?: (file: string, message: string) => void): InstallRecord[] {
  const dir = recordsDir(root)
  if (!existsSync(dir)) return []
  const records: InstallRecord[] = []
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = join(dir, name)
    try {
      const parsed = v.safeParse(RecordSchema, JSON.parse(readFileSync(file, 'utf8')))
      if (parsed.success) records.push(parsed.output)
      else onInvalid?.(file, parsed.issues[0]?.message ?? 'invalid')
    } catch (error) {
      onInvalid?.(file, (error as Error).message)
    }
  }
  return records
}

/** The last record of `product` that changed something and has not been rolled back. */
export function lastUndoable(records: readonly InstallRecord[], product: string): InstallRecord | undefined {
  return records.filter((r) => r.product === product && r.action !== 'rollback' && r.rolledBackBy === undefined).at(-1)
}

const StoppedSchema = v.object({
  id: v.string(),
  services: v.array(
    v.union([
      v.object({ kind: v.literal('systemd'), name: v.string() }),
      v.object({
        kind: v.literal('process'),
        name: v.string(),
        pid: v.number(),
        argv: v.array(v.string()),
        cwd: v.string(),
        env: v.record(v.string(), v.string()),
      }),
    ]),
  ),
})

/** Services one run stopped and has not started again (a kill in between leaves the file for the next run). */
export type StoppedServices = v.InferOutput<typeof StoppedSchema>

function stoppedDir(root: string): string {
  return join(recordsDir(root), 'stopped')
}

/**
 * Notes the services run `id` is about to stop, before it stops them: durable, and 0600, as a process's
 * environment may hold secrets. {@link clearStopped} removes the note once they run again.
 */
export function saveStopped(root: string, stopped: StoppedServices): void {
  const dir = stoppedDir(root)
  makeDirDurable(dir, 0o700)
  // Durable: after a power cut the next run must still know which services to start again.
  writeFileAtomicSync(join(dir, `${stopped.id}.json`), `${JSON.stringify(stopped)}\n`, 0o600)
}

/** Removes the note of run `id`. */
export function clearStopped(root: string, id: string): void {
  rmSync(join(stoppedDir(root), `${id}.json`), { force: true })
}

/** Every note left by runs that stopped services and did not start them again; unreadable notes are reported. */
export function listStopped(root: string, onInvalid?: (file: string, message: string) => void): StoppedServices[] {
  const dir = stoppedDir(root)
  if (!existsSync(dir)) return []
  const out: StoppedServices[] = []
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = join(dir, name)
    try {
      const parsed = v.safeParse(StoppedSchema, JSON.parse(readFileSync(file, 'utf8')))
      if (parsed.success) out.push(parsed.output)
      else onInvalid?.(file, parsed.issues[0]?.message ?? 'invalid')
    } catch (error) {
      onInvalid?.(file, (error as Error).message)
    }
  }
  return out
}
