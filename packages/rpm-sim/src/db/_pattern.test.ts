import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { compileEre, defaultModeRegex, isRefusal, rpmPattern } from './_pattern.js'

// glibc's own regcomp/regexec (REG_EXTENDED | REG_NOSUB, C locale), reached through python's ctypes: the oracle
// the translation must agree with. One JSON line per expression in, one answer per line out.
const GLIBC = `
import ctypes, json, sys
libc = ctypes.CDLL('libc.so.6')
buf = ctypes.create_string_buffer(1024)
for line in sys.stdin:
    q = json.loads(line)
    preg = ctypes.create_string_buffer(1024)
    rc = libc.regcomp(preg, q['re'].encode(), 1 | 8)
    if rc:
        libc.regerror(rc, preg, buf, 1024)
        print(json.dumps({'error': buf.value.decode()}))
        continue
    print(json.dumps({'matches': [libc.regexec(preg, s.encode(), 0, None, 0) == 0 for s in q['subjects']]}))
    libc.regfree(preg)
`
const probe = spawnSync('python3', ['-c', 'import ctypes; ctypes.CDLL("libc.so.6")'], { encoding: 'utf8' })
const glibcSkip =
  probe.status === 0 ? undefined : 'python3 with ctypes and glibc (libc.so.6) are needed to ask glibc itself'
if (glibcSkip !== undefined) console.warn(`skipping the glibc regex oracle: ${glibcSkip}`)

type Answer = { error: string } | { matches: boolean[] }

