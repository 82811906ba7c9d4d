// The installer's one table from error codes to documented exit codes (SPEC section 6).
import type { ErrorCode } from '@rdbpkg/core'

/** The installer's documented exit codes; 127 belongs to the `install` launcher (no usable Node). */
export const EXIT_CODES = {
  ok: 0,
  failed: 1,
  usage: 2,
  os: 3,
  servicesRunning: 4,
  archive: 5,
  locked: 6,
  precondition: 7,
  needsRoot: 8,
  noRuntime: 127,
} as const

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

const BY_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  E_USAGE: EXIT_CODES.usage,
  E_OS_MISMATCH: EXIT_CODES.os,
  E_OS_RELEASE_INVALID: EXIT_CODES.os,
  E_SERVICES_RUNNING: EXIT_CODES.servicesRunning,
  E_ARCHIVE_DIGEST: EXIT_CODES.archive,
  E_ARCHIVE_SIGNATURE: EXIT_CODES.archive,
  // version.json is covered by SHA256SUMS: a manifest that does not validate is a bad archive.
  E_MANIFEST_JSON: EXIT_CODES.archive,
  E_MANIFEST_INVALID: EXIT_CODES.archive,
  E_LOCKED: EXIT_CODES.locked,
  E_PRECONDITION: EXIT_CODES.precondition,
  E_ARCH_MISMATCH: EXIT_CODES.precondition,
  E_NOT_INSTALLED: EXIT_CODES.precondition,
  E_ROLLBACK_NONE: EXIT_CODES.precondition,
  E_NEEDS_ROOT: EXIT_CODES.needsRoot,
}

/** The exit code for an error code; anything not refused up front is a failed (and rolled back) run. */
export function exitCodeFor(code: ErrorCode | undefined): ExitCode {
  if (code === undefined) return EXIT_CODES.failed
  return BY_CODE[code] ?? EXIT_CODES.failed
}

/** True for exit codes that mean "refused before changing anything" (2 to 8). */
export function isRefusal(exitCode: number): boolean {
  return exitCode >= 2 && exitCode <= 8
}
