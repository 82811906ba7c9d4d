import { describe, expect, it } from 'vitest'
import { findByLabel } from './_label.js'

const foo = { name: 'foo', epoch: 3, version: '1.0', release: '2', arch: 'noarch' }
const bar = { name: 'bar', version: '1.0', release: '2', arch: 'x86_64' }
const dashed = { name: 'foo-1.0', version: '7', release: '1', arch: 'noarch' }
const all = [foo, bar, dashed]

describe('findByLabel (rpm 4.18 dbiFindByLabel, checked against Debian rpm -q)', () => {
  it.each([
    ['foo', [foo]],
    ['foo-1.0', [dashed]],
    ['foo-3:1.0', [foo]],
    ['foo-1.0-2', [foo]],
    ['foo-3:1.0-2', [foo]],
    ['foo-1.0-2.noarch', [foo]],
    ['foo-3:1.0-2.noarch', [foo]],
    ['foo.noarch', [foo]],
    ['foo-1.0.noarch', [dashed]],
    ['bar-0:1.0', [bar]],
    ['bar-0:1.0-2.x86_64', [bar]],
    ['bar-1.0', [bar]],
  ])('%s is found', (label, want) => {
    expect(findByLabel(all, label)).toEqual(want)
  })

  it.each(['foo-0:1.0-2', 'foo-4:1.0-2', 'bar-1:1.0-2', 'foo-1.0-2.x86_64', 'bar-1.0-2.x86_64.rpm', 'baz', '-1.0'])(
    '%s is not',
    (label) => {
      expect(findByLabel(all, label)).toEqual([])
    },
  )

  it('a name matches every installed instance of it', () => {
    const foo2 = { ...foo, version: '2.0' }
    expect(findByLabel([foo, foo2], 'foo')).toEqual([foo, foo2])
    expect(findByLabel([foo, foo2], 'foo-2.0')).toEqual([foo2])
  })
})
