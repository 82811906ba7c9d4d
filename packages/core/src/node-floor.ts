// The oldest Node.js that runs the installer on hosts, in one place: the installer bundle is compiled for it
// (esbuild target), the archive's launcher refuses anything older (exit 127), and the builder refuses a
// --node-runtime below it. EPEL's nodejs for el7 is 16.x; 16.17 is the first 16.x with every API the host code uses.

/** The oldest Node.js version the installer runs on (major.minor.patch). */
export const NODE_FLOOR = '16.17.0'

/** A parsed Node.js version. */
export interface NodeVersion {
  major: number
  minor: number
  patch: number
}

/** Parses `v16.17.0` / `16.17.0` (anything after the patch, like `-pre`, is ignored); undefined when it is not one. */
export function parseNodeVersion(text: string): NodeVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim())
  if (m === null) return undefined
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) }
}

/** True when `version` is at or above {@link NODE_FLOOR}; false for text that is not a version. */
export function meetsNodeFloor(version: string): boolean {
  const v = parseNodeVersion(version)
  const floor = parseNodeVersion(NODE_FLOOR) as NodeVersion
  if (v === undefined) return false
  if (v.major !== floor.major) return v.major > floor.major
  if (v.minor !== floor.minor) return v.minor > floor.minor
  return v.patch >= floor.patch
}

/** The esbuild target for code that runs on hosts (`node16.17`). */
export function nodeFloorTarget(): string {
  const floor = parseNodeVersion(NODE_FLOOR) as NodeVersion
  return `node${floor.major}.${floor.minor}`
}
