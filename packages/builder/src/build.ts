// buildPackage: from version.json and a payload (a .tar.gz, or a folder packed here) to a reproducible,
// verified `<package_name>.tar.gz`. Everything is checked before anything is written; on any failure nothing
// is left behind. Never prints: progress goes to `onProgress`, problems come back in a BuildError.
import { access, constants, lstat, mkdir, readFile, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, join, resolve } from 'node:path'
import {
  DEFAULT_MAX_RATIO,
  PACKAGE_TYPE_RULES,
  RdbpkgError,
  checkPayload,
  expansionLimit,
  fsErrorReason,
  isRdbpkgError,
  manifestToJson,
  parseManifest,
} from '@rdbpkg/core'
import type { ErrorCode, Manifest, ManifestJson } from '@rdbpkg/core'
import { readRpm } from '@rdbpkg/rpm-sim'
import { writeArchive } from './archive.js'
import type { FileDigest } from './archive.js'
import { bombIssue, dedupe, listPayload } from './_inspect-payload.js'
import type { PayloadEntry, PayloadIssue } from './_inspect-payload.js'
import { launcherScript } from './launcher.js'
import { resolveNodeRuntime } from './node-runtime.js'
import type { NodeRuntime } from './node-runtime.js'
import { packPayloadDir, scanPayloadDir } from './_payload-dir.js'
import { loadSigningKey } from './_sign.js'
import type { SigningKey } from './_sign.js'

/** Options of {@link buildPackage}; relative paths resolve against `cwd`. */
export interface BuildOptions {
  /** The manifest (default `version.json`). */
  config?: string
  /** The payload tarball (default `package.tar.gz`); exclusive with `payloadDir`. */
  payload?: string
  /** A folder to pack as the payload, deterministically, instead of `payload`. */
  payloadDir?: string
  /** Where `<package_name>.tar.gz` is written (default `cwd`); created when missing. */
  outDir?: string
  /** Ed25519 private key (PEM, PKCS8): adds SHA256SUMS.sig and SHA256SUMS.pub. */
  signKey?: string
  /**
   * A Node runtime to carry as `runtime/node` for hosts without Node: an exact version (`16.20.2`, fetched as
   * `node-linux-<x64|arm64>@VERSION` through npm, the arch from package_name) or a binary file.
   */
  nodeRuntime?: string
  /** The npm client that fetches a runtime by version (default `npm` on PATH). */
  npm?: string
  /** Refuse a payload that expands more than this many times its size (default 100). */
  maxRatio?: number
  /** Directory that relative paths resolve against (default `process.cwd()`). */
  cwd?: string
  /** Fixed time of every entry and of `build_time`, in seconds (default: `SOURCE_DATE_EPOCH` of `env`, else now). */
  sourceDateEpoch?: number
  /** Environment read for `SOURCE_DATE_EPOCH` (the CLI passes its environment; default: none, so it is not read). */
  env?: Record<string, string | undefined>
  /** The installer bundle to ship (default: `@rdbpkg/installer/bundle`, resolved from this package). */
  installerBundle?: string
  /** Progress of the long steps, in bytes. */
  onProgress?: (progress: BuildProgress) => void
}

/** One progress report: which step, and how many bytes of it are done. */
export interface BuildProgress {
  /** `check`: reading and hashing the payload; `pack`: packing --payload-dir; `write`: writing the archive. */
  phase: 'check' | 'pack' | 'write'
  bytesDone: number
  bytesTotal: number
}

