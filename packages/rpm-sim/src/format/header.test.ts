import { describe, expect, it } from 'vitest'
import { parseHeader, serializeHeader } from './header.js'
import { TYPE } from './tags.js'

const ctx = { file: 'x.rpm', what: 'header' } as const

describe('header blobs', () => {
  it('round-trips every value type with alignment and a region trailer', () => {
    const blob = serializeHeader(
      [
        { tag: 1000, type: TYPE.STRING, value: 'name' },
        { tag: 1030, type: TYPE.INT16, value: [0o100644, 0o40755] },
        { tag: 1028, type: TYPE.INT32, value: [1, 0xffffffff] },
        { tag: 5008, type: TYPE.INT64, value: [2 ** 40] },
        { tag: 1004, type: TYPE.I18NSTRING, value: ['summary'] },
        { tag: 1117, type: TYPE.STRING_ARRAY, value: ['a', '', 'ü'] },
        { tag: 1004 + 1, type: TYPE.BIN, value: new Uint8Array([1, 2, 3]) },
      ],
      63,
    )
    const h = parseHeader(blob, ctx)
    expect(h.string(1000)).toBe('name')
    expect(h.numbers(1030)).toEqual([0o100644, 0o40755])
    expect(h.numbers(1028)).toEqual([1, 0xffffffff])
    expect(h.numbers(5008)).toEqual([2 ** 40])
    expect(h.string(1004)).toBe('summary')
    expect(h.strings(1117)).toEqual(['a', '', 'ü'])
    expect([...(h.bin(1005) ?? [])]).toEqual([1, 2, 3])
    const region = h.bin(63)
    expect(region?.readInt32BE(8)).toBe(-8 * 16)
    for (const entry of h.entries.values()) if (entry.type === TYPE.INT64) expect(entry.offset % 8).toBe(0)
  })

  it('rejects strings running off the end and misaligned integers', () => {
    const blob = serializeHeader([{ tag: 1000, type: TYPE.STRING, value: 'abc' }], 63)
    const noNul = Buffer.from(blob)
    noNul.fill(0x41, 16 + 32, blob.length)
    expect(() => parseHeader(noNul, ctx)).toThrow(/NUL-terminated/)
    const misaligned = Buffer.from(blob)
    misaligned.writeUInt32BE(TYPE.INT32, 16 + 16 + 4)
    misaligned.writeInt32BE(1, 16 + 16 + 8)
    expect(() => parseHeader(misaligned, ctx)).toThrow(/aligned to 4/)
  })
})
