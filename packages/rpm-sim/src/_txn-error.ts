import { RdbpkgError } from '@rdbpkg/core'
import type { ErrorCode, RdbpkgErrorOptions } from '@rdbpkg/core'

/** The transaction engine could not keep an invariant (database, journal, scriptlet, rollback). */
export class TransactionError extends RdbpkgError {
  override name = 'TransactionError'

  constructor(code: ErrorCode, message: string, options: RdbpkgErrorOptions = {}) {
    super(code, message, options)
  }
}
