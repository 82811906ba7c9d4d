// rpm's --queryformat (lib/headerfmt.c and formats.c of rpm 4.18): `%{TAG}`, `%-20{TAG}` widths, `%{TAG:format}`,
// `%{=TAG}` and `%{#TAG}`, `[...]` iterating arrays in step, `%|TAG?{present}:{absent}|`, backslash escapes and
// `%%`. Parsed once into tokens, then rendered for each package from the tags rpm-sim keeps; the messages are rpm's.
import { senseText } from '../format/model.js'
import { FILE_FLAG } from '../format/tags.js'
import type { TagDef, TaggedPackage, TagValue } from './_tags.js'
import { findTag } from './_tags.js'
import { deptypeText, formatCDate, formatDay, permsString, verifyString } from './_format.js'

/** What a format reads (an installed package, or a package file's header for -qp). */
export type FormattedPackage = TaggedPackage

type Token =
  | { kind: 'string'; text: string }
  | { kind: 'tag'; name: string; tag: TagDef; width: string; justOne: boolean; format: Formatter }
  | { kind: 'array'; tokens: Token[] }
  | { kind: 'cond'; tag: TagDef | undefined; present: Token[]; absent: Token[] }

/** A --queryformat rpm refuses: its message, printed by the CLI as `error: incorrect format: <message>`. */
export class QueryFormatError extends Error {
  override name = 'QueryFormatError'
}

// ---- formats

// What a format makes of one value: text, or rpm's message in its place.
type Formatter = { numeric: boolean | undefined; run: (v: TagValue, all: readonly TagValue[]) => string }

function human(n: number, kilo: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']
  // rpm computes in a C float
  let x = Math.fround(n)
  let i = 0
  while (x >= kilo) {
    x = Math.fround(x / kilo)
    i++
  }
  return `${x.toFixed(x > 0.05 && x < 9.95 ? 1 : 0)}${units[i]}`
}

const FORMATS: Record<string, Formatter> = {
  string: { numeric: undefined, run: (v) => String(v) },
  octal: { numeric: true, run: (v) => (v as number).toString(8) },
  hex: { numeric: true, run: (v) => (v as number).toString(16) },
  date: { numeric: true, run: (v) => formatCDate(v as number) },
  day: { numeric: true, run: (v) => formatDay(v as number) },
  shescape: {
    numeric: undefined,
    run: (v) => (typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "'\\''")}'`),
  },
  arraysize: { numeric: undefined, run: (_v, all) => String(all.length) },
  perms: { numeric: true, run: (v) => permsString(v as number) },
  permissions: { numeric: true, run: (v) => permsString(v as number) },
  fflags: {
    numeric: true,
    run: (v) => {
      const f = v as number
      const has = (b: number, c: string): string => ((f & b) !== 0 ? c : '')
      return (
        has(FILE_FLAG.DOC, 'd') +
        has(FILE_FLAG.CONFIG, 'c') +
        has(FILE_FLAG.MISSINGOK, 'm') +
        has(FILE_FLAG.NOREPLACE, 'n') +
        has(FILE_FLAG.GHOST, 'g') +
        has(FILE_FLAG.LICENSE, 'l') +
        has(FILE_FLAG.README, 'r') +
        has(FILE_FLAG.ARTIFACT, 'a')
      )
    },
  },
  depflags: {
    numeric: true,
    run: (v) => senseText(v as number),
  },
  deptype: { numeric: true, run: (v) => deptypeText(v as number) },
  vflags: { numeric: true, run: (v) => verifyString(v as number, '') },
  fstatus: { numeric: true, run: (v) => verifyString(v as number, '.') },
  fstate: {
    numeric: true,
    run: (v) =>
      ['normal', 'replaced', 'not installed', 'net shared', 'wrong color', 'missing'][v as number] ?? '(unknown)',
  },
  humansi: { numeric: true, run: (v) => human(v as number, 1000) },
  humaniec: { numeric: true, run: (v) => human(v as number, 1024) },
}

// ---- parsing (headerfmt.c's parseFormat and parseExpression)

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' }
type State = 'begin' | 'array' | 'expr'

class Parser {
  i = 0
  constructor(private readonly s: string) {}

