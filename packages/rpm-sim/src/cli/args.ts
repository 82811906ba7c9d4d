// rpm-sim's command line as rpm reads it: the parsed form, its parser, the mode table's row and usage errors.
import { isAbsolute, join } from 'node:path'
import { nodeArchToRpmArch } from '@rdbpkg/core'
import type { Writable } from 'node:stream'
import type { Identity } from '../transaction/apply.js'
import { FILE_FLAG, VERIFY } from '../format/tags.js'
import type { VerifyLevel } from '../format/model.js'
import { VERIFY_LEVELS } from '../format/model.js'
import type { FileFilter } from '../query/_format.js'

/** What a CLI run is given instead of touching process globals. */
export interface MainIo {
  stdout: Writable
  stderr: Writable
  cwd: string
  env: NodeJS.ProcessEnv
  /** The running process's effective uid, gid and umask: as root, files get their packaged owners. */
  identity: Identity
  /**
   * The machine's arch as `uname -m` names it ({@link processMachine}): rpm's multilib colors follow it (3 on
   * x86_64 and aarch64). Absent: colors play no part.
   */
  machine?: string | undefined
}

/** The running machine's arch as `uname -m` names it, for {@link MainIo.machine}. */
export function processMachine(): string {
  return nodeArchToRpmArch(process.arch) ?? process.arch
}

/**
 * The running process's effective uid, gid and umask, for {@link MainIo.identity} and the `identity` option of
 * transactions: what a command-line entry point passes (library code takes it as an option, never reads it).
 */
export function processIdentity(): Identity {
  // process.umask() reads by setting: put back what it returned.
  const umask = process.umask(0o022)
  process.umask(umask)
  return { uid: process.geteuid?.() ?? -1, gid: process.getegid?.() ?? -1, umask }
}

/** A parsed rpm-style command line: short letters (from clusters like `-qpl`), long options, operands. */
export interface ParsedArgs {
  /** Single-letter flags, in order of appearance (`-qpl` gives q, p, l). */
  letters: string[]
  /** Long options without value (`--nodeps`). */
  flags: Set<string>
  /** Long options with a value (`--root DIR`, `--root=DIR`). */
  values: Map<string, string>
  /**
   * Every option in command-line order: long ones with their value, if any, and each short letter (`short`). rpm
   * joins its query formats (--qf, and options that are one, such as -i or --scripts) in this order.
   */
  options: { name: string; value?: string; short?: true }[]
  operands: string[]
}

/** Long options that take a value; everything else long is a flag. Other modes add theirs here. */
const VALUE_OPTIONS = new Set(['root', 'dbpath', 'queryformat', 'qf', 'define', 'excludepath', 'relocate', 'prefix'])

/** Parses argv the way rpm reads it: combined short flags, `--opt VALUE` / `--opt=VALUE`, `--` ends options. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { letters: [], flags: new Set(), values: new Map(), options: [], operands: [] }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') {
      parsed.operands.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = arg.slice(2, eq < 0 ? undefined : eq)
      if (eq >= 0 || VALUE_OPTIONS.has(name)) {
        const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i]
        if (value === undefined) throw new UsageError(`--${name} needs a value`)
        parsed.values.set(name, value)
        parsed.options.push({ name, value })
      } else {
        parsed.flags.add(name)
        parsed.options.push({ name })
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (const l of arg.slice(1)) {
        parsed.letters.push(l)
        parsed.options.push({ name: l, short: true })
      }
    } else parsed.operands.push(arg)
  }
  return parsed
}

/** A path argument as the host path it names: absolute as given, else below the command's `cwd`. */
export function operandPath(p: string, cwd: string): string {
  return isAbsolute(p) ? p : join(cwd, p)
}

/** A command-line mistake: printed as `rpm-sim: <message>`, exit 1. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** One mode of the CLI: when it applies, and what it does. Modes are tried in table order. */
export interface Mode {
  name: string
  matches: (args: ParsedArgs) => boolean
  run: (args: ParsedArgs, io: MainIo) => Promise<number>
}

