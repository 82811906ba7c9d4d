// The one formatter of rpm's query output (-q, -ql, -qi and their -qp forms), for installed packages and package
// files alike, so the two can never disagree; dates in local time as rpm prints them.
import { formatNEVRA } from '@rdbpkg/core'
import type { RpmPackage } from '../format/package.js'
import type { Header } from '../format/header.js'
import { SENSE, SIGTAG, VERIFY, fileFlagBits } from '../format/tags.js'
import { parsePgpSignature, pgpAlgorithms } from '../format/_pgp.js'
import type { EngineFileFlags } from '../format/model.js'

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** A time as strftime("%c") prints it in the C locale, in local time: `Thu Jan  1 00:00:00 1970`. */
export function formatCDate(seconds: number): string {
  const d = new Date(seconds * 1000)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`
}

/** A time as strftime("%a %b %d %Y") prints it in the C locale, in local time (--qf's `:day`). */
export function formatDay(seconds: number): string {
  const d = new Date(seconds * 1000)
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, '0')} ${d.getFullYear()}`
}

/**
 * rpm's rpmVerifyString: the `SM5DLUGTP` letters of RPMVERIFY_* bits, `pad` for each one not set, `?` for the
 * digest or the link target where reading the file or the link failed. What -V prints, and the vflags and
 * fstatus query formats.
 */
export function verifyString(bits: number, pad: string): string {
  const one = (bit: number, c: string, fail = 0): string => ((bits & fail) !== 0 ? '?' : (bits & bit) !== 0 ? c : pad)
  return (
    one(VERIFY.FILESIZE, 'S') +
    one(VERIFY.MODE, 'M') +
    one(VERIFY.FILEDIGEST, '5', VERIFY.READFAIL) +
    one(VERIFY.RDEV, 'D') +
    one(VERIFY.LINKTO, 'L', VERIFY.READLINKFAIL) +
    one(VERIFY.USER, 'U') +
    one(VERIFY.GROUP, 'G') +
    one(VERIFY.MTIME, 'T') +
    one(VERIFY.CAPS, 'P')
  )
}

// rpm's deptypeFormat: the kinds a dependency's RPMSENSE_* bits name, in its order.
const DEP_TYPES: [number, string][] = [
  [SENSE.SCRIPT_PRE, 'pre'],
  [SENSE.SCRIPT_POST, 'post'],
  [SENSE.SCRIPT_PREUN, 'preun'],
  [SENSE.SCRIPT_POSTUN, 'postun'],
  [SENSE.SCRIPT_VERIFY, 'verify'],
  [SENSE.INTERP, 'interp'],
  [SENSE.RPMLIB, 'rpmlib'],
  [SENSE.FIND_REQUIRES | SENSE.FIND_PROVIDES, 'auto'],
  [SENSE.PREREQ, 'prereq'],
  [SENSE.PRETRANS, 'pretrans'],
  [SENSE.POSTTRANS, 'posttrans'],
  [SENSE.CONFIG, 'config'],
  [SENSE.MISSINGOK, 'missingok'],
  [SENSE.META, 'meta'],
]

/** rpm's deptype query format: `pre,interp`, `rpmlib`, ... or `manual` for a dependency with none of those bits. */
export function deptypeText(flags: number): string {
  const kinds = DEP_TYPES.filter(([bits]) => (flags & bits) !== 0).map(([, name]) => name)
  return kinds.length > 0 ? kinds.join(',') : 'manual'
}

