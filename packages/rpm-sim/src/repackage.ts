// rpm's --repackage: before an upgrade or erase changes anything, the installed package is rebuilt from what is
// on disk now (the operator's edited configs included) into <root>/var/spool/repackage/<n>-<v>-<r>.<a>.rpm, and
// its database record is kept beside it so a rollback restores the original digests (a later upgrade still sees
// the operator's edits as edits). The payload is stored uncompressed: an upgrade runs while services are down.
import { lstat, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { InstalledPackage } from './db.js'
import { headerNvra } from './_model.js'
import { RootResolver, writeFileAtomic } from './_fsutil.js'
import { writeRpm } from './writer.js'
import type { RpmSpec, RpmSpecFile } from './writer.js'

/** The spool folder of repackaged packages in a root. */
export function repackageDir(root: string): string {
  return join(root, 'var/spool/repackage')
}

/** Options of {@link repackageInstalled}. */
export interface RepackageOptions {
  root: string
  pkg: InstalledPackage
  tid: number
  onWarning?: (line: string) => void
}

/** Where a package was repackaged: the .rpm and its saved database record (host paths). */
export interface RepackageResult {
  file: string
  savedRecord: string
}

/** Rebuild an installed package from the disk with the rpm writer (files streamed), before anything changes. */
export async function repackageInstalled(o: RepackageOptions): Promise<RepackageResult> {
  const resolver = new RootResolver(o.root)
  const files: RpmSpecFile[] = []
  for (const f of o.pkg.files) {
    if (f.state !== 'normal') continue
    const flags = { ...f.flags }
    const base = { path: f.path, user: f.user, group: f.group, flags }
    if (f.flags.ghost === true) {
      files.push({ ...base, kind: f.kind === 'dir' ? 'dir' : f.kind === 'symlink' ? 'symlink' : 'file', mode: f.mode & 0o7777, mtime: f.mtime, ...(f.kind === 'symlink' ? { linkTarget: f.linkTarget ?? '' } : {}) })
      continue
    }
    const host = await resolver.host(f.path)
    const st = await lstat(host).catch(() => undefined)
    if (st === undefined) {
      o.onWarning?.(`warning: repackage of ${o.pkg.nevra}: ${f.path} is missing on disk, left out`)
      continue
    }
    const meta = { mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) }
    if (st.isSymbolicLink()) files.push({ ...base, ...meta, kind: 'symlink', linkTarget: await readlink(host) })
    else if (st.isDirectory()) files.push({ ...base, ...meta, kind: 'dir' })
    else if (st.isFile()) files.push({ ...base, ...meta, kind: 'file', source: host })
    else o.onWarning?.(`warning: repackage of ${o.pkg.nevra}: ${f.path} is not a file, link or directory, left out`)
  }
  const p = o.pkg
  const scripts: RpmSpec['scripts'] = {}
  for (const [k, s] of Object.entries(p.scripts)) {
    if (s !== undefined) scripts[k as keyof typeof scripts] = { interpreter: s.interpreter.join(' ') || '/bin/sh', body: s.body }
  }
  const spec: RpmSpec = {
    name: p.name,
    version: p.version,
    release: p.release,
    ...(p.epoch !== undefined ? { epoch: p.epoch } : {}),
    arch: p.arch,
    summary: p.summary ?? p.name,
    description: p.description ?? '',
    license: p.license ?? '',
    ...(p.group ? { group: p.group } : {}),
    ...(p.url ? { url: p.url } : {}),
    ...(p.vendor ? { vendor: p.vendor } : {}),
    ...(p.buildTime !== undefined ? { buildTime: p.buildTime } : {}),
    ...(p.buildHost ? { buildHost: p.buildHost } : {}),
    files,
    // Stored, not compressed: services are down while an upgrade runs, and this copy is only for a rollback.
    compressor: 'none',
    scripts,
    triggers: p.triggers.map((t) => ({
      kind: t.kind,
      name: t.name,
      ...(t.version ? { version: t.version } : {}),
      ...(t.sense ? { sense: t.sense as '<' | '<=' | '=' | '>=' | '>' } : {}),
      interpreter: t.script.interpreter.join(' ') || '/bin/sh',
      body: t.script.body,
    })),
  }
  const dir = repackageDir(o.root)
  const file = join(dir, `${headerNvra(p)}.rpm`)
  const savedRecord = join(dir, `${headerNvra(p)}.db.json`)
  await writeFileAtomic(savedRecord, `${JSON.stringify(p, null, 1)}\n`)
  await writeRpm(spec, file)
  return { file, savedRecord }
}
