// The first syntax error of a JSON text, with its offset, what was expected there and what was found: what
// version.json messages quote as line and column. Hand-written: JSON.parse on Node 20 often names no position.
/** Where and how a JSON text first goes wrong. */
export interface JsonSyntaxError {
  offset: number
  expected: string
  found: string
  hint?: string
}

// Node 20's JSON.parse often gives no position ("Unexpected token '}', ... is not valid JSON"), so the first
// syntax error is located by this small recursive-descent checker, run only after JSON.parse has failed.
export function locateJsonError(text: string): JsonSyntaxError | undefined {
  let i = 0
  const here = (): string => (i >= text.length ? 'the end of the file' : JSON.stringify(text[i]))
  const fail = (expected: string, hint?: string): never => {
    throw { offset: i, expected, found: here(), ...(hint === undefined ? {} : { hint }) } satisfies JsonSyntaxError
  }
  const blank = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const string = (): void => {
    i++
    for (;;) {
      const c = text[i]
      if (c === undefined) fail('a closing " of the string')
      if (c === '"') {
        i++
        return
      }
      if (c! < ' ') fail('a string without raw control characters', 'write a line break as \\n')
      if (c === '\\') {
        const n = text[i + 1]
        if (n !== undefined && '"\\/bfnrt'.includes(n)) i += 2
        else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6
        else {
          i++
          fail('one of the escapes \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX')
        }
      } else i++
    }
  }
  const value = (): void => {
    blank()
    const c = text[i]
    if (c === '{') {
      i++
      blank()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        blank()
        if (text[i] !== '"') {
          fail(
            'a "quoted" field name',
            text[i] === '}' ? 'remove the comma before }' : text[i] === "'" ? 'JSON needs double quotes' : undefined,
          )
        }
        string()
        blank()
        if (text[i] !== ':') fail('":" after the field name')
        i++
        value()
        blank()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return
        }
        fail('"," or "}"', text[i] === '"' ? 'a comma is missing' : undefined)
      }
    }
    if (c === '[') {
      i++
      blank()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value()
        blank()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return
        }
        fail('"," or "]"')
      }
    }
    if (c === '"') {
      string()
      return
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length
        return
      }
    }
    const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
    number.lastIndex = i
    if (number.test(text)) {
      i = number.lastIndex
      return
    }
    if ((c === ']' || c === '}') && /,\s*$/.test(text.slice(0, i))) fail('a value', 'remove the trailing comma')
    fail('a value', c === "'" ? 'JSON needs double quotes' : undefined)
  }
  try {
    value()
    blank()
    if (i < text.length) fail('the end of the file after the JSON value')
    return undefined
  } catch (error) {
    // A RangeError (absurd nesting) just means no location.
    return error instanceof RangeError ? undefined : (error as JsonSyntaxError)
  }
}
