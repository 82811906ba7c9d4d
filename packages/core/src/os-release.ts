// Reading /etc/os-release (freedesktop os-release(5)) and deciding whether a host may take a package. The
// installer reads the file; this module only interprets the text it is handed.

/** Where os-release(5) says the file lives, in the order to try (relative to the root). */
export const OS_RELEASE_PATHS: readonly string[] = Object.freeze(['/etc/os-release', '/usr/lib/os-release'])

const KEY = /^[A-Z0-9_]+$/
// Inside double quotes the shell drops the backslash only before these.
const DQ_ESCAPABLE = new Set(['"', '\\', '`', '$'])

/**
 * Parses os-release(5) text into its variables. Follows the shell-compatible rules of the spec (and systemd's
 * reader): `KEY=value` lines, `#` comments and blank lines skipped, values unquoted, 'single' or "double" quoted,
 * backslash escapes; a line that is not a valid assignment (bad key, unterminated quote) is ignored. The last
 * assignment of a key wins, as in the shell.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const rawLine of text.replace(/^\uFEFF/, '').split('\n')) {
    const line = rawLine.replace(/\r$/, '').trimStart()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq === -1) continue
    const key = line.slice(0, eq).trimEnd()
    if (!KEY.test(key)) continue
    const value = parseValue(line.slice(eq + 1))
    if (value !== undefined) fields[key] = value
  }
  return fields
}

// A shell word, leniently: quoted and unquoted parts may follow each other, trailing blanks and a trailing
// ` # comment` are dropped, inner blanks of an unquoted value are kept (systemd does the same).
function parseValue(raw: string): string | undefined {
  let out = ''
  let pendingBlank = ''
  let i = 0
  const text = raw.trimStart()
  while (i < text.length) {
    const c = text[i]!
    if (c === ' ' || c === '\t') {
      pendingBlank += c
      i++
      continue
    }
    if (c === '#' && (i === 0 || pendingBlank !== '')) break
    out += pendingBlank
    pendingBlank = ''
    if (c === '"') {
      const end = readDoubleQuoted(text, i + 1)
      if (end === undefined) return undefined
      out += end.value
      i = end.next
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1)
      if (close === -1) return undefined
      out += text.slice(i + 1, close)
      i = close + 1
    } else if (c === '\\') {
      // A backslash at the end of the line would continue it in the shell; one-line values just drop it.
      if (i + 1 < text.length) out += text[i + 1]
      i += 2
    } else {
      out += c
      i++
    }
  }
  return out
}

function readDoubleQuoted(text: string, start: number): { value: string; next: number } | undefined {
  let value = ''
  for (let i = start; i < text.length; i++) {
    const c = text[i]!
    if (c === '"') return { value, next: i + 1 }
    if (c === '\\' && i + 1 < text.length) {
      const n = text[i + 1]!
      value += DQ_ESCAPABLE.has(n) ? n : `\\${n}`
      i++
    } else {
      value += c
    }
  }
  return undefined
}

/** Whether a host's os-release allows a package whose version.json lists `allowed` IDs. */
export interface OsReleaseMatch {
  /** True when the host's `ID` is one of `allowed`. */
  ok: boolean
  /** The host's `ID`, lower-cased; undefined when the file has none. */
  id: string | undefined
  /** The allowed IDs, trimmed and lower-cased. */
  allowed: string[]
  /** On mismatch, one line: `/etc/os-release: ID: expected one of centos, bclinux, found "ubuntu"`. */
  message?: string
}

/**
 * Compares the host's `ID` (lower-cased) with the package's `os_release` list. Only `ID` counts, as the old
 * installer did; `ID_LIKE` is mentioned in the message when it would have matched, so the operator sees why.
 */
export function matchOsRelease(
  fields: Readonly<Record<string, string>>,
  allowed: readonly string[],
  fileName = '/etc/os-release',
): OsReleaseMatch {
  const list = allowed.map((id) => id.trim().toLowerCase()).filter((id) => id !== '')
  const rawId = fields.ID?.trim()
  const id = rawId === undefined || rawId === '' ? undefined : rawId.toLowerCase()
  if (id !== undefined && list.includes(id)) return { ok: true, id, allowed: list }
  const found = id === undefined ? 'no ID' : JSON.stringify(id)
  const like = (fields.ID_LIKE ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((x) => list.includes(x))
  const hint = like.length > 0 ? ` (ID_LIKE names ${like.join(', ')}, but only ID is compared)` : ''
  const expected = list.length === 0 ? 'an ID listed in os_release (the list is empty)' : `one of ${list.join(', ')}`
  return { ok: false, id, allowed: list, message: `${fileName}: ID: expected ${expected}, found ${found}${hint}` }
}

/** rpm arch names recognised at the end of a package_name (`rdb_agent_5.7.1.0_centos.x86_64`). */
export const RPM_ARCHES: readonly string[] = Object.freeze([
  'x86_64',
  'aarch64',
  'noarch',
  'i386',
  'i486',
  'i586',
  'i686',
  'armv7hl',
  'armv7l',
  'armv6hl',
  'ppc64le',
  'ppc64',
  's390x',
  'riscv64',
  'loongarch64',
  'mips64el',
  'sw_64',
])

const NODE_TO_RPM_ARCH: Readonly<Record<string, string>> = Object.freeze({
  x64: 'x86_64',
  arm64: 'aarch64',
  ia32: 'i686',
  arm: 'armv7hl',
  // Node on Linux runs only little-endian ppc64.
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loongarch64',
  mips64el: 'mips64el',
  mipsel: 'mipsel',
  mips: 'mips',
})

/** rpm's name for a Node `process.arch` value (`x64` -> `x86_64`, `arm64` -> `aarch64`); undefined if unknown. */
export function nodeArchToRpmArch(nodeArch: string): string | undefined {
  return Object.hasOwn(NODE_TO_RPM_ARCH, nodeArch) ? NODE_TO_RPM_ARCH[nodeArch] : undefined
}

const I386_FAMILY = new Set(['i386', 'i486', 'i586', 'i686'])

/**
 * True when a package built for `packageArch` installs on a host of rpm arch `hostArch`: the same arch, `noarch`,
 * or 32-bit x86 on x86_64 or a newer x86 (as rpm allows).
 */
export function isArchCompatible(packageArch: string, hostArch: string): boolean {
  if (packageArch === hostArch || packageArch === 'noarch') return true
  // i686 code needs at least an i686 CPU; the digit orders the family.
  if (I386_FAMILY.has(packageArch))
    return hostArch === 'x86_64' || (I386_FAMILY.has(hostArch) && hostArch >= packageArch)
  return false
}
