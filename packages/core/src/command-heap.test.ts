import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const MiB = 1 << 20

// A fresh Node process allocating as a run over many files does (small objects, a few kept a while): the young
// generation's size (both semi-spaces) before and after, with or without the call first.
function youngGeneration(call: boolean): { start: number; end: number } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8'
    ${call ? `import { keepYoungGenerationSmall } from ${JSON.stringify(DIST)}; keepYoungGenerationSmall()` : ''}
    const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
    const start = size()
    let keep = []
    for (let i = 0; i < 2_000_000; i++) {
      const o = { i, s: 'x' + i }
      if (i % 50 === 0) keep.push(o)
      if (keep.length > 5000) keep = []
    }
    console.log(JSON.stringify({ start, end: size() }))`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }))
}

// The built module (the test task builds first), as the commands bundle it.
describe('keepYoungGenerationSmall', () => {
  it('keeps the young generation of a process at a few MiB where it would grow to tens', () => {
    const grown = youngGeneration(false)
    expect(grown.end).toBeGreaterThanOrEqual(8 * MiB)
    const kept = youngGeneration(true)
    expect(kept.end).toBeLessThanOrEqual(4 * MiB)
  })
})
