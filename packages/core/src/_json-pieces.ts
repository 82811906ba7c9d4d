// JSON text of a large value in pieces, so a writer never holds it whole: a document of 10,000 file records is
// megabytes as one string, and that string, its flattened copy and its encoded bytes all cost fresh memory.
// The text parses to what JSON.stringify's would (same values, same key order); arrays that carry the bulk are
// split one element per line, everything else is JSON.stringify's own output.

// An array this long is written element by element; shorter values are written whole.
const SPLIT = 64

/** Hands the JSON text of `value` to `put` in pieces (JSON.stringify's text, with big arrays one element a line). */
export function jsonPieces(value: unknown, put: (piece: string) => void): void {
  if (!holdsBulk(value, 0)) {
    put(JSON.stringify(value) ?? 'null')
    return
  }
  if (Array.isArray(value)) {
    put('[')
    // The elements of one array are alike (records, actions): when the first holds nothing long, none is split.
    const flat = !holdsBulk(value[0], 0)
    for (let i = 0; i < value.length; i++) {
      put(i === 0 ? '\n' : ',\n')
      const el: unknown = value[i]
      // JSON.stringify writes null for what it cannot represent inside an array.
      if (el === undefined || typeof el === 'function' || typeof el === 'symbol') put('null')
      else if (flat) put(JSON.stringify(el))
      else jsonPieces(el, put)
    }
    put('\n]')
    return
  }
  put('{')
  let first = true
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    // JSON.stringify leaves out members it cannot represent.
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    put(`${first ? '' : ','}${JSON.stringify(key)}:`)
    first = false
    jsonPieces(v, put)
  }
  put('}')
}

// Whether a long array sits in `value` within a few levels (a plan's elements' actions, a record's files), found
// without walking any long array's elements.
function holdsBulk(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null || depth > 5) return false
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false
  if (Array.isArray(value)) return value.length >= SPLIT || value.some((el) => holdsBulk(el, depth + 1))
  for (const v of Object.values(value)) if (holdsBulk(v, depth + 1)) return true
  return false
}