function glibc(res: string[], subjects: string[]): Answer[] {
  const input = res.map((re) => JSON.stringify({ re, subjects })).join('\n')
  const r = spawnSync('python3', ['-c', GLIBC], { input: `${input}\n`, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Answer)
}

function ours(re: string, subjects: string[]): Answer {
  const c = compileEre(re)
  return typeof c === 'string' ? { error: c } : { matches: subjects.map((s) => c.test(s)) }
}

// Expressions as users write them and as mireDup makes them, and the corners of glibc's grammar.
const EXPRESSIONS = [
  // repetitions, and what glibc refuses to repeat
  ...['^?$', '^*', 'a**', 'a+?', 'a*?', '{', '{1}', 'a{', 'a{1', 'a{1,2', 'a{1,2}', 'a{,2}', 'a{,}', 'a{}', 'a{x}'],
  ...['a{x', 'a{2,1}', 'x{99999}', 'a{1}{2}', 'a{1}*', 'a*{2}', '(*a)', '(+a)', 'a|*b', 'a|+', '(?)', '^+', '$*'],
  // groups and alternation
  ...['(', ')', 'a)', '()', '(a|)', 'a|', '|a', '(|a)', 'a||b', '^a|^b', '(^a)', '(a$)', 'a|^', '(a)\\1', '\\1', '\\2'],
  // brackets
  ...['[', 'a[', '[a', '[]', '[^]', '[]]', '[]a]', '[^]a]', '[\\]]', '[\\', '[a-]', '[-a]', '[%--]', '[--/]', '[z-a]'],
  ...['[a-c-e]', '[[:alpha:]]', '[[:alpha:]-z]', '[[:foo:]]', '[[:alpha:]', '[[:alpha:', '[[:digit:][:punct:]]'],
  ...['[[.a.]]', '[[.-.]]', '[[.ab.]]', '[[=a=]]', '[[=ab=]]', '[^a-c]', '[.]', '[*]', '[$]', '[\\^]', '[a^]'],
  // escapes and literals
  ...[
    '\\.',
    '\\n',
    '\\t',
    '\\d',
    '\\w',
    '\\W',
    '\\s',
    '\\S',
    '\\b',
    '\\B',
    '\\<a',
    'a\\>',
    '\\`a',
    "a\\'",
    '\\{',
    '\\}',
  ],
  ...['a\\', '}', ']', 'a}', 'x$y', 'a^', '$a', '.*', '/', 'a/b', '\\(a'],
  // mireDup's output for versions, releases and arches
  ...['^1\\.0$', '^1\\..*$', '^1\\.?$', '^1\\.[01]$', '^.*$', '^2\\.1\\+$', '^el7_[0-9]+$', '^x86_64$', '^(el7|el8)$'],
]
const SUBJECTS = ['a', 'aa', '', 'ab', 'b', 'a|b', '-', '.', 'n', 'd', 't', 'x$y', '(a', ']', 'a}', '}', '{', '\\']
SUBJECTS.push('*', '^a', '1.0', '1.1', '1', '1.', '10', '2.1+', 'el7_9', 'el7', 'el8', 'x86_64', 'a/b', 'A', '%', '\n')

describe.skipIf(glibcSkip !== undefined)('POSIX extended regular expressions as glibc reads them', () => {
  it('matches the same strings and refuses the same expressions, with the same message', () => {
    const real = glibc(EXPRESSIONS, SUBJECTS)
    const mine = EXPRESSIONS.map((re) => ours(re, SUBJECTS))
    const differ = EXPRESSIONS.flatMap((re, i) =>
      JSON.stringify(real[i]) === JSON.stringify(mine[i])
        ? []
        : [`${re}: glibc ${JSON.stringify(real[i])}, ours ${JSON.stringify(mine[i])}`],
    )
    expect(differ).toEqual([])
    // the oracle answered every expression, and refused some: the comparison covered both sides
    expect(real).toHaveLength(EXPRESSIONS.length)
    expect(real.filter((a) => 'error' in a).length).toBeGreaterThan(20)
  })
})

describe('rpm patterns (mireDup, RPMMIRE_DEFAULT)', () => {
  it('escapes periods, plusses and carets, makes splats .* and anchors both ends', () => {
    expect(defaultModeRegex('1.0')).toBe('^1\\.0$')
    expect(defaultModeRegex('1.*')).toBe('^1\\..*$')
    expect(defaultModeRegex('2.1+')).toBe('^2\\.1\\+$')
    expect(defaultModeRegex('a^b')).toBe('^a\\^b$')
    // a trailing $ is not doubled; a leading ^ only stops rpm adding its own and is then escaped like any other
    // (so `^1.0` matches the text ^1.0 only, in rpm as here)
    expect(defaultModeRegex('1.0$')).toBe('^1\\.0$')
    expect(defaultModeRegex('^1.0')).toBe('\\^1\\.0$')
    // inside brackets nothing is escaped; a backslash keeps the next character as it is
    expect(defaultModeRegex('[.*+]x')).toBe('^[.*+]x$')
    expect(defaultModeRegex('[]x]*')).toBe('^[]x].*$')
    expect(defaultModeRegex('\\*.')).toBe('^\\*\\.$')
    expect(defaultModeRegex('')).toBe('^$')
  })

  it('matches versions as rpm -q does, and a leading ! inverts', () => {
    const p = rpmPattern('1.*')
    if (isRefusal(p)) throw new Error(p.reason)
    expect(['1.0', '1.10', '1', '11.0', '2.1'].map((v) => p.test(v))).toEqual([true, true, false, false, false])
    const not = rpmPattern('!1.0')
    if (isRefusal(not)) throw new Error(not.reason)
    expect([not.test('1.0'), not.test('1.1'), not.test('1x0')]).toEqual([false, true, true])
  })

  it('refuses what glibc refuses, naming the compiled expression', () => {
    expect(rpmPattern('?')).toEqual({ source: '^?$', reason: 'Invalid preceding regular expression' })
    expect(rpmPattern('1[')).toEqual({ source: '^1[$', reason: 'Unmatched [, [^, [:, [., or [=' })
    expect(rpmPattern('(el7')).toEqual({ source: '^(el7$', reason: 'Unmatched ( or \\(' })
  })
})
