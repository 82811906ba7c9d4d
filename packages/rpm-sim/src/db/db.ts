// The package database: one JSON file per installed package under <root>/var/lib/rpm-sim/packages/, so an
// operator can read it, and a write of one package can never corrupt another. Every record is validated when
// read; a record that does not validate is a broken invariant (E_DB_INVALID), never silently skipped.
import * as buffer from 'node:buffer'
import { mkdirSync, readFileSync, renameSync } from 'node:fs'
import { readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as v from 'valibot'
import type { DependencyKind, ScriptName } from '../format/model.js'
import { FILE_TRIGGER_KINDS, headerNevra } from '../format/model.js'
import { errCode, syncDir, writeJsonAtomicSync } from '../base/_fs.js'
import { TransactionError } from '../base/transaction-error.js'

/** Per-file install states, as rpm's RPMFILE_STATE_*. */
export const FILE_STATES = {
  normal: 'normal',
  replaced: 'replaced',
  notinstalled: 'notinstalled',
  netshared: 'netshared',
  wrongcolor: 'wrongcolor',
} as const

/**
 * A file's install state: `normal`, `replaced`, `notinstalled`, `netshared` (below a %_netsharedpath, left to
 * another host) or `wrongcolor` (rpm's RPMFILE_STATE_*; a file of the color a multilib transaction does not
 * prefer, left to or overwritten by the other build's).
 *
 * @useDeclaredType
 */
export type FileState = (typeof FILE_STATES)[keyof typeof FILE_STATES]

/** The database folder inside a root. */
export function dbDir(root: string): string {
  return join(root, 'var/lib/rpm-sim')
}

const scriptSchema = v.object({ interpreter: v.array(v.string()), body: v.string() })
const flag = v.exactOptional(v.boolean())
/** A file's flags as stored (rpm's %config, %config(noreplace), %ghost, ...); also in a kept package's spec. */
export const FileFlagsSchema = v.object({
  config: flag,
  noreplace: flag,
  ghost: flag,
  missingok: flag,
  doc: flag,
  license: flag,
  readme: flag,
  artifact: flag,
})
const fileSchema = v.object({
  path: v.pipe(v.string(), v.startsWith('/')),
  kind: v.picklist(['file', 'dir', 'symlink', 'other']),
  mode: v.pipe(v.number(), v.integer()),
  size: v.number(),
  digest: v.exactOptional(v.string()),
  linkTarget: v.exactOptional(v.string()),
  rdev: v.exactOptional(v.pipe(v.number(), v.integer())),
  nlink: v.exactOptional(v.pipe(v.number(), v.integer())),
  verify: v.exactOptional(v.pipe(v.number(), v.integer())),
  color: v.exactOptional(v.pipe(v.number(), v.integer())),
  caps: v.exactOptional(v.string()),
  lang: v.exactOptional(v.string()),
  user: v.string(),
  group: v.string(),
  mtime: v.number(),
  flags: FileFlagsSchema,
  state: v.picklist(Object.values(FILE_STATES)),
})

/**
 * A file of an installed package (an `EngineFile`) with its state on this host.
 *
 * @useDeclaredType
 */
export type InstalledFile = v.InferOutput<typeof fileSchema>
const optStr = v.exactOptional(v.string())
const optStrs = v.exactOptional(v.array(v.string()))
const flagList = v.array(v.pipe(v.number(), v.integer()))
const script = v.exactOptional(scriptSchema)

/** The schema of an installed package's record (the database and the journal's plan validate with it). */
export const installedPackageSchema = v.object({
  nevra: v.string(),
  name: v.pipe(v.string(), v.minLength(1)),
  epoch: v.exactOptional(v.number()),
  version: v.pipe(v.string(), v.minLength(1)),
  release: v.string(),
  arch: v.string(),
  digestAlgo: v.string(),
  installTime: v.number(),
  installTid: v.number(),
  installIndex: v.exactOptional(v.pipe(v.number(), v.integer())),
  files: v.array(fileSchema),
  scripts: v.strictObject({
    pretrans: script,
    pre: script,
    post: script,
    preun: script,
    postun: script,
    posttrans: script,
    verifyscript: script,
  } satisfies Record<ScriptName, unknown>),
  triggers: v.array(
    v.object({
      kind: v.picklist(['triggerin', 'triggerun', 'triggerpostun', 'triggerprein']),
      name: v.string(),
      sense: optStr,
      version: optStr,
      script: scriptSchema,
      index: v.exactOptional(v.pipe(v.number(), v.integer())),
    }),
  ),
  fileTriggers: v.exactOptional(
    v.array(
      v.object({
        kind: v.picklist(FILE_TRIGGER_KINDS),
        prefixes: v.array(v.string()),
        priority: v.pipe(v.number(), v.integer()),
        script: scriptSchema,
      }),
    ),
  ),
  summary: optStr,
  description: optStr,
  license: optStr,
  group: optStr,
  url: optStr,
  vendor: optStr,
  packager: optStr,
  os: optStr,
  buildTime: v.exactOptional(v.number()),
  buildHost: optStr,
  sourceRpm: optStr,
  size: v.exactOptional(v.number()),
  elementColor: v.exactOptional(v.pipe(v.number(), v.integer())),
  prefixes: optStrs,
  installPrefixes: optStrs,
  provides: optStrs,
  requires: optStrs,
  depFlags: v.exactOptional(
    v.strictObject({
      provides: v.exactOptional(flagList),
      requires: v.exactOptional(flagList),
      conflicts: v.exactOptional(flagList),
      obsoletes: v.exactOptional(flagList),
      orders: v.exactOptional(flagList),
      recommends: v.exactOptional(flagList),
      suggests: v.exactOptional(flagList),
      supplements: v.exactOptional(flagList),
      enhances: v.exactOptional(flagList),
    } satisfies Record<DependencyKind, unknown>),
  ),
  conflicts: optStrs,
  obsoletes: optStrs,
  orders: optStrs,
  recommends: optStrs,
  suggests: optStrs,
  supplements: optStrs,
  enhances: optStrs,
  changelog: v.exactOptional(v.array(v.object({ time: v.number(), name: v.string(), text: v.string() }))),
  otherTags: v.exactOptional(
    v.record(
      v.pipe(v.string(), v.regex(/^\d+$/)),
      v.object({ type: v.pipe(v.number(), v.integer()), values: v.array(v.union([v.string(), v.number()])) }),
    ),
  ),
})

/**
 * An installed package: its header data (an `EngineHeader` without files), its `nevra`, when
 * (`installTime`, seconds) and by which transaction (`installTid`) it was installed, as which of its packages
 * (`installIndex`, from 0; absent in records written before it was kept), and its files.
 *
 * @useDeclaredType
 */
export type InstalledPackage = v.InferOutput<typeof installedPackageSchema>

// A record with its files still to check one by one (see parseInstalledPackage).
const recordShellSchema = v.object({ ...installedPackageSchema.entries, files: v.array(v.unknown()) })

/** Validate a parsed database record; throws E_DB_INVALID naming the file and the first bad field. */
export function parseInstalledPackage(data: unknown, file: string): InstalledPackage {
  const invalid = (issue: v.BaseIssue<unknown> | undefined, prefix: string): TransactionError => {
    const path = issue !== undefined ? v.getDotPath(issue) : null
    const field = path !== null ? `${prefix}${path}` : prefix === '' ? '(record)' : prefix.slice(0, -1)
    return new TransactionError('E_DB_INVALID', `${file}: ${field}: ${issue?.message ?? 'invalid record'}`, {
      file,
      field,
      hint: 'restore the record from a backup or remove it and reinstall the package',
    })
  }
  // The files one by one, each output dropped at once and the parsed objects kept: validating the record whole
  // would build a second copy of thousands of file objects, all alive until the last is checked.
  const r = v.safeParse(recordShellSchema, data)
  if (!r.success) throw invalid(r.issues[0], '')
  const files = r.output.files
  for (let i = 0; i < files.length; i++) {
    const f = v.safeParse(fileSchema, files[i])
    if (!f.success) throw invalid(f.issues[0], `files.${i}.`)
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

// A record's text: records are nearly always ASCII, which decodes as latin1 at a fraction of UTF-8's cost (a check
// Node has since 18.15; older Nodes decode UTF-8 always).
const isAscii = (buffer as { isAscii?: (b: Uint8Array) => boolean }).isAscii
function decodeRecord(bytes: Buffer): string {
  return isAscii?.(bytes) === true ? bytes.toString('latin1') : bytes.toString('utf8')
}

function parseRecordText(text: string, file: string): InstalledPackage {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new TransactionError('E_DB_INVALID', `${file}: not valid JSON`, { file, cause: error })
  }
  return parseInstalledPackage(data, file)
}

/** File name of a package's record: its NEVRA, which is unique among installed instances. */
function recordFileName(nevra: string): string {
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

  /** rpm --initdb: make the database's folders where they are missing (an existing database is left as it is). */
  init(): void {
    mkdirSync(this.packagesDir, { recursive: true })
  }

  /** Every installed package, in install order (tid, then its place in that transaction, then name), as rpm's. */
  async list(): Promise<InstalledPackage[]> {
    const all = [...(await this.load()).values()]
    return all.sort(
      (a, b) =>
        a.installTid - b.installTid || (a.installIndex ?? 0) - (b.installIndex ?? 0) || a.nevra.localeCompare(b.nevra),
    )
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
    writeJsonAtomicSync(join(this.packagesDir, recordFileName(pkg.nevra)), pkg)
    ;(await this.load()).set(pkg.nevra, pkg)
  }

  /**
   * Make the record file `file`, written earlier with `pkg` (a journal's, beside the database), the record of
   * `pkg.nevra`: renamed into place and made durable, so a record of thousands of files is not written twice.
   * Where that file is gone (renamed already by a run a kill interrupted) or on another file system, `pkg` is
   * written as {@link put} does.
   */
  async adopt(pkg: InstalledPackage, file: string): Promise<void> {
    const records = await this.load()
    try {
      mkdirSync(this.packagesDir, { recursive: true })
      renameSync(file, join(this.packagesDir, recordFileName(pkg.nevra)))
    } catch (error) {
      const code = errCode(error)
      if (code !== 'ENOENT' && code !== 'EXDEV') throw error
      await this.put(pkg)
      return
    }
    await syncDir(this.packagesDir)
    records.set(pkg.nevra, pkg)
  }

  /**
   * The record that `file` holds (validated), or undefined when there is no such file; a file that is not a valid
   * record throws E_DB_INVALID naming it.
   */
  static readRecord(file: string): InstalledPackage | undefined {
    let text: string
    try {
      text = decodeRecord(readFileSync(file))
    } catch (error) {
      if (errCode(error) === 'ENOENT') return undefined
      throw error
    }
    return parseRecordText(text, file)
  }

  /** The path of the record file of `nevra` in this database (whether or not it exists). */
  recordPath(nevra: string): string {
    return join(this.packagesDir, recordFileName(nevra))
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
      const pkg = parseRecordText(decodeRecord(await readFile(file)), file)
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
