import { VersionError, formatProblem } from './errors.js'

/** Epoch, version and release of a package; epoch is 0 and release '' when absent. */
export interface EVR {
  epoch: number
  version: string
  release: string
}

/** Name, epoch, version, release and arch of a package, as in an rpm file name. */
export interface NEVRA {
  name: string
  epoch: number
  version: string
  release: string
  arch: string
}

// rpm's risdigit/risalpha are ASCII-only: every other character (including non-ASCII) is a separator.
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9'
}

function isAlpha(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

function isSeparator(c: string): boolean {
  return !isDigit(c) && !isAlpha(c) && c !== '~' && c !== '^'
}

// The C code sees a string only up to its first NUL byte.
function cString(s: string): string {
  const nul = s.indexOf('\0')
  return nul === -1 ? s : s.slice(0, nul)
}

/** Compares two version (or release) strings exactly as rpm 4.18's rpmvercmp: 1 if a is newer, -1 if b is newer. */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  const one = cString(a)
  const two = cString(b)
  if (one === two) return 0

  let i = 0
  let j = 0
  while (i < one.length || j < two.length) {
    while (i < one.length && isSeparator(one[i] as string)) i++
    while (j < two.length && isSeparator(two[j] as string)) j++
    const ca = one[i]
    const cb = two[j]

    // `~` sorts before everything, even the end of the string: 1.0~rc1 < 1.0.
    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1
      if (cb !== '~') return -1
      i++
      j++
      continue
    }

    // `^` sorts after the end of the string but before anything else: 1.0 < 1.0^git1 < 1.0.1.
    if (ca === '^' || cb === '^') {
      if (ca === undefined) return -1
      if (cb === undefined) return 1
      if (ca !== '^') return 1
      if (cb !== '^') return -1
      i++
      j++
      continue
    }

    if (ca === undefined || cb === undefined) break

    const isNum = isDigit(ca)
    const inSegment = isNum ? isDigit : isAlpha
    let endA = i
    while (endA < one.length && inSegment(one[endA] as string)) endA++
    let endB = j
    while (endB < two.length && inSegment(two[endB] as string)) endB++

    // Segments of different kinds: a numeric segment is newer than an alpha one.
    if (endB === j) return isNum ? 1 : -1

    let segA = one.slice(i, endA)
    let segB = two.slice(j, endB)
    if (isNum) {
      segA = segA.replace(/^0+/, '')
      segB = segB.replace(/^0+/, '')
      if (segA.length !== segB.length) return segA.length > segB.length ? 1 : -1
    }
    // Segments are ASCII, so JS string order is strcmp's byte order.
    if (segA !== segB) return segA < segB ? -1 : 1

    i = endA
    j = endB
  }

  // All segments equal; only separators may have differed, or one side has more left.
  if (i >= one.length && j >= two.length) return 0
  return i >= one.length ? -1 : 1
}

// rpm's own epoch is a uint32.
const MAX_EPOCH = 4294967295
// The characters rpmbuild 4.18 accepts in Version and Release once macros are expanded (it builds `1_1.el7`).
const VERREL = /^[A-Za-z0-9._+~^]+$/
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/
const ARCH = /^[A-Za-z0-9_]+$/

function invalid(what: string, input: string, field: string, expected: string, found: string): VersionError {
  const details = { field, expected, found: JSON.stringify(found) }
  return new VersionError(
    'E_VERSION_INVALID',
    formatProblem({ ...details, field: `${what} ${JSON.stringify(input)}: ${field}` }),
    details,
  )
}

