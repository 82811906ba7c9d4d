// The one package-name matcher of rpm-sim: how rpm 4.18 finds installed packages by a label (rpmdb.c's
// dbiFindByLabel), shared by -q, -V and -e so the three always agree. The name compares exactly; version, release
// and arch are rpm patterns (`pat-1.*`, `pat-*-2`, `pat-1.0-1.noar*`, `pat-!1.0`: see _pattern.ts).
import type { EngineHeader } from '../format/model.js'
import { isRefusal, rpmPattern } from './_pattern.js'

type Labelled = Pick<EngineHeader, 'name' | 'epoch' | 'version' | 'release' | 'arch'>

/** Options of {@link findByLabel}. */
export interface LabelOptions {
  /** Gets rpm's error line when a part of the label is a pattern glibc refuses (the label then matches nothing). */
  onError?: ((line: string) => void) | undefined
}

// What one lookup found; `fail` is rpm's RPMRC_FAIL (a pattern did not compile: the search ends there).
type Found<T> = T[] | 'fail'

interface Wanted {
  name: string
  epoch?: number | undefined
  version?: string | undefined
  release?: string | undefined
  arch?: string | undefined
}

// rpm's dbiFindMatches: packages of that exact name; then version, release and arch, when given, as patterns (in
// that order, each compiled when a package of the name exists), and the epoch when given (a package without one
// has epoch 0).
function findMatches<T extends Labelled>(packages: readonly T[], w: Wanted, o: LabelOptions): Found<T> {
  const named = packages.filter((p) => p.name === w.name)
  if (named.length === 0) return []
  const tests: ((p: T) => boolean)[] = []
  for (const [field, pattern] of [
    ['version', w.version],
    ['release', w.release],
    ['arch', w.arch],
  ] as const) {
    if (pattern === undefined) continue
    const compiled = rpmPattern(pattern)
    if (isRefusal(compiled)) {
      o.onError?.(`error: ${compiled.source}: regcomp failed: ${compiled.reason}`)
      return 'fail'
    }
    tests.push((p) => compiled.test(p[field]))
  }
  if (w.epoch !== undefined) tests.push((p) => (p.epoch ?? 0) === w.epoch)
  return named.filter((p) => tests.every((t) => t(p)))
}

// rpm's search for the dash that ends a name (or a version), from the right: a dash counts only with something
// after it and outside brackets, in rpm's own bracket bookkeeping for a right-to-left scan, which a bracket
// expression like `[01]-[12]` defeats (as it does in rpm). Returns its index, or 0 when there is none.
function splitDash(s: string, from: number): number {
  let c = ''
  let brackets = false
  let i = from
  for (; i > 0; i--) {
    const ch = s[i] ?? ''
    if (ch === '[') brackets = true
    else if (ch === ']' && c !== '[') brackets = false
    if (!brackets && c !== '' && ch === '-') break
    c = ch
  }
  return i
}

// rpm's splitEpoch: `N:` (strtol's number, 0 to 2^32-1) before the version, else no epoch.
function splitEpoch(s: string): { epoch?: number; version: string } {
  const m = /^\s*[+-]?\d+/.exec(s)
  const end = m === null ? 0 : m[0].length
  if (s[end] !== ':') return { version: s }
  const e = m === null ? 0 : Number(m[0])
  return e >= 0 && e <= 0xffffffff ? { epoch: e, version: s.slice(end + 1) } : { version: s }
}

// rpm's rpmtsInitIterator: a label written `N(EVR)` becomes `N-EVR` (an epoch inside is dropped); unbalanced
// parentheses are an error naming the label as converted so far.
function withoutParens(label: string, o: LabelOptions): string | undefined {
  if (!label.includes('(')) return label
  let out = ''
  let level = 0
  for (let i = 0; i < label.length; i++) {
    const c = label[i] as string
    if (c === '(') {
      if (level++ !== 0) {
        o.onError?.(`error: extra '(' in package label: ${out}`)
        return undefined
      }
      out += '-'
      const epoch = /^\d*:/.exec(label.slice(i + 1))
      if (epoch !== null) i += epoch[0].length
    } else if (c === ')') {
      if (--level !== 0) {
        o.onError?.(`error: missing '(' in package label: ${out}`)
        return undefined
      }
    } else out += c
  }
  if (level !== 0) {
    o.onError?.(`error: missing ')' in package label: ${out}`)
    return undefined
  }
  return out
}

// rpm's dbiFindByLabelArch: the first of name, name-[epoch:]version, name-[epoch:]version-release that matches.
function byLabelArch<T extends Labelled>(
  packages: readonly T[],
  label: string,
  arch: string | undefined,
  o: LabelOptions,
) {
  if (label === '') return []
  const found = findMatches(packages, { name: label, arch }, o)
  if (found === 'fail' || found.length > 0) return found
  const v = splitDash(label, label.length - 1)
  if (v === 0) return []
  const name = label.slice(0, v)
  const asVersion = findMatches(packages, { name, ...splitEpoch(label.slice(v + 1)), arch }, o)
  if (asVersion === 'fail' || asVersion.length > 0) return asVersion
  // The scan goes on left of that dash (rpm has put a NUL there, which counts as nothing after a dash).
  const r = splitDash(name, v - 1)
  if (r === 0) return []
  return findMatches(
    packages,
    { name: label.slice(0, r), ...splitEpoch(label.slice(r + 1, v)), release: label.slice(v + 1), arch },
    o,
  )
}

/**
 * The installed packages a label names, as rpm's -q, -V and -e find them: `name`, `name-[epoch:]version`,
 * `name-[epoch:]version-release`, each optionally followed by `.arch` (tried without the arch first, as rpm), or
 * `name(version-release)`.
 * Version, release and arch are rpm patterns; one glibc refuses is reported through `onError` and matches nothing.
 */
export function findByLabel<T extends Labelled>(
  packages: readonly T[],
  given: string,
  options: LabelOptions = {},
): T[] {
  const label = withoutParens(given, options)
  if (label === undefined) return []
  const found = byLabelArch(packages, label, undefined, options)
  if (found === 'fail') return []
  if (found.length > 0) return found
  const dot = label.lastIndexOf('.')
  if (dot < 0) return []
  const withArch = byLabelArch(packages, label.slice(0, dot), label.slice(dot + 1), options)
  return withArch === 'fail' ? [] : withArch
}
