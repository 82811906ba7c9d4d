import { describe, expect, it } from 'vitest'
import type { EngineHeader, PackageSource } from '../format/model.js'
import type { InstalledPackage } from '../db/db.js'
import { selectElements } from './_select.js'

const header = (name: string, version: string, arch = 'noarch'): EngineHeader => ({
  name,
  version,
  release: '1',
  arch,
  digestAlgo: 'sha256',
  files: [],
  scripts: {},
  triggers: [],
})
const source = (name: string, version: string): PackageSource => ({
  origin: `${name}-${version}-1.noarch.rpm`,
  header: header(name, version),
  payload: async function* () {},
})
const installed = (name: string, version: string): InstalledPackage => {
  const { files: _files, ...h } = header(name, version)
  return { ...h, nevra: `${name}-${version}-1.noarch`, installTime: 0, installTid: 1, files: [] }
}
const base = { labels: [], installed: [], replacepkgs: false, oldpackage: false, allmatches: false, verbose: false }

describe('selectElements (rpm addPackage, checkFreshenStatus and version problems)', () => {
  it('-U: a newer version of a name given twice replaces the older one, and -v says so', () => {
    const lines: string[] = []
    const s = selectElements(
      { ...base, op: 'upgrade', sources: [source('a', '1'), source('a', '2')], verbose: true },
      (l) => lines.push(l),
    )
    expect(s.installs.map((i) => i.nevra)).toEqual(['a-2-1.noarch'])
    expect(lines).toEqual(['warning: package a-1-1.noarch was already added, replacing with a-2-1.noarch'])
  })

  it('-i: every version is added; the same NEVRA twice once', () => {
    const s = selectElements(
      { ...base, op: 'install', sources: [source('a', '1'), source('a', '2'), source('a', '1')] },
      () => undefined,
    )
    expect(s.installs.map((i) => i.nevra)).toEqual(['a-1-1.noarch', 'a-2-1.noarch'])
  })

  it('-U erases what an Obsoletes names within its range, -i does not; an obsoleting package replaces an added one', () => {
    const renamed = { ...source('b', '1'), header: { ...header('b', '1'), obsoletes: ['a < 2'] } }
    const inst = [installed('a', '1'), installed('c', '1')]
    const u = selectElements({ ...base, op: 'upgrade', installed: inst, sources: [renamed] }, () => undefined)
    expect([...u.erasing.values()]).toEqual([{ pkg: inst[0], replacedBy: 0, sameNevra: false }])
    expect(u.installs[0]?.replaces).toEqual([inst[0]])
    const outOfRange = selectElements(
      { ...base, op: 'upgrade', installed: [installed('a', '2')], sources: [renamed] },
      () => undefined,
    )
    expect(outOfRange.erasing.size).toBe(0)
    expect(
      selectElements({ ...base, op: 'install', installed: inst, sources: [renamed] }, () => undefined).erasing.size,
    ).toBe(0)
    const lines: string[] = []
    const both = selectElements(
      { ...base, op: 'install', sources: [source('a', '1'), renamed, source('a', '1.5')], verbose: true },
      (l) => lines.push(l),
    )
    expect(both.installs.map((i) => i.nevra)).toEqual(['b-1-1.noarch'])
    expect(lines).toEqual([
      'warning: package a-1-1.noarch was already added, replacing with b-1-1.noarch',
      'warning: package b-1-1.noarch was already added, skipping a-1.5-1.noarch',
    ])
  })

  it('-F skips a package with no older instance installed; -U replaces every instance of the name', () => {
    const inst = [installed('a', '1')]
    const f = selectElements(
      { ...base, op: 'freshen', installed: inst, sources: [source('a', '2'), source('b', '1')] },
      () => undefined,
    )
    expect(f.installs.map((i) => i.nevra)).toEqual(['a-2-1.noarch'])
    expect([...f.erasing.values()]).toEqual([{ pkg: inst[0], replacedBy: 0, sameNevra: false }])
  })

  it('reports rpm’s version problems, and none with --oldpackage / --replacepkgs', () => {
    const inst = [installed('a', '2')]
    const problems = (o: Partial<typeof base>, v: string): string[] =>
      selectElements({ ...base, ...o, op: 'upgrade', installed: inst, sources: [source('a', v)] }, () => undefined)
        .problems
    expect(problems({}, '1')).toEqual([
      '\tpackage a-2-1.noarch (which is newer than a-1-1.noarch) is already installed',
    ])
    expect(problems({}, '2')).toEqual(['\tpackage a-2-1.noarch is already installed'])
    expect(problems({ oldpackage: true }, '1')).toEqual([])
    expect(problems({ replacepkgs: true }, '2')).toEqual([])
  })

  it('-e: labels as rpm matches them; several matches need --allmatches', () => {
    const inst = [installed('a', '1'), installed('a', '2')]
    const e = (labels: string[], allmatches = false) =>
      selectElements({ ...base, op: 'erase', labels, installed: inst, sources: [], allmatches }, () => undefined)
    expect(e(['a-2']).erasing.size).toBe(1)
    expect(e(['b']).problems).toEqual(['error: package b is not installed'])
    expect(e(['a']).problems).toEqual(['error: "a" specifies multiple packages:', '  a-1-1.noarch', '  a-2-1.noarch'])
    expect(e(['a'], true).erasing.size).toBe(2)
  })
})
