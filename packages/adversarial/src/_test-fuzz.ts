// Fuzzing settings shared by the fuzz files: a fixed seed in CI, more runs by flag.
import fc from 'fast-check'
import { ERROR_CODES, RdbpkgError } from '@rdbpkg/core'
import { recordArea } from './_test-record.js'

/** The seed every property uses (FUZZ_SEED overrides, to replay or explore). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261120)

/** Runs for one property: `base` in CI; FUZZ_RUNS (the long mode) multiplies nothing, it sets the count. */
export function fuzzRuns(base: number): number {
  const env = Number(process.env.FUZZ_RUNS)
  return Number.isFinite(env) && env > 0 ? Math.max(base, env) : base
}

/**
 * True when `error` is an expected, typed failure: an RdbpkgError with a known code and a one-line message.
 * Anything else (TypeError, RangeError, a plain Error) is a bug in the code under test.
 */
export function isTypedError(error: unknown): boolean {
  return error instanceof RdbpkgError && error.code in ERROR_CODES && error.message.trim().length > 0
}

/** Calls `fn`; rethrows anything that is not a typed error, so the property fails on it. */
export function typedOrOk<T>(fn: () => T): T | RdbpkgError {
  try {
    return fn()
  } catch (error) {
    if (isTypedError(error)) return error as RdbpkgError
    throw error
  }
}

/** Async form of {@link typedOrOk}. */
export async function typedOrOkAsync<T>(fn: () => Promise<T>): Promise<T | RdbpkgError> {
  try {
    return await fn()
  } catch (error) {
    if (isTypedError(error)) return error as RdbpkgError
    throw error
  }
}

/** What a fuzz area is, for RELIABILITY.md. */
export interface FuzzArea {
  id: string
  tried: string
  /** A function is called after the run, so notes can carry counts gathered during it. */
  notes: string | (() => string)
}

/** Checks a property with the fixed seed, records its figures, and throws fast-check's report when it fails. */
export async function checkProperty<Ts>(
  area: FuzzArea,
  property: fc.IRawProperty<Ts>,
  numRuns: number,
  extra: Partial<fc.Parameters<Ts>> = {},
): Promise<void> {
  const details = await fc.check(property, { seed: FUZZ_SEED, numRuns, ...extra })
  const ran = details.numRuns + details.numSkips
  const notes = typeof area.notes === 'function' ? area.notes() : area.notes
  recordArea({
    id: area.id,
    group: 'Fuzzing',
    tried: area.tried,
    cases: ran,
    held: details.failed ? details.numRuns - 1 : details.numRuns,
    notes: details.failed ? `${notes}; counterexample found (seed ${FUZZ_SEED})` : notes,
  })
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? 'property failed')
}
