// Turns a staged file payload (agent, tools) into the file list of a tracked package under `prefix`, with
// config_files flagged %config(noreplace).
import { lstatSync, readdirSync, readlinkSync } from 'node:fs'
import { join, posix } from 'node:path'
import { globToRegExp, matchesAny } from './_glob.js'

/** One entry of a tracked package, as rpm-sim's writer takes it. */
export interface TrackedFile {
  /** Absolute path on the target (`/opt/rdb/agent/tools/agent.conf`). */
  path: string
  kind: 'file' | 'dir' | 'symlink'
  /** For files: where the content is read from (streamed). */
  source?: string
  mode: number
  linkTarget?: string
  flags?: { config: boolean; noreplace: boolean }
}

/**
 * Lists `stagedDir` (the extracted payload) as files under `prefix`, sorted, with the prefix folder itself first.
 * `only` limits the walk to some top-level entries (update_code: `tools/` but not the wheels).
 */
export function trackedFiles(
  stagedDir: string,
  prefix: string,
  configGlobs: readonly string[],
  only?: readonly string[],
): TrackedFile[] {
  const globs = configGlobs.map(globToRegExp)
  const base = prefix.replace(/\/+$/, '') || '/'
  const files: TrackedFile[] = [{ path: base, kind: 'dir', mode: 0o755 }]
  const walk = (rel: string): void => {
    const names = readdirSync(join(stagedDir, rel)).sort()
    for (const name of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`
      if (rel === '' && only !== undefined && !only.includes(name)) continue
      const abs = join(stagedDir, childRel)
      const stat = lstatSync(abs)
      const path = posix.join(base, childRel)
      if (stat.isDirectory()) {
        files.push({ path, kind: 'dir', mode: stat.mode & 0o7777 })
        walk(childRel)
      } else if (stat.isSymbolicLink()) {
        files.push({ path, kind: 'symlink', mode: 0o777, linkTarget: readlinkSync(abs) })
      } else if (stat.isFile()) {
        const config = matchesAny(childRel, globs)
        files.push({
          path,
          kind: 'file',
          source: abs,
          mode: stat.mode & 0o7777,
          ...(config ? { flags: { config: true, noreplace: true } } : {}),
        })
      }
    }
  }
  walk('')
  return files
}
