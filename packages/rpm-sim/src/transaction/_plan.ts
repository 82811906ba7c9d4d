// The journaled plan: what a transaction will do, written before anything is staged and read back by recovery,
// which replays its renames and unlinks. Read back, it is validated (valibot) before anything acts on it: a plan
// that does not validate stops recovery with one line (E_JOURNAL) and nothing on disk changes.
import { FILE_FATES } from '@rdbpkg/core'
import * as v from 'valibot'
import { TransactionError } from '../base/transaction-error.js'
import type { InstalledFile, InstalledPackage } from '../db/db.js'
import { installedPackageSchema } from '../db/db.js'
import { HISTORY_OPS } from '../db/history.js'

/** rpm's switches that turn scriptlets and triggers off. */
export const SCRIPT_FLAGS = [
  'noscripts',
  'nopre',
  'nopost',
  'nopreun',
  'nopostun',
  'nopretrans',
  'noposttrans',
  'notriggers',
  'notriggerprein',
  'notriggerin',
  'notriggerun',
  'notriggerpostun',
] as const

const flag = v.exactOptional(v.boolean())
const scriptFlagsSchema = v.strictObject({
  noscripts: flag,
  nopre: flag,
  nopost: flag,
  nopreun: flag,
  nopostun: flag,
  nopretrans: flag,
  noposttrans: flag,
  notriggers: flag,
  notriggerprein: flag,
  notriggerin: flag,
  notriggerun: flag,
  notriggerpostun: flag,
} satisfies Record<(typeof SCRIPT_FLAGS)[number], unknown>)

/** Script switches of a transaction (each of {@link SCRIPT_FLAGS}), kept in the journal so recovery honours them. */
export type ScriptFlags = v.InferOutput<typeof scriptFlagsSchema>

const kindSchema = v.picklist(['file', 'dir', 'symlink', 'other'])
const fateSchema = v.picklist(Object.values(FILE_FATES))
const suffixSchema = v.exactOptional(v.picklist(['.rpmsave', '.rpmnew', '.rpmorig']))
const hostSchema = v.pipe(v.string(), v.startsWith('/'))
const int = v.pipe(v.number(), v.integer())

const fileActionSchema = v.object({
  path: v.pipe(v.string(), v.startsWith('/')),
  host: hostSchema,
  kind: kindSchema,
  fate: fateSchema,
  reason: v.string(),
  suffix: suffixSchema,
  temp: v.exactOptional(hostSchema),
  mode: int,
  user: v.exactOptional(v.string()),
  group: v.exactOptional(v.string()),
  uid: int,
  gid: int,
  mtime: v.number(),
  size: v.exactOptional(v.number()),
  linkTarget: v.exactOptional(v.string()),
  rdev: v.exactOptional(int),
  digest: v.exactOptional(v.string()),
  oldSetid: v.exactOptional(v.literal(true)),
  dirInTheWay: v.exactOptional(v.literal(true)),
  keepInTheWay: v.exactOptional(v.literal(true)),
  payloadPath: v.exactOptional(v.pipe(v.string(), v.startsWith('/'))),
  caps: v.exactOptional(v.string()),
})

/**
 * One file step of an install element: `path` inside the root as the package lists it, `host` the host path
 * (root joined, symlinked parents resolved inside the root), `temp` the host path of the staged content for fates
 * that write the new file, `user`/`group` the header's owner names (uid/gid are resolved from them when the
 * element's files are written), `size` the header's content size, `rdev` a device's number, `oldSetid` that the
 * file it replaces was packaged setuid or setgid (its bits are cleared before it is replaced, rpm's removeSBITS),
 * `payloadPath` the path its content has in the payload where relocation moved it, `caps` the capabilities set on
 * it once it is written, `dirInTheWay` that a directory stood at its path when it was planned (staging looks again
 * and fails the element if one still does, as rpm's commit does), `keepInTheWay` that a folder of the package has
 * a file nothing owned in its place (staging keeps it, and fails, where rpm would remove it).
 */
