import { describe, expect, it } from 'vitest'
import { MODES, parseArgs } from './main.js'

describe('parseArgs', () => {
  it('splits combined short flags and reads long options with values', () => {
    const args = parseArgs(['-qpl', '--root', '/r', '--dbpath=/x', '--nodeps', 'a.rpm', '--', '-weird.rpm'])
    expect(args.letters).toEqual(['q', 'p', 'l'])
    expect(args.values.get('root')).toBe('/r')
    expect(args.values.get('dbpath')).toBe('/x')
    expect([...args.flags]).toEqual(['nodeps'])
    expect(args.operands).toEqual(['a.rpm', '-weird.rpm'])
  })

  it('refuses a value option without its value', () => {
    expect(() => parseArgs(['-qp', '--root'])).toThrow(/--root needs a value/)
  })

  it('dispatches -qp* to the package query mode only', () => {
    expect(MODES.find((m) => m.matches(parseArgs(['-qpi', 'x'])))?.name).toBe('query-package')
    expect(MODES.find((m) => m.matches(parseArgs(['-q', 'x'])))?.name).not.toBe('query-package')
  })
})
