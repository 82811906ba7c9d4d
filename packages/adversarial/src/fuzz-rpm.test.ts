// Mutation fuzzing of rpm-sim's format layer: header parser, cpio reader, safe entry names, and whole packages
// read from disk. Seeds are packages crafted here (and one written by rpm-sim itself); mutations flip, set,
// insert, delete and truncate bytes. Only typed errors, no hangs (a per-case timeout), no other exceptions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseHeader, readCpio, readRpm, readRpmPayload, safeEntryPath, writeRpm } from '@rdbpkg/rpm-sim'
import { checkProperty, fuzzRuns, isTypedError, typedOrOk, typedOrOkAsync } from './_test-fuzz.js'
import { craftCpio, craftRpm, craftRpmParts, defaultCpioEntries } from './rpm-craft.js'
import type { CraftRpmFile } from './rpm-craft.js'

const dir = mkdtempSync(join(tmpdir(), 'fuzz-rpm-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const files: CraftRpmFile[] = [
  { path: '/opt/f', mode: 0o040755 },
  { path: '/opt/f/a.conf', data: 'key=value\n'.repeat(20), flags: 17 },
  { path: '/opt/f/bin', data: '#!/bin/sh\necho ok\n', mode: 0o100755 },
  { path: '/opt/f/link', linkTarget: 'bin' },
  { path: '/opt/f/empty', data: '' },
]

type Mutation =
  | { kind: 'flip'; bit: number }
  | { kind: 'set'; value: number }
  | { kind: 'insert'; bytes: Uint8Array }
  | { kind: 'delete'; length: number }
  | { kind: 'truncate' }
  | { kind: 'u32'; value: number }

const position = fc.double({ min: 0, max: 1, noNaN: true })
const mutation: fc.Arbitrary<{ pos: number; m: Mutation }> = fc.oneof(
  fc.record({
    pos: position,
    m: fc.record({ kind: fc.constant('flip' as const), bit: fc.integer({ min: 0, max: 7 }) }),
  }),
  fc.record({
    pos: position,
    m: fc.record({ kind: fc.constant('set' as const), value: fc.integer({ min: 0, max: 255 }) }),
  }),
  fc.record({
    pos: position,
    m: fc.record({ kind: fc.constant('insert' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  }),
  fc.record({
    pos: position,
    m: fc.record({ kind: fc.constant('delete' as const), length: fc.integer({ min: 1, max: 16 }) }),
  }),
  fc.record({ pos: position, m: fc.record({ kind: fc.constant('truncate' as const) }) }),
  // 32-bit fields (counts, offsets, sizes) set to boundary values: the classic way to make a parser lie.
  fc.record({
    pos: position,
    m: fc.record({
      kind: fc.constant('u32' as const),
      value: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x0fffffff),
    }),
  }),
)
const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 })

/** Applies mutations (positions are fractions of the current length, so they land anywhere in any input). */
function mutate(base: Buffer, list: readonly { pos: number; m: Mutation }[], region?: [number, number]): Buffer {
  let out = Buffer.from(base)
  for (const { pos, m } of list) {
    const [lo, hi] = region ?? [0, out.length]
    const at = Math.min(out.length - 1, lo + Math.floor(pos * Math.max(1, hi - lo)))
    if (at < 0) break
    switch (m.kind) {
      case 'flip':
        out[at]! ^= 1 << m.bit
        break
      case 'set':
        out[at] = m.value
        break
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes), out.subarray(at)])
        break
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)])
        break
      case 'truncate':
        out = out.subarray(0, at)
        break
      case 'u32':
        if (at + 4 <= out.length) out.writeUInt32BE(m.value >>> 0, at - (at % 4))
        break
    }
  }
  return out
}

async function* chunks(buffer: Buffer, sizes: readonly number[]): AsyncGenerator<Buffer> {
  let at = 0
  let i = 0
  while (at < buffer.length) {
    const size = sizes.length ? sizes[i++ % sizes.length]! : buffer.length
    yield buffer.subarray(at, at + size)
    at += size
  }
}

let header: Buffer
let cpio: Buffer
let seeds: Buffer[]

beforeAll(async () => {
  const parts = await craftRpmParts({ name: 'f', version: '1', release: '1', files })
  header = parts.header
  cpio = craftCpio(defaultCpioEntries(files))
  const written = join(dir, 'written.rpm')
  // rpm-sim's own writer provides a second seed, with the tags rpmbuild-like packages carry.
  await writeRpm(
    {
      name: 'w',
      version: '2',
      release: '1',
      arch: 'x86_64',
      files: [
        { path: '/opt/w', kind: 'dir' },
        { path: '/opt/w/a.conf', kind: 'file', content: 'a=1\n', flags: { config: true, noreplace: true } },
        { path: '/opt/w/l', kind: 'symlink', linkTarget: 'a.conf' },
      ],
      scripts: { post: { body: 'true' } },
    },
    written,
  )
  const { readFileSync } = await import('node:fs')
  seeds = [
    await craftRpm({ name: 'f', version: '1', release: '1', files }),
    await craftRpm({ name: 'x', version: '1', release: '1', files, compressor: 'xz' }),
    readFileSync(written),
  ]
})

