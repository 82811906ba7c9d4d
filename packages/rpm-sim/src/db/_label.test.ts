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

describe('labels with patterns and parentheses', () => {
  const a = { name: 'pat', version: '1.0', release: '1', arch: 'noarch' }
  const b = { name: 'pat', version: '1.1', release: '2', arch: 'noarch' }
  const c = { name: 'patrol', epoch: 2, version: '2.10', release: '3', arch: 'x86_64' }
  const pkgs = [a, b, c]

  it.each([
    ['pat-1.*', [a, b]],
    ['pat-*-2', [b]],
    ['pat-!1.0', [b]],
    ['pat-1.0-1.noar*', [a]],
    ['patrol-2:2.*', [c]],
    ['patrol-2.10-3.x86_*', [c]],
    // N(EVR): the epoch inside is dropped, as rpmtsInitIterator drops it
    ['pat(1.1-2)', [b]],
    ['patrol(7:2.10-3)', [c]],
    // a name is never a pattern, and bracket expressions hide the dashes before them from rpm's scan
    ['pat*', []],
    ['pat-1.[01]-[12]', []],
  ])('%s finds what rpm -q finds', (label, want) => {
    expect(findByLabel(pkgs, label)).toEqual(want)
  })

  it('a part glibc cannot compile is one error line and no match, as rpm prints it', () => {
    const errors: string[] = []
    expect(findByLabel(pkgs, 'pat-1.?', { onError: (l) => errors.push(l) })).toEqual([])
    expect(errors).toEqual(['error: ^?$: regcomp failed: Invalid preceding regular expression'])
  })

  it.each([
    ['pat((1.0)', "error: extra '(' in package label: pat-"],
    ['pat(1.0))', "error: missing '(' in package label: pat-1.0"],
    ['pat-1.0.(noarch', "error: missing ')' in package label: pat-1.0.-noarch"],
  ])('%s: unbalanced parentheses are an error naming the label as converted so far', (label, line) => {
    const errors: string[] = []
    expect(findByLabel(pkgs, label, { onError: (l) => errors.push(l) })).toEqual([])
    expect(errors).toEqual([line])
  })
})
