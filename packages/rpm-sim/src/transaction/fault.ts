// Deliberate kills for crash tests: a transaction told to SIGKILL its own process after the Nth file step of a
// phase, so a kill lands deterministically where timed kills rarely do (inside the commit). The CLIs read it from
// RPMSIM_FAULT; the library only takes it as an option.

/** The phases a fault can kill in: `stage` once everything is staged (right before the window opens), `commit`
 * after the Nth rename into place, `erase` after the Nth removal. */
const FAULT_PHASES = ['stage', 'commit', 'erase'] as const

/** Kill the process after the `after`-th step of `phase` (crash tests only). */
export interface TransactionFault {
  phase: (typeof FAULT_PHASES)[number]
  after: number
}

/** Parses RPMSIM_FAULT's form, `stage:N`, `commit:N` or `erase:N`; undefined for anything else (no fault). */
export function parseFault(text: string | undefined): TransactionFault | undefined {
  const m = text === undefined ? null : /^(stage|commit|erase):(\d+)$/.exec(text)
  if (m === null) return undefined
  return { phase: m[1] as TransactionFault['phase'], after: Number(m[2]) }
}

/** The step callbacks of a fault: each phase's step returns what to call after one step, or undefined. */
export function faultSteps(
  fault: TransactionFault | undefined,
  kill: () => void,
): { step: (phase: TransactionFault['phase']) => (() => void) | undefined } {
  if (fault === undefined) return { step: () => undefined }
  let left = fault.after
  return {
    step: (phase) =>
      phase !== fault.phase
        ? undefined
        : () => {
            if (--left <= 0) kill()
          },
  }
}