/** What {@link buildPackage} wrote. */
export interface BuildResult {
  /** Absolute path of the archive. */
  path: string
  /** Size of the archive in bytes. */
  size: number
  packageName: string
  manifest: Manifest
  /** The archive's version.json as written (manifest plus build facts). */
  versionJson: ManifestJson
  payload: { sha256: string; size: number; entries: number; from: 'file' | 'dir' }
  /** Every file of the archive folder with sha256 and size, sorted by path. */
  files: FileDigest[]
  signed: boolean
  /** The mtime of every entry, in seconds since the epoch. */
  mtime: number
  /** The runtime carried as runtime/node: its version, arch and where it came from (npm package and integrity, or file). */
  runtime?: Pick<NodeRuntime, 'version' | 'arch' | 'source'>
  /** Whether `mtime` came from SOURCE_DATE_EPOCH (only then is the build reproducible). */
  reproducible: boolean
}

/** A refused build: every problem found, one line each. `code` is the most basic kind among them. */
export class BuildError extends RdbpkgError {
  override name = 'BuildError'
  readonly problems: string[]

  constructor(code: ErrorCode, problems: string[], options: { cause?: unknown; file?: string } = {}) {
    super(code, problems.join('\n'), options)
    this.problems = problems
  }
}

const PAYLOAD_CODE_ORDER: ErrorCode[] = [
  'E_PAYLOAD_CORRUPT',
  'E_PAYLOAD_BOMB',
  'E_PAYLOAD_UNSAFE',
  'E_USAGE',
  'E_PAYLOAD_MISMATCH',
]

/** The version of this builder, recorded in every archive's version.json. */
export const BUILDER_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version

/** Where the installer bundle of this commit is (the `@rdbpkg/installer/bundle` export). */
function installerBundlePath(): string {
  return createRequire(import.meta.url).resolve('@rdbpkg/installer/bundle')
}

function fail(code: ErrorCode, line: string, cause?: unknown): never {
  throw new BuildError(code, [line], cause === undefined ? {} : { cause })
}

/** The time every entry gets: SOURCE_DATE_EPOCH when set (reproducible), else now, truncated to seconds. */
export function resolveMtime(options: Pick<BuildOptions, 'sourceDateEpoch' | 'env'>): {
  mtime: number
  reproducible: boolean
} {
  if (options.sourceDateEpoch !== undefined) return { mtime: options.sourceDateEpoch, reproducible: true }
  const text = options.env?.SOURCE_DATE_EPOCH
  if (text !== undefined && text !== '') {
    if (!/^\d{1,12}$/.test(text.trim())) {
      fail(
        'E_USAGE',
        `SOURCE_DATE_EPOCH: expected a non-negative integer number of seconds, found ${JSON.stringify(text)}`,
      )
    }
    return { mtime: Number(text.trim()), reproducible: true }
  }
  return { mtime: Math.floor(Date.now() / 1000), reproducible: false }
}

/** Checks the rpm of an rpm-type payload: a valid rpm whose name matches the type and whose arch matches. */
async function rpmIssues(
  file: string,
  entryName: string,
  manifest: Manifest,
  payloadName: string,
): Promise<PayloadIssue[]> {
  const rules = PACKAGE_TYPE_RULES[manifest.package_type]
  const where = `${payloadName}: ${entryName}`
  let rpm: Awaited<ReturnType<typeof readRpm>>
  try {
    rpm = await readRpm(file)
  } catch (error) {
    return [
      {
        code: 'E_PAYLOAD_MISMATCH',
        entry: entryName,
        message: `${where}: not a valid rpm (${(error as Error).message})`,
      },
    ]
  }
  const issues: PayloadIssue[] = []
  if (rpm.name !== rules.rpmName) {
    const other = Object.values(PACKAGE_TYPE_RULES).find((r) => r.rpmName === rpm.name)
    issues.push({
      code: 'E_PAYLOAD_MISMATCH',
      entry: entryName,
      message: `${where}: rpm name: expected ${rules.rpmName} for ${manifest.package_type}, found ${rpm.name}${other ? ` (that rpm belongs in ${other.type})` : ''}`,
    })
  }
  if (manifest.arch !== undefined && rpm.arch !== manifest.arch && rpm.arch !== 'noarch') {
    issues.push({
      code: 'E_PAYLOAD_MISMATCH',
      entry: entryName,
      message: `${where}: rpm arch: expected ${manifest.arch} (from package_name ${manifest.package_name}), found ${rpm.arch}`,
    })
  }
  return issues
}

