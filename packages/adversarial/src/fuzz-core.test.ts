// Property-based fuzzing of @rdbpkg/core's pure parsers and rules: only typed errors, no other exceptions,
// and the invariants operators rely on (config never silently overwritten, unsafe names always caught).
import fc from 'fast-check'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import {
  FILE_FATES,
  PACKAGE_TYPE_VALUES,
  checkPayload,
  compareEVR,
  decideFileFate,
  formatNEVRA,
  matchOsRelease,
  parseEVR,
  parseNEVRA,
  parseOsRelease,
  rpmvercmp,
} from '@rdbpkg/core'
import type { FateInput, PackageFileState } from '@rdbpkg/core'
import { FUZZ_SEED, checkProperty, fuzzRuns, typedOrOk } from './_test-fuzz.js'
import { hasTool } from './_test-env.js'
import { recordArea } from './_test-record.js'

const hasRpm = hasTool('rpm')
if (!hasRpm) console.warn('skipping the rpmvercmp oracle: rpm not installed')

const versionChar = fc.constantFrom(...'0123456789abcXYZ.~^_+-'.split(''))
const version = fc.string({ unit: versionChar, maxLength: 12 })
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 200 }),
)

describe('fuzz: versions', () => {
  it('rpmvercmp is total, reflexive and antisymmetric on any strings', async () => {
    await checkProperty(
      {
        id: 'fuzz-rpmvercmp-laws',
        tried: 'rpmvercmp on random strings (any Unicode, version alphabet)',
        notes: 'never threw; cmp(a,a)=0, cmp(a,b)=-cmp(b,a)',
      },
      fc.property(fc.oneof(version, anyText), fc.oneof(version, anyText), (a, b) => {
        const ab = rpmvercmp(a, b)
        expect([-1, 0, 1]).toContain(ab)
        expect(rpmvercmp(b, a)).toBe(ab === 0 ? 0 : -ab)
        expect(rpmvercmp(a, a)).toBe(0)
      }),
      fuzzRuns(3000),
    )
  })

  it.skipIf(!hasRpm)('rpmvercmp agrees with rpm 4.18 (rpm.vercmp) on random version pairs', async () => {
    const runs = fuzzRuns(1500)
    const all = fc.sample(fc.tuple(version, version), { seed: FUZZ_SEED, numRuns: runs })
    // One rpm process compares a batch of pairs through its Lua binding, so the oracle costs a few execs;
    // rpm.vercmp refuses some strings (e.g. empty), which pcall turns into a skipped pair.
    const oracle: (number | undefined)[] = []
    for (let at = 0; at < all.length; at += 1000) {
      const batch = all.slice(at, at + 1000)
      const table = batch.map(([a, b]) => `{"${a}","${b}"}`).join(',')
      const lua = `for _, p in ipairs({${table}}) do local ok, r = pcall(rpm.vercmp, p[1], p[2]) print((ok and tostring(r) or "E") .. ";") end`
      const run = await execa('rpm', ['--eval', `%{lua: ${lua}}`], { reject: false })
      expect(run.exitCode, run.stderr.slice(0, 300)).toBe(0)
      const stdout = run.stdout
      const lines = stdout.trim().replace(/;$/, '').split(';')
      expect(lines).toHaveLength(batch.length)
      oracle.push(...lines.map((line) => (line === 'E' ? undefined : Number(line))))
    }
    const pairs = all.filter((_, i) => oracle[i] !== undefined)
    const answers = oracle.filter((n): n is number => n !== undefined)
    expect(pairs.length).toBeGreaterThan(all.length / 2)
    // rpm.vercmp compares EVRs (it splits `epoch:version-release`), so the oracle checks parseEVR + compareEVR.
    let refused = 0
    const mismatches = pairs.filter(([a, b], i) => {
      const ours = typedOrOk(() => compareEVR(parseEVR(a), parseEVR(b)))
      if (ours instanceof Error) {
        refused++
        return false
      }
      return ours !== Math.sign(answers[i]!)
    })
    recordArea({
      id: 'fuzz-rpmvercmp-oracle',
      group: 'Fuzzing',
      tried: 'parseEVR+compareEVR vs Debian rpm 4.18 rpm.vercmp on random EVR pairs',
      cases: pairs.length,
      held: pairs.length - mismatches.length,
      notes: `${mismatches.length ? `differs on ${JSON.stringify(mismatches.slice(0, 3))}` : 'identical results'}; ${refused} pairs refused by parseEVR (VersionError) but accepted by rpm`,
    })
    expect(mismatches).toEqual([])
  })

  it('parseEVR and parseNEVRA return or throw a typed error, and NEVRA round-trips', async () => {
    await checkProperty(
      { id: 'fuzz-evr-nevra', tried: 'parseEVR / parseNEVRA on random strings', notes: 'only VersionError thrown' },
      fc.property(
        fc.oneof(anyText, fc.string({ unit: fc.constantFrom(...'ab1.-:_x~/'.split('')), maxLength: 30 })),
        (s) => {
          typedOrOk(() => parseEVR(s))
          const nevra = typedOrOk(() => parseNEVRA(s))
          if (!(nevra instanceof Error)) {
            // What parses must format back to something that parses to the same thing.
            expect(parseNEVRA(formatNEVRA(nevra))).toEqual({ ...nevra, epoch: nevra.epoch })
          }
        },
      ),
      fuzzRuns(3000),
    )
  })
})

