// rpm -i/-U/-F's package file arguments as rpm's rpmInstall reads them: each file opened in turn (`open of X
// failed`), a file that is no package read as a package manifest (a text file naming more package files, which
// take its place), and with `headers` each package's header checked as rpm reads it (`cannot be installed`).
import { openSync, readSync, closeSync, readFileSync } from 'node:fs'
import { unreadable } from '../base/_fs.js'
import { checksigLine, checksigPackage } from '../format/checksig.js'
import { LEAD_MAGIC, leadType } from '../format/lead.js'
import { operandPath } from './args.js'

/** A package file argument: as given (rpm's messages name it so) and where it is. */
export interface PackageArg {
  given: string
  path: string
  /** A source package (its lead says so, as rpmbuild -bs writes it): installed into %_topdir, not the database. */
  source?: true
}

/** What reading the arguments found: the package files, rpm's error lines, and how many arguments failed. */
export interface PackageArgs {
  packages: PackageArg[]
  errors: string[]
  failed: number
}

/** How {@link readPackageArgs} reads: rpm's --nomanifest, and whether (and how) it checks each header. */
export interface PackageArgsOptions {
  cwd: string
  nomanifest: boolean
  /** Check each header's digests and signatures as rpm reads it; absent: not checked. */
  headers?: { digests: boolean; signatures: boolean }
}

/** rpm's rpmInstall loop over its arguments, up to the transaction; see the module's comment. */
export async function readPackageArgs(operands: readonly string[], o: PackageArgsOptions): Promise<PackageArgs> {
  const queue = [...operands]
  const out: PackageArgs = { packages: [], errors: [], failed: 0 }
  for (let i = 0; i < queue.length; i++) {
    const given = queue[i] as string
    const path = operandPath(given, o.cwd)
    const why = unreadable(path)
    if (why !== undefined) {
      out.errors.push(`error: open of ${given} failed: ${why}`)
      out.failed++
      continue
    }
    const kind = rpmKind(path)
    if (kind === undefined) {
      if (o.nomanifest) {
        out.errors.push(`error: ${given} cannot be installed`)
        out.failed++
        continue
      }
      const entries = manifestEntries(path)
      if (entries === undefined) {
        // rpm appends the stream's error text, empty for a file it read fine
        out.errors.push(`error: ${given}: not an rpm package (or package manifest): `)
        out.failed++
        continue
      }
      // rpm goes on with the manifest's entries in its place, unless an argument failed already
      if (out.failed > 0) break
      queue.splice(i + 1, 0, ...entries)
      continue
    }
    if (o.headers !== undefined) {
      const r = await checksigPackage(path, { payload: false, ...o.headers }).catch(() => undefined)
      const bad = r?.items.filter((item) => item.result === 'BAD') ?? []
      if (bad.length > 0) {
        out.errors.push(
          ...bad.map((item) => `error: ${given}: ${checksigLine(item).trimStart()}`),
          `error: ${given} cannot be installed`,
        )
        out.failed++
        continue
      }
    }
    out.packages.push({ given, path, ...(kind === 'source' ? { source: true as const } : {}) })
  }
  return out
}

// Whether the file is an rpm package (the lead's magic), and of which type; undefined for anything else.
function rpmKind(path: string): 'binary' | 'source' | undefined {
  const fd = openSync(path, 'r')
  try {
    const lead = Buffer.alloc(8)
    if (readSync(fd, lead, 0, 8, 0) < 4 || !lead.subarray(0, 4).equals(LEAD_MAGIC)) return undefined
    return leadType(lead)
  } finally {
    closeSync(fd)
  }
}

/**
 * rpm's rpmReadPackageManifest: lines starting with `#` skipped, the rest trimmed and joined, split on white
 * space; undefined (no manifest) when a line looks binary or nothing is named. rpm also expands globs in the
 * entries; rpm-sim takes them literally.
 */
function manifestEntries(path: string): string[] | undefined {
  const parts: string[] = []
  for (const raw of readFileSync(path, 'latin1').split('\n')) {
    if (raw.startsWith('#')) continue
    const line = raw.replace(/[\r\n]+$/, '').replace(/^[ \f\n\r\t\v]+/, '')
    if (line === '') continue
    if (line.charCodeAt(0) < 32) return undefined
    parts.push(line)
  }
  const entries = parts
    .join(' ')
    .split(/[ \f\n\r\t\v]+/)
    .filter((e) => e !== '')
  return entries.length === 0 || entries.includes('-') ? undefined : entries
}
