import { describe, expect, it } from 'vitest'
import { faultSteps, parseFault } from './fault.js'

describe('parseFault', () => {
  it('reads stage:N, commit:N and erase:N, and nothing else', () => {
    expect(parseFault('commit:150')).toEqual({ phase: 'commit', after: 150 })
    expect(parseFault('stage:1')).toEqual({ phase: 'stage', after: 1 })
    expect(parseFault('erase:2')).toEqual({ phase: 'erase', after: 2 })
    for (const bad of [undefined, '', 'commit', 'commit:', 'swap:1', 'commit:-1', ' commit:1']) {
      expect(parseFault(bad)).toBeUndefined()
    }
  })
})

describe('faultSteps', () => {
  it('kills after the Nth step of its phase only', () => {
    let kills = 0
    const f = faultSteps({ phase: 'commit', after: 3 }, () => kills++)
    expect(f.step('erase')).toBeUndefined()
    const step = f.step('commit')
    step?.()
    step?.()
    expect(kills).toBe(0)
    step?.()
    expect(kills).toBe(1)
  })

  it('without a fault, no step does anything', () => {
    expect(faultSteps(undefined, () => undefined).step('commit')).toBeUndefined()
  })
})
