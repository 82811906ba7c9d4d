// Test helpers for end-to-end runs: build an archive with the real builder, extract it with real tar into a
// folder whose path has a space, and run its ./install as a subprocess against a temporary root.
import { buildPackage } from '@rdbpkg/builder'
import { hostRpmArch } from '@rdbpkg/installer'
import { writeRpm } from '@rdbpkg/rpm-sim'
import type { RpmSpec } from '@rdbpkg/rpm-sim'
import { execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'

/** The host's rpm arch, for package names that must install here. */
export const ARCH = hostRpmArch()

/** A temporary workspace (with a space in its path) removed by `cleanup()`. */
export function workspace(): { dir: string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'rdbpkg-e2e-'))
  const dir = join(base, 'work space')
  mkdirSync(dir)
  return { dir, cleanup: () => rmSync(base, { recursive: true, force: true }) }
}

/** A file to write: its text, or text with a mode and an encoding (`latin1` carries binary bytes). */
export type TreeFile = string | { content: string; mode: number; encoding?: 'utf8' | 'latin1' }

/** Writes files (path -> content, or { content, mode }) under `dir`. */
export function writeTree(dir: string, files: Record<string, TreeFile>): void {
  for (const [path, spec] of Object.entries(files)) {
    const file = join(dir, path)
    mkdirSync(dirname(file), { recursive: true })
    if (typeof spec === 'string') writeFileSync(file, spec)
    else writeFileSync(file, spec.content, spec.encoding ?? 'utf8')
    if (typeof spec !== 'string') chmodSync(file, spec.mode)
  }
}

