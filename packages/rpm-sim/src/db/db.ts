// The package database: one JSON file per installed package under <root>/var/lib/rpm-sim/packages/, so an
// operator can read it, and a write of one package can never corrupt another. Every record is validated when
// read; a record that does not validate is a broken invariant (E_DB_INVALID), never silently skipped.
import { readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as v from 'valibot'
import type { EngineFile, EngineHeader } from '../format/model.js'
import { SCRIPT_NAMES, headerNevra } from '../format/model.js'
import { errCode, syncDir, writeFileAtomic } from '../base/fs.js'
import { TransactionError } from '../base/transaction-error.js'

/** Per-file install states, as rpm's RPMFILE_STATE_*. */
export const FILE_STATES = { normal: 'normal', replaced: 'replaced', notinstalled: 'notinstalled' } as const

/** One of {@link FILE_STATES}. */
export type FileState = (typeof FILE_STATES)[keyof typeof FILE_STATES]

/** A file of an installed package with its state on this host. */
export interface InstalledFile extends EngineFile {
  state: FileState
}

/** An installed package: its header data, when and by which transaction it was installed, and its files. */
export interface InstalledPackage extends Omit<EngineHeader, 'files'> {
  nevra: string
  installTime: number
  installTid: number
  files: InstalledFile[]
}

/** The database folder inside a root. */
export function dbDir(root: string): string {
  return join(root, 'var/lib/rpm-sim')
}

const scriptSchema = v.object({ interpreter: v.array(v.string()), body: v.string() })
const flagsSchema = v.object({
  config: v.optional(v.boolean()),
  noreplace: v.optional(v.boolean()),
  ghost: v.optional(v.boolean()),
  missingok: v.optional(v.boolean()),
  doc: v.optional(v.boolean()),
  license: v.optional(v.boolean()),
  readme: v.optional(v.boolean()),
})
const fileSchema = v.object({
  path: v.pipe(v.string(), v.startsWith('/')),
  kind: v.picklist(['file', 'dir', 'symlink', 'other']),
  mode: v.pipe(v.number(), v.integer()),
  size: v.number(),
  digest: v.optional(v.string()),
  linkTarget: v.optional(v.string()),
  rdev: v.optional(v.pipe(v.number(), v.integer())),
  user: v.string(),
  group: v.string(),
  mtime: v.number(),
  flags: flagsSchema,
  state: v.picklist(['normal', 'replaced', 'notinstalled']),
})
const optStr = v.optional(v.string())
const optStrs = v.optional(v.array(v.string()))
const packageSchema = v.object({
  nevra: v.string(),
  name: v.pipe(v.string(), v.minLength(1)),
  epoch: v.optional(v.number()),
  version: v.pipe(v.string(), v.minLength(1)),
  release: v.string(),
  arch: v.string(),
  digestAlgo: v.string(),
  installTime: v.number(),
  installTid: v.number(),
  files: v.array(fileSchema),
  scripts: v.record(v.picklist(SCRIPT_NAMES), scriptSchema),
  triggers: v.array(
    v.object({
      kind: v.picklist(['triggerin', 'triggerun', 'triggerpostun', 'triggerprein']),
      name: v.string(),
      sense: optStr,
      version: optStr,
      script: scriptSchema,
    }),
  ),
  summary: optStr,
  description: optStr,
  license: optStr,
  group: optStr,
  url: optStr,
  vendor: optStr,
  buildTime: v.optional(v.number()),
  buildHost: optStr,
  sourceRpm: optStr,
  size: v.optional(v.number()),
  provides: optStrs,
  requires: optStrs,
  conflicts: optStrs,
  obsoletes: optStrs,
})

/** Validate a parsed database record; throws E_DB_INVALID naming the file and the first bad field. */
export function parseInstalledPackage(data: unknown, file: string): InstalledPackage {
  const r = v.safeParse(packageSchema, data)
  if (!r.success) {
    const issue = r.issues[0]
    const field = issue !== undefined ? (v.getDotPath(issue) ?? '(record)') : '(record)'
    throw new TransactionError('E_DB_INVALID', `${file}: ${field}: ${issue?.message ?? 'invalid record'}`, {
      file,
      field,
      hint: 'restore the record from a backup or remove it and reinstall the package',
    })
  }
  const pkg = r.output as InstalledPackage
  if (pkg.nevra !== headerNevra(pkg)) {
    throw new TransactionError('E_DB_INVALID', `${file}: nevra: expected ${headerNevra(pkg)}, found ${pkg.nevra}`, {
      file,
      field: 'nevra',
    })
  }
  return pkg
}

/** File name of a package's record: its NEVRA, which is unique among installed instances. */
export function recordFileName(nevra: string): string {
  return `${nevra.replaceAll('/', '_')}.json`
}

/** The package database of one root. Reads are cached; writes are atomic (temp file, fsync, rename). */
export class PackageDb {
  /** The database folder. */
  readonly dir: string
  /** Folder of the per-package records. */
  readonly packagesDir: string
  private cache: Map<string, InstalledPackage> | undefined

  constructor(readonly root: string) {
    this.dir = dbDir(root)
    this.packagesDir = join(this.dir, 'packages')
  }

  /** Every installed package, in install order (tid, then name). */
  async list(): Promise<InstalledPackage[]> {
    const all = [...(await this.load()).values()]
    return all.sort((a, b) => a.installTid - b.installTid || a.nevra.localeCompare(b.nevra))
  }

  /** Installed instances of `name`. */
  async byName(name: string): Promise<InstalledPackage[]> {
    return (await this.list()).filter((p) => p.name === name)
  }

  /** The installed package with this NEVRA, if any. */
  async get(nevra: string): Promise<InstalledPackage | undefined> {
    return (await this.load()).get(nevra)
  }

  /** Add or replace a package record. */
  async put(pkg: InstalledPackage): Promise<void> {
    await writeFileAtomic(join(this.packagesDir, recordFileName(pkg.nevra)), `${JSON.stringify(pkg, null, 1)}\n`)
    ;(await this.load()).set(pkg.nevra, pkg)
  }

  /** Remove a package record (no error when it is already gone). */
  async remove(nevra: string): Promise<void> {
    await rm(join(this.packagesDir, recordFileName(nevra)), { force: true })
    await syncDir(this.packagesDir).catch(() => undefined)
    ;(await this.load()).delete(nevra)
  }

  /** Drop the read cache (after another process may have changed the database). */
  invalidate(): void {
    this.cache = undefined
  }

  private async load(): Promise<Map<string, InstalledPackage>> {
    if (this.cache !== undefined) return this.cache
    const map = new Map<string, InstalledPackage>()
    let names: string[] = []
    try {
      names = await readdir(this.packagesDir)
    } catch (error) {
      if (errCode(error) !== 'ENOENT') throw error
    }
    for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
      const file = join(this.packagesDir, n)
      let data: unknown
      try {
        data = JSON.parse(await readFile(file, 'utf8'))
      } catch (error) {
        throw new TransactionError('E_DB_INVALID', `${file}: not valid JSON`, { file, cause: error })
      }
      const pkg = parseInstalledPackage(data, file)
      if (recordFileName(pkg.nevra) !== n) {
        throw new TransactionError('E_DB_INVALID', `${file}: nevra: expected ${n.slice(0, -5)}, found ${pkg.nevra}`, {
          file,
          field: 'nevra',
        })
      }
      map.set(pkg.nevra, pkg)
    }
    this.cache = map
    return map
  }
}
