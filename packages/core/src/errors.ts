/**
 * The single table of stable error codes. Callers branch on `code`, never on message text; each CLI maps codes
 * to its documented exit codes in one place.
 */
export const ERROR_CODES = {
  E_USAGE: 'the command line is not valid',
  E_IO: 'a file could not be read or written',
  E_MANIFEST_JSON: 'version.json is not valid JSON',
  E_MANIFEST_INVALID: 'version.json has a field that does not meet the schema',
  E_PAYLOAD_MISMATCH: 'the payload does not hold what its package type needs',
  E_PAYLOAD_CORRUPT: 'the payload tarball is truncated or corrupt',
  E_PAYLOAD_UNSAFE: 'an archive entry would land outside its target',
  E_PAYLOAD_BOMB: 'the payload expands beyond the allowed ratio',
  E_OS_RELEASE_INVALID: 'os-release is missing or has no ID',
  E_OS_MISMATCH: 'the host OS is not one the package was built for',
  E_ARCH_MISMATCH: 'the package arch does not match the host',
  E_VERSION_INVALID: 'a version, EVR or NEVRA string is malformed',
  E_RPM_FORMAT: 'a file is not a valid rpm package',
  E_RPM_TRUNCATED: 'an rpm package ends before its declared size',
  E_RPM_DIGEST: 'an rpm header or payload digest does not match',
  E_CPIO_FORMAT: 'an rpm payload is not a valid cpio archive',
  E_CPIO_UNSAFE: 'an rpm payload entry would land outside the root',
  E_DB_INVALID: 'the package database holds a record that does not validate',
  E_TXN_PROBLEMS: 'the transaction has problems (conflicts, refused versions) and was not run',
  E_NOT_INSTALLED: 'the named package is not installed',
  E_SCRIPTLET_FAILED: 'a scriptlet exited non-zero',
  E_JOURNAL: 'an interrupted transaction could not be recovered',
  E_ROLLBACK_NONE: 'there is no transaction to roll back',
  E_ARCHIVE_DIGEST: 'an archive file does not match SHA256SUMS',
  E_ARCHIVE_SIGNATURE: 'the archive signature is missing, bad or does not verify',
  E_SIGN_KEY: 'the signing key cannot be read or is not Ed25519',
  E_SERVICES_RUNNING: 'services of the product are running',
  E_PRECONDITION: 'a precondition of the install does not hold',
  E_NEEDS_ROOT: 'the operation needs root',
  E_LOCKED: 'another install holds the lock',
  E_BUILD_OUTPUT: 'the output archive cannot be written',
} as const

/** A stable error code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES

/** What an error is about, so a one-line message can name the file, field, expected and found values. */
export interface ErrorDetails {
  /** The file at fault (as the user named it), e.g. `version.json`. */
  file?: string | undefined
  /** The field or entry at fault, e.g. `package_type` or `./tools/../x`. */
  field?: string | undefined
  /** What was expected. */
  expected?: string | undefined
  /** What was found. */
  found?: string | undefined
  /** What the user can do about it. */
  hint?: string | undefined
}

/** Options of every rdbpkg error: details plus the wrapped cause. */
export interface RdbpkgErrorOptions extends ErrorDetails {
  cause?: unknown
}

/** Base class of every expected rdbpkg failure; carries a stable `code` and the details behind the message. */
export class RdbpkgError extends Error {
  override name = 'RdbpkgError'
  readonly code: ErrorCode
  readonly details: ErrorDetails

  constructor(code: ErrorCode, message: string, options: RdbpkgErrorOptions = {}) {
    const { cause, ...details } = options
    super(message, cause === undefined ? undefined : { cause })
    this.code = code
    this.details = details
  }
}

/** version.json could not be parsed or validated. */
export class ManifestError extends RdbpkgError {
  override name = 'ManifestError'
}

/** A payload does not match its package type, or is corrupt or unsafe. */
export class PayloadError extends RdbpkgError {
  override name = 'PayloadError'
}

/** A version, EVR or NEVRA string cannot be parsed. */
export class VersionError extends RdbpkgError {
  override name = 'VersionError'
}

/** True when `error` is an expected rdbpkg failure (as opposed to a bug). */
export function isRdbpkgError(error: unknown): error is RdbpkgError {
  return error instanceof RdbpkgError
}

/**
 * Formats the one-line message every user-facing error follows:
 * `file: field: expected X, found Y (hint)`; parts that are absent are left out.
 */
export function formatProblem(details: ErrorDetails & { message?: string | undefined }): string {
  const where = [details.file, details.field].filter((part) => part !== undefined && part !== '').join(': ')
  let what = details.message ?? ''
  if (details.expected !== undefined) what = `expected ${details.expected}`
  if (details.found !== undefined) what += `${what ? ', ' : ''}found ${details.found}`
  const line = [where, what].filter(Boolean).join(': ')
  return details.hint ? `${line} (${details.hint})` : line
}