/**
 * rpm's file attribute options (rpmQVFilePoptTable) as a filter: -c/--configfiles, -d/--docfiles, -L/--licensefiles
 * and -A/--artifactfiles include, --noconfig, --noghost and --noartifact exclude. Query and verify read it.
 */
export function fileFilterOf(a: ParsedArgs): FileFilter {
  const on = (letter: string, name: string): boolean => a.letters.includes(letter) || a.flags.has(name)
  const include =
    (on('c', 'configfiles') ? FILE_FLAG.CONFIG : 0) |
    (on('d', 'docfiles') ? FILE_FLAG.DOC : 0) |
    (on('L', 'licensefiles') ? FILE_FLAG.LICENSE : 0) |
    (on('A', 'artifactfiles') ? FILE_FLAG.ARTIFACT : 0)
  const exclude =
    (a.flags.has('noconfig') ? FILE_FLAG.CONFIG : 0) |
    (a.flags.has('noghost') ? FILE_FLAG.GHOST : 0) |
    (a.flags.has('noartifact') ? FILE_FLAG.ARTIFACT : 0)
  return { include, exclude }
}

/**
 * rpm's -V options that leave one check out of every file (rpmVerifyPoptTable), and its RPMVERIFY_* bit; --nomd5 is
 * rpm's old name of --nofiledigest. --nodeps and --nocontexts are accepted too: rpm-sim checks neither.
 */
export const VERIFY_OMIT_OPTIONS: Readonly<Record<string, number>> = {
  nofiledigest: VERIFY.FILEDIGEST,
  nomd5: VERIFY.FILEDIGEST,
  nosize: VERIFY.FILESIZE,
  nolinkto: VERIFY.LINKTO,
  nouser: VERIFY.USER,
  nogroup: VERIFY.GROUP,
  nomtime: VERIFY.MTIME,
  nomode: VERIFY.MODE,
  nordev: VERIFY.RDEV,
  nocaps: VERIFY.CAPS,
}

/** The RPMVERIFY_* bits the command line's {@link VERIFY_OMIT_OPTIONS} leave out. */
export function verifyOmitOf(a: ParsedArgs): number {
  let omit = 0
  for (const f of a.flags) omit |= VERIFY_OMIT_OPTIONS[f] ?? 0
  return omit
}

// The macros `--define "NAME BODY"` sets (the last of a name wins); rpm-sim reads a few of them, the rest have no
// effect.
export function definedMacros(a: ParsedArgs): Map<string, string> {
  const defined = new Map<string, string>()
  for (const o of a.options) {
    const m = o.name === 'define' ? /^\s*%?(\w+)\s+(.*)$/s.exec(o.value ?? '') : null
    if (m !== null) defined.set(m[1] as string, (m[2] as string).trim())
  }
  return defined
}

// rpmExpandNumeric of a defined macro: its leading number (0 when it has none); undefined when it is not defined.
export function macroNumber(defined: Map<string, string>, name: string): number | undefined {
  const text = defined.get(name)
  return text === undefined ? undefined : Number(/^-?\d+/.exec(text)?.[0] ?? '0')
}

// A defined macro as a list split at colons (rpmts.c's argvSplit: empty pieces dropped); empty when not defined.
export function macroList(defined: Map<string, string>, name: string): string[] {
  return (defined.get(name) ?? '').split(':').filter((p) => p !== '')
}

/**
 * rpm's `%_pkgverify_level` from `--define`: `digest` where it is not defined; a value rpm does not know is, as in
 * rpm, a warning and every check required (`all`).
 */
export function verifyLevelOf(defined: Map<string, string>): { level: VerifyLevel; warning?: string } {
  const text = defined.get('_pkgverify_level')
  if (text === undefined || text === '') return { level: 'digest' }
  const known = VERIFY_LEVELS.find((l) => l === text)
  return known !== undefined
    ? { level: known }
    : { level: 'all', warning: `warning: invalid package verify level ${text}` }
}
