// The folders each install element's staging creates, parents first, so an undo of that element removes exactly
// them (an element's staging runs after its %pre; the first element that needs a folder creates it).
import { lstatQuiet } from '../base/_fs.js'

/** For each element's temp paths (in order), the host folders that do not exist yet and its staging creates. */
export function plannedDirs(elements: readonly (readonly string[])[]): string[][] {
  const seen = new Map<string, boolean>()
  const ensure = (dir: string, into: string[]): void => {
    if (seen.has(dir)) return
    // Below a file (a folder an operator replaced by one, which staging replaces again) nothing exists yet.
    const exists = lstatQuiet(dir) !== undefined
    seen.set(dir, exists)
    if (exists) return
    const parent = dir.slice(0, dir.lastIndexOf('/')) || '/'
    if (parent !== dir) ensure(parent, into)
    into.push(dir)
  }
  return elements.map((temps) => {
    const into: string[] = []
    for (const t of temps) ensure(t.slice(0, t.lastIndexOf('/')) || '/', into)
    return into
  })
}
