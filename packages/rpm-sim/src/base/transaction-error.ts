import { RdbpkgError, describeFsError } from '@rdbpkg/core'
import type { ErrorCode, RdbpkgErrorOptions } from '@rdbpkg/core'

/** The transaction engine could not keep an invariant (database, journal, scriptlet, rollback). */
export class TransactionError extends RdbpkgError {
  override name = 'TransactionError'

  constructor(code: ErrorCode, message: string, options: RdbpkgErrorOptions = {}) {
    super(code, message, options)
  }
}

/**
 * A Node fs error as a one-line TransactionError (`path: doing: strerror (ERRNO) (hint)`); an RdbpkgError or an
 * error that is not an fs error comes back unchanged, so callers can rethrow whatever this returns.
 */
export function fsTransactionError(error: unknown, code: ErrorCode, doing: string, hint?: string): unknown {
  if (error instanceof RdbpkgError) return error
  const fs = describeFsError(error, doing, hint)
  if (fs === undefined) return error
  const { message, ...details } = fs
  return new TransactionError(code, message, { ...details, cause: error })
}
