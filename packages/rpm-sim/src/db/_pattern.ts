// The one owner of rpm's match patterns: what rpm 4.18 compiles a version, release or arch in a label, or a -qa
// filter, into (rpmdb.c's mireDup in RPMMIRE_DEFAULT mode: `.` `+` `^` escaped, `*` made `.*`, anchored at both
// ends), and how glibc's regcomp(REG_EXTENDED) reads that POSIX extended regular expression: translated into a
// JavaScript RegExp with the same matches, or refused with glibc's own message, as rpm prints it.

/** A compiled rpm pattern: `test` answers as rpm's regexec does, inverted by a leading `!`. */
export interface RpmPattern {
  /** The expression rpm compiled (what its error messages show). */
  source: string
  test(value: string): boolean
}

/** A pattern glibc refuses: rpm prints `error: <source>: regcomp failed: <reason>` and matches nothing. */
export interface PatternRefusal {
  source: string
  reason: string
}

/** rpm's RPMMIRE_DEFAULT pattern (mireDup): the POSIX extended regular expression it becomes. */
export function defaultModeRegex(pattern: string): string {
  let out = pattern.startsWith('^') ? '' : '^'
  let brackets = false
  let prev = ''
  for (let i = 0; i < pattern.length; i++) {
    let c = pattern[i] as string
    if (!brackets && (c === '.' || c === '+' || c === '^')) out += '\\'
    else if (!brackets && c === '*') out += '.'
    else if (c === '\\') {
      // rpm copies the backslash and the character after it unchanged.
      out += c
      i++
      c = pattern[i] ?? ''
    } else if (c === '[') brackets = true
    else if (c === ']' && prev !== '[') brackets = false
    out += c
    prev = c
  }
  return pattern.length > 0 && pattern.endsWith('$') ? out : `${out}$`
}

/**
 * An rpm pattern in RPMMIRE_DEFAULT mode, as rpmdbSetIteratorRE compiles it: a leading `!` inverts the match,
 * the rest goes through {@link defaultModeRegex} and glibc's regcomp rules.
 */
export function rpmPattern(pattern: string): RpmPattern | PatternRefusal {
  const notmatch = pattern.startsWith('!')
  const source = defaultModeRegex(notmatch ? pattern.slice(1) : pattern)
  const re = compileEre(source)
  if (typeof re === 'string') return { source, reason: re }
  return { source, test: (value) => re.test(value) !== notmatch }
}

/** Whether a compile result is a refusal. */
export function isRefusal(p: RpmPattern | PatternRefusal): p is PatternRefusal {
  return 'reason' in p
}

// glibc's regerror texts (C locale).
const BADRPT = 'Invalid preceding regular expression'
const EBRACK = 'Unmatched [, [^, [:, [., or [='
const EPAREN = 'Unmatched ( or \\('
const EBRACE = 'Unmatched \\{'
const BADBR = 'Invalid content of \\{\\}'
const ERANGE = 'Invalid range end'
const ECTYPE = 'Invalid character class name'
const ECOLLATE = 'Invalid collation character'
const EESCAPE = 'Trailing backslash'
const ESUBREG = 'Invalid back reference'
const ESIZE = 'Regular expression too big'
const BADPAT = 'Invalid regular expression'
// glibc's RE_DUP_MAX.
const DUP_MAX = 0x7fff

// POSIX character classes in the C locale, as the inside of a JavaScript class.
const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: '0-9a-zA-Z',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f\\x7f',
  xdigit: '0-9A-Fa-f',
}

const jsChar = (c: string): string => (/[\\^$.|?*+()[\]{}/-]/.test(c) ? `\\${c}` : c)

/**
 * A POSIX extended regular expression as glibc's regcomp(REG_EXTENDED | REG_NOSUB) reads it, in the C locale:
 * a RegExp that matches the same strings, or glibc's message when it refuses the expression.
 */
