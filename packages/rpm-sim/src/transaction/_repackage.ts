// rpm's --repackage, in two steps so an upgrade's service window holds no copying. Inside the transaction, right
// before its first visible change, {@link keepInstalled} keeps what is on disk now (the operator's edited configs
// included): every file the swap is about to unlink or rename over is hard-linked into a kept folder beside the
// spool (no bytes copied; the swap renames new inodes into place, so the kept inodes are never written again),
// and the few files that stay where they are (configs kept, touched or renamed aside) are copied, so a later edit
// cannot reach the kept version. Modes and mtimes are taken at that moment. After the transaction (and after the
// caller's services run again) {@link writeKept} writes <root>/var/spool/repackage/<n>-<v>-<r>.<a>.rpm from the
// kept folder, uncompressed, and removes the folder. The package's database record is saved beside it, so a
// rollback restores the original digests (a later upgrade still sees the operator's edits as edits).
import {
  constants as fsConstants,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { InstalledPackage } from '../db/db.js'
import { FileFlagsSchema } from '../db/db.js'
import { formatNEVRA } from '@rdbpkg/core'
import { RootResolver, errCode, lstatQuiet, syncDir, writeFileAtomic } from '../base/_fs.js'
import { writeRpm } from '../format/writer.js'
import type { RpmSpec, RpmSpecFile } from '../format/spec.js'
import { FILE_TRIGGER_KINDS, SCRIPT_NAMES } from '../format/model.js'
import { TransactionError } from '../base/transaction-error.js'
import * as v from 'valibot'

/** The spool folder of repackaged packages in a root. */
export function repackageDir(root: string): string {
  return join(root, 'var/spool/repackage')
}

/** Where a package is repackaged: the .rpm, its saved database record, and the kept folder before the .rpm exists. */
export interface RepackageTarget {
  file: string
  savedRecord: string
  kept: string
}

/** The spool paths of `pkg` repackaged by transaction `tid`. */
export function repackageTarget(
  root: string,
  pkg: Pick<InstalledPackage, 'name' | 'version' | 'release' | 'arch'>,
  tid: number,
): RepackageTarget {
  const dir = repackageDir(root)
  const nvra = formatNEVRA(pkg)
  return {
    file: join(dir, `${nvra}.rpm`),
    savedRecord: join(dir, `${nvra}.db.json`),
    kept: join(dir, `${nvra}.${tid.toString(16).padStart(8, '0')}.kept`),
  }
}

/** Saves the package's database record beside the spool (before the transaction changes anything). */
export async function saveRecordFor(target: RepackageTarget, pkg: InstalledPackage): Promise<void> {
  await writeFileAtomic(target.savedRecord, `${JSON.stringify(pkg, null, 1)}\n`)
}

/** Options of {@link keepInstalled}. */
export interface KeepOptions {
  root: string
  pkg: InstalledPackage
  /** The kept folder (created; must not exist yet, or is replaced). */
  dir: string
  /** True for package paths whose file the transaction unlinks or renames over: those are hard-linked. */
  leavesPlace: (path: string) => boolean
  /** Host paths already resolved (the plan's); others are resolved here. */
  hosts?: ReadonlyMap<string, string>
  onWarning?: (line: string) => void
}

const SPEC_FILE = 'spec.json'

/**
 * Keeps the installed files of a package in `dir` (see the module comment), in two steps: the hard links now, while
 * the caller's services may still run (a link shares the inode, so the kept file is whatever the live one holds
 * until the swap renames over it), and the copies of files that stay in place plus the spec of the .rpm in the
 * returned `finish`, inside the window right before the first visible change.
 */
export async function keepInstalled(o: KeepOptions): Promise<{ finish: () => void }> {
  // An older kept folder of the same version is superseded, as the .rpm of that name is overwritten.
  const nvra = `${formatNEVRA(o.pkg)}.`
  for (const name of existsSync(dirname(o.dir)) ? readdirSync(dirname(o.dir)) : []) {
    if (name.startsWith(nvra) && name.endsWith('.kept') && name !== basename(o.dir))
      rmSync(join(dirname(o.dir), name), { recursive: true, force: true })
  }
  rmSync(o.dir, { recursive: true, force: true })
  mkdirSync(o.dir, { recursive: true, mode: 0o700 })
  const resolver = new RootResolver(o.root)
  // Resolved up front (the resolver is async; the two passes below are not), only for files that are looked at.
  const hosts: (string | undefined)[] = []
  for (const f of o.pkg.files)
    hosts.push(
      f.state !== 'normal' || f.flags.ghost === true ? undefined : (o.hosts?.get(f.path) ?? resolver.host(f.path)),
    )
  const files: (RpmSpecFile | undefined)[] = []
  const keep = (linking: boolean): void => {
    o.pkg.files.forEach((f, i) => {
      if (f.state !== 'normal' || o.leavesPlace(f.path) !== linking) return
      const flags = { ...f.flags }
      const base = { path: f.path, user: f.user, group: f.group, flags }
      if (f.flags.ghost === true) {
        files[i] = {
          ...base,
          kind: f.kind === 'dir' ? 'dir' : f.kind === 'symlink' ? 'symlink' : 'file',
          mode: f.mode & 0o7777,
          mtime: f.mtime,
          ...(f.kind === 'symlink' ? { linkTarget: f.linkTarget ?? '' } : {}),
        }
        return
      }
      // One synchronous syscall per step, no thread-pool round trips.
      const host = hosts[i] as string
      const st = lstatQuiet(host)
      if (st === undefined) {
        o.onWarning?.(`warning: repackage of ${o.pkg.nevra}: ${f.path} is missing on disk, left out`)
        return
      }
      const meta = { mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000) }
      if (st.isSymbolicLink()) files[i] = { ...base, ...meta, kind: 'symlink', linkTarget: readlinkSync(host) }
      else if (st.isDirectory()) files[i] = { ...base, ...meta, kind: 'dir' }
      else if (st.isFile()) {
        const name = String(i)
        keepFile(host, join(o.dir, name), linking)
        files[i] = { ...base, ...meta, kind: 'file', source: name }
      } else o.onWarning?.(`warning: repackage of ${o.pkg.nevra}: ${f.path} is not a file, link or directory, left out`)
    })
  }
  keep(true)
  return {
    finish: () => {
      keep(false)
      // Written whole then renamed, so a kill never leaves half a spec. No fsync here, inside the window: the
      // journal's `commit` mark, before the first rename, makes the kept links and this spec durable (one syncfs).
      const spec = join(o.dir, SPEC_FILE)
      writeFileSync(
        `${spec}.tmp`,
        JSON.stringify(
          specOf(
            o.pkg,
            files.filter((f): f is RpmSpecFile => f !== undefined),
          ),
        ),
      )
      renameSync(`${spec}.tmp`, spec)
    },
  }
}