export type FileAction = v.InferOutput<typeof fileActionSchema>

const eraseActionSchema = v.object({
  path: v.pipe(v.string(), v.startsWith('/')),
  host: hostSchema,
  kind: kindSchema,
  fate: fateSchema,
  suffix: suffixSchema,
  reason: v.string(),
  missing: v.exactOptional(v.literal(true)),
})

/** One file step of an erase element; `missing`: absent when planned (rpm's removal fails with a warning). */
export type EraseAction = v.InferOutput<typeof eraseActionSchema>

const installSchema = v.object({
  op: v.literal('install'),
  nevra: v.string(),
  origin: v.string(),
  record: installedPackageSchema,
  replaces: v.array(v.string()),
  actions: v.array(fileActionSchema),
  takesOver: v.array(v.object({ nevra: v.string(), path: v.string(), wrongColor: v.exactOptional(v.literal(true)) })),
  createdDirs: v.exactOptional(v.array(hostSchema)),
  recordFile: v.exactOptional(v.pipe(v.string(), v.regex(/^record-\d+\.json$/))),
})

/**
 * An install element of a journaled plan: `replaces` the NEVRAs of the installed instances it upgrades,
 * `takesOver` files of other installed packages it takes over (--replacefiles; marked `replaced` there, or
 * `wrongcolor` where the transaction's preferred color won the path),
 * `createdDirs` the host folders its staging creates (parents first), removed again when it is undone;
 * `recordFile` the journal file holding its database record, renamed into the database when it is committed.
 */
export type JournalInstall = v.InferOutput<typeof installSchema>

const eraseSchema = v.object({
  op: v.literal('erase'),
  nevra: v.string(),
  replacedBy: v.exactOptional(v.pipe(int, v.minValue(0))),
  sameNevra: v.boolean(),
  actions: v.array(eraseActionSchema),
  header: v.omit(installedPackageSchema, ['files']),
  repackaged: v.exactOptional(hostSchema),
  savedRecord: v.exactOptional(hostSchema),
  kept: v.exactOptional(hostSchema),
})

/**
 * An erase element of a journaled plan: `replacedBy` the index (in `elements`) of the install that replaces it
 * on upgrade; `sameNevra` when that install reinstalls this very NEVRA (--replacepkgs: the record stays, only
 * what it dropped goes); `header` the erased package's data without files (its scripts and triggers run after
 * its record is gone); with --repackage, `kept` the folder its files are kept in until `repackaged` is written.
 */
export type JournalErase = v.InferOutput<typeof eraseSchema>

const planSchema = v.object({
  tid: int,
  root: v.exactOptional(hostSchema),
  time: v.number(),
  op: v.picklist(HISTORY_OPS),
  description: v.exactOptional(v.string()),
  rollbackOf: v.exactOptional(int),
  chown: v.boolean(),
  elements: v.array(v.variant('op', [installSchema, eraseSchema])),
  createdDirs: v.array(hostSchema),
  scriptFlags: v.exactOptional(scriptFlagsSchema),
  before: v.exactOptional(v.record(v.string(), int)),
  nodb: v.exactOptional(v.literal(true)),
  order: v.exactOptional(v.array(int)),
})

/**
 * A planned transaction as the journal stores it: `root` the root its host paths were made for (recovery
 * re-bases them if the root was moved); `createdDirs` host folders staging creates (journals since staging
 * became per element keep them in each element's `createdDirs` and leave this empty); `scriptFlags` the script
 * switches, honoured by recovery too; `before` the installed instances of each installed name before the
 * transaction (%pretrans and %posttrans $1); `nodb` rpm's --nodb: the database and the history stay as they were;
 * `order` the elements' indexes in the order they run where that is not every install, then every erasure (rpm's
 * --noorder: each install followed by the erasures it brings).
 */
export type JournalPlan = v.InferOutput<typeof planSchema>