  // Tokens up to the end, or to the `]` / `}` that closes the state's group (consumed).
  tokens(state: State): { tokens: Token[]; closed: boolean } {
    const out: Token[] = []
    const text = (t: string): void => {
      const last = out[out.length - 1]
      if (last?.kind === 'string') last.text += t
      else out.push({ kind: 'string', text: t })
    }
    const s = this.s
    while (this.i < s.length) {
      const c = s[this.i] as string
      if (c === '%') {
        if (s[this.i + 1] === '%') {
          text('%')
          this.i += 2
          continue
        }
        this.i++
        if (s[this.i] === '|') {
          this.i++
          out.push(this.expression())
          continue
        }
        out.push(this.tag())
        continue
      }
      if (c === '[') {
        this.i++
        const inner = this.tokens('array')
        if (!inner.closed) throw new QueryFormatError('] expected at end of array')
        out.push({ kind: 'array', tokens: inner.tokens })
        continue
      }
      if (c === ']') {
        if (state !== 'array') throw new QueryFormatError('unexpected ]')
        this.i++
        return { tokens: out, closed: true }
      }
      if (c === '}') {
        if (state !== 'expr') throw new QueryFormatError('unexpected }')
        this.i++
        return { tokens: out, closed: true }
      }
      if (c === '\\') {
        const e = s[this.i + 1]
        if (e === undefined) throw new QueryFormatError('escaped char expected after \\')
        text(ESCAPES[e] ?? e)
        this.i += 2
        continue
      }
      text(c)
      this.i++
    }
    return { tokens: out, closed: false }
  }

  private tag(): Token {
    const s = this.s
    let j = this.i
    while (j < s.length && s[j] !== '{' && s[j] !== '%') {
      if (!/[0-9-]/.test(s[j] as string)) throw new QueryFormatError('invalid field width')
      j++
    }
    if (j >= s.length || s[j] === '%') throw new QueryFormatError('missing { after %')
    const width = s.slice(this.i, j)
    this.i = j + 1
    let justOne = false
    let type: string | undefined
    if (s[this.i] === '=') {
      justOne = true
      this.i++
    } else if (s[this.i] === '#') {
      justOne = true
      type = 'arraysize'
      this.i++
    }
    const close = s.indexOf('}', this.i)
    if (close < 0) throw new QueryFormatError('missing } after %{')
    let name = s.slice(this.i, close)
    this.i = close + 1
    const colon = name.indexOf(':')
    if (colon >= 0) {
      type = name.slice(colon + 1)
      name = name.slice(0, colon)
      if (type === '') throw new QueryFormatError('empty tag format')
    }
    if (name === '') throw new QueryFormatError('empty tag name')
    const tag = findTag(name)
    const format = FORMATS[type ?? 'string']
    if (tag === undefined || format === undefined) throw new QueryFormatError(`unknown tag: "${name}"`)
    return { kind: 'tag', name, tag, width, justOne, format }
  }

  private expression(): Token {
    const s = this.s
    const q = s.indexOf('?', this.i)
    if (q < 0) throw new QueryFormatError('? expected in expression')
    const name = s.slice(this.i, q)
    this.i = q + 1
    if (s[this.i] !== '{') throw new QueryFormatError('{ expected after ? in expression')
    this.i++
    const then = this.tokens('expr')
    if (!then.closed || this.i >= s.length) throw new QueryFormatError('} expected in expression')
    let otherwise: Token[] = []
    if (s[this.i] === ':') {
      this.i++
      if (s[this.i] !== '{') throw new QueryFormatError('{ expected after : in expression')
      this.i++
      const e = this.tokens('expr')
      if (!e.closed || this.i >= s.length) throw new QueryFormatError('} expected in expression')
      if (s[this.i] !== '|') throw new QueryFormatError('| expected at end of expression')
      otherwise = e.tokens
    } else if (s[this.i] !== '|') throw new QueryFormatError(': expected following ? subexpression')
    this.i++
    return { kind: 'cond', tag: findTag(name), present: then.tokens, absent: otherwise }
  }
}

// rpm's --scripts (rpmpopt.in): for each scriptlet its body with its interpreter, or the program it runs.
const SCRIPTS_FORMAT = (
  [
    ['PRETRANS', 'pretrans'],
    ['PREIN', 'preinstall'],
    ['POSTIN', 'postinstall'],
    ['PREUN', 'preuninstall'],
    ['POSTUN', 'postuninstall'],
    ['POSTTRANS', 'posttrans'],
    ['VERIFYSCRIPT', 'verify'],
  ] as const
)
  .map(
    ([tag, what]) =>
      `%|${tag}?{${what} scriptlet%|${tag}PROG?{ (using[ %{${tag}PROG}])}|:\\n%{${tag}}\\n}:` +
      `{%|${tag}PROG?{${what} program:[ %{${tag}PROG}]\\n}|}|`,
  )
  .join('')

const TRIGGERS_FORMAT =
  '[trigger%{TRIGGERTYPE} scriptlet (using %{TRIGGERSCRIPTPROG}) -- %{TRIGGERCONDS}\\n%{TRIGGERSCRIPTS}\\n]'

const FILE_TRIGGERS_FORMAT = (['FILETRIGGER', 'TRANSFILETRIGGER'] as const)
  .map((t) => `[${t.toLowerCase()}%{${t}TYPE} scriptlet (using %{${t}SCRIPTPROG}) -- %{${t}CONDS}\\n%{${t}SCRIPTS}\\n]`)
  .join('')