const kind = fc.constantFrom('file', 'dir', 'symlink', 'other') as fc.Arbitrary<PackageFileState['kind']>
const digest = fc.option(fc.constantFrom('A', 'B', 'C'), { nil: undefined })
const flags = fc.record(
  { config: fc.boolean(), noreplace: fc.boolean(), ghost: fc.boolean(), missingok: fc.boolean(), doc: fc.boolean() },
  { requiredKeys: [] },
)
const pkgFile = fc.record({ kind, digest, linkTarget: digest, flags }, { requiredKeys: ['kind'] })
const disk = fc.option(fc.record({ kind, digest, linkTarget: digest }, { requiredKeys: ['kind'] }), { nil: null })
const fateInput: fc.Arbitrary<FateInput> = fc.oneof(
  fc.record({ op: fc.constant('install' as const), new: pkgFile, disk }),
  fc.record({ op: fc.constant('upgrade' as const), old: pkgFile, new: pkgFile, disk }),
  fc.record({ op: fc.constant('erase' as const), old: pkgFile, disk }),
)

describe('fuzz: file fate', () => {
  it('decideFileFate is total and never drops an operator-edited config', async () => {
    const fates = Object.values(FILE_FATES) as string[]
    await checkProperty(
      {
        id: 'fuzz-file-fate',
        tried: 'decideFileFate on random (op, old, new, disk) states',
        notes:
          'total; suffix iff a rename fate; an edited %config file is never replaced without .rpmsave/.rpmorig/.rpmnew or being kept',
      },
      fc.property(fateInput, (input) => {
        const d = decideFileFate(input)
        expect(fates).toContain(d.fate)
        const suffix = { save: '.rpmsave', backup: '.rpmorig', altname: '.rpmnew' }[d.fate as string]
        expect(d.suffix).toBe(suffix)
        const target = input.op === 'erase' ? input.old : input.new
        const isConfig = target?.flags?.config === true || target?.flags?.noreplace === true
        const edited =
          input.disk?.kind === 'file' &&
          input.disk.digest !== undefined &&
          target?.kind === 'file' &&
          input.disk.digest !== target.digest &&
          input.disk.digest !== input.old?.digest &&
          // rpm 4.18 replaces without a backup when the old package owned a directory or link there (checked
          // with real rpm -U); the promise covers files the operator edited in place.
          (input.op === 'install' || input.old?.kind === 'file')
        if (isConfig && edited && !target?.flags?.ghost) {
          // The operator's bytes must survive: kept in place, or renamed aside, never overwritten or erased.
          expect(['skip', 'touch', 'save', 'backup', 'altname']).toContain(d.fate)
        }
      }),
      fuzzRuns(5000),
    )
  })
})

const osKey = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/)
const osValue = fc.string({ unit: 'grapheme-ascii', maxLength: 30 }).filter((v) => !/[\r\n]/.test(v))

function quote(value: string): string {
  return `"${value.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`
}

describe('fuzz: os-release', () => {
  it('parseOsRelease never throws, keeps only valid keys, and round-trips quoted values', async () => {
    await checkProperty(
      {
        id: 'fuzz-os-release',
        tried: 'parseOsRelease on random text and on quoted KEY="value" files',
        notes: 'never threw; valid keys only; double-quoted values read back exactly; matchOsRelease total',
      },
      fc.property(
        anyText,
        fc.dictionary(osKey, osValue, { maxKeys: 8 }),
        fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
        (junk, fields, allowed) => {
          const parsed = parseOsRelease(junk)
          for (const key of Object.keys(parsed)) expect(key).toMatch(/^[A-Z0-9_]+$/)
          const text = Object.entries(fields)
            .map(([k, v]) => `${k}=${quote(v)}`)
            .join('\n')
          expect(parseOsRelease(text)).toEqual(fields)
          const m = typedOrOk(() => matchOsRelease(parsed, allowed))
          if (!(m instanceof Error) && !m.ok) expect(m.message).toMatch(/^\/etc\/os-release: ID: /)
        },
      ),
      fuzzRuns(3000),
    )
  })
})

const segment = fc.oneof(
  fc.constantFrom('..', '.', '', 'tools', 'fsbackup_kernel_4.x', 'a.whl', 'x'),
  fc.string({ unit: 'binary-ascii', maxLength: 6 }),
)
const entryName = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('/'))

describe('fuzz: payload checks', () => {
  it('checkPayload never throws and flags every absolute, `..` or control-character name as unsafe', async () => {
    await checkProperty(
      {
        id: 'fuzz-check-payload',
        tried: 'checkPayload on random entry lists for every package type',
        notes: 'never threw; every `..`/absolute/control-char name reported unsafe',
      },
      fc.property(
        fc.array(fc.oneof(entryName, anyText), { maxLength: 20 }),
        fc.constantFrom(...PACKAGE_TYPE_VALUES),
        (entries, type) => {
          const check = checkPayload(entries, type)
          for (const e of entries) {
            const hostile = e.startsWith('/') || e.split('/').includes('..') || /[\u0000-\u001f\u007f]/.test(e)
            if (hostile) expect(check.unsafe).toContain(e)
          }
          if (check.ok) expect(check.problems).toEqual([])
        },
      ),
      fuzzRuns(3000),
    )
  })
})