// On disk an install element's actions leave out what its record's file of the same path says (kind, mode, owner
// names, mtime, size, link target, device number, digest: `null` where the action has none and the record has
// one), the host path where it is the root joined with the path, the temporary name where it is the host path
// with the transaction's suffix (`true`), and uid/gid, which are resolved again before they are used. Its record
// is in `recordFile` beside the plan, written once and renamed into the database at commit: a plan of 10,000
// files no longer carries every file twice, nor is the record serialized a second time. Plans of earlier
// versions, with whole actions and the record inline, read as before.
const nullable = <T extends v.GenericSchema>(schema: T) => v.exactOptional(v.nullable(schema))
const diskActionSchema = v.object({
  path: v.pipe(v.string(), v.startsWith('/')),
  host: v.exactOptional(hostSchema),
  kind: v.exactOptional(kindSchema),
  fate: fateSchema,
  reason: v.string(),
  suffix: suffixSchema,
  temp: v.exactOptional(v.union([hostSchema, v.literal(true)])),
  mode: v.exactOptional(int),
  user: nullable(v.string()),
  group: nullable(v.string()),
  uid: v.exactOptional(int),
  gid: v.exactOptional(int),
  mtime: v.exactOptional(v.number()),
  size: nullable(v.number()),
  linkTarget: nullable(v.string()),
  rdev: nullable(int),
  digest: nullable(v.string()),
  oldSetid: v.exactOptional(v.literal(true)),
  dirInTheWay: v.exactOptional(v.literal(true)),
  keepInTheWay: v.exactOptional(v.literal(true)),
  payloadPath: v.exactOptional(v.pipe(v.string(), v.startsWith('/'))),
  caps: nullable(v.string()),
})
type DiskAction = v.InferOutput<typeof diskActionSchema>

const diskPlanSchema = v.object({
  ...planSchema.entries,
  elements: v.array(
    v.variant('op', [v.object({ ...installSchema.entries, actions: v.array(diskActionSchema) }), eraseSchema]),
  ),
})

// The fields an action shares with its record's file (see diskActionSchema).
const SHARED = ['kind', 'mode', 'user', 'group', 'mtime', 'size', 'linkTarget', 'rdev', 'digest', 'caps'] as const

const hostOf = (root: string, path: string): string => (root === '/' ? path : `${root}${path}`)
const tempSuffix = (tid: number): string => `;${tid.toString(16).padStart(8, '0')}`

/**
 * The plan as the journal writes it, and the records its install elements refer to by `recordFile` (each element
 * of `plan` gets its `recordFile` name; see diskActionSchema for what the written actions leave out).
 */
export function planForDisk(plan: JournalPlan): { plan: unknown; records: Map<string, InstalledPackage> } {
  const root = plan.root ?? '/'
  const suffix = tempSuffix(plan.tid)
  const records = new Map<string, InstalledPackage>()
  const elements = plan.elements.map((e, i) => {
    if (e.op !== 'install') return e
    const recordFile = `record-${i}.json`
    e.recordFile = recordFile
    records.set(recordFile, e.record)
    const byPath = new Map(e.record.files.map((f) => [f.path, f]))
    const { files: _files, ...header } = e.record
    void _files
    const actions = e.actions.map((a) => {
      const f = byPath.get(a.path) as Record<string, unknown> | undefined
      const out: Record<string, unknown> = { path: a.path, fate: a.fate, reason: a.reason }
      if (a.host !== hostOf(root, a.path)) out.host = a.host
      if (a.suffix !== undefined) out.suffix = a.suffix
      if (a.temp !== undefined) out.temp = a.temp === `${a.host}${suffix}` ? true : a.temp
      if (a.oldSetid === true) out.oldSetid = true
      if (a.dirInTheWay === true) out.dirInTheWay = true
      if (a.keepInTheWay === true) out.keepInTheWay = true
      if (a.payloadPath !== undefined) out.payloadPath = a.payloadPath
      for (const k of SHARED) {
        const mine = a[k]
        if (mine === f?.[k]) continue
        out[k] = mine === undefined ? null : mine
      }
      return out
    })
    return { ...e, record: { ...header, files: [] }, actions }
  })
  return { plan: { ...plan, elements }, records }
}

