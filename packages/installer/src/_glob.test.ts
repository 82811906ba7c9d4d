import { describe, expect, it } from 'vitest'
import { globToRegExp, matchesAny } from './_glob.js'

describe('globToRegExp', () => {
  it('matches the default config globs at any depth, including the top level', () => {
    const globs = ['**/*.conf', '**/*.yml'].map(globToRegExp)
    expect(matchesAny('agent.conf', globs)).toBe(true)
    expect(matchesAny('tools/etc/agent.conf', globs)).toBe(true)
    expect(matchesAny('tools/a.yml', globs)).toBe(true)
    expect(matchesAny('tools/agent.conf.bak', globs)).toBe(false)
    expect(matchesAny('tools/agentconf', globs)).toBe(false)
  })
  it('keeps * inside one folder and treats dots literally', () => {
    expect(globToRegExp('tools/*.ini').test('tools/a.ini')).toBe(true)
    expect(globToRegExp('tools/*.ini').test('tools/x/a.ini')).toBe(false)
    expect(globToRegExp('a.ini').test('axini')).toBe(false)
    expect(globToRegExp('./tools/?.cfg').test('tools/a.cfg')).toBe(true)
    expect(globToRegExp('tools/[ab].cfg').test('tools/c.cfg')).toBe(false)
  })
})