// A hard link where the file leaves its place (across filesystems, or where links are refused, a copy); a copy
// where it stays, so nothing written to it later changes the kept version.
function keepFile(host: string, kept: string, leavesPlace: boolean): void {
  if (leavesPlace) {
    try {
      linkSync(host, kept)
      return
    } catch (error) {
      if (!['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP'].includes(errCode(error) ?? '')) throw error
    }
  }
  copyFileSync(host, kept, fsConstants.COPYFILE_EXCL)
}

function specOf(p: InstalledPackage, files: RpmSpecFile[]): RpmSpec {
  const scripts: RpmSpec['scripts'] = {}
  for (const [k, s] of Object.entries(p.scripts)) {
    if (s !== undefined)
      scripts[k as keyof typeof scripts] = { interpreter: s.interpreter.join(' ') || '/bin/sh', body: s.body }
  }
  return {
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
    // Stored, not compressed: this copy is only for a rollback.
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
    ...(p.fileTriggers !== undefined && p.fileTriggers.length > 0
      ? {
          fileTriggers: p.fileTriggers.map((t) => ({
            kind: t.kind,
            prefixes: [...t.prefixes],
            priority: t.priority,
            interpreter: t.script.interpreter.join(' ') || '/bin/sh',
            body: t.script.body,
          })),
        }
      : {}),
  }
}

