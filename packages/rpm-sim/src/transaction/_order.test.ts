import { describe, expect, it } from 'vitest'
import { SENSE } from '../format/tags.js'
import type { OrderElement } from './_order.js'
import { dependenciesOverlap } from '../format/model.js'
import { orderElements } from './_order.js'

const pkg = (
  op: OrderElement['op'],
  name: string,
  requires: string[] = [],
  provides: string[] = [],
  files: string[] = [],
  requireFlags?: number[],
): OrderElement => ({
  op,
  header: {
    name,
    requires,
    provides: [`${name} = 1.0-1`, ...provides],
    files: files.map((path) => ({ path })),
    ...(requireFlags !== undefined ? { depFlags: { requires: requireFlags } } : {}),
  },
})
const names = (els: OrderElement[]) => orderElements(els).map((i) => els[i]?.header.name)
const dep = (name: string, op: string, evr: string) => ({
  name,
  flags:
    (op.includes('<') ? SENSE.LESS : 0) | (op.includes('>') ? SENSE.GREATER : 0) | (op.includes('=') ? SENSE.EQUAL : 0),
  version: evr,
})

describe('orderElements (rpm lib/order.c)', () => {
  it('puts independent packages in reverse of the order they were added', () => {
    expect(names([pkg('install', 'a'), pkg('install', 'b'), pkg('install', 'c')])).toEqual(['c', 'b', 'a'])
  })

  it('orders by OrderWithRequires and Recommends as by Requires, by Supplements and Enhances the other way round', () => {
    const el = (name: string, more: Partial<OrderElement['header']>, op: OrderElement['op'] = 'install') => {
      const p = pkg(op, name)
      return { ...p, header: { ...p.header, ...more } }
    }
    // Added a, b, c (alone they would come out c, b, a): OrderWithRequires and Recommends put `a` first, as Requires.
    expect(names([el('a', {}), el('b', { orders: ['a'] }), el('c', { recommends: ['b'] })])).toEqual(['a', 'b', 'c'])
    // `b` supplements `c` and `a` enhances `b`: `c` needs `b` and `b` needs `a` on install; erasures the other way.
    expect(names([el('a', { enhances: ['b'] }), el('b', { supplements: ['c'] }), el('c', {})])).toEqual(['a', 'b', 'c'])
    const erase = [
      el('c', {}, 'erase'),
      el('b', { supplements: ['c'] }, 'erase'),
      el('a', { enhances: ['b'] }, 'erase'),
    ]
    expect(names(erase)).toEqual(['c', 'b', 'a'])
  })

  it('installs a package after what it requires (name, versioned provide, file) and erases it before', () => {
    const els = [
      pkg('install', 'app', ['/opt/lib.so', 'api >= 2']),
      pkg('install', 'lib', [], [], ['/opt/lib.so']),
      pkg('install', 'old', [], ['api = 1']),
      pkg('install', 'new', [], ['api = 2']),
    ]
    const order = names(els)
    expect(order.indexOf('app')).toBeGreaterThan(order.indexOf('lib'))
    expect(order.indexOf('app')).toBeGreaterThan(order.indexOf('new'))
    expect(names([pkg('erase', 'lib'), pkg('erase', 'app', ['lib'])])).toEqual(['app', 'lib'])
  })

  it('runs installs before erasures whatever the order they were added in', () => {
    expect(names([pkg('erase', 'x'), pkg('install', 'y'), pkg('erase', 'z')])).toEqual(['y', 'z', 'x'])
  })

  it('breaks a loop where a prerequisite keeps its order', () => {
    expect(names([pkg('install', 'y', ['x']), pkg('install', 'x', ['y'])])).toEqual(['x', 'y'])
    // x's Requires(pre) on y decides the other way round
    const els = [pkg('install', 'y', ['x']), pkg('install', 'x', ['y'], [], [], [SENSE.SCRIPT_PRE])]
    expect(names(els)).toEqual(['y', 'x'])
  })

  it('leaves a requirement on the package itself and on rpmlib() out', () => {
    const els = [pkg('install', 'a', ['a', 'rpmlib(x)'], [], [], [0, SENSE.RPMLIB]), pkg('install', 'b')]
    expect(names(els)).toEqual(['b', 'a'])
  })
})

describe('dependenciesOverlap (rpmdsCompare)', () => {
  it('compares ranges as rpm', () => {
    expect(dependenciesOverlap(dep('api', '=', '2'), dep('api', '>=', '2'))).toBe(true)
    expect(dependenciesOverlap(dep('api', '=', '1'), dep('api', '>=', '2'))).toBe(false)
    expect(dependenciesOverlap(dep('api', '=', '2-3'), dep('api', '=', '2'))).toBe(true)
    expect(dependenciesOverlap(dep('api', '=', '1:1'), dep('api', '>', '2'))).toBe(true)
    expect(dependenciesOverlap(dep('api', '<', '2'), dep('api', '>', '1'))).toBe(true)
    expect(dependenciesOverlap(dep('api', '', ''), dep('api', '>', '9'))).toBe(true)
    expect(dependenciesOverlap(dep('apx', '', ''), dep('api', '', ''))).toBe(false)
  })
})
