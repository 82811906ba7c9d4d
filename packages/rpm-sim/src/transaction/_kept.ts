// The kept files of --repackage around a journaled plan: removed when the plan never committed, written into
// their .rpm files after the service window.
import { rmSync } from 'node:fs'
import { writeKept } from './_repackage.js'
import type { JournalPlan } from './_plan.js'

/** Removes the kept folders of a plan that never committed (nothing was replaced, nothing needs keeping). */
export function removeKept(plan: JournalPlan): void {
  for (const e of plan.elements)
    if (e.op === 'erase' && e.kept !== undefined) rmSync(e.kept, { recursive: true, force: true })
}

/** After the window: the .rpm of each repackaged package is written from its kept files. */
export async function writeKeptPackages(plan: JournalPlan, warn: (l: string) => void): Promise<void> {
  for (const e of plan.elements) {
    if (e.op !== 'erase' || e.kept === undefined || e.repackaged === undefined) continue
    try {
      await writeKept(e.kept, e.repackaged)
    } catch (error) {
      // The kept files stay; a rollback writes the .rpm from them first.
      warn(
        `warning: ${e.repackaged}: not written yet (${error instanceof Error ? error.message : String(error)}); kept in ${e.kept}`,
      )
    }
  }
}