describe('fuzz: rpm-sim format layer', () => {
  it('parseHeader on mutated headers: a Header whose every value reads back, or a typed error', async () => {
    await checkProperty(
      {
        id: 'fuzz-rpm-header',
        tried: 'rpm-sim parseHeader + every accessor on mutated main headers',
        notes: 'only RpmFormatError; accessors never threw on a parsed header',
      },
      fc.property(mutations, (list) => {
        const bytes = mutate(header, list)
        const parsed = typedOrOk(() => parseHeader(bytes, { file: 'fuzz.rpm', what: 'header' }))
        if (parsed instanceof Error) return
        for (const tag of parsed.entries.keys()) {
          parsed.strings(tag)
          parsed.numbers(tag)
          parsed.bin(tag)
        }
      }),
      fuzzRuns(3000),
    )
  })

  it('readCpio on mutated archives in random chunkings: entries, or a typed error; never a hang', async () => {
    await checkProperty(
      {
        id: 'fuzz-cpio',
        tried: 'rpm-sim readCpio on mutated newc archives, random chunk boundaries, bodies read or skipped',
        notes: 'only typed errors; per-case timeout 5 s never hit',
      },
      fc.asyncProperty(
        mutations,
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 5 }),
        fc.boolean(),
        async (list, sizes, readBodies) => {
          const bytes = mutate(cpio, list)
          await typedOrOkAsync(async () => {
            for await (const entry of readCpio(chunks(bytes, sizes), { file: 'fuzz.rpm' })) {
              if (readBodies) for await (const _ of entry.body) void _
            }
          })
        },
      ),
      fuzzRuns(2000),
      { timeout: 5000 },
    )
  })

  it('safeEntryPath: a name is refused, or maps to an absolute path with no `..` that stays below the root (or is the root itself)', async () => {
    await checkProperty(
      {
        id: 'fuzz-safe-entry-path',
        tried: 'rpm-sim safeEntryPath on random names (`..`, `/`, `.` segments, any bytes)',
        notes:
          'accepted names always map below the root; only a name of `.` segments (`./`, a package owning /) maps to the root itself, nothing above it',
      },
      fc.property(
        fc.oneof(
          fc
            .array(fc.oneof(fc.constantFrom('..', '.', '', 'etc', 'x'), fc.string({ unit: 'binary', maxLength: 5 })), {
              maxLength: 8,
            })
            .map((p) => p.join('/')),
          fc.string({ unit: 'binary', maxLength: 50 }),
        ),
        (name) => {
          const out = typedOrOk(() => safeEntryPath(name, 'fuzz.rpm'))
          if (out instanceof Error) {
            expect(out.code).toBe('E_CPIO_UNSAFE')
            return
          }
          // `/` is the root directory itself (rpmbuild's `./` entry of a package that owns /): allowed only for a name
          // made of `.` segments; every other accepted name is a path strictly below the root.
          if (out === '/') {
            expect(name).toMatch(/^\.[./]*$/)
            return
          }
          expect(out.startsWith('/')).toBe(true)
          expect(out.split('/')).not.toContain('..')
          expect(out).not.toMatch(/\/\/|\/\.(\/|$)|\/$/)
        },
      ),
      fuzzRuns(3000),
    )
  })

  it('readRpm + readRpmPayload on mutated package files: a package, or a typed error; never a hang', async () => {
    let n = 0
    let parsedOk = 0
    await checkProperty(
      {
        id: 'fuzz-rpm-file',
        tried: 'rpm-sim readRpm + readRpmPayload on mutated .rpm files (gzip, xz, rpm-sim-written seeds)',
        notes: () =>
          `only typed errors; ${parsedOk} mutants still read in full (damage outside checked bytes); per-case timeout never hit`,
      },
      fc.asyncProperty(fc.integer({ min: 0, max: 2 }), mutations, fc.boolean(), async (seed, list, headersOnly) => {
        const base = seeds[seed]!
        // Half the mutations aim at the first 2 KiB, where lead and headers live.
        const bytes = mutate(base, list, headersOnly ? [0, Math.min(2048, base.length)] : undefined)
        const file = join(dir, `m${n++ % 8}.rpm`)
        writeFileSync(file, bytes)
        const result = await typedOrOkAsync(async () => {
          await readRpm(file)
          for await (const entry of readRpmPayload(file)) for await (const _ of entry.body) void _
          return true
        })
        if (result === true) parsedOk++
      }),
      fuzzRuns(600),
      { timeout: 10_000 },
    )
  })

  it('isTypedError rejects plain errors (the fuzz oracle can fail)', () => {
    expect(isTypedError(new TypeError('x'))).toBe(false)
    expect(isTypedError(new RangeError('x'))).toBe(false)
  })
})
