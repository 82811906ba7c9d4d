// The one module that talks to a package engine: rpm-sim (any root) or the host's real rpm (root `/`).
// Everything else in the installer deals in these small types.
import { decideFileFate, formatNEVRA, syncFileSystems } from '@rdbpkg/core'
import type { DiskFileState, FileFlags, PackageFileState } from '@rdbpkg/core'
import {
  FILE_FLAG,
  digestFile,
  getInstalled,
  listHistory,
  planTransaction,
  readRpm,
  recoverInterrupted,
  rollbackTransaction,
  runTransaction,
  verifyInstalled,
  writeRpm,
} from '@rdbpkg/rpm-sim'
import type { RpmSpecFile } from '@rdbpkg/rpm-sim'
import { execFile } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, readlinkSync } from 'node:fs'
import { lstat, readlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { TrackedFile } from './tracked.js'
import type { PackageSource } from './tracked-source.js'

const run = promisify(execFile)

/** An installed package as the installer needs to know it. */
export interface InstalledFacts {
  name: string
  /** `name-version-release.arch`. */
  nevra: string
  epoch: number | undefined
  version: string
  release: string
  arch: string
}

/** A file an upgrade left beside its target (`.rpmnew`, `.rpmsave`, `.rpmorig`). */
export interface CreatedFile {
  path: string
  savedAs: string
  kind: 'rpmnew' | 'rpmsave' | 'rpmorig'
}

/** One file's fate in a planned transaction (for --dry-run). */
export interface PlannedFile {
  path: string
  fate: string
  reason?: string
}

/** What applying (or undoing) one package did. */
export interface ApplyOutcome {
  ok: boolean
  /** The engine's transaction id (rpm-sim), for rollback. */
  tid?: number
  problems: string[]
  created: CreatedFile[]
  warnings: string[]
  /** Real rpm: the repackaged rpm of what was replaced. */
  repackaged?: string[]
}

/** Flags of one upgrade. */
export interface ApplyFlags {
  replacepkgs: boolean
  oldpackage: boolean
  noscripts: boolean
}

/** What to undo: an rpm-sim tid, or (real rpm) the repackaged rpms to put back and the NEVRA to erase. */
export interface UndoTarget {
  tid?: number | string
  repackaged?: readonly string[]
  /** The package the transaction installed (erased when nothing was replaced). */
  installed?: string
  noscripts: boolean
}

/**
 * What the run gives the engine for one change: the service window (opened right before the first visible change,
 * closed right after the last one) and the swap's progress.
 */
export interface ApplyHooks {
  window?: { open: () => Promise<void>; close: () => Promise<void> }
  onProgress?: (progress: { step: 'swap'; bytesDone: number; bytesTotal: number }) => void
}

/** A package engine bound to one root. */
export interface Engine {
  readonly name: 'rpm-sim' | 'rpm'
  installed(name: string): Promise<InstalledFacts | undefined>
  /** Facts of an .rpm file (name, version, ...). */
  inspect(rpmFile: string): Promise<InstalledFacts>
  plan(rpmFile: string | PackageSource, flags: ApplyFlags): Promise<{ problems: string[]; files: PlannedFile[] }>
  upgrade(
    rpmFile: string | PackageSource,
    flags: ApplyFlags,
    description?: string,
    hooks?: ApplyHooks,
  ): Promise<ApplyOutcome>
  /** The transaction a killed run made under `description`, if it got that far. */
  findTransaction(
    description: string,
    from: string | undefined,
  ): Promise<Pick<UndoTarget, 'tid' | 'repackaged'> | undefined>
  /** Undoes one transaction; refuses (problems) when later transactions would be undone with it. */
  rollback(target: UndoTarget, hooks?: ApplyHooks): Promise<ApplyOutcome>
  /** `rpm -V NAME`: one line per file that differs from the database (empty when all match or none installed). */
  verify(name: string): Promise<string[]>
}

/** What a tracked package built from a file payload is. */
export interface TrackedSpec {
  name: string
  version: string
  release: string
  arch: string
  files: TrackedFile[]
}

/** Which engine a run uses: `auto` is real rpm when the host has rpm and the root is `/`, else rpm-sim. */
export type EnginePreference = 'auto' | 'rpm-sim' | 'rpm'

/** True when the host has a working `rpm`. */
export async function hostHasRpm(): Promise<boolean> {
  try {
    await run('rpm', ['--version'])
    return true
  } catch {
    return false
  }
}

/**
 * Opens the engine for `root`. `auto`: the host's real rpm when it has one and the root is `/` (rpm payloads
 * only: tracked file payloads always live in rpm-sim's database), else rpm-sim.
 */
export async function openEngine(
  root: string,
  preference: EnginePreference,
  payload: 'rpm' | 'files' | 'wheels',
): Promise<Engine> {
  const useRpm =
    preference === 'rpm' ||
    (preference === 'auto' && payload === 'rpm' && resolve(root) === '/' && (await hostHasRpm()))
  return useRpm ? new RealRpmEngine(resolve(root)) : new RpmSimEngine(resolve(root))
}

/** Writes a tracked package (uncompressed payload, for speed) to `outFile`. */
export async function writeTrackedRpm(spec: TrackedSpec, outFile: string): Promise<void> {
  await writeRpm(
    {
      name: spec.name,
      version: spec.version,
      release: spec.release,
      arch: spec.arch,
      summary: `${spec.name} (installed by rdbpkg)`,
      files: spec.files.map((file) => toSpecFile(file)),
      compressor: 'none',
    },
    outFile,
  )
}

function toSpecFile(file: TrackedFile): RpmSpecFile {
  return {
    path: file.path,
    kind: file.kind,
    mode: file.mode,
    ...(file.source === undefined ? {} : { source: file.source }),
    ...(file.linkTarget === undefined ? {} : { linkTarget: file.linkTarget }),
    ...(file.flags === undefined ? {} : { flags: file.flags }),
  }
}

function packages(what: string | PackageSource): { packages: string[]; sources?: PackageSource[] } {
  return typeof what === 'string' ? { packages: [what] } : { packages: [], sources: [what] }
}

function facts(pkg: {
  name: string
  epoch?: number | undefined
  version: string
  release: string
  arch: string
}): InstalledFacts {
  return {
    name: pkg.name,
    nevra: formatNEVRA(pkg),
    epoch: pkg.epoch,
    version: pkg.version,
    release: pkg.release,
    arch: pkg.arch,
  }
}

class RpmSimEngine implements Engine {
  readonly name = 'rpm-sim'
  constructor(private readonly root: string) {}

  async installed(name: string): Promise<InstalledFacts | undefined> {
    const found = await getInstalled(this.root, name)
    const last = found.at(-1)
    return last === undefined ? undefined : facts(last)
  }

  async inspect(rpmFile: string): Promise<InstalledFacts> {
    return facts(await readRpm(rpmFile))
  }

  async plan(
    rpmFile: string | PackageSource,
    flags: ApplyFlags,
  ): Promise<{ problems: string[]; files: PlannedFile[] }> {
    const plan = await planTransaction({
      root: this.root,
      op: 'upgrade',
      ...packages(rpmFile),
      flags: { ...flags, repackage: true },
    })
    const files: PlannedFile[] = []
    for (const element of plan.elements) {
      for (const file of element.files) {
        files.push({
          path: file.path,
          fate: element.op === 'erase' && file.fate !== 'erase' ? `erase/${file.fate}` : file.fate,
          reason: file.reason,
        })
      }
    }
    return { problems: plan.problems, files }
  }

  async upgrade(
    rpmFile: string | PackageSource,
    flags: ApplyFlags,
    description = 'rdbpkg install',
    hooks: ApplyHooks = {},
  ): Promise<ApplyOutcome> {
    const result = await runTransaction({
      root: this.root,
      op: 'upgrade',
      ...packages(rpmFile),
      flags: { ...flags, repackage: true },
      // What the upgrade replaces stays kept by hard link; the .rpm is written only if a rollback needs it.
      repackageLazily: true,
      description,
      ...hooks,
    })
    return {
      ok: result.ok,
      tid: result.tid,
      problems: result.problems,
      created: result.created,
      warnings: result.warnings,
    }
  }

  async findTransaction(description: string): Promise<Pick<UndoTarget, 'tid'> | undefined> {
    // A transaction a kill interrupted after its commit began is finished first: then its history names it.
    await recoverInterrupted(this.root)
    const found = (await listHistory(this.root))
      .filter((r) => r.description === description && r.op !== 'rollback' && r.exitCode === 0)
      .at(-1)
    return found === undefined ? undefined : { tid: found.tid }
  }

  async rollback(target: UndoTarget, hooks: ApplyHooks = {}): Promise<ApplyOutcome> {
    const tid = Number(target.tid)
    const later = (await listHistory(this.root)).filter(
      (r) => r.tid > tid && r.op !== 'rollback' && r.rolledBack === undefined,
    )
    if (later.length > 0) {
      const names = later.flatMap((r) => r.elements.map((e) => e.nevra))
      return {
        ok: false,
        problems: [`later transactions would be undone too (${names.join(', ')}): roll those back first`],
        created: [],
        warnings: [],
      }
    }
    const result = await rollbackTransaction({ root: this.root, tid, flags: { noscripts: target.noscripts }, ...hooks })
    return {
      ok: result.ok,
      tid: result.tid,
      problems: result.problems,
      created: result.created,
      warnings: result.warnings,
    }
  }

  async verify(name: string): Promise<string[]> {
    if ((await getInstalled(this.root, name)).length === 0) return []
    return verifyInstalled(this.root, name)
  }
}

const SAVED_AS = /^warning: (.+) (saved|created) as (.+)$/

// Debian's rpm with --root: the database lives under the root as rpm's own.
class RealRpmEngine implements Engine {
  readonly name = 'rpm'
  constructor(private readonly root: string) {}

  private rootArgs(): string[] {
    return this.root === '/' ? [] : ['--root', this.root]
  }

  async installed(name: string): Promise<InstalledFacts | undefined> {
    try {
      const { stdout } = await run('rpm', [
        ...this.rootArgs(),
        '-q',
        '--qf',
        '%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n',
        name,
      ])
      const line = stdout.trim().split('\n').at(-1) ?? ''
      const [n, e, version, release, arch] = line.split('\t')
      if (n === undefined || version === undefined || release === undefined || arch === undefined) return undefined
      return facts({ name: n, epoch: e === '(none)' ? undefined : Number(e), version, release, arch })
    } catch {
      return undefined
    }
  }

  async inspect(rpmFile: string): Promise<InstalledFacts> {
    return facts(await readRpm(rpmFile))
  }

  async plan(
    rpmFile: string | PackageSource,
    flags: ApplyFlags,
  ): Promise<{ problems: string[]; files: PlannedFile[] }> {
    if (typeof rpmFile !== 'string') throw new Error('real rpm installs .rpm files only')
    const result = await this.rpm(['-U', '--test', ...flagArgs(flags), rpmFile])
    const pkg = await readRpm(rpmFile)
    // rpm --test says only whether the transaction would go; each file's fate comes from core's copy of rpm's rules,
    // fed with rpm's database (the installed package's digests and flags) and the disk.
    const installed = await this.installed(pkg.name)
    const old = new Map(
      (installed === undefined ? [] : await this.installedFiles(pkg.name)).map((entry) => [entry.path, entry]),
    )
    const files: PlannedFile[] = []
    for (const f of pkg.files) {
      const before = old.get(f.path)
      const decision = decideFileFate({
        op: installed === undefined ? 'install' : 'upgrade',
        ...(before === undefined ? {} : { old: before.state }),
        new: { kind: f.kind, digest: f.digest, linkTarget: f.linkTarget, flags: f.flags },
        disk: await diskState(join(this.root, f.path), pkg.fileDigestAlgo),
      })
      files.push({ path: f.path, fate: decision.fate, reason: decision.reason })
    }
    const incoming = new Set(pkg.files.map((f) => f.path))
    for (const [path, before] of old) {
      if (incoming.has(path)) continue
      const decision = decideFileFate({
        op: 'erase',
        old: before.state,
        disk: await diskState(join(this.root, path), pkg.fileDigestAlgo),
      })
      files.push({
        path,
        fate: decision.fate === 'erase' ? 'erase' : `erase/${decision.fate}`,
        reason: decision.reason,
      })
    }
    return { problems: result.code === 0 ? [] : result.stderr.split('\n').filter(Boolean), files }
  }

  // The installed package's files as rpm's database has them (one query for planning and repackaging).
  private async installedFiles(name: string): Promise<{ path: string; flags: FileFlags; state: PackageFileState }[]> {
    const format = '[%{FILENAMES}\\t%{FILEMODES:octal}\\t%{FILEFLAGS}\\t%{FILEDIGESTS}\\t%{FILELINKTOS}\\n]'
    const { stdout } = await run('rpm', [...this.rootArgs(), '-q', '--qf', format, name], { maxBuffer: 256 << 20 })
    const entries: { path: string; flags: FileFlags; state: PackageFileState }[] = []
    for (const line of stdout.split('\n')) {
      const [path, modeText, flagText, digest, linkTarget] = line.split('\t')
      if (path === undefined || path === '' || modeText === undefined) continue
      const bits = Number(flagText ?? 0)
      const flags: FileFlags = {
        config: (bits & FILE_FLAG.CONFIG) !== 0,
        doc: (bits & FILE_FLAG.DOC) !== 0,
        missingok: (bits & FILE_FLAG.MISSINGOK) !== 0,
        noreplace: (bits & FILE_FLAG.NOREPLACE) !== 0,
        ghost: (bits & FILE_FLAG.GHOST) !== 0,
      }
      const type = parseInt(modeText, 8) & 0o170000
      const kind = type === 0o100000 ? 'file' : type === 0o040000 ? 'dir' : type === 0o120000 ? 'symlink' : 'other'
      entries.push({
        path,
        flags,
        state: { kind, digest: (digest ?? '').toLowerCase(), linkTarget: linkTarget ?? '', flags },
      })
    }
    return entries
  }

  async findTransaction(
    _description: string,
    from: string | undefined,
  ): Promise<Pick<UndoTarget, 'repackaged'> | undefined> {
    // The repackaged rpm has a fixed name: present means the upgrade got as far as saving what it replaced.
    const file = from === undefined ? undefined : join(this.root, 'var/spool/repackage', `${from}.rpm`)
    return file !== undefined && existsSync(file) ? { repackaged: [file] } : undefined
  }

  // Real rpm is one step: the window holds the repackage (what is on disk once services stopped) and rpm -U.
  async upgrade(
    rpmFile: string | PackageSource,
    flags: ApplyFlags,
    _description?: string,
    hooks: ApplyHooks = {},
  ): Promise<ApplyOutcome> {
    if (typeof rpmFile !== 'string') throw new Error('real rpm installs .rpm files only')
    const pkg = await readRpm(rpmFile)
    const before = await this.installed(pkg.name)
    await hooks.window?.open()
    try {
      const repackaged: string[] = []
      if (before !== undefined) repackaged.push(await this.repackage(before))
      const result = await this.rpm(['-U', ...flagArgs(flags), rpmFile])
      return { ...parseRpmOutput(this.root, result), ...(repackaged.length > 0 ? { repackaged } : {}) }
    } finally {
      await hooks.window?.close()
    }
  }

  async rollback(target: UndoTarget, hooks: ApplyHooks = {}): Promise<ApplyOutcome> {
    await hooks.window?.open()
    try {
      return await this.rollbackInWindow(target)
    } finally {
      await hooks.window?.close()
    }
  }

  private async rollbackInWindow(target: UndoTarget): Promise<ApplyOutcome> {
    const noscripts = target.noscripts ? ['--noscripts'] : []
    if (target.repackaged !== undefined && target.repackaged.length > 0) {
      const result = await this.rpm([
        '-U',
        '--oldpackage',
        '--replacepkgs',
        '--replacefiles',
        ...noscripts,
        ...target.repackaged,
      ])
      return parseRpmOutput(this.root, result)
    }
    if (target.installed === undefined)
      return { ok: false, problems: ['nothing recorded to roll back'], created: [], warnings: [] }
    const name = target.installed.replace(/-[^-]+-[^-]+$/, '')
    return parseRpmOutput(this.root, await this.rpm(['-e', ...noscripts, name]))
  }

  async verify(name: string): Promise<string[]> {
    // rpm -V exits 1 when something differs; its lines are on stdout either way.
    const result = await this.rpm(['-V', name])
    if (/is not installed/.test(result.stdout + result.stderr)) return []
    return result.stdout.split('\n').filter((line) => line !== '')
  }

  // rpm 4.x dropped --repackage: save the installed files, as they are on disk, with rpm-sim's writer.
  private async repackage(pkg: InstalledFacts): Promise<string> {
    const files: RpmSpecFile[] = []
    for (const entry of await this.installedFiles(pkg.name)) {
      const path = entry.path
      const host = join(this.root, path)
      if (!existsSync(host) && !isLink(host)) continue
      const stat = lstatSync(host)
      const flags = {
        config: entry.flags.config === true,
        noreplace: entry.flags.noreplace === true,
        ghost: entry.flags.ghost === true,
      }
      if (stat.isDirectory()) files.push({ path, kind: 'dir', mode: stat.mode & 0o7777 })
      else if (stat.isSymbolicLink()) files.push({ path, kind: 'symlink', linkTarget: readlinkSync(host), flags })
      else if (stat.isFile()) files.push({ path, kind: 'file', source: host, mode: stat.mode & 0o7777, flags })
    }
    const dir = join(this.root, 'var/spool/repackage')
    mkdirSync(dir, { recursive: true })
    const out = join(dir, `${pkg.nevra}.rpm`)
    await writeRpm(
      {
        name: pkg.name,
        version: pkg.version,
        release: pkg.release,
        ...(pkg.epoch === undefined ? {} : { epoch: pkg.epoch }),
        arch: pkg.arch,
        files,
        compressor: 'none',
      },
      out,
    )
    // The way back must survive a power cut before rpm (which syncs nothing) changes the installed files.
    syncFileSystems([out])
    return out
  }

  private async rpm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('rpm', [...this.rootArgs(), '--nodeps', ...args], { maxBuffer: 64 << 20 })
      return { code: 0, stdout, stderr }
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string }
      return {
        code: typeof e.code === 'number' ? e.code : 1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? String(error),
      }
    }
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