function isRpmCandidate(entry: PayloadEntry, manifest: Manifest): boolean {
  const pattern = PACKAGE_TYPE_RULES[manifest.package_type].rpmPattern
  if (pattern === undefined) return false
  const name = entry.path.replace(/^(?:\.\/+)+/, '')
  return !name.includes('/') && name.endsWith('.rpm')
}

function refuse(issues: PayloadIssue[]): never {
  const code = PAYLOAD_CODE_ORDER.find((c) => issues.some((issue) => issue.code === c)) ?? issues[0]!.code
  throw new BuildError(
    code,
    issues.map((issue) => issue.message),
  )
}

/** Builds `<outDir>/<package_name>.tar.gz` from a manifest and a payload; throws BuildError when refused. */
export async function buildPackage(options: BuildOptions = {}): Promise<BuildResult> {
  const cwd = resolve(options.cwd ?? process.cwd())
  const at = (path: string): string => resolve(cwd, path)
  if (options.payload !== undefined && options.payloadDir !== undefined) {
    fail('E_USAGE', 'give either a payload file (--payload) or a payload folder (--payload-dir), not both')
  }
  const maxRatio = options.maxRatio ?? DEFAULT_MAX_RATIO
  if (!(Number.isFinite(maxRatio) && maxRatio >= 1))
    fail('E_USAGE', `max ratio: expected a number >= 1, found ${maxRatio}`)
  const { mtime, reproducible } = resolveMtime(options)

  // 1. The manifest.
  const configArg = options.config ?? 'version.json'
  const configName = basename(configArg)
  let text: string
  try {
    text = await readFile(at(configArg), 'utf8')
  } catch (error) {
    fail('E_IO', `${configArg}: cannot read the manifest: ${fsErrorReason(error)}`, error)
  }
  let manifest: Manifest
  try {
    manifest = parseManifest(text, configName)
  } catch (error) {
    if (isRdbpkgError(error)) {
      const issues = (error as RdbpkgError & { issues?: { message: string }[] }).issues
      throw new BuildError(error.code, issues?.map((i) => i.message) ?? [error.message], { cause: error })
    }
    throw error
  }
  if (manifest.build !== undefined) {
    fail(
      'E_MANIFEST_INVALID',
      `${configName}: build: expected no build facts in a builder input (they are written by the builder), found an object`,
    )
  }

  // 2. The signing key, the runtime, the installer bundle and the output folder: refuse before any work.
  let signingKey: SigningKey | undefined
  if (options.signKey !== undefined) signingKey = await loadSigningKey(at(options.signKey), options.signKey)
  let runtime: NodeRuntime | undefined
  if (options.nodeRuntime !== undefined) {
    runtime = await resolveNodeRuntime({
      spec: options.nodeRuntime,
      file: at(options.nodeRuntime),
      arch: manifest.arch,
      ...(options.npm !== undefined ? { npm: options.npm } : {}),
    })
  }
  try {
    let bundlePath: string
    let bundle: Buffer
    try {
      bundlePath = options.installerBundle !== undefined ? at(options.installerBundle) : installerBundlePath()
      bundle = await readFile(bundlePath)
    } catch (error) {
      fail(
        'E_IO',
        `installer bundle (@rdbpkg/installer/bundle): cannot read it: ${fsErrorReason(error, 'run pnpm build first')}`,
        error,
      )
    }
    const outDir = at(options.outDir ?? '.')
    await checkOutDir(outDir, options.outDir ?? '.')

    // 3. The payload. A folder is scanned and checked before anything is written. A tarball is checked in the
    // same single read that copies it into the archive (listing, hashing, the expansion limit and the type
    // check): the archive is only a hidden temporary file until every check has passed, and is removed otherwise.
    const payloadName = options.payloadDir !== undefined ? options.payloadDir : (options.payload ?? 'package.tar.gz')
    let entryCount = 0
    let scan: Awaited<ReturnType<typeof scanPayloadDir>> | undefined
    let payloadFile: string | undefined
    let payloadSize = 0
    if (options.payloadDir !== undefined) {
      try {
        scan = await scanPayloadDir(at(options.payloadDir), options.payloadDir)
      } catch (error) {
        fail('E_IO', `${options.payloadDir}: cannot read the payload folder: ${fsErrorReason(error)}`, error)
      }
      const issues: PayloadIssue[] = [...scan.issues]
      for (const entry of scan.entries) {
        if (entry.type === 'file' && isRpmCandidate(entry, manifest))
          issues.push(...(await rpmIssues(entry.source, entry.path, manifest, payloadName)))
      }
      const names = scan.entries.map((entry) => entry.path)
      issues.push(...typeIssues(names, manifest, payloadName, issues))
      if (issues.length > 0) refuse(dedupe(issues))
      entryCount = names.length
    } else {
      payloadFile = at(payloadName)
      try {
        const st = await stat(payloadFile)
        if (!st.isFile())
          fail(
            'E_IO',
            `${payloadName}: expected the payload tarball, found a folder (use --payload-dir to pack a folder)`,
          )
        payloadSize = st.size
      } catch (error) {
        if (error instanceof BuildError) throw error
        fail('E_IO', `${payloadName}: cannot read the payload: ${fsErrorReason(error)}`, error)
      }
    }

    // 4. Write the archive under a temporary name; rename it into place when complete.
    let createdDir: string | undefined
    try {
      createdDir = await mkdir(outDir, { recursive: true })
    } catch (error) {
      fail(
        'E_BUILD_OUTPUT',
        `${options.outDir ?? '.'}: cannot create the output folder: ${fsErrorReason(error)}`,
        error,
      )
    }
    const outFile = join(outDir, `${manifest.package_name}.tar.gz`)
    try {
      let versionJson: ManifestJson | undefined
      const checkWhileCopying = async (
        write: (chunk: Buffer) => Promise<void>,
      ): Promise<{ sha256: string; size: number }> => {
        const listing = await listPayload(payloadFile!, {
          displayName: payloadName,
          maxRatio,
          inspectEntry: (entry) =>
            isRpmCandidate(entry, manifest) ? (file) => rpmIssues(file, entry.path, manifest, payloadName) : undefined,
          onProgress: (done, total) => options.onProgress?.({ phase: 'check', bytesDone: done, bytesTotal: total }),
          onChunk: write,
        })
        const names = listing.entries.map((entry) => entry.path)
        const issues = [...listing.issues, ...typeIssues(names, manifest, payloadName, listing.issues)]
        if (issues.length > 0) refuse(dedupe(issues))
        if (listing.size !== payloadSize)
          throw new BuildError('E_IO', [
            `${payloadName}: changed while it was read (expected ${payloadSize} bytes, found ${listing.size})`,
          ])
        entryCount = names.length
        return { sha256: listing.sha256!, size: listing.size }
      }
      const written = await writeArchive({
        outFile,
        folder: manifest.package_name,
        mtime,
        launcher: launcherScript(),
        installer: bundle,
        payload: {
          produce:
            scan !== undefined
              ? async (write) => {
                  // How far the folder compresses is known only once it is packed (into the temporary archive,
                  // removed on refusal): the same limit as for a tarball, since ./install checks it again.
                  const packed = await packPayloadDir(scan, write, {
                    mtime,
                    onProgress: (done, total) =>
                      options.onProgress?.({ phase: 'pack', bytesDone: done, bytesTotal: total }),
                  })
                  if (packed.unpackedSize > expansionLimit(packed.size, maxRatio)) {
                    refuse([
                      bombIssue(
                        `${payloadName} (packed as package.tar.gz)`,
                        maxRatio,
                        packed.unpackedSize,
                        packed.size,
                        false,
                      ),
                    ])
                  }
                  return { sha256: packed.sha256, size: packed.size }
                }
              : checkWhileCopying,
        },
        versionJson: (payload) => {
          versionJson = manifestToJson(manifest, {
            builder_version: BUILDER_VERSION,
            payload_sha256: payload.sha256,
            payload_size: payload.size,
            build_time: new Date(mtime * 1000).toISOString(),
          })
          return sortedJson(versionJson)
        },
        ...(runtime !== undefined
          ? {
              runtime: {
                file: runtime.path,
                size: runtime.size,
                ...(runtime.license !== undefined ? { license: await readFile(runtime.license) } : {}),
              },
            }
          : {}),
        ...(signingKey ? { signingKey } : {}),
      })
      return {
        path: written.path,
        size: written.size,
        packageName: manifest.package_name,
        manifest,
        versionJson: versionJson!,
        payload: { ...written.payload, entries: entryCount, from: scan ? 'dir' : 'file' },
        files: written.files,
        signed: signingKey !== undefined,
        mtime,
        reproducible,
        ...(runtime !== undefined
          ? { runtime: { version: runtime.version, arch: runtime.arch, source: runtime.source } }
          : {}),
      }
    } catch (error) {
      // Nothing is left behind: writeArchive removed its temporary file; remove the folder if this build made it.
      if (createdDir !== undefined) await rm(createdDir, { recursive: true, force: true })
      if (error instanceof BuildError) throw error
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ECHANGED') throw new BuildError('E_IO', [(error as Error).message], { cause: error })
      throw new BuildError('E_BUILD_OUTPUT', [`${outFile}: cannot write the archive: ${fsErrorReason(error)}`], {
        cause: error,
      })
    }
  } finally {
    // A runtime fetched by version was unpacked into a temporary folder.
    await runtime?.cleanup()
  }
}

