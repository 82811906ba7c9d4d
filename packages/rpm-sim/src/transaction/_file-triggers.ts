// Which file triggers an event sets off, in rpm 4.18's order (lib/rpmtriggers.c), and the paths each one reads on
// its standard input. A file trigger is set off by files whose paths start with one of its prefixes: a
// %filetrigger* by the files of one package as it is installed or erased, a %transfiletrigger* once per
// transaction by the files of all the packages it installs or erases. Triggers run by priority (highest first),
// then by their package's place in the database, then by their index in the header; each at most once per event.
import type { EngineFile, EngineFileTrigger, FileTriggerKind } from '../format/model.js'

/** A package as file triggers see it: its triggers and its files that are installed. */
export interface TriggerPackage {
  nevra: string
  fileTriggers?: EngineFileTrigger[] | undefined
  files: readonly (Pick<EngineFile, 'path'> & { state?: string })[]
}

/** One file trigger to run: whose script, which, and its standard input (none for %transfiletriggerpostun). */
export interface FileTriggerRun {
  nevra: string
  trigger: EngineFileTrigger
  input?: string[]
}

/** When a trigger runs: 1 from rpm's priority bound (10000) up, 2 below it, 0 whatever its priority. */
export type PriorityClass = 0 | 1 | 2

const PRIORITY_BOUND = 10_000

const inClass = (t: EngineFileTrigger, cls: PriorityClass): boolean =>
  cls === 0 || (cls === 1 ? t.priority >= PRIORITY_BOUND : t.priority < PRIORITY_BOUND)

// A package's installed paths (rpm's RPMFILE_IS_INSTALLED: not replaced, not left out).
const installedPaths = (p: TriggerPackage): string[] =>
  p.files.filter((f) => f.state === undefined || f.state === 'normal').map((f) => f.path)

// Per prefix of `t`, the paths of each list under it (rpmfilesFindPrefix: a plain string prefix; rpm walks the
// packages for each prefix in turn).
const under = (t: EngineFileTrigger, lists: readonly (readonly string[])[]): string[] =>
  t.prefixes.flatMap((prefix) => lists.flatMap((paths) => paths.filter((p) => p.startsWith(prefix))))

// The candidates that some path of `lists` sets off, each with those paths as its input.
const runsOver = (cands: readonly Candidate[], lists: readonly (readonly string[])[]): FileTriggerRun[] =>
  cands.flatMap((c) => {
    const input = under(c.trigger, lists)
    return input.length > 0 ? [{ nevra: c.nevra, trigger: c.trigger, input }] : []
  })

interface Candidate {
  nevra: string
  order: number
  index: number
  trigger: EngineFileTrigger
}

// rpm's rpmtriggersSortAndUniq: priority descending, then the package's place, then the trigger's index.
function sorted(candidates: Candidate[]): Candidate[] {
  return candidates.sort((a, b) => b.trigger.priority - a.trigger.priority || a.order - b.order || a.index - b.index)
}

function candidates(
  pkgs: readonly TriggerPackage[],
  kind: FileTriggerKind,
  cls: PriorityClass,
  keep: (p: TriggerPackage) => boolean = () => true,
): Candidate[] {
  const out: Candidate[] = []
  pkgs.forEach((p, order) => {
    if (!keep(p)) return
    ;(p.fileTriggers ?? []).forEach((trigger, index) => {
      if (trigger.kind === kind && inClass(trigger, cls)) out.push({ nevra: p.nevra, order, index, trigger })
    })
  })
  return out
}

/**
 * rpm's runFileTriggers for one element: the `kind` (%filetriggerin, -un or -postun) triggers of the installed
 * packages `pkgs` that `paths` (the element's files it writes or removes) set off, each reading those paths.
 */
export function triggersSetOffBy(
  pkgs: readonly TriggerPackage[],
  paths: readonly string[],
  kind: 'filetriggerin' | 'filetriggerun' | 'filetriggerpostun',
  cls: PriorityClass,
): FileTriggerRun[] {
  return runsOver(sorted(candidates(pkgs, kind, cls)), [paths])
}

/**
 * rpm's runImmedFileTriggers: the element's own `kind` triggers, each reading every installed file of `pkgs` (the
 * database) under its prefixes; one that no file sets off does not run. A %filetriggerin does not read the files
 * of its own package being installed (rpm does not count them installed yet; its run as set off by them does).
 */
export function ownTriggers(
  own: TriggerPackage,
  pkgs: readonly TriggerPackage[],
  kind: FileTriggerKind,
  cls: PriorityClass,
): FileTriggerRun[] {
  const mine = sorted(candidates([own], kind, cls))
  if (mine.length === 0) return []
  return runsOver(mine, pkgs.filter((p) => kind !== 'filetriggerin' || p.nevra !== own.nevra).map(installedPaths))
}

/**
 * rpm's runFileTriggers for a whole transaction: the `kind` (%transfiletriggerin or -un) triggers of installed
 * packages outside the transaction that the installed files of `changed` (the packages it installs, or those it
 * erases) set off, each reading those files.
 */
export function transactionTriggers(
  pkgs: readonly TriggerPackage[],
  changed: readonly TriggerPackage[],
  kind: 'transfiletriggerin' | 'transfiletriggerun',
): FileTriggerRun[] {
  const inTransaction = new Set(changed.map((p) => p.nevra))
  const theirs = sorted(candidates(pkgs, kind, 0, (p) => !inTransaction.has(p.nevra)))
  if (theirs.length === 0) return []
  return runsOver(theirs, changed.map(installedPaths))
}

/** A %transfiletriggerpostun an erasure set off, run once the transaction is done (rpm's trigs2run). */
export interface PendingPostun {
  nevra: string
  index: number
  priority: number
}

/**
 * rpm's rpmtriggersPrepPostUnTransFileTrigs: the %transfiletriggerpostun triggers of `pkgs` (the database while
 * `erased` is erased, itself included) that its installed files set off; they run without input at the end.
 */
export function postunSetOffBy(pkgs: readonly TriggerPackage[], erased: TriggerPackage): PendingPostun[] {
  const theirs = candidates(pkgs, 'transfiletriggerpostun', 0)
  if (theirs.length === 0) return []
  const paths = installedPaths(erased)
  return theirs
    .filter((c) => under(c.trigger, [paths]).length > 0)
    .map((c) => ({ nevra: c.nevra, index: c.index, priority: c.trigger.priority }))
}

/**
 * The pending %transfiletriggerpostun triggers to run at the end, sorted and each once, of the packages still
 * installed (`pkgs`, in database order).
 */
export function pendingPostuns(pkgs: readonly TriggerPackage[], pending: readonly PendingPostun[]): FileTriggerRun[] {
  const order = new Map(pkgs.map((p, i) => [p.nevra, i]))
  const seen = new Set<string>()
  const out: FileTriggerRun[] = []
  const list = pending
    .filter((p) => order.has(p.nevra))
    .sort(
      (a, b) => b.priority - a.priority || (order.get(a.nevra) ?? 0) - (order.get(b.nevra) ?? 0) || a.index - b.index,
    )
  for (const p of list) {
    const key = `${p.nevra}\0${p.index}`
    const trigger = pkgs[order.get(p.nevra) ?? -1]?.fileTriggers?.[p.index]
    if (seen.has(key) || trigger === undefined) continue
    seen.add(key)
    out.push({ nevra: p.nevra, trigger })
  }
  return out
}