/** A mode as `ls -l` and rpm's rpmPermsString show it: `-rwsr-xr-x`, `drwxr-xr-x`, `lrwxrwxrwx`. */
export function permsString(mode: number): string {
  const type = mode & 0o170000
  const kind =
    type === 0o040000
      ? 'd'
      : type === 0o120000
        ? 'l'
        : type === 0o020000
          ? 'c'
          : type === 0o060000
            ? 'b'
            : type === 0o010000
              ? 'p'
              : type === 0o140000
                ? 's'
                : '-'
  const bit = (m: number, c: string): string => ((mode & m) !== 0 ? c : '-')
  const special = (x: number, s: number, lower: string, upper: string): string =>
    (mode & s) !== 0 ? ((mode & x) !== 0 ? lower : upper) : bit(x, 'x')
  return (
    kind +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    special(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    special(0o001, 0o1000, 't', 'T')
  )
}

/** What `rpm -q` and `rpm -qp` print for a package: `name-version-release.arch` (core's NEVRA form, no epoch). */
export function queryLine(pkg: { name: string; version: string; release: string; arch: string }): string {
  return formatNEVRA(pkg)
}

/**
 * The fields of rpm's --info layout (`-qi`, `-qpi`). An empty or missing text prints as rpm prints a missing
 * tag; `installTime` undefined prints `(not installed)`; `signature` is the text of {@link signatureText}.
 */
export interface InfoFields {
  name: string
  epoch?: number | undefined
  version: string
  release: string
  arch: string
  installTime?: number | undefined
  group?: string | undefined
  size: number
  license?: string | undefined
  signature: string
  sourceRpm?: string | undefined
  buildTime?: number | undefined
  buildHost?: string | undefined
  packager?: string | undefined
  vendor?: string | undefined
  url?: string | undefined
  summary?: string | undefined
  description?: string | undefined
}

/** rpm 4.18's --info lines (the query format behind -qi and -qpi, C locale, local time). */
export function infoLines(f: InfoFields): string[] {
  const none = (value: string | undefined): string => (value === undefined || value === '' ? '(none)' : value)
  const lines = [`Name        : ${f.name}`]
  if (f.epoch !== undefined) lines.push(`Epoch       : ${f.epoch}`)
  lines.push(
    `Version     : ${f.version}`,
    `Release     : ${f.release}`,
    `Architecture: ${none(f.arch)}`,
    `Install Date: ${f.installTime === undefined ? '(not installed)' : formatCDate(f.installTime)}`,
    `Group       : ${none(f.group)}`,
    `Size        : ${f.size}`,
    // rpm's %|LICENSE?{License     : %{LICENSE}}|\n: an empty line without one.
    f.license ? `License     : ${f.license}` : '',
    `Signature   : ${f.signature}`,
    `Source RPM  : ${none(f.sourceRpm)}`,
    `Build Date  : ${formatCDate(f.buildTime ?? 0)}`,
    `Build Host  : ${none(f.buildHost)}`,
  )
  if (f.packager) lines.push(`Packager    : ${f.packager}`)
  if (f.vendor) lines.push(`Vendor      : ${f.vendor}`)
  if (f.url) lines.push(`URL         : ${f.url}`)
  lines.push(`Summary     : ${f.summary ?? ''}`, 'Description :', ...(f.description ?? '').split('\n'))
  return lines
}

/** What `rpm -qpi` prints for a package file. */
export function formatInfo(pkg: RpmPackage, options: { signature?: Header | undefined } = {}): string {
  const fields: InfoFields = { ...pkg, size: pkg.installedSize, signature: signatureText(options.signature) }
  return `${infoLines(fields).join('\n')}\n`
}

/** The `Signature` field of `rpm -qi`: `RSA/SHA256, <date>, Key ID <id>` from the OpenPGP signature, or `(none)`. */
function signatureText(signature: Header | undefined): string {
  const packet =
    signature?.bin(SIGTAG.DSA) ?? signature?.bin(SIGTAG.RSA) ?? signature?.bin(SIGTAG.GPG) ?? signature?.bin(SIGTAG.PGP)
  const info = packet === undefined ? undefined : parsePgpSignature(packet)
  if (!info) return '(none)'
  return `${pgpAlgorithms(info)}, ${formatCDate(info.created)}, Key ID ${info.keyId}`
}

/** A file as rpm's list mode reads it (an installed file has a state; a package file's has none). */
export interface ListedFile {
  path: string
  mode: number
  size: number
  mtime: number
  user: string
  group: string
  digest?: string | undefined
  linkTarget?: string | undefined
  rdev?: number | undefined
  /** Its hard-link group's size in the package (absent: 1). */
  nlink?: number | undefined
  flags: { config?: boolean; noreplace?: boolean; doc?: boolean }
  state?: 'normal' | 'replaced' | 'notinstalled' | 'netshared' | 'wrongcolor' | undefined
}

/** What rpm's list mode shows of each file: -l, -c and -d pick the files, -s, --dump and -v how each looks. */
export interface ListOptions {
  /**
   * rpm's file attribute filter, as RPMFILE_* bits (FILE_FLAG): only files with one of the `include` bits (-c, -d,
   * -L, -A; none: every file), and none with an `exclude` bit (--noconfig, --noghost, --noartifact).
   */
  filter?: FileFilter
  /** -s: each line starts with the file's state. */
  states?: boolean
  /** --dump: path size mtime digest mode owner group isconfig isdoc rdev linkto. */
  dump?: boolean
  /** -v: `ls -l`-like lines, dated against `now` (seconds). */
  verbose?: boolean
  now?: number
  /** The package's digest algorithm (Node's name): --dump writes a file without a digest as that many zeros. */
  digestAlgo?: string
}

/** rpm's file attribute filter (qva_incattr, qva_excattr) as RPMFILE_* bits. */
export interface FileFilter {
  include: number
  exclude: number
}

/** Does a file pass rpm's attribute filter (query.c's and verify.c's incattr/excattr test)? */
export function passesFilter(f: { flags: EngineFileFlags }, filter: FileFilter): boolean {
  const bits = fileFlagBits(f.flags)
  return (filter.include === 0 || (bits & filter.include) !== 0) && (bits & filter.exclude) === 0
}

const DIGEST_HEX: Readonly<Record<string, number>> = { md5: 32, sha1: 40, sha256: 64, sha384: 96, sha512: 128 }

const STATE_TEXT = {
  normal: 'normal        ',
  replaced: 'replaced      ',
  notinstalled: 'not installed ',
  netshared: 'net shared    ',
  wrongcolor: 'wrong color   ',
} as const

/**
 * rpm's list mode (query.c's showQueryPackage) for one package: its files' lines, `(contains no files)` when it
 * has none. File counts of hard-link groups are worked out from the list itself.
 */
export function fileListing(files: readonly ListedFile[], o: ListOptions = {}): string[] {
  if (files.length === 0) return ['(contains no files)']
  const out: string[] = []
  for (const f of files) {
    if (o.filter !== undefined && !passesFilter(f, o.filter)) continue
    const config = f.flags.config === true || f.flags.noreplace === true
    const state = o.states ? (f.state === undefined ? '(no state)    ' : STATE_TEXT[f.state]) : ''
    if (o.dump) {
      const mode = `0${f.mode.toString(8)}`
      const digest = f.digest ?? '0'.repeat(DIGEST_HEX[o.digestAlgo ?? 'sha256'] ?? 64)
      const fields = [f.path, f.size, f.mtime, digest, mode, f.user, f.group]
      const tail = [config ? '1' : '0', f.flags.doc ? '1' : '0', f.rdev ?? 0, f.linkTarget || 'X']
      out.push(`${state}${fields.join(' ')} ${tail.join(' ')}`)
    } else if (o.verbose) out.push(`${state}${longLine(f, o.now ?? Date.now() / 1000)}`)
    else out.push(`${state}${f.path}`)
  }
  return out
}

// query.c's printFileInfo: perms, links, owner, group, size (or device numbers), date, name (-> target). The link
// count is the file's hard-link group in the package, a directory's one more (rpm's display adjustment).
function longLine(f: ListedFile, now: number): string {
  const type = f.mode & 0o170000
  const dir = type === 0o040000
  const nlink = dir ? 2 : (f.nlink ?? 1)
  const size =
    type === 0o020000 || type === 0o060000
      ? `${String(((f.rdev ?? 0) >> 8) & 0xff).padStart(3)}, ${String((f.rdev ?? 0) & 0xff).padStart(3)}`
      : String(dir ? 0 : f.size).padStart(20)
  const d = new Date(f.mtime * 1000)
  const old = now > f.mtime + 6 * 30 * 24 * 60 * 60 || now < f.mtime - 60 * 60
  const day = String(d.getDate()).padStart(2, ' ')
  const when = old
    ? `${MONTHS[d.getMonth()]} ${day}  ${d.getFullYear()}`
    : `${MONTHS[d.getMonth()]} ${day} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
  const name = type === 0o120000 ? `${f.path} -> ${f.linkTarget ?? ''}` : f.path
  const owner = f.user.slice(0, 8).padEnd(8)
  const group = f.group.slice(0, 8).padEnd(8)
  return `${permsString(f.mode)} ${String(nlink).padStart(4)} ${owner} ${group} ${size.padStart(10)} ${when} ${name}`
}

// A command's output as the lines a pipe reads (a last newline ends the last line).
function outputLines(text: string): string[] {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

// GNU sort -n's key: a leading number after blanks (no number reads as 0).
const sortKey = (l: string): number => Number(/^[ \t]*(-?\d+)/.exec(l)?.[1] ?? 0)

/**
 * rpm's --last: its query format's lines put through `LC_NUMERIC=C sort -r -n | sed 's,^[0-9]\+ ,,'` (rpmpopt.in):
 * newest install time first, equal times in reverse byte order of the whole line (sort's last resort, reversed
 * too), and the leading number dropped. Every line of stdout goes through it, rpm's notices too.
 */
export function lastOrder(text: string): string {
  const keyed = outputLines(text).map((l) => ({ l, key: sortKey(l), bytes: Buffer.from(l) }))
  keyed.sort((x, y) => y.key - x.key || Buffer.compare(y.bytes, x.bytes))
  return keyed.map(({ l }) => `${l.replace(/^\d+ /, '')}\n`).join('')
}

/**
 * rpm's --dupes: its query format's lines (`name.arch`) put through `sort | uniq -d` (rpmpopt.in): each line that
 * occurs more than once, once, in byte order (the C locale's sort). Every line of stdout goes through it.
 */
export function dupesOf(text: string): string {
  const sorted = outputLines(text)
    .map((l) => Buffer.from(l))
    .sort(Buffer.compare)
  const out: string[] = []
  for (let i = 1; i < sorted.length; i++) {
    const here = sorted[i] as Buffer
    if (here.equals(sorted[i - 1] as Buffer) && (i === 1 || !here.equals(sorted[i - 2] as Buffer)))
      out.push(`${here.toString()}\n`)
  }
  return out.join('')
}

/** rpm's query options whose format is piped through a command (rpmpopt.in's --pipe), done in process here. */
export const QUERY_PIPES: Readonly<Record<'last' | 'dupes', (text: string) => string>> = {
  last: lastOrder,
  dupes: dupesOf,
}