/** Builds `<package_name>.tar.gz` with the builder from a manifest and payload files into `<dir>/out/`; returns its path. */
export async function buildArchive(
  dir: string,
  manifest: Record<string, unknown>,
  payload: Record<string, TreeFile>,
  options: { signKey?: string; nodeRuntime?: string } = {},
): Promise<string> {
  const name = String(manifest.package_name)
  const input = join(dir, `input-${name}`)
  writeTree(join(input, 'payload'), payload)
  writeFileSync(join(input, 'version.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const out = join(dir, 'out')
  mkdirSync(out, { recursive: true })
  const built = await buildPackage({
    cwd: input,
    config: 'version.json',
    payloadDir: 'payload',
    outDir: out,
    sourceDateEpoch: 1_700_000_000,
    ...(options.signKey === undefined ? {} : { signKey: options.signKey }),
    ...(options.nodeRuntime === undefined ? {} : { nodeRuntime: options.nodeRuntime }),
  })
  return built.path
}

/** {@link buildArchive}, then extracts the archive with real `tar -xzf`; returns the extracted archive folder. */
export async function buildAndExtract(
  dir: string,
  manifest: Record<string, unknown>,
  payload: Record<string, TreeFile>,
  options: { signKey?: string; nodeRuntime?: string } = {},
): Promise<string> {
  const built = await buildArchive(dir, manifest, payload, options)
  const hosts = join(dir, 'host dir')
  mkdirSync(hosts, { recursive: true })
  execFileSync('tar', ['-xzf', built], { cwd: hosts })
  return join(hosts, String(manifest.package_name))
}

/** What one `./install` run printed and returned. */
export interface RunOutput {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `./install ARGS` in the archive folder (or `cwd`) as a real subprocess. */
export function runInstall(
  archive: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunOutput> {
  return new Promise((done, fail) => {
    const child = spawn(join(archive, 'install'), args, {
      cwd: options.cwd ?? archive,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

/** Makes a root folder with an os-release naming `id`. */
export function makeRoot(dir: string, id = 'centos', name = 'root'): string {
  const root = join(dir, name)
  writeTree(root, { 'etc/os-release': `NAME="Test Linux"\nID="${id}"\nVERSION_ID="7"\n` })
  return root
}

/** Every path under `dir` (files, folders, links), relative and sorted: a snapshot to compare before/after. */
export function snapshot(dir: string): string[] {
  const out: string[] = []
  const walk = (sub: string): void => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const rel = sub === '' ? name : `${sub}/${name}`
      const stat = lstatSync(join(dir, rel))
      out.push(stat.isDirectory() ? `${rel}/` : `${rel} ${stat.size}`)
      if (stat.isDirectory()) walk(rel)
    }
  }
  if (existsSync(dir)) walk('')
  return out
}

/** The run log's lines under a root. */
export function logLines(root: string): string[] {
  const file = join(root, 'var/log/rdbpkg/install.log')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []
}

/** `snapshot` without the run log, whose one line a refused run may write. */
export function snapshotWithoutLog(root: string): string[] {
  return snapshot(root).filter(
    (line) =>
      !line.startsWith('var/log/rdbpkg/install.log') &&
      line !== 'var/log/rdbpkg/' &&
      line !== 'var/log/' &&
      line !== 'var/',
  )
}

/** Path relative to a root, for messages. */
export function inRoot(root: string, path: string): string {
  return relative(root, path)
}

/** path -> content (files), `-> target` (links), `/` (folders) under `dir`: byte-for-byte comparisons. */
export function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (sub: string): void => {
    for (const name of readdirSync(join(dir, sub)).sort()) {
      const rel = sub === '' ? name : `${sub}/${name}`
      const stat = lstatSync(join(dir, rel))
      if (stat.isDirectory()) {
        out[`${rel}/`] = (stat.mode & 0o7777).toString(8)
        walk(rel)
      } else if (stat.isSymbolicLink()) out[rel] = `-> ${readlinkSync(join(dir, rel))}`
      else out[rel] = `${(stat.mode & 0o7777).toString(8)} ${readFileSync(join(dir, rel), 'utf8')}`
    }
  }
  if (existsSync(dir)) walk('')
  return out
}

/** Pids of processes whose command line names `path`. */
export function pidsRunning(path: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(path)) pids.push(Number(entry))
    } catch {
      // exited
    }
  }
  return pids
}

/** Waits until `check` holds, polling (a bounded wait for a background process to appear or go). */
export async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((done) => setTimeout(done, 50))
  }
  return true
}

/** One file of a test rpm (`config` makes it %config(noreplace)). */
export interface TestRpmFile {
  path: string
  content: string
  config?: boolean
  mode?: number
  /** Its packaged owner (default root). */
  owner?: string
}

/** A payload holding one `<rpmName>-<version>-1.el7.<arch>.rpm` written with rpm-sim's writer, as tree files
 * (`extra`: its payload compressor and scriptlets). */
export async function payloadWithRpm(
  dir: string,
  rpmName: string,
  version: string,
  files: TestRpmFile[],
  extra: Pick<RpmSpec, 'compressor' | 'scripts'> = {},
): Promise<Record<string, string>> {
  const payload = join(dir, `rpm-${rpmName}-${version}`)
  mkdirSync(payload, { recursive: true })
  const fileName = `${rpmName}-${version}-1.el7.${ARCH}.rpm`
  await writeRpm(
    {
      name: rpmName,
      version,
      release: '1.el7',
      arch: ARCH,
      files: [
        { path: `/opt/${rpmName}`, kind: 'dir' },
        { path: `/opt/${rpmName}/lib`, kind: 'dir' },
        { path: `/etc/${rpmName}`, kind: 'dir' },
        ...files.map((f) => ({
          path: f.path,
          kind: 'file' as const,
          content: f.content,
          mode: f.mode ?? 0o644,
          ...(f.config ? { flags: { config: true, noreplace: true } } : {}),
          ...(f.owner !== undefined ? { user: f.owner, group: f.owner } : {}),
        })),
      ],
      ...extra,
    },
    join(payload, fileName),
  )
  return { [fileName]: readFileSync(join(payload, fileName), 'latin1') }
}

/** Payload files written as latin1 strings, so an rpm's bytes pass through {@link writeTree} unchanged. */
export function binary(
  files: Record<string, string>,
): Record<string, { content: string; mode: number; encoding: 'latin1' }> {
  return Object.fromEntries(
    Object.entries(files).map(([name, content]) => [name, { content, mode: 0o644, encoding: 'latin1' as const }]),
  )
}

// Writes a minimal PEP 427 wheel with Python's zipfile; RECORD lists every file (hashes left empty, as allowed).
const MAKE_WHEEL = `
import sys, zipfile, json
out, name, version, files = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
info = f"{name}-{version}.dist-info"
files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n"
files[f"{info}/WHEEL"] = "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
record = "".join(f"{p},,\\n" for p in files) + f"{info}/RECORD,,\\n"
with zipfile.ZipFile(out, "w") as z:
    for p, c in files.items():
        z.writestr(p, c)
    z.writestr(f"{info}/RECORD", record)
`

/** Writes `<name>-<version>-py3-none-any.whl` holding `files` into `dir` (python3's zipfile); returns its path. */
export function wheel(dir: string, name: string, version: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true })
  const out = join(dir, `${name}-${version}-py3-none-any.whl`)
  execFileSync('python3', ['-c', MAKE_WHEEL, out, name, version, JSON.stringify(files)])
  return out
}
