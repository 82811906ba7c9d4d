import { describe, expect, it } from 'vitest'
import { locateJsonError } from './_json-syntax.js'

describe('locateJsonError', () => {
  it('points at the first syntax error with what was expected and found', () => {
    expect(locateJsonError('{"a": 1,}')).toMatchObject({ offset: 8, found: '"}"' })
    expect(locateJsonError('{"a" 1}')).toMatchObject({ offset: 5, found: '"1"' })
    expect(locateJsonError('{"a": "x')).toMatchObject({ offset: 8, found: 'the end of the file' })
  })

  it('finds nothing wrong in valid JSON', () => {
    expect(locateJsonError('{"a": [1, 2.5e3, true, null, "\\u00e9"]}')).toBeUndefined()
  })
})