/**
 * Validate a journal plan read back from `file`: a plan that is not JSON or does not validate throws E_JOURNAL
 * naming the file, the field, what was expected and what was found, before anything acts on it. `record` reads
 * an install element's `recordFile` (validated by the database's schema), undefined when it is nowhere.
 */
export function parsePlan(
  text: string,
  file: string,
  record: (recordFile: string, nevra: string, tid: number) => InstalledPackage | undefined = () => undefined,
): JournalPlan {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new TransactionError('E_JOURNAL', `${file}: not valid JSON (${NOT_RECOVERED})`, { file, cause: error })
  }
  const disk = validated(diskPlanSchema, data, file)
  const root = disk.root ?? '/'
  const suffix = tempSuffix(disk.tid)
  const elements = disk.elements.map((e, i) => {
    if (e.op !== 'install') return e
    let rec = e.record
    if (e.recordFile !== undefined) {
      const found = record(e.recordFile, e.nevra, disk.tid)
      if (found === undefined) {
        throw new TransactionError(
          'E_JOURNAL',
          `${file}: elements.${i}.recordFile: ${e.recordFile} is missing (${NOT_RECOVERED})`,
          { file, field: `elements.${i}.recordFile` },
        )
      }
      rec = found
    }
    // Only a plan that names its record file left fields out (earlier plans wrote whole actions).
    const byPath = new Map(e.recordFile !== undefined ? rec.files.map((f) => [f.path, f]) : [])
    const actions = e.actions.map((d) => fullAction(d, byPath.get(d.path), root, suffix))
    return { ...e, record: rec, actions }
  })
  return validated(planSchema, { ...disk, elements }, file)
}

const NOT_RECOVERED =
  'the interrupted transaction was not recovered and nothing was changed: restore the file from a backup, or ' +
  'inspect the root and remove the journal folder to give the transaction up'

// An action as the journal wrote it, completed from its record's file (see diskActionSchema).
function fullAction(d: DiskAction, f: InstalledFile | undefined, root: string, suffix: string): unknown {
  const host = d.host ?? hostOf(root, d.path)
  const out: Record<string, unknown> = {
    path: d.path,
    host,
    fate: d.fate,
    reason: d.reason,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
  }
  if (d.suffix !== undefined) out.suffix = d.suffix
  if (d.temp !== undefined) out.temp = d.temp === true ? `${host}${suffix}` : d.temp
  if (d.oldSetid === true) out.oldSetid = true
  if (d.dirInTheWay === true) out.dirInTheWay = true
  if (d.keepInTheWay === true) out.keepInTheWay = true
  if (d.payloadPath !== undefined) out.payloadPath = d.payloadPath
  for (const k of SHARED) {
    const mine = d[k]
    const value = mine === null ? undefined : mine !== undefined ? mine : f?.[k]
    if (value !== undefined) out[k] = value
  }
  return out
}

function validated<S extends v.GenericSchema>(schema: S, data: unknown, file: string): v.InferOutput<S> {
  const r = v.safeParse(schema, data)
  if (!r.success) {
    const issue = r.issues[0]
    const field = issue !== undefined ? (v.getDotPath(issue) ?? '(plan)') : '(plan)'
    const problem =
      issue?.received === 'undefined' && issue.kind === 'schema'
        ? 'missing'
        : `expected ${issue?.expected ?? 'a valid plan'}, found ${issue?.received ?? 'an invalid value'}`
    throw new TransactionError('E_JOURNAL', `${file}: ${field}: ${problem} (${NOT_RECOVERED})`, { file, field })
  }
  return r.output
}

/** The plan with its host paths re-based from root `from` onto `to` (the root was moved or named another way since). */
export function rebasePlan(plan: JournalPlan, from: string, to: string): JournalPlan {
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
