import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { dupesOf, lastOrder } from './_format.js'

// What rpm's --last pipes its lines through (rpmpopt.in), run by the shell in the C locale.
function gnuLast(text: string): string | undefined {
  const r = spawnSync('sh', ['-c', "LC_NUMERIC=C sort -r -n | sed 's,^[0-9]\\+ ,,'"], {
    input: text,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  })
  return r.status === 0 ? r.stdout : undefined
}

const haveSort = gnuLast('1\n') === '1\n'

describe('lastOrder (--last)', () => {
  const text = [
    '1700000100 alpha-1-1.x86_64                              Tue 14 Nov 2023',
    '1700000200 beta-2-1.noarch                               Tue 14 Nov 2023',
    '1700000100 zeta-1-1.x86_64                               Tue 14 Nov 2023',
    'package missing is not installed',
    '000000000 plain-1.0-1.noarch                            (not installed)',
    '1700000100 Alpha-1-1.x86_64                              Tue 14 Nov 2023',
    '',
  ].join('\n')

  it('puts the newest first, equal times (a notice reads as 0) in reverse byte order, and drops the time', () => {
    expect(lastOrder(text).split('\n')).toEqual([
      'beta-2-1.noarch                               Tue 14 Nov 2023',
      'zeta-1-1.x86_64                               Tue 14 Nov 2023',
      'alpha-1-1.x86_64                              Tue 14 Nov 2023',
      'Alpha-1-1.x86_64                              Tue 14 Nov 2023',
      'package missing is not installed',
      'plain-1.0-1.noarch                            (not installed)',
      '',
    ])
  })

  it.skipIf(!haveSort)('agrees with the sort | sed pipe rpm runs', () => {
    expect(lastOrder(text)).toBe(gnuLast(text))
    const ties = ['0 b', '0 a', '0 c', 'x', '', 'y', '5 m', '05 n'].join('\n')
    expect(lastOrder(ties)).toBe(gnuLast(ties))
  })
})

describe('dupesOf (--dupes)', () => {
  const uniqD = (text: string): string | undefined => {
    const r = spawnSync('sh', ['-c', 'sort | uniq -d'], {
      input: text,
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C' },
    })
    return r.status === 0 ? r.stdout : undefined
  }
  const text = [
    'multi.noarch',
    'other.noarch',
    'multi.noarch',
    'b.x86_64',
    'Multi.noarch',
    'b.x86_64',
    'b.x86_64',
    '',
  ].join('\n')

  it('keeps each line that occurs more than once, once, in byte order', () => {
    expect(dupesOf(text)).toBe('b.x86_64\nmulti.noarch\n')
    expect(dupesOf('a\nb\n')).toBe('')
  })

  it.skipIf(!haveSort)('agrees with the sort | uniq -d pipe rpm runs', () => {
    expect(dupesOf(text)).toBe(uniqD(text))
  })
})
