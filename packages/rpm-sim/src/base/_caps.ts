// File capabilities (rpm's %caps, FILECAPS): set with libcap's setcap(8) when a file is written, read back with
// getcap(8) by -V. Node has no xattr calls; libcap ships both tools wherever rpm runs (libcap on EL7, libcap2-bin
// on Debian). Capability texts are compared by what they grant, not as text: `cap_net_raw=ep` and
// `cap_net_raw+pe` are one set, as rpm's cap_compare sees them.
import { execFileSync, spawnSync } from 'node:child_process'

/** Sets `caps` (cap_from_text's form) on the file at `host`; throws with setcap's words when it cannot. */
export function setFileCaps(host: string, caps: string): void {
  const r = spawnSync('setcap', [caps, host], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] })
  if (r.error !== undefined) throw new Error(`setcap (libcap) cannot be run: ${r.error.message}`)
  if (r.status !== 0) throw new Error(r.stderr.trim() || `setcap exited with status ${r.status}`)
}

/** True when getcap(8) runs here: without it -V cannot see capabilities (rpm built without libcap checks none). */
export function canReadCaps(): boolean {
  return spawnSync('getcap', ['/'], { stdio: 'ignore' }).error === undefined
}

// getcap takes many paths at once; this many per run keeps the command line short.
const BATCH = 500

/** The capabilities of each of `hosts` that has any (getcap's text), by host path; files without none are left out. */
export function readFileCaps(hosts: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (let i = 0; i < hosts.length; i += BATCH) {
    let text: string
    try {
      text = execFileSync('getcap', hosts.slice(i, i + BATCH), {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
    } catch (error) {
      // A path that vanished makes getcap exit non-zero; what it printed for the others still counts.
      text = String((error as { stdout?: string }).stdout ?? '')
    }
    for (const line of text.split('\n')) {
      // `PATH CAPS` (libcap 2.4x and later) or `PATH = CAPS` (older).
      const m = /^(.*?)(?: =)? (cap_\S.*|=\S*)$/.exec(line)
      if (m !== null) out.set(m[1] as string, (m[2] as string).trim())
    }
  }
  return out
}

/**
 * rpm -V's P: the capabilities a package gives a file (`packaged`; absent or '' none) differ from those it has
 * (`found`, getcap's text; absent none). An empty set (`=`) is not the same as none, as in rpm's cap_compare.
 */
export function capsDiffer(packaged: string | undefined, found: string | undefined): boolean {
  const given = packaged === '' ? undefined : packaged
  if (given === undefined || found === undefined) return given !== found
  return !sameCaps(given, found)
}

/**
 * Do two capability texts grant the same (cap_from_text's grammar: clauses `name[,name...]OP[flags]...`, OP one of
 * `=`, `+`, `-`, flags of `e`, `i`, `p`; `all` names every capability)? The empty text grants nothing.
 */
export function sameCaps(a: string, b: string): boolean {
  const x = capSets(a)
  const y = capSets(b)
  const names = new Set([...x.keys(), ...y.keys()])
  for (const n of names) if ((x.get(n) ?? '') !== (y.get(n) ?? '')) return false
  return true
}

// Each capability's flags, sorted (`eip`), from a capability text; capabilities with no flag are left out.
function capSets(text: string): Map<string, string> {
  const sets = new Map<string, Set<string>>()
  for (const clause of text
    .trim()
    .split(/\s+/)
    .filter((c) => c !== '')) {
    const m = /^([^=+-]*)(.*)$/.exec(clause.toLowerCase())
    const names = (m?.[1] ?? '').split(',').filter((n) => n !== '')
    const targets = names.length === 0 ? ['all'] : names
    for (const [, op, flags] of (m?.[2] ?? '').matchAll(/([=+-])([eip]*)/g)) {
      for (const n of targets) {
        const set = sets.get(n) ?? new Set<string>()
        if (op === '=') set.clear()
        for (const f of flags ?? '') op === '-' ? set.delete(f) : set.add(f)
        sets.set(n, set)
      }
    }
  }
  const out = new Map<string, string>()
  for (const [n, set] of sets) if (set.size > 0) out.set(n, [...set].sort().join(''))
  return out
}
