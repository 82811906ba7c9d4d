// rpm's filters of -qa and -Va (query.c's initFilterIterator, rpmdb.c's mireSkip): each argument is a pattern on
// the name, or `tag=pattern` on another tag. Patterns on one tag are alternatives; different tags must all match.
// A package without the tag does not match (a missing epoch reads as 0).
import { TransactionError } from '../base/transaction-error.js'
import type { InstalledPackage } from '../db/db.js'
import { isRefusal, rpmPattern } from '../db/_pattern.js'
import type { RpmPattern } from '../db/_pattern.js'

type TagValues = (p: InstalledPackage) => readonly (string | number)[] | undefined

// A header tag that is absent (rpm-sim keeps an absent string as '').
const one = (v: string | number | undefined): (string | number)[] | undefined =>
  v === undefined || v === '' ? undefined : [v]
const depNames = (deps: readonly string[] | undefined): string[] | undefined =>
  deps === undefined || deps.length === 0 ? undefined : deps.map((d) => d.split(' ')[0] as string)
const absent = (): undefined => undefined

// The tags rpm-sim's database holds, by rpm's tag names (compared without case, as rpm does).
const TAGS: Record<string, TagValues> = {
  name: (p) => [p.name],
  epoch: (p) => [p.epoch ?? 0],
  version: (p) => [p.version],
  release: (p) => [p.release],
  arch: (p) => [p.arch],
  summary: (p) => one(p.summary),
  description: (p) => one(p.description),
  license: (p) => one(p.license),
  group: (p) => one(p.group),
  url: (p) => one(p.url),
  vendor: (p) => one(p.vendor),
  buildtime: (p) => one(p.buildTime),
  buildhost: (p) => one(p.buildHost),
  sourcerpm: (p) => one(p.sourceRpm),
  size: (p) => one(p.size),
  installtime: (p) => [p.installTime],
  installtid: (p) => [p.installTid],
  providename: (p) => depNames(p.provides),
  requirename: (p) => depNames(p.requires),
  conflictname: (p) => depNames(p.conflicts),
  obsoletename: (p) => depNames(p.obsoletes),
  // Extension tags: rpm's filter reads headers without extensions, so for it they are never there.
  filenames: absent,
  nevra: absent,
  nvra: absent,
  nevr: absent,
  nvr: absent,
  evr: absent,
}

/** What a -qa or -Va filter became: the tests per tag, and rpm's error lines for patterns glibc refused. */
export interface PackageFilter {
  test(p: InstalledPackage): boolean
  errors: string[]
}

/**
 * The filter of -qa/-Va arguments. An unknown tag is an error (TransactionError E_USAGE, `unknown tag: "x"`, rpm's
 * exit 1 with nothing listed); a pattern glibc refuses leaves an error line and is dropped, as rpm drops it.
 */
export function packageFilter(args: readonly string[]): PackageFilter {
  const byTag = new Map<string, { values: TagValues; patterns: RpmPattern[] }>()
  const errors: string[] = []
  for (const arg of args) {
    const eq = arg.indexOf('=')
    const tag = eq < 0 ? 'name' : arg.slice(0, eq).toLowerCase()
    const values = TAGS[tag]
    if (values === undefined) {
      throw new TransactionError('E_USAGE', `unknown tag: "${arg.slice(0, eq)}"`, {
        field: arg,
        expected: `a tag rpm-sim keeps (${Object.keys(TAGS).join(', ')})`,
        found: arg.slice(0, eq),
      })
    }
    const compiled = rpmPattern(eq < 0 ? arg : arg.slice(eq + 1))
    // rpm drops a pattern glibc refuses, after its error line: the other arguments filter alone.
    if (isRefusal(compiled)) {
      errors.push(`error: ${compiled.source}: regcomp failed: ${compiled.reason}`)
      continue
    }
    const entry = byTag.get(tag) ?? { values, patterns: [] }
    entry.patterns.push(compiled)
    byTag.set(tag, entry)
  }
  return {
    errors,
    test: (p) =>
      [...byTag.values()].every(({ values, patterns }) => {
        const vs = values(p)
        return vs !== undefined && patterns.some((re) => vs.some((v) => re.test(String(v))))
      }),
  }
}
