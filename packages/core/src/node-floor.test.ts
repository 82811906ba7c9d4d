import { describe, expect, it } from 'vitest'
import { NODE_FLOOR, meetsNodeFloor, nodeFloorTarget, parseNodeVersion } from './node-floor.js'

describe('the Node floor', () => {
  it('is 16.17.0, and the bundle target says the same version', () => {
    expect(NODE_FLOOR).toBe('16.17.0')
    expect(nodeFloorTarget()).toBe('node16.17')
  })

  it('parses what node --version and process.versions.node print', () => {
    expect(parseNodeVersion('v16.20.2\n')).toEqual({ major: 16, minor: 20, patch: 2 })
    expect(parseNodeVersion('18.0.0-pre')).toEqual({ major: 18, minor: 0, patch: 0 })
    expect(parseNodeVersion('node: error while loading shared libraries')).toBeUndefined()
    expect(parseNodeVersion('')).toBeUndefined()
  })

  it.each([
    ['v16.17.0', true],
    ['v16.20.2', true],
    ['v16.16.9', false],
    ['v16.9.0', false],
    ['v14.21.3', false],
    ['v17.0.0', true],
    ['v22.1.0', true],
    ['v6.17.0', false],
    ['garbage', false],
  ])('%s meets the floor: %s', (version, ok) => {
    expect(meetsNodeFloor(version)).toBe(ok)
  })
})