const str = v.string()
const optionalStr = v.exactOptional(str)
const script = v.object({ interpreter: optionalStr, body: str })
const sense = v.exactOptional(v.picklist(['<', '<=', '=', '>=', '>']))
// A kept file's `source` is a name inside the kept folder: never absolute, never climbing out of it.
const keptName = v.pipe(
  str,
  v.check((s) => s !== '' && !s.startsWith('/') && !s.split('/').includes('..'), 'a name inside the kept folder'),
)

/** The kept package's spec.json as {@link keepInstalled} writes it: what a rollback turns into the .rpm. */
const KeptSpecSchema = v.object({
  name: str,
  version: str,
  release: str,
  epoch: v.exactOptional(v.number()),
  arch: str,
  summary: optionalStr,
  description: optionalStr,
  license: optionalStr,
  group: optionalStr,
  url: optionalStr,
  vendor: optionalStr,
  buildTime: v.exactOptional(v.number()),
  buildHost: optionalStr,
  files: v.array(
    v.object({
      path: str,
      kind: v.picklist(['file', 'dir', 'symlink']),
      source: v.exactOptional(keptName),
      mode: v.exactOptional(v.number()),
      user: optionalStr,
      group: optionalStr,
      mtime: v.exactOptional(v.number()),
      linkTarget: optionalStr,
      flags: v.exactOptional(FileFlagsSchema),
    }),
  ),
  compressor: v.exactOptional(v.picklist(['gzip', 'xz', 'zstd', 'none'])),
  scripts: v.exactOptional(
    v.object(
      Object.fromEntries(SCRIPT_NAMES.map((n) => [n, v.exactOptional(script)])) as Record<
        (typeof SCRIPT_NAMES)[number],
        v.ExactOptionalSchema<typeof script, undefined>
      >,
    ),
  ),
  triggers: v.exactOptional(
    v.array(
      v.object({
        kind: v.picklist(['triggerin', 'triggerun', 'triggerpostun', 'triggerprein']),
        name: str,
        version: optionalStr,
        sense,
        interpreter: optionalStr,
        body: str,
      }),
    ),
  ),
  fileTriggers: v.exactOptional(
    v.array(
      v.object({
        kind: v.picklist(FILE_TRIGGER_KINDS),
        prefixes: v.array(str),
        priority: v.exactOptional(v.pipe(v.number(), v.integer())),
        interpreter: optionalStr,
        body: str,
      }),
    ),
  ),
})

/** A kept spec.json, validated: a corrupt one is refused in one line before anything is written from it. */
function parseKeptSpec(file: string, text: string): RpmSpec {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    data = undefined
  }
  const parsed = v.safeParse(KeptSpecSchema, data)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const field = issue === undefined ? undefined : (v.getDotPath(issue) ?? undefined)
    throw new TransactionError('E_JOURNAL', `${file}: not a kept package spec`, {
      file,
      ...(field ? { field } : {}),
      expected: issue?.expected ?? 'the JSON rpm-sim wrote when it kept the package',
      found: issue?.received ?? 'something else',
      hint: 'the rollback copy is damaged: restore the kept folder from a backup, or roll back by reinstalling the old package',
    })
  }
  return parsed.output
}

/**
 * Writes the .rpm of a kept package to `file` and removes the kept folder. A folder without its spec was
 * interrupted while keeping (nothing was committed after it): it is only removed. Returns whether `file` was written.
 */
export async function writeKept(dir: string, file: string): Promise<boolean> {
  let text: string
  try {
    text = await readFile(join(dir, SPEC_FILE), 'utf8')
  } catch (error) {
    if (errCode(error) !== 'ENOENT' && errCode(error) !== 'ENOTDIR') throw error
    rmSync(dir, { recursive: true, force: true })
    return false
  }
  const spec = parseKeptSpec(join(dir, SPEC_FILE), text)
  spec.files = spec.files.map((f) => (f.source === undefined ? f : { ...f, source: join(dir, f.source) }))
  await writeRpm(spec, file)
  // The .rpm's entry must be durable before the kept folder, its only other copy, goes (writeRpm fsynced the data).
  await syncDir(dirname(file))
  rmSync(dir, { recursive: true, force: true })
  return true
}

/** True when a kept folder is waiting to become its .rpm. */
export function isKept(dir: string | undefined): dir is string {
  return dir !== undefined && existsSync(dir)
}
