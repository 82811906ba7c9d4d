// The real-rpm adapter: Debian's or the host's rpm, run as a process, for root `/` (or any root with --root).
import { decideFileFate, syncFileSystems } from '@rdbpkg/core'
import type { DiskFileState, FileFlags, PackageFileState } from '@rdbpkg/core'
import { FILE_FLAG, digestFile, readRpm, writeRpm } from '@rdbpkg/rpm-sim'
import type { RpmSpecFile } from '@rdbpkg/rpm-sim'
import { execFile } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, readlinkSync } from 'node:fs'
import { lstat, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { PackageSource } from '../_tracked-source.js'
import type {
  ApplyFlags,
  ApplyHooks,
  ApplyOutcome,
  CreatedFile,
  Engine,
  InstalledFacts,
  PlannedFile,
  UndoTarget,
} from './engine.js'
import { installedFacts } from './engine.js'

const run = promisify(execFile)

const SAVED_AS = /^warning: (.+) (saved|created) as (.+)$/

/** The host's rpm bound to one root. */
export class RealRpmEngine implements Engine {
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
      return installedFacts({ name: n, epoch: e === '(none)' ? undefined : Number(e), version, release, arch })
    } catch {
      return undefined
    }
  }

  async inspect(rpmFile: string): Promise<InstalledFacts> {
    return installedFacts(await readRpm(rpmFile))
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
      return { ...parseRpmOutput(result), ...(repackaged.length > 0 ? { repackaged } : {}) }
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
      return parseRpmOutput(result)
    }
    if (target.installed === undefined)
      return { ok: false, problems: ['nothing recorded to roll back'], created: [], warnings: [] }
    const name = target.installed.replace(/-[^-]+-[^-]+$/, '')
    return parseRpmOutput(await this.rpm(['-e', ...noscripts, name]))
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

function parseRpmOutput(result: { code: number; stderr: string }): ApplyOutcome {
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
