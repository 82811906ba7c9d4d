import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_RATIO, MIN_EXPANSION_ALLOWANCE, expansionLimit } from './expansion.js'

describe('expansionLimit', () => {
  it('allows 100-fold by default and the given ratio otherwise', () => {
    expect(DEFAULT_MAX_RATIO).toBe(100)
    expect(expansionLimit(10 * 1024 * 1024)).toBe(1000 * 1024 * 1024)
    expect(expansionLimit(10 * 1024 * 1024, 1000)).toBe(10_000 * 1024 * 1024)
  })

  it('never goes below the 1 MiB floor, so tiny payloads padded by tar are no bomb', () => {
    expect(MIN_EXPANSION_ALLOWANCE).toBe(1024 * 1024)
    expect(expansionLimit(300)).toBe(MIN_EXPANSION_ALLOWANCE)
    expect(expansionLimit(0, 1)).toBe(MIN_EXPANSION_ALLOWANCE)
  })
})