function typeIssues(
  names: string[],
  manifest: Manifest,
  payloadName: string,
  found: readonly PayloadIssue[],
): PayloadIssue[] {
  // A corrupt or bombed payload was not listed to its end: what looks missing may just be unread.
  if (found.some((issue) => issue.code === 'E_PAYLOAD_CORRUPT' || issue.code === 'E_PAYLOAD_BOMB')) return []
  return checkPayload(names, manifest.package_type, payloadName).problems.map((problem) => ({
    code: problem.kind === 'unsafe' ? 'E_PAYLOAD_UNSAFE' : 'E_PAYLOAD_MISMATCH',
    entry: problem.entry,
    message: problem.message,
  }))
}

async function checkOutDir(outDir: string, shown: string): Promise<void> {
  // Walk up to the nearest existing ancestor: it must be a folder (mkdir -p happens only after every check).
  let dir = outDir
  for (;;) {
    try {
      const st = await lstat(dir)
      if (st.isDirectory() || (st.isSymbolicLink() && (await stat(dir)).isDirectory())) {
        await access(dir, constants.W_OK | constants.X_OK)
        return
      }
      fail(
        'E_BUILD_OUTPUT',
        `${shown}: cannot write the archive there: ${dir === outDir ? 'it is' : `${dir} is`} not a folder`,
      )
    } catch (error) {
      if (error instanceof BuildError) throw error
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT')
        fail('E_BUILD_OUTPUT', `${shown}: cannot write the archive there: ${fsErrorReason(error)}`, error)
      const parent = resolve(dir, '..')
      if (parent === dir) return
      dir = parent
    }
  }
}

/** JSON with keys sorted at every level, two-space indented, with a trailing newline. */
function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort)
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((key) => [key, sort((v as Record<string, unknown>)[key])]),
      )
    }
    return v
  }
  return `${JSON.stringify(sort(value), null, 2)}\n`
}
