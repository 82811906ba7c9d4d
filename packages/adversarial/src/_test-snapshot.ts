// Snapshots of a folder tree (types, modes, sizes, content digests, link targets; links never followed), so a
// test can prove that nothing outside a target changed and that a refused run left the target as it was.
import { createHash } from 'node:crypto'
import type { Stats } from 'node:fs'
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'

/** Path (relative to the snapshot's base) -> a one-line description of what is there. */
export type Snapshot = Map<string, string>

/** Walks `base` without following links. */
export function snapshot(base: string): Snapshot {
  const out: Snapshot = new Map()
  const walk = (rel: string): void => {
    const abs = rel ? join(base, rel) : base
    let st: Stats
    try {
      st = lstatSync(abs)
    } catch {
      return
    }
    const mode = (st.mode & 0o7777).toString(8)
    if (st.isSymbolicLink()) out.set(rel || '.', `link ${readlinkSync(abs)}`)
    else if (st.isFile())
      out.set(
        rel || '.',
        `file ${mode} ${st.size} ${createHash('sha256').update(readFileSync(abs)).digest('hex').slice(0, 16)}`,
      )
    else if (st.isDirectory()) {
      out.set(rel || '.', `dir ${mode}`)
      for (const name of readdirSync(abs).sort()) walk(rel ? join(rel, name) : name)
    } else out.set(rel || '.', `special ${st.mode.toString(8)}`)
  }
  walk('')
  return out
}

/** What differs between two snapshots: `+path` added, `-path` removed, `~path` changed. */
export function diffSnapshots(
  before: Snapshot,
  after: Snapshot,
  ignore: (path: string) => boolean = () => false,
): string[] {
  const changes: string[] = []
  for (const [path, what] of after) {
    if (ignore(path)) continue
    const was = before.get(path)
    if (was === undefined) changes.push(`+${path} (${what})`)
    else if (was !== what) changes.push(`~${path} (${was} -> ${what})`)
  }
  for (const path of before.keys()) if (!after.has(path) && !ignore(path)) changes.push(`-${path}`)
  return changes.sort()
}
