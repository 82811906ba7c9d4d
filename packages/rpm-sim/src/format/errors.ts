import { RdbpkgError, formatProblem } from '@rdbpkg/core'
import type { ErrorCode, RdbpkgErrorOptions } from '@rdbpkg/core'

/** The codes an rpm or cpio format failure carries. */
export const RPM_FORMAT_CODES = {
  format: 'E_RPM_FORMAT',
  truncated: 'E_RPM_TRUNCATED',
  digest: 'E_RPM_DIGEST',
  cpioFormat: 'E_CPIO_FORMAT',
  cpioUnsafe: 'E_CPIO_UNSAFE',
  io: 'E_IO',
} as const satisfies Record<string, ErrorCode>

/**
 * A code an {@link RpmFormatError} carries.
 *
 * @useDeclaredType
 */
export type RpmFormatCode = (typeof RPM_FORMAT_CODES)[keyof typeof RPM_FORMAT_CODES]

/** An .rpm file (or its cpio payload) is not what it claims: bad magic, truncated, lying sizes, bad digest, unsafe names. */
export class RpmFormatError extends RdbpkgError {
  override name = 'RpmFormatError'
  declare readonly code: RpmFormatCode

  constructor(code: RpmFormatCode, message: string, options: RdbpkgErrorOptions = {}) {
    super(code, message, options)
  }
}

/** Builds an {@link RpmFormatError} whose one-line message is `file: field: expected X, found Y (hint)`. */
export function rpmError(
  code: RpmFormatCode,
  options: RdbpkgErrorOptions & { message?: string | undefined },
): RpmFormatError {
  const { message, ...rest } = options
  return new RpmFormatError(code, formatProblem({ ...rest, message }), rest)
}
