// The journaled plan: what a transaction will do, written before anything is staged and read back by recovery,
// which replays its renames and unlinks. Read back, it is validated (valibot) before anything acts on it: a plan
// that does not validate stops recovery with one line (E_JOURNAL) and nothing on disk changes.
import { FILE_FATES } from '@rdbpkg/core'
import * as v from 'valibot'
import { TransactionError } from '../base/transaction-error.js'
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
})

/**
 * One file step of an install element: `path` inside the root as the package lists it, `host` the host path
 * (root joined, symlinked parents resolved inside the root), `temp` the host path of the staged content for fates
 * that write the new file, `user`/`group` the header's owner names (uid/gid are resolved from them when the
 * element's files are written), `size` the header's content size, `rdev` a device's number.
 */
export type FileAction = v.InferOutput<typeof fileActionSchema>

const eraseActionSchema = v.object({
  path: v.pipe(v.string(), v.startsWith('/')),
  host: hostSchema,
  kind: kindSchema,
  fate: fateSchema,
  suffix: suffixSchema,
  reason: v.string(),
})

/** One file step of an erase element. */
export type EraseAction = v.InferOutput<typeof eraseActionSchema>

const installSchema = v.object({
  op: v.literal('install'),
  nevra: v.string(),
  origin: v.string(),
  record: installedPackageSchema,
  replaces: v.array(v.string()),
  actions: v.array(fileActionSchema),
  takesOver: v.array(v.object({ nevra: v.string(), path: v.string() })),
  createdDirs: v.exactOptional(v.array(hostSchema)),
})

/**
 * An install element of a journaled plan: `replaces` the NEVRAs of the installed instances it upgrades,
 * `takesOver` files of other installed packages it takes over (--replacefiles; marked `replaced` there),
 * `createdDirs` the host folders its staging creates (parents first), removed again when it is undone.
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
})

/**
 * A planned transaction as the journal stores it: `root` the root its host paths were made for (recovery
 * re-bases them if the root was moved); `createdDirs` host folders staging creates (journals since staging
 * became per element keep them in each element's `createdDirs` and leave this empty); `scriptFlags` the script
 * switches, honoured by recovery too; `before` the installed instances of each installed name before the
 * transaction (%pretrans and %posttrans $1).
 */
export type JournalPlan = v.InferOutput<typeof planSchema>

/**
 * Validate a journal plan read back from `file`: a plan that is not JSON or does not validate throws E_JOURNAL
 * naming the file, the field, what was expected and what was found, before anything acts on it.
 */
export function parsePlan(text: string, file: string): JournalPlan {
  const what =
    'the interrupted transaction was not recovered and nothing was changed: restore the file from a backup, or ' +
    'inspect the root and remove the journal folder to give the transaction up'
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new TransactionError('E_JOURNAL', `${file}: not valid JSON (${what})`, { file, cause: error })
  }
  const r = v.safeParse(planSchema, data)
  if (!r.success) {
    const issue = r.issues[0]
    const field = issue !== undefined ? (v.getDotPath(issue) ?? '(plan)') : '(plan)'
    const problem =
      issue?.received === 'undefined' && issue.kind === 'schema'
        ? 'missing'
        : `expected ${issue?.expected ?? 'a valid plan'}, found ${issue?.received ?? 'an invalid value'}`
    throw new TransactionError('E_JOURNAL', `${file}: ${field}: ${problem} (${what})`, { file, field })
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
