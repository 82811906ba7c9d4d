import { describe, expect, it } from 'vitest'
import { editDistance, suggest } from './_suggest.js'

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['abc', 'abc', 0],
    ['kitten', 'sitting', 3],
    ['pakage_type', 'package_type', 1],
    ['install_rdb_sever', 'install_rdb_server', 1],
    ['ab', 'ba', 1],
    ['os_relaese', 'os_release', 1],
    ['ca', 'abc', 3], // OSA, not full Damerau-Levenshtein (which gives 2)
  ])('%j -> %j is %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected)
    expect(editDistance(b, a)).toBe(expected)
  })
})

describe('suggest', () => {
  const fields = ['package_name', 'package_type', 'os_release', 'version', 'release', 'prefix', 'services']
  it.each([
    ['pakage_type', 'package_type'],
    ['Package_Type', 'package_type'],
    ['packagename', 'package_name'],
    ['os-release', 'os_release'],
    ['servcies', 'services'],
    ['relase', 'release'],
    ['verison', 'version'],
    ['colour', undefined],
    ['x', undefined],
    ['', undefined],
  ])('%j -> %j', (input, expected) => {
    expect(suggest(input, fields)).toBe(expected)
  })

  it('prefers the closest candidate, then the first listed', () => {
    expect(suggest('install_rdb_agnt', ['install_update_agent', 'install_rdb_agent'])).toBe('install_rdb_agent')
    expect(suggest('ab', ['ac', 'ad'])).toBe('ac')
  })
})