// Splits `[epoch:]version[-release]`; `what`/`input` name the whole string the caller was handed in errors.
function splitEVR(evr: string, what: string, input: string, releaseRequired: boolean): EVR {
  let epoch = 0
  let rest = evr
  const colon = evr.indexOf(':')
  if (colon !== -1) {
    const epochText = evr.slice(0, colon)
    if (!/^[0-9]+$/.test(epochText) || Number(epochText) > MAX_EPOCH) {
      throw invalid(what, input, 'epoch', `an integer 0..${MAX_EPOCH} before ':'`, epochText)
    }
    epoch = Number(epochText)
    rest = evr.slice(colon + 1)
  }
  const dash = rest.lastIndexOf('-')
  const version = dash === -1 ? rest : rest.slice(0, dash)
  const release = dash === -1 ? '' : rest.slice(dash + 1)
  if (!VERREL.test(version)) {
    throw invalid(what, input, 'version', 'a non-empty version of letters, digits and ._+~^', version)
  }
  if ((dash !== -1 || releaseRequired) && !VERREL.test(release)) {
    throw invalid(what, input, 'release', 'a non-empty release of letters, digits and ._+~^', release)
  }
  return { epoch, version, release }
}

/** Parses `[epoch:]version[-release]` (release is after the last '-'); throws VersionError when malformed. */
export function parseEVR(s: string): EVR {
  return splitEVR(s, 'EVR', s, false)
}

/**
 * Compares two EVRs as rpm 4.18's rpmverCmp (behind rpmVersionCompare and rpm.ver): epoch, then version, then
 * release with rpmvercmp; an absent ('') release is older than any present one.
 */
export function compareEVR(a: EVR, b: EVR): -1 | 0 | 1 {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1
  const byVersion = rpmvercmp(a.version, b.version)
  if (byVersion !== 0) return byVersion
  // rpmverCmp compares a NULL release below any string, which rpmvercmp alone would not do for e.g. '~1'.
  if (a.release === b.release) return 0
  if (a.release === '') return -1
  if (b.release === '') return 1
  return rpmvercmp(a.release, b.release)
}

/** Formats an EVR as `[epoch:]version[-release]`, leaving out a 0 epoch and an empty release. */
export function formatEVR(e: EVR): string {
  const epoch = e.epoch === 0 ? '' : `${e.epoch}:`
  const release = e.release === '' ? '' : `-${e.release}`
  return `${epoch}${e.version}${release}`
}

/**
 * Parses `name-[epoch:]version-release.arch`, with or without a leading directory and a trailing `.rpm`
 * (e.g. `aio-airflow-5.7.1.0-1_1.el7.x86_64.rpm`); throws VersionError when it cannot be split.
 */
export function parseNEVRA(fileName: string): NEVRA {
  let s = fileName.slice(fileName.lastIndexOf('/') + 1)
  if (s.endsWith('.rpm')) s = s.slice(0, -'.rpm'.length)
  const dot = s.lastIndexOf('.')
  const arch = dot === -1 ? '' : s.slice(dot + 1)
  if (!ARCH.test(arch)) {
    throw invalid('NEVRA', fileName, 'arch', 'name-version-release.arch with an arch of letters, digits and _', arch)
  }
  const nvr = s.slice(0, dot)
  const releaseDash = nvr.lastIndexOf('-')
  const versionDash = releaseDash <= 0 ? -1 : nvr.lastIndexOf('-', releaseDash - 1)
  if (versionDash <= 0) {
    throw invalid('NEVRA', fileName, 'name-version-release', 'three parts separated by -', nvr)
  }
  const name = nvr.slice(0, versionDash)
  if (!NAME.test(name)) {
    const expected = 'a name of letters, digits and ._+- that starts with a letter, digit or _'
    throw invalid('NEVRA', fileName, 'name', expected, name)
  }
  const { epoch, version, release } = splitEVR(nvr.slice(versionDash + 1), 'NEVRA', fileName, true)
  return { name, epoch, version, release, arch }
}

/** Formats a NEVRA as `name-version-release.arch`, without the epoch, as `rpm -qa` shows it. */
export function formatNEVRA(n: Omit<NEVRA, 'epoch'> & { epoch?: number | undefined }): string {
  return `${n.name}-${n.version}-${n.release}.${n.arch}`
}
