// What rpm's -q and -qp show of one package (query.c's showQueryPackage), for both modes: the query format (--qf,
// or an option that is one, such as --requires or --scripts), else -i's fields, else the NEVRA unless a list is
// asked for; then the list mode's file lines (-l, -c, -d, -s, --dump; -v for long lines).
import type { ParsedArgs } from './args.js'
import { fileFilterOf } from './args.js'
import type { ListOptions } from '../query/_format.js'
import { fileListing, queryLine } from '../query/_format.js'
import { ALIAS_FORMATS, QueryFormatError, queryFormatter } from '../query/_queryformat.js'
import type { FormattedPackage } from '../query/_queryformat.js'

/** One package's output: the text for stdout and rpm's error lines for stderr. */
export interface Shown {
  text: string
  errors: string[]
}

// -i (--info): rpm's --qf of the package's fields, printed by infoLines here.
const INFO = Symbol('info')

/** The query options of a command line, as a function of a package and its -i fields (asked only for -i). */
export function queryShow(a: ParsedArgs): (p: FormattedPackage, info: () => string[]) => Shown {
  const has = (l: string): boolean => a.letters.includes(l)
  const flag = (name: string): boolean => a.flags.has(name)
  const filter = fileFilterOf(a)
  const listing: ListOptions = {
    filter,
    states: has('s') || flag('state'),
    dump: flag('dump'),
    verbose: has('v'),
  }
  // rpm: inclusion filters (-c, -d, -L, -A) imply the list mode
  const list = has('l') || flag('list') || filter.include !== 0 || listing.states || listing.dump
  // The query format: rpm appends each --qf, and each option that is one (-i, -R, --scripts, ...), in order; -i's
  // fields are their own piece here, and the format text between them is parsed as one.
  const pieces: (string | typeof INFO)[] = []
  for (const { name, value, short } of a.options) {
    const piece = short
      ? name === 'i'
        ? INFO
        : name === 'R'
          ? ALIAS_FORMATS.requires
          : name === 'P'
            ? ALIAS_FORMATS.provides
            : undefined
      : name === 'qf' || name === 'queryformat'
        ? value
        : name === 'info'
          ? INFO
          : value === undefined && Object.hasOwn(ALIAS_FORMATS, name)
            ? ALIAS_FORMATS[name as keyof typeof ALIAS_FORMATS]
            : undefined
    if (piece === undefined) continue
    const last = pieces.at(-1)
    if (typeof piece === 'string' && typeof last === 'string') pieces[pieces.length - 1] = last + piece
    else pieces.push(piece)
  }
  const formats = pieces.map((piece) => (piece === INFO ? INFO : queryFormatter(piece)))
  const now = Date.now() / 1000
  const lines = (ls: readonly string[]): string => ls.map((l) => `${l}\n`).join('')
  return (p, info) => {
    let text = ''
    const errors: string[] = []
    for (const format of formats) {
      if (format === INFO) {
        text += lines(info())
        continue
      }
      // rpm formats package by package, and refuses a bad format once for each package it matched
      const t = format(p)
      if (t instanceof QueryFormatError) errors.push(`error: incorrect format: ${t.message}`)
      else text += t
    }
    if (formats.length === 0 && !list) text += lines([queryLine(p)])
    if (list) text += lines(fileListing(p.files, { ...listing, now, digestAlgo: p.digestAlgo }))
    return { text, errors }
  }
}
