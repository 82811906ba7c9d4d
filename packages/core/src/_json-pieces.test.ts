import { describe, expect, it } from 'vitest'
import { jsonPieces } from './_json-pieces.js'

const pieces = (v: unknown): string[] => {
  const out: string[] = []
  jsonPieces(v, (p) => out.push(p))
  return out
}
const text = (v: unknown): string => pieces(v).join('')

describe('jsonPieces', () => {
  it('parses back to what JSON.stringify gives, for small and bulky values alike', () => {
    const files = Array.from({ length: 200 }, (_, i) => ({
      path: `/opt/f${i}`,
      digest: i % 2 === 0 ? undefined : `d"${i}\n`,
      flags: {},
    }))
    const values: unknown[] = [
      null,
      0,
      'x',
      [],
      {},
      { a: undefined, b: [1, undefined, () => 1], c: 'é\u2028' },
      { tid: 1, elements: [{ op: 'install', record: { name: 'n', files }, actions: files.slice(0, 70) }] },
      Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? undefined : i)),
      { date: new Date(0), nested: [[files]] },
    ]
    for (const v of values) expect(JSON.parse(text(v))).toEqual(JSON.parse(JSON.stringify(v)))
  })

  it('writes a long array one element a line, and a short value as one piece', () => {
    const long = { files: Array.from({ length: 100 }, (_, i) => ({ i })) }
    expect(text(long).split('\n')).toHaveLength(102)
    expect(pieces({ files: [{ i: 1 }] })).toEqual(['{"files":[{"i":1}]}'])
  })

  it('never yields a piece as large as the whole', () => {
    const big = { records: Array.from({ length: 5000 }, (_, i) => ({ path: `/opt/bench/d${i % 100}/f${i}` })) }
    const all = pieces(big)
    const whole = all.join('').length
    expect(Math.max(...all.map((p) => p.length))).toBeLessThan(whole / 100)
  })
})