/** rpm's query options that are query formats (rpmpopt.in's aliases), by option name. */
export const ALIAS_FORMATS = {
  provides: '[%{PROVIDENEVRS}\\n]',
  requires: '[%{REQUIRENEVRS}\\n]',
  conflicts: '[%{CONFLICTNEVRS}\\n]',
  obsoletes: '[%{OBSOLETENEVRS}\\n]',
  recommends: '[%{RECOMMENDNEVRS}\\n]',
  suggests: '[%{SUGGESTNEVRS}\\n]',
  supplements: '[%{SUPPLEMENTNEVRS}\\n]',
  enhances: '[%{ENHANCENEVRS}\\n]',
  scripts: SCRIPTS_FORMAT,
  triggers: TRIGGERS_FORMAT,
  triggerscripts: TRIGGERS_FORMAT,
  filetriggers: FILE_TRIGGERS_FORMAT,
  filetriggerscripts: FILE_TRIGGERS_FORMAT,
  changelog: '[* %{CHANGELOGTIME:day} %{CHANGELOGNAME}\\n%{CHANGELOGTEXT}\\n\\n]',
  changes: '[* %{CHANGELOGTIME:date} %{CHANGELOGNAME}\\n%{CHANGELOGTEXT}\\n\\n]',
  // --last sorts the lines by the leading install time, newest first, and drops it (LAST_ORDER)
  last: '%|INSTALLTIME?{%{INSTALLTIME}}:{000000000}| %-45{NVRA} %|INSTALLTIME?{%{INSTALLTIME:date}}:{(not installed)}|\\n',
  // --dupes keeps the lines that occur twice (QUERY_PIPES)
  dupes: '%|SOURCERPM?{%{name}.%{arch}}:{%|ARCH?{%{name}}:{%{name}-%{version}}|}|\\n',
  filesbypkg: '[%-25{=NAME} %{FILENAMES}\\n]',
  filecolor: '[%{FILENAMES}\\t%{FILECOLORS}\\n]',
  filecaps: '[%{FILENAMES}\\t%|FILECAPS?{%{FILECAPS}}|\\n]',
} as const satisfies Record<string, string>

/** A parsed --queryformat: `render` gives a package's text. */
export interface QueryFormat {
  /** The text for one package; throws QueryFormatError where rpm's rendering fails (arrays of different sizes). */
  render(p: TaggedPackage): string
}

/**
 * A --queryformat as the CLI applies it: each package's text, or the QueryFormatError rpm reports for that package
 * (rpm formats package by package, so a format it refuses is reported once per package).
 */
export function queryFormatter(fmt: string): (p: FormattedPackage) => string | QueryFormatError {
  let parsed: QueryFormat | QueryFormatError
  try {
    parsed = parseQueryFormat(fmt)
  } catch (error) {
    if (!(error instanceof QueryFormatError)) throw error
    parsed = error
  }
  return (p) => {
    if (parsed instanceof QueryFormatError) return parsed
    try {
      return parsed.render(p)
    } catch (error) {
      if (error instanceof QueryFormatError) return error
      throw error
    }
  }
}

/** Parses a --queryformat as rpm does; throws QueryFormatError with rpm's message when rpm refuses it. */
export function parseQueryFormat(fmt: string): QueryFormat {
  const { tokens } = new Parser(fmt).tokens('begin')
  return { render: (p) => render(tokens, p, 0) }
}

// printf's `%<width>s`: a leading `-` pads on the right.
function widen(text: string, width: string): string {
  const n = Number(width.replace(/-/g, '') || '0')
  return width.includes('-') ? text.padEnd(n) : text.padStart(n)
}

function render(tokens: readonly Token[], p: TaggedPackage, element: number): string {
  let out = ''
  for (const t of tokens) {
    if (t.kind === 'string') out += t.text
    else if (t.kind === 'tag') {
      const values = t.tag.get(p)
      const at = t.justOne ? 0 : element
      let text: string
      if (values === undefined || values.length <= at) text = '(none)'
      else if (t.format.numeric !== undefined && t.format.numeric !== t.tag.numeric)
        text = t.format.numeric ? '(not a number)' : '(not a string)'
      else text = t.format.run(values[at] as TagValue, values)
      out += widen(text, t.width)
    } else if (t.kind === 'cond') {
      out += render(t.tag?.get(p) !== undefined ? t.present : t.absent, p, element)
    } else {
      let count = 0
      let found = false
      for (const inner of t.tokens) {
        if (inner.kind !== 'tag' || inner.justOne) continue
        const values = inner.tag.get(p)
        if (values === undefined) continue
        found = true
        if (count > 0 && values.length !== count)
          throw new QueryFormatError('array iterator used with different sized arrays')
        count = Math.max(count, values.length)
      }
      if (found) for (let j = 0; j < count; j++) out += render(t.tokens, p, j)
    }
  }
  return out
}
