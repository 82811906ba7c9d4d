import { describe, expect, it } from 'vitest'
import type { InstalledPackage } from '../db/db.js'
import { packageFilter } from './_filter.js'

const pkg = (over: Partial<InstalledPackage>): InstalledPackage => ({
  nevra: '',
  name: 'pat',
  version: '1.0',
  release: '1',
  arch: 'noarch',
  digestAlgo: 'sha256',
  installTime: 1,
  installTid: 1,
  files: [],
  scripts: {},
  triggers: [],
  ...over,
})
const a = pkg({ nevra: 'pat-1.0-1.noarch' })
const b = pkg({ nevra: 'pat-1.1-2.noarch', version: '1.1', release: '2', vendor: 'Acme', provides: ['pat = 1.1-2'] })
const c = pkg({
  nevra: 'patrol-2:2.10-3.x86_64',
  name: 'patrol',
  epoch: 2,
  version: '2.10',
  release: '3',
  arch: 'x86_64',
})
const names = (args: string[]) => [a, b, c].filter((p) => packageFilter(args).test(p)).map((p) => p.nevra)

describe('-qa/-Va filters (rpm query.c initFilterIterator, rpmdb.c mireSkip)', () => {
  it('a bare argument is a name pattern; patterns on one tag are alternatives, tags must all match', () => {
    expect(names(['pat*'])).toEqual([a.nevra, b.nevra, c.nevra])
    expect(names(['pat'])).toEqual([a.nevra, b.nevra])
    expect(names(['patrol', 'pat'])).toEqual([a.nevra, b.nevra, c.nevra])
    expect(names(['name=pat*', 'release=[23]'])).toEqual([b.nevra, c.nevra])
    expect(names(['!pat'])).toEqual([c.nevra])
  })

  it('tags are named without case; a missing epoch reads 0, another missing tag never matches', () => {
    expect(names(['EPOCH=0'])).toEqual([a.nevra, b.nevra])
    expect(names(['Vendor=*'])).toEqual([b.nevra])
    expect(names(['providename=pat'])).toEqual([b.nevra])
    // rpm's filter reads headers without extension tags
    expect(names(['nevra=*'])).toEqual([])
  })

  it('an unknown tag is an E_USAGE error worded as rpm words it', () => {
    expect(() => packageFilter(['pat', 'bogus=1'])).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: 'unknown tag: "bogus"' }),
    )
  })

  it('a pattern glibc refuses is reported and dropped: the other arguments filter alone', () => {
    const f = packageFilter(['?', 'patrol'])
    expect(f.errors).toEqual(['error: ^?$: regcomp failed: Invalid preceding regular expression'])
    expect([a, b, c].filter((p) => f.test(p))).toEqual([c])
    expect(names(['?'])).toEqual([a.nevra, b.nevra, c.nevra])
  })
})
