import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { VersionError, compareEVR, formatEVR, formatNEVRA, parseEVR, parseNEVRA, rpmvercmp } from './index.js'

type Vector = readonly [string, string, -1 | 0 | 1]

// Every RPMVERCMP line of rpm's tests/rpmvercmp.at (4.18, with the caret cases), in file order.
const RPMVERCMP_AT: readonly Vector[] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0', '1.0', 1],
  ['2.0.1', '2.0.1', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1a', 0],
  ['2.0.1a', '2.0.1', 1],
  ['2.0.1', '2.0.1a', -1],
  ['5.5p1', '5.5p1', 0],
  ['5.5p1', '5.5p2', -1],
  ['5.5p2', '5.5p1', 1],
  ['5.5p10', '5.5p10', 0],
  ['5.5p1', '5.5p10', -1],
  ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1],
  ['10.1xyz', '10xyz', 1],
  ['xyz10', 'xyz10', 0],
  ['xyz10', 'xyz10.1', -1],
  ['xyz10.1', 'xyz10', 1],
  ['xyz.4', 'xyz.4', 0],
  ['xyz.4', '8', -1],
  ['8', 'xyz.4', 1],
  ['xyz.4', '2', -1],
  ['2', 'xyz.4', 1],
  ['5.5p2', '5.6p1', -1],
  ['5.6p1', '5.5p2', 1],
  ['5.6p1', '6.5p1', -1],
  ['6.5p1', '5.6p1', 1],
  ['6.0.rc1', '6.0', 1],
  ['6.0', '6.0.rc1', -1],
  ['10b2', '10a1', 1],
  ['10a2', '10b2', -1],
  ['1.0aa', '1.0aa', 0],
  ['1.0a', '1.0aa', -1],
  ['1.0aa', '1.0a', 1],
  ['10.0001', '10.0001', 0],
  ['10.0001', '10.1', 0],
  ['10.1', '10.0001', 0],
  ['10.0001', '10.0039', -1],
  ['10.0039', '10.0001', 1],
  ['4.999.9', '5.0', -1],
  ['5.0', '4.999.9', 1],
  ['20101121', '20101121', 0],
  ['20101121', '20101122', -1],
  ['20101122', '20101121', 1],
  ['2_0', '2_0', 0],
  ['2.0', '2_0', 0],
  ['2_0', '2.0', 0],
  // RhBug:178798
  ['a', 'a', 0],
  ['a+', 'a+', 0],
  ['a+', 'a_', 0],
  ['a_', 'a+', 0],
  ['+a', '+a', 0],
  ['+a', '_a', 0],
  ['_a', '+a', 0],
  ['+_', '+_', 0],
  ['_+', '+_', 0],
  ['_+', '_+', 0],
  ['+', '_', 0],
  ['_', '+', 0],
  // tilde
  ['1.0~rc1', '1.0~rc1', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc2', '1.0~rc1', 1],
  ['1.0~rc1~git123', '1.0~rc1~git123', 0],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0~rc1', '1.0~rc1~git123', 1],
  // caret
  ['1.0^', '1.0^', 0],
  ['1.0^', '1.0', 1],
  ['1.0', '1.0^', -1],
  ['1.0^git1', '1.0^git1', 0],
  ['1.0^git1', '1.0', 1],
  ['1.0', '1.0^git1', -1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^git2', '1.0^git1', 1],
  ['1.0^git1', '1.01', -1],
  ['1.01', '1.0^git1', 1],
  ['1.0^20160101', '1.0^20160101', 0],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0.1', '1.0^20160101', 1],
  ['1.0^20160101^git1', '1.0^20160101^git1', 0],
  ['1.0^20160102', '1.0^20160101^git1', 1],
  ['1.0^20160101^git1', '1.0^20160102', -1],
  // tilde and caret
  ['1.0~rc1^git1', '1.0~rc1^git1', 0],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc1^git1', -1],
  ['1.0^git1~pre', '1.0^git1~pre', 0],
  ['1.0^git1', '1.0^git1~pre', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
]

// The cases rpmvercmp.at keeps commented out (dnl) to document "arguably buggy" behaviour rpm still has.
const RPMVERCMP_AT_ODDITIES: readonly Vector[] = [
  ['1b.fc17', '1b.fc17', 0],
  ['1b.fc17', '1.fc17', -1],
  ['1.fc17', '1b.fc17', 1],
  ['1g.fc17', '1g.fc17', 0],
  ['1g.fc17', '1.fc17', 1],
  ['1.fc17', '1g.fc17', -1],
  ['1.1.α', '1.1.α', 0],
  ['1.1.α', '1.1.β', 0],
  ['1.1.β', '1.1.α', 0],
  ['1.1.αα', '1.1.α', 0],
  ['1.1.α', '1.1.ββ', 0],
  ['1.1.ββ', '1.1.αα', 0],
]

// SPEC.md section 7 "Versions".
const SPEC_VECTORS: readonly Vector[] = [
  ['1.0', '1.0', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1a', '2.0.1', 1],
  ['5.5p1', '5.5p10', -1],
  ['10xyz', '10.1xyz', -1],
  ['xyz.4', '8', -1],
  ['6.0.rc1', '6.0', 1],
  ['10.0001', '10.1', 0],
  ['4.999.9', '5.0', -1],
  ['2_0', '2.0', 0],
  ['+a', '_a', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.01', -1],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
]

// Edge cases beyond the rpm file: empty strings, tilde against end of string, long numbers, NUL.
const EXTRA_VECTORS: readonly Vector[] = [
  ['', '', 0],
  ['', '1', -1],
  ['', '~', 1],
  ['', '^', -1],
  ['1.0~', '1.0', -1],
  ['1~', '1~~', 1],
  ['1^', '1^^', -1],
  ['1.0', '1.0.', 0],
  ['1a', '1.a', 0],
  ['a1', '1', -1],
  ['A', 'a', -1],
  ['123456789012345678901234567890', '123456789012345678901234567891', -1],
  ['0000000000000000000000000000001', '1', 0],
  ['1.0\0junk', '1.0', 0],
]

const negate = (r: -1 | 0 | 1): -1 | 0 | 1 => (r === 0 ? 0 : r === 1 ? -1 : 1)

describe('rpmvercmp', () => {
  for (const [label, table] of [
    ['rpmvercmp.at', RPMVERCMP_AT],
    ['rpmvercmp.at oddities', RPMVERCMP_AT_ODDITIES],
    ['SPEC.md', SPEC_VECTORS],
    ['edge cases', EXTRA_VECTORS],
  ] as const) {
    it.each(table)(`${label}: rpmvercmp(%j, %j) = %i, and the reverse is its negation`, (a, b, expected) => {
      expect(rpmvercmp(a, b)).toBe(expected)
      expect(rpmvercmp(b, a)).toBe(negate(expected))
    })
  }

  it('is antisymmetric and transitive (a total preorder) on arbitrary strings of version characters', () => {
    const version = fc.string({ unit: fc.constantFrom(...'019azAZ.~^_+-:'), maxLength: 10 })
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(rpmvercmp(a, b)).toBe(negate(rpmvercmp(b, a)))
        const sorted = [a, b, c].sort(rpmvercmp)
        for (let k = 0; k < 2; k++) expect(rpmvercmp(sorted[k] as string, sorted[k + 1] as string)).toBeLessThan(1)
        expect(rpmvercmp(sorted[0] as string, sorted[2] as string)).toBeLessThan(1)
      }),
      { numRuns: 2000, seed: 42 },
    )
  })

  it('holds every vector of rpmvercmp.at (a typo in the table would show as a count change)', () => {
    expect(RPMVERCMP_AT).toHaveLength(91)
  })
})

describe('parseEVR / formatEVR', () => {
  it.each([
    ['1.0', { epoch: 0, version: '1.0', release: '' }],
    ['1.0-1', { epoch: 0, version: '1.0', release: '1' }],
    ['2:1.0-1.el7', { epoch: 2, version: '1.0', release: '1.el7' }],
    ['0:5.7.1.0-1_1.el7', { epoch: 0, version: '5.7.1.0', release: '1_1.el7' }],
    ['1.0~rc1^git2+x-3', { epoch: 0, version: '1.0~rc1^git2+x', release: '3' }],
    ['4294967295:1', { epoch: 4294967295, version: '1', release: '' }],
  ] as const)('parses %j', (text, evr) => {
    expect(parseEVR(text)).toEqual(evr)
  })

  it('takes the release after the last dash, so a dash in the version is refused', () => {
    expect(() => parseEVR('1.0-2-3')).toThrow(/version: expected .*found "1\.0-2"/)
  })

  it.each([
    ['', 'version'],
    ['1:', 'version'],
    ['1:-2', 'version'],
    ['-1', 'version'],
    ['1.0-', 'release'],
    ['a:1.0', 'epoch'],
    [':1.0', 'epoch'],
    ['-1:1.0', 'epoch'],
    ['4294967296:1.0', 'epoch'],
    ['1:2:3', 'version'],
    ['1.0 beta', 'version'],
    ['1.0-1\nx', 'release'],
  ] as const)('refuses %j naming the string and the %s', (text, field) => {
    let caught: unknown
    try {
      parseEVR(text)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(VersionError)
    const error = caught as VersionError
    expect(error.code).toBe('E_VERSION_INVALID')
    expect(error.details.field).toBe(field)
    expect(error.message).toContain(`EVR ${JSON.stringify(text)}: ${field}: expected`)
    expect(error.message).not.toContain('\n')
  })

  it.each([
    [{ epoch: 0, version: '1.0', release: '' }, '1.0'],
    [{ epoch: 0, version: '1.0', release: '2.el7' }, '1.0-2.el7'],
    [{ epoch: 3, version: '1.0', release: '' }, '3:1.0'],
    [{ epoch: 3, version: '1.0', release: '2' }, '3:1.0-2'],
  ] as const)('formats %j as %s and parses it back', (evr, text) => {
    expect(formatEVR(evr)).toBe(text)
    expect(parseEVR(text)).toEqual(evr)
  })

  it('drops a 0: epoch when formatting', () => {
    expect(formatEVR(parseEVR('0:1.0-1'))).toBe('1.0-1')
  })
})

describe('compareEVR', () => {
  const cmp = (a: string, b: string): number => compareEVR(parseEVR(a), parseEVR(b))

  it.each([
    ['1:1.0-1', '2.0-1', 1],
    ['1.0-1', '1:0.1-1', -1],
    ['0:1.0-1', '1.0-1', 0],
    ['2.0-1', '10.0-1', -1],
    ['1.0-2', '1.0-10', -1],
    ['1.0-1.el7', '1.0-1.el8', -1],
    ['1.0-1_el7', '1.0-1.el7', 0],
    ['1.0-1_1.el7', '1.0-1.el7', 1],
    ['1.0~rc1-5', '1.0-1', -1],
    ['1.0', '1.0', 0],
    // rpmverCmp: an absent release is older than any present one, even `~`-sorted ones.
    ['1.0', '1.0-1', -1],
    ['1.0', '1.0-~1', -1],
    ['1.1', '1.0-99', 1],
    ['5.7.1.0-1', '5.7.1.0^hotfix1-1', -1],
  ] as const)('compareEVR(%s, %s) = %i and the reverse is its negation', (a, b, expected) => {
    expect(cmp(a, b)).toBe(expected)
    expect(cmp(b, a)).toBe(negate(expected))
  })

  it('sorts a list of EVRs into upgrade order', () => {
    const order = ['1.0~rc1-1', '1.0-1', '1.0-2', '1.0^git1-1', '1.0.1-1', '1.1-1', '1:0.5-1']
    const shuffled = [order[4], order[0], order[6], order[2], order[5], order[1], order[3]] as string[]
    const sorted = shuffled.map(parseEVR).sort(compareEVR).map(formatEVR)
    expect(sorted).toEqual(order)
  })
})

describe('parseNEVRA / formatNEVRA', () => {
  const nevra = (name: string, epoch: number, version: string, release: string, arch: string) =>
    ({ name, epoch, version, release, arch }) as const
  it.each([
    ['aio-airflow-5.7.1.0-1_1.el7.x86_64.rpm', nevra('aio-airflow', 0, '5.7.1.0', '1_1.el7', 'x86_64')],
    ['/var/cache/rdb/aio-airflow-5.7.1.0-1_1.el7.x86_64.rpm', nevra('aio-airflow', 0, '5.7.1.0', '1_1.el7', 'x86_64')],
    ['rdb-agent-5.7.1.0-1.x86_64', nevra('rdb-agent', 0, '5.7.1.0', '1', 'x86_64')],
    ['python3-pip-9.0.3-8.el7.noarch.rpm', nevra('python3-pip', 0, '9.0.3', '8.el7', 'noarch')],
    ['kernel-5.14.0-70.13.1.el9_0.aarch64.rpm', nevra('kernel', 0, '5.14.0', '70.13.1.el9_0', 'aarch64')],
    ['bash-5.1.8-6.el9.src.rpm', nevra('bash', 0, '5.1.8', '6.el9', 'src')],
    ['lib64-x11-2-1.0-2.i686.rpm', nevra('lib64-x11-2', 0, '1.0', '2', 'i686')],
    ['gcc-c++-11.3.1-2.1.el9.x86_64', nevra('gcc-c++', 0, '11.3.1', '2.1.el9', 'x86_64')],
    ['perl-4:5.32.1-480.el9.x86_64', nevra('perl', 4, '5.32.1', '480.el9', 'x86_64')],
    ['3proxy-0.9.4-1.x86_64.rpm', nevra('3proxy', 0, '0.9.4', '1', 'x86_64')],
  ] as const)('parses %s', (text, nevra) => {
    expect(parseNEVRA(text)).toEqual(nevra)
  })

  it('formats name-version-release.arch without the epoch, and that parses back', () => {
    const nevra = { name: 'aio-airflow', epoch: 0, version: '5.7.1.0', release: '1_1.el7', arch: 'x86_64' }
    expect(formatNEVRA(nevra)).toBe('aio-airflow-5.7.1.0-1_1.el7.x86_64')
    expect(parseNEVRA(`${formatNEVRA(nevra)}.rpm`)).toEqual(nevra)
    expect(formatNEVRA({ ...nevra, epoch: 7 })).toBe('aio-airflow-5.7.1.0-1_1.el7.x86_64')
  })

  it.each([
    ['', 'arch'],
    ['.rpm', 'arch'],
    ['foo.rpm', 'arch'],
    ['foo.x86_64.rpm', 'name-version-release'],
    ['foo-1.0.x86_64', 'name-version-release'],
    ['foo-1.0-1', 'arch'],
    ['foo-1.0-1.', 'arch'],
    ['foo-1.0-1.x86-64', 'arch'],
    ['-1.0-1.x86_64', 'name-version-release'],
    ['--1.0-1.x86_64', 'name'],
    ['foo bar-1.0-1.x86_64', 'name'],
    ['foo--1.x86_64', 'version'],
    ['foo-1.0-.x86_64', 'release'],
    ['foo-x:1.0-1.x86_64', 'epoch'],
    ['dir/', 'arch'],
  ] as const)('refuses %j naming the string and the %s', (text, field) => {
    let caught: unknown
    try {
      parseNEVRA(text)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(VersionError)
    const error = caught as VersionError
    expect(error.code).toBe('E_VERSION_INVALID')
    expect(error.details.field).toBe(field)
    expect(error.message).toContain(`NEVRA ${JSON.stringify(text)}: ${field}: expected`)
  })
})

// Deterministic PRNG so the oracle batch is the same on every run.
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// A small alphabet so that random pairs often share prefixes and reach the interesting branches.
const ALPHABET = '0012789abzAZ..~~^^_+'

function randomPairs(count: number, seed: number, minLength: number): [string, string][] {
  const random = mulberry32(seed)
  const pick = (): string => ALPHABET[Math.floor(random() * ALPHABET.length)] as string
  const word = (): string => {
    let s = ''
    const length = minLength + Math.floor(random() * (9 - minLength))
    for (let k = 0; k < length; k++) s += pick()
    return s
  }
  const mutate = (s: string): string => {
    const at = Math.floor(random() * (s.length + 1))
    const op = Math.floor(random() * 3)
    if (op === 0) return s.slice(0, at) + pick() + s.slice(at)
    if (op === 1 && s.length > minLength) return s.slice(0, at) + s.slice(at + 1)
    return s.slice(0, at) + pick() + s.slice(at + 1)
  }
  const pairs: [string, string][] = []
  for (let k = 0; k < count; k++) {
    const a = word()
    pairs.push([a, random() < 0.5 ? word() : mutate(a)])
  }
  return pairs
}

const hasRpm = spawnSync('rpm', ['--version'], { encoding: 'utf8' }).status === 0
if (!hasRpm) console.warn('skipping rpm oracle tests: rpm not installed')

// Runs one rpm process that evaluates `expression(p[1], p[2])` for every pair in a single Lua chunk.
function rpmLuaBatch(pairs: readonly (readonly [string, string])[], expression: string): number[] {
  // Lua long brackets need no escaping; the level is chosen above any `]=*]` run in the data.
  const quote = (s: string): string => `[==[${s}]==]`
  const table = pairs.map(([a, b]) => `{${quote(a)},${quote(b)}}`).join(',')
  // rpm's print() inside a macro does not end lines, so collect the results and print them once.
  const loop = `for _, p in ipairs(t) do r[#r + 1] = ${expression} end`
  const chunk = `%{lua: local t = {${table}} local r = {} ${loop} print(table.concat(r, ','))}`
  const result = spawnSync('rpm', ['--eval', chunk], { encoding: 'utf8' })
  expect(result.status, result.stderr).toBe(0)
  return result.stdout.trim().split(',').map(Number)
}

describe('rpm oracle', () => {
  it.skipIf(!hasRpm)('agrees with rpm.vercmp on ~200 random pairs and on every table vector', () => {
    const tables = [...RPMVERCMP_AT, ...RPMVERCMP_AT_ODDITIES, ...SPEC_VECTORS, ...EXTRA_VECTORS]
    // rpm 4.18's rpm.vercmp parses each side with rpmverParse, which refuses an empty string, so empty strings
    // are left out (the alphabet has no '-' or ':', so that parse is otherwise a no-op). NUL cannot pass argv.
    const usable = (s: string): boolean => s !== '' && !s.includes('\0')
    const tableVectors = tables.filter(([a, b]) => usable(a) && usable(b))
    const pairs: (readonly [string, string])[] = [
      ...randomPairs(200, 0x5eed, 1),
      ...tableVectors.map(([a, b]) => [a, b] as const),
    ]
    const expected = rpmLuaBatch(pairs, 'rpm.vercmp(p[1], p[2])')
    expect(expected).toHaveLength(pairs.length)
    const mismatches = pairs
      .map(([a, b], k) => ({ a, b, rpm: expected[k], ours: rpmvercmp(a, b) }))
      .filter((row) => row.rpm !== row.ours)
    expect(mismatches).toEqual([])
    // The random batch must exercise all three outcomes or it proves little.
    expect(new Set(expected.slice(0, 200))).toEqual(new Set([-1, 0, 1]))
  })

  it.skipIf(!hasRpm)('agrees with rpm.ver ordering (rpmverCmp) on ~200 random EVR pairs', () => {
    const random = mulberry32(0xe7a)
    const verrel = (s: string): string => s.replace(/[^A-Za-z0-9._+~^]/g, '') || '0'
    const evr = (v: string, r: string): string => {
      const epoch = random() < 0.2 ? `${Math.floor(random() * 3)}:` : ''
      const release = random() < 0.25 ? '' : `-${verrel(r)}`
      return `${epoch}${verrel(v)}${release}`
    }
    const versions = randomPairs(200, 0xbeef, 1)
    const releases = randomPairs(200, 0xcafe, 1)
    const pairs = versions.map(([va, vb], k) => {
      const [ra, rb] = releases[k] as [string, string]
      return [evr(va, ra), evr(random() < 0.5 ? va : vb, random() < 0.5 ? ra : rb)] as const
    })
    const expected = rpmLuaBatch(
      pairs,
      '(function(a, b) if a < b then return -1 elseif a == b then return 0 else return 1 end end)' +
        '(rpm.ver(p[1]), rpm.ver(p[2]))',
    )
    const mismatches = pairs
      .map(([a, b], k) => ({ a, b, rpm: expected[k], ours: compareEVR(parseEVR(a), parseEVR(b)) as number }))
      .filter((row) => row.rpm !== row.ours)
    expect(mismatches).toEqual([])
    expect(new Set(expected)).toEqual(new Set([-1, 0, 1]))
  })
})