function flagArgs(flags: ApplyFlags): string[] {
  return [
    ...(flags.replacepkgs ? ['--replacepkgs'] : []),
    ...(flags.oldpackage ? ['--oldpackage'] : []),
    ...(flags.noscripts ? ['--noscripts'] : []),
  ]
}

function parseRpmOutput(_root: string, result: { code: number; stderr: string }): ApplyOutcome {
  const warnings: string[] = []
  const created: CreatedFile[] = []
  const problems: string[] = []
  for (const line of result.stderr.split('\n')) {
    if (line === '') continue
    const saved = SAVED_AS.exec(line)
    if (saved !== null) {
      const savedAs = saved[3]!
      const kind = savedAs.endsWith('.rpmnew') ? 'rpmnew' : savedAs.endsWith('.rpmorig') ? 'rpmorig' : 'rpmsave'
      created.push({ path: saved[1]!, savedAs, kind })
      warnings.push(line.replace(/^warning: /, ''))
    } else if (line.startsWith('warning: ')) warnings.push(line.slice('warning: '.length))
    else problems.push(line.trim())
  }
  return { ok: result.code === 0, problems: result.code === 0 ? [] : problems, created, warnings }
}

// What is on disk at a path, as the fate rules compare it (null: absent).
async function diskState(host: string, digestAlgo: string): Promise<DiskFileState | null> {
  const stat = await lstat(host).catch(() => undefined)
  if (stat === undefined) return null
  if (stat.isSymbolicLink()) return { kind: 'symlink', linkTarget: await readlink(host) }
  if (stat.isDirectory()) return { kind: 'dir' }
  if (stat.isFile()) return { kind: 'file', digest: await digestFile(host, digestAlgo) }
  return { kind: 'other' }
}
