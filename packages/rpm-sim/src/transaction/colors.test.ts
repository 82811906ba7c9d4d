import { describe, expect, it } from 'vitest'
import { colorWinner, defaultColors, headerColor, keepsOtherBuild, outsideColors } from './colors.js'

const MULTILIB = { transaction: 3, prefer: 2 }

describe('multilib colors (rpm %_transaction_color, %_prefer_color)', () => {
  it('are on by default where rpm turns them on: the 64-bit multilib arches', () => {
    expect(defaultColors('x86_64')).toEqual({ transaction: 3, prefer: 2 })
    expect(defaultColors('aarch64')).toEqual({ transaction: 3, prefer: 2 })
    expect(defaultColors('i686').transaction).toBe(0)
    expect(defaultColors('armv7hl').transaction).toBe(0)
  })

  it('settle a clash of a 32-bit and a 64-bit file for the preferred color, and nothing else', () => {
    expect(colorWinner(MULTILIB, 2, 1)).toBe('new')
    expect(colorWinner(MULTILIB, 1, 2)).toBe('old')
    expect(colorWinner({ transaction: 3, prefer: 1 }, 1, 2)).toBe('new')
    // Same color, an uncolored file (a script), or colors off: a real conflict.
    expect(colorWinner(MULTILIB, 2, 2)).toBeUndefined()
    expect(colorWinner(MULTILIB, 2, 0)).toBeUndefined()
    expect(colorWinner(MULTILIB, undefined, 1)).toBeUndefined()
    expect(colorWinner({ transaction: 0, prefer: 2 }, 2, 1)).toBeUndefined()
    expect(colorWinner(undefined, 2, 1)).toBeUndefined()
    // Only the transaction's colors count: with 64-bit only, a 32-bit file has none.
    expect(colorWinner({ transaction: 2, prefer: 2 }, 2, 1)).toBeUndefined()
  })

  it('leave out colored files of a color the transaction does not install', () => {
    expect(outsideColors({ transaction: 2, prefer: 2 }, 1)).toBe(true)
    expect(outsideColors({ transaction: 2, prefer: 2 }, 2)).toBe(false)
    expect(outsideColors({ transaction: 2, prefer: 2 }, 0)).toBe(false)
    expect(outsideColors(MULTILIB, 1)).toBe(false)
    expect(outsideColors(undefined, 1)).toBe(false)
  })

  it('keep the other build of a package installed on upgrade when the two share no color', () => {
    expect(keepsOtherBuild(MULTILIB, 2, 1)).toBe(true)
    expect(keepsOtherBuild(MULTILIB, 2, 3)).toBe(false)
    // An uncolored element (no linked dependency) or an uncolored installed package replaces as always.
    expect(keepsOtherBuild(MULTILIB, 0, 1)).toBe(false)
    expect(keepsOtherBuild(MULTILIB, 2, 0)).toBe(false)
    expect(keepsOtherBuild(undefined, 2, 1)).toBe(false)
  })

  it('give a package the colors of its files', () => {
    expect(headerColor([{ color: 1 }, {}, { color: 2 }])).toBe(3)
    expect(headerColor([{}, { color: 0 }])).toBe(0)
  })
})
