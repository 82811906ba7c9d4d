// Per-area figures for RELIABILITY.md: each test area writes one small JSON file under .reliability/, which
// `pnpm --filter @rdbpkg/adversarial reliability` turns into the table. One file per area keeps parallel test
// files from writing the same file.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Where the figures go (beside package.json). */
export const RELIABILITY_DIR = join(import.meta.dirname, '..', '.reliability')

/** Figures of one area of the suite. */
export interface AreaFigures {
  /** Stable id, also the file name: `fuzz-rpmvercmp`. */
  id: string
  /** Group in the table: Hostile archives, Fuzzing, Faults, Tampering, Load. */
  group: string
  /** What was tried, one line. */
  tried: string
  /** Cases tried. */
  cases: number
  /** Cases where the promise held. */
  held: number
  /** What held (or what did not), one line; for skipped areas, why. */
  notes: string
  /** Known bugs in other packages this area shows (it.fails tests), one line each. */
  bugs?: string[]
}

/** Writes an area's figures (replacing an earlier run's). */
export function recordArea(figures: AreaFigures): void {
  mkdirSync(RELIABILITY_DIR, { recursive: true })
  writeFileSync(
    join(RELIABILITY_DIR, `${figures.id}.json`),
    `${JSON.stringify({ ...figures, at: new Date().toISOString() }, null, 2)}\n`,
  )
}

/** Collects per-case outcomes of an area and records them once the area is done. */
export class AreaTally {
  cases = 0
  held = 0
  readonly failures: string[] = []
  readonly bugs: string[] = []

  constructor(private readonly base: Omit<AreaFigures, 'cases' | 'held' | 'notes' | 'bugs'>) {}

  /** Counts one case; `failure` (when given) says what did not hold. */
  add(ok: boolean, failure?: string): void {
    this.cases++
    if (ok) this.held++
    else if (failure) this.failures.push(failure)
  }

  /** Writes the figures with a note (failures appended). */
  record(notes: string): void {
    // The table names the cases; the details are in the test output.
    const ids = this.failures.map((f) => f.split(':')[0])
    const failed = ids.length ? `; did not hold: ${ids.join(', ')}` : ''
    recordArea({ ...this.base, cases: this.cases, held: this.held, notes: `${notes}${failed}`, bugs: this.bugs })
  }
}