export function compileEre(ere: string): RegExp | string {
  let out = ''
  // Where the last atom starts in `out` (a repetition applies to it), or -1 when a repetition has nothing to
  // repeat (start, after `(`, `|` or an anchor): glibc refuses it there.
  let atom = -1
  let repeated = false
  const groups: number[] = []
  let closedGroups = 0
  const repeat = (q: string): string | undefined => {
    if (atom < 0) return BADRPT
    // glibc repeats a repetition (`a**`, `a+?`); JavaScript needs the first one grouped.
    if (repeated) out = `${out.slice(0, atom)}(?:${out.slice(atom)})`
    out += q
    repeated = true
    return undefined
  }
  for (let i = 0; i < ere.length; i++) {
    const c = ere[i] as string
    if (c === '*' || c === '+' || c === '?') {
      const e = repeat(c)
      if (e !== undefined) return e
      continue
    }
    if (c === '{') {
      if (atom < 0) return BADRPT
      const close = ere.indexOf('}', i)
      if (close < 0) return EBRACE
      const m = /^(\d*)(,(\d*))?$/.exec(ere.slice(i + 1, close))
      if (m === null || (m[1] === '' && m[2] === undefined)) return BADBR
      const min = m[1] === '' ? 0 : Number(m[1])
      const max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3])
      if (max !== undefined && max < min) return BADBR
      if (min > DUP_MAX || (max ?? 0) > DUP_MAX) return ESIZE
      const e = repeat(`{${min},${max ?? ''}}`)
      if (e !== undefined) return e
      i = close
      continue
    }
    repeated = false
    if (c === '^' || c === '$') {
      out += c
      atom = -1
    } else if (c === '|') {
      out += '|'
      atom = -1
    } else if (c === '(') {
      groups.push(out.length)
      out += '('
      atom = -1
    } else if (c === ')' && groups.length > 0) {
      atom = groups.pop() as number
      closedGroups++
      out += ')'
    } else if (c === '.') {
      atom = out.length
      out += '[\\s\\S]'
    } else if (c === '\\') {
      if (i + 1 >= ere.length) return EESCAPE
      const n = ere[++i] as string
      if (n >= '1' && n <= '9') {
        if (Number(n) > closedGroups) return ESUBREG
        atom = out.length
        out += `\\${n}`
      } else if ('wWsS'.includes(n)) {
        atom = out.length
        out += `\\${n}`
      } else if (n === 'b' || n === 'B' || n === '<' || n === '>' || n === '`' || n === "'") {
        out += { b: '\\b', B: '\\B', '<': '\\b(?=\\w)', '>': '\\b(?<=\\w)', '`': '^', "'": '$' }[n]
        atom = -1
      } else {
        atom = out.length
        out += jsChar(n)
      }
    } else if (c === '[') {
      if (i + 1 >= ere.length) return BADPAT
      const r = bracket(ere, i)
      if (typeof r === 'string') return r
      atom = out.length
      out += r.js
      i = r.end
    } else {
      atom = out.length
      out += jsChar(c)
    }
  }
  if (groups.length > 0) return EPAREN
  return new RegExp(out)
}

// A bracket expression starting at `start` (its `[`): the JavaScript class and the index of its closing `]`.
function bracket(ere: string, start: number): { js: string; end: number } | string {
  let i = start + 1
  let js = '['
  if (ere[i] === '^') {
    js += '^'
    i++
  }
  let first = true
  let body = ''
  // The last single character added, while it may still start a range.
  let last: string | undefined
  for (;;) {
    if (i >= ere.length) return EBRACK
    const c = ere[i] as string
    if (c === ']' && !first) break
    first = false
    let ch: string | undefined
    if (c === '[' && (ere[i + 1] === ':' || ere[i + 1] === '.' || ere[i + 1] === '=')) {
      const kind = ere[i + 1] as string
      const close = ere.indexOf(`${kind}]`, i + 2)
      if (close < 0) return EBRACK
      const name = ere.slice(i + 2, close)
      i = close + 2
      if (kind === ':') {
        const cls = CLASSES[name]
        if (cls === undefined) return ECTYPE
        if (ere[i] === '-' && ere[i + 1] !== ']') return ERANGE
        body += cls
        last = undefined
        continue
      }
      if (name.length !== 1) return ECOLLATE
      ch = name
    } else {
      ch = c
      i++
    }
    if (ch === '-' && last !== undefined && ere[i] !== ']' && i < ere.length) {
      // A range: `last-end`.
      let end = ere[i] as string
      if (end === '[' && ere[i + 1] === '.') {
        const close = ere.indexOf('.]', i + 2)
        if (close < 0) return EBRACK
        end = ere.slice(i + 2, close)
        if (end.length !== 1) return ECOLLATE
        i = close + 2
      } else if (end === '[' && (ere[i + 1] === ':' || ere[i + 1] === '=')) return ERANGE
      else i++
      if (end < last) return ERANGE
      body += `${jsChar(last)}-${jsChar(end)}`
      last = undefined
      // `a-c-e`: a range cannot end where another starts.
      if (ere[i] === '-' && ere[i + 1] !== ']') return ERANGE
      continue
    }
    if (last !== undefined) body += jsChar(last)
    last = ch
  }
  if (last !== undefined) body += jsChar(last)
  return { js: `${js}${body}]`, end: i }
}
