// Test helpers: temporary roots, packages built with our writer, and snapshots of a root's tree.
import { createHash } from 'node:crypto'
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeRpm } from './format/writer.js'
import type { RpmSpec, RpmSpecFile } from './format/spec.js'

/** A temporary folder with a `root/` inside; call `done()` to remove it. */
export function tempWorld(prefix = 'rpmsim-'): { dir: string; root: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const root = join(dir, 'root')
  return { dir, root, done: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Write a package with our writer into `dir`; defaults: release 1, arch noarch, fixed mtimes. */
export async function pkg(
  dir: string,
  spec: Partial<RpmSpec> & { name: string; version: string; files: RpmSpecFile[] },
): Promise<string> {
  const full: RpmSpec = {
    release: '1',
    arch: 'noarch',
    summary: spec.name,
    description: spec.name,
    license: 'MIT',
    buildTime: 1_700_000_000,
    ...spec,
  }
  const file = join(dir, `${full.name}-${full.version}-${full.release}.${full.arch}.rpm`)
  await writeRpm({ ...full, files: full.files.map((f) => ({ mtime: 1_700_000_000, ...f })) }, file)
  return file
}

/** One regular file for a spec. */
export const file = (path: string, content: string, extra: Partial<RpmSpecFile> = {}): RpmSpecFile => ({
  path,
  kind: 'file',
  content,
  ...extra,
})
/** A %config file. */
export const conf = (path: string, content: string): RpmSpecFile => file(path, content, { flags: { config: true } })
/** A %config(noreplace) file. */
export const noreplace = (path: string, content: string): RpmSpecFile =>
  file(path, content, { flags: { config: true, noreplace: true } })

/**
 * Snapshot of everything under `root` (except rpm-sim's own state and rpm's): path -> kind, mode, content. With
 * `detail`, each entry also carries its owner (uid:gid), the first path of its hard-link group, and device numbers.
 */
export function snapshot(
  root: string,
  skip: string[] = ['var/lib/rpm-sim', 'var/lib/rpm', 'var/spool', 'var/tmp'],
  detail = false,
): Record<string, string> {
  const out: Record<string, string> = {}
  const inodes = new Map<number, string>()
  const walk = (rel: string): void => {
    const host = rel === '' ? root : join(root, rel)
    let names: string[]
    try {
      names = readdirSync(host)
    } catch {
      return
    }
    for (const n of names.sort()) {
      const r = rel === '' ? n : `${rel}/${n}`
      if (skip.includes(r)) continue
      const st = lstatSync(join(root, r))
      const mode = (st.mode & 0o7777).toString(8)
      const extra = detail ? ` ${st.uid}:${st.gid}` : ''
      if (st.isSymbolicLink()) out[`/${r}`] = `link ${readlinkSync(join(root, r))}${extra}`
      else if (st.isDirectory()) {
        out[`/${r}`] = `dir ${mode}${extra}`
        walk(r)
      } else if (st.isFile()) {
        let linked = ''
        if (detail && st.nlink > 1) {
          linked = ` linked-with ${inodes.get(st.ino) ?? `/${r}`}`
          if (!inodes.has(st.ino)) inodes.set(st.ino, `/${r}`)
        }
        out[`/${r}`] = `file ${mode} ${createHash('sha256')
          .update(readFileSync(join(root, r)))
          .digest('hex')
          .slice(0, 16)}${extra}${linked}`
      } else {
        const type = st.isCharacterDevice() ? 'chr' : st.isBlockDevice() ? 'blk' : st.isFIFO() ? 'fifo' : 'socket'
        out[`/${r}`] = `${type} ${mode} ${st.rdev}${extra}`
      }
    }
  }
  walk('')
  return out
}

/** Read a file under the root. */
export const read = (root: string, p: string): string => readFileSync(join(root, p), 'utf8')
/** Does a path exist under the root (lstat)? */
export const exists = (root: string, p: string): boolean =>
  lstatSync(join(root, p), { throwIfNoEntry: false }) !== undefined
