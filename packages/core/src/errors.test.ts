import { describe, expect, it } from 'vitest'
import { ERROR_CODES, ManifestError, RdbpkgError, formatProblem, isRdbpkgError } from './index.js'

describe('errors', () => {
  it('carries a stable code, details and cause', () => {
    const cause = new Error('low level')
    const error = new ManifestError('E_MANIFEST_INVALID', 'bad', { file: 'version.json', field: 'x', cause })
    expect(error).toBeInstanceOf(RdbpkgError)
    expect(error.code).toBe('E_MANIFEST_INVALID')
    expect(error.name).toBe('ManifestError')
    expect(error.details).toEqual({ file: 'version.json', field: 'x' })
    expect(error.cause).toBe(cause)
    expect(isRdbpkgError(error)).toBe(true)
    expect(isRdbpkgError(new Error('x'))).toBe(false)
  })

  it('has a description for every code and codes that start with E_', () => {
    for (const [code, summary] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^E_[A-Z_]+$/)
      expect(summary.length).toBeGreaterThan(5)
    }
  })

  it('formats file, field, expected, found and hint in one line', () => {
    expect(
      formatProblem({
        file: 'version.json',
        field: 'package_type',
        expected: 'one of install_rdb_server, …',
        found: '"install_rdb_sever"',
        hint: 'did you mean install_rdb_server?',
      }),
    ).toBe(
      'version.json: package_type: expected one of install_rdb_server, …, found "install_rdb_sever" (did you mean install_rdb_server?)',
    )
    expect(formatProblem({ file: 'package.tar.gz', message: 'unexpected end of file' })).toBe(
      'package.tar.gz: unexpected end of file',
    )
  })
})
