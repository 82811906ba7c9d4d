// rpm's filters of -qa and -Va (query.c's initFilterIterator, rpmdb.c's mireSkip): each argument is a pattern on
// the name, or `tag=pattern` on another tag. Patterns on one tag are alternatives; different tags must all match.
// A package without the tag does not match (a missing epoch reads as 0).
import { TransactionError } from '../base/transaction-error.js'
import type { InstalledPackage } from '../db/db.js'
import { isRefusal, rpmPattern } from '../db/_pattern.js'
import type { RpmPattern } from '../db/_pattern.js'
import type { TagDef, TagValue } from './_tags.js'
import { TAG_NAMES, findTag } from './_tags.js'

// The values a filter compares for a tag: rpm's filter reads headers without extensions (so extension tags are
// never there), and a missing epoch reads as 0 there ("is package already installed" checks rely on it).
const EPOCH = findTag('epoch')
function filterValues(tag: TagDef): (p: InstalledPackage) => readonly TagValue[] | undefined {
  if (tag.extension) return () => undefined
  if (tag === EPOCH) return (p) => tag.get(p) ?? [0]
  return (p) => tag.get(p)
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
  const byTag = new Map<
    TagDef,
    { values: (p: InstalledPackage) => readonly TagValue[] | undefined; patterns: RpmPattern[] }
  >()
  const errors: string[] = []
  for (const arg of args) {
    const eq = arg.indexOf('=')
    const name = eq < 0 ? 'name' : arg.slice(0, eq)
    // rpmTagGetValue knows no RPMTAG_ prefix (a query format does)
    const tag = /^rpmtag_/i.test(name) ? undefined : findTag(name)
    if (tag === undefined) {
      throw new TransactionError('E_USAGE', `unknown tag: "${arg.slice(0, eq)}"`, {
        field: arg,
        expected: `a tag rpm-sim keeps (${TAG_NAMES.join(', ')})`,
        found: arg.slice(0, eq),
      })
    }
    const compiled = rpmPattern(eq < 0 ? arg : arg.slice(eq + 1))
    // rpm drops a pattern glibc refuses, after its error line: the other arguments filter alone.
    if (isRefusal(compiled)) {
      errors.push(`error: ${compiled.source}: regcomp failed: ${compiled.reason}`)
      continue
    }
    const entry = byTag.get(tag) ?? { values: filterValues(tag), patterns: [] }
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
