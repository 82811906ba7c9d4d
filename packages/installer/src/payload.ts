// Extracts package.tar.gz into a staging folder as hostile input: nothing may land outside the staging folder.
import { PayloadError, stripDotSlash, unsafeEntryReason } from '@rdbpkg/core'
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { extract } from 'tar'
import type { ReadEntry } from 'tar'

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link'])
// Metadata entries node-tar consumes itself; they never land on disk.
const META_TYPES = new Set(['ExtendedHeader', 'GlobalExtendedHeader', 'NextFileHasLongPath', 'NextFileHasLongLinkpath', 'OldExtendedHeader'])

/**
 * Why an entry must not be extracted (absolute, `..`, devices, fifos, links that leave the target), or
 * undefined when it is safe. `./` prefixes are allowed.
 */
export function unsafePayloadEntry(path: string, type: string, linkpath: string | undefined): string | undefined {
  if (META_TYPES.has(type)) return undefined
  const nameReason = unsafeEntryReason(path)
  if (nameReason !== undefined) return nameReason
  if (!ALLOWED_TYPES.has(type)) return `${type} entries are not allowed`
  if (type === 'SymbolicLink' || type === 'Link') {
    if (linkpath === undefined || linkpath === '') return 'link without a target'
    if (linkpath.startsWith('/')) return `link to an absolute path (${linkpath})`
    const from = type === 'Link' ? '' : posix.dirname(stripDotSlash(path))
    const target = posix.normalize(posix.join(from, linkpath))
    if (target === '..' || target.startsWith('../')) return `link leaves the payload (${linkpath})`
  }
  return undefined
}

/**
 * Streams `tarGz` into `dest` (created; removed again when the payload is unsafe or corrupt). Owners are not
 * kept, setuid/setgid/sticky bits are dropped. Throws PayloadError E_PAYLOAD_UNSAFE / E_PAYLOAD_CORRUPT.
 */
export async function extractPayload(tarGz: string, dest: string, fileName = 'package.tar.gz'): Promise<void> {
  mkdirSync(dest, { recursive: true })
  const problems: string[] = []
  try {
    await extract({
      file: tarGz,
      cwd: dest,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      noMtime: false,
      maxReadSize: 1 << 20,
      filter: (path: string, entry: unknown) => {
        const read = entry as ReadEntry
        const reason = unsafePayloadEntry(path, read.type, read.linkpath)
        if (reason !== undefined) {
          problems.push(`${fileName}: ${JSON.stringify(path)}: unsafe entry (${reason})`)
          return false
        }
        if (read.mode !== undefined) read.mode &= 0o777
        return true
      },
    })
  } catch (cause) {
    rmSync(dest, { recursive: true, force: true })
    throw new PayloadError('E_PAYLOAD_CORRUPT', `${fileName}: cannot be extracted (${(cause as Error).message})`, { file: fileName, cause })
  }
  if (problems.length > 0) {
    rmSync(dest, { recursive: true, force: true })
    throw new PayloadError('E_PAYLOAD_UNSAFE', problems[0]!, { file: fileName, field: problems.join('; ') })
  }
}

/** The staging folder for one run. */
export function stagingDir(root: string, runId: string): string {
  return join(root, 'var', 'lib', 'rdbpkg', 'staging', runId)
}

/** Removes a staging folder and its parent when empty. */
export function removeStaging(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  try {
    rmdirSync(dirname(dir))
  } catch {
    // not empty or already gone
  }
}

/** Removes staging folders an interrupted run left under the root (call only while holding the install lock). */
export function removeLeftoverStaging(root: string): string[] {
  const parent = join(root, 'var', 'lib', 'rdbpkg', 'staging')
  if (!existsSync(parent)) return []
  const removed = readdirSync(parent).map((name) => join(parent, name))
  for (const dir of removed) rmSync(dir, { recursive: true, force: true })
  try {
    rmdirSync(parent)
  } catch {
    // not empty or already gone
  }
  return removed
}
