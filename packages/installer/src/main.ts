// The `install` command line: parses arguments, runs the installer library, prints the summary. No work here.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ProgressPrinter } from '@rdbpkg/core'
import { InstallLog } from './_install-log.js'
import { EXIT_CODES } from './exit-codes.js'
import { formatSummary } from './_summary.js'
import { runInstall } from './run-install.js'
import type { InstallResult } from './install-result.js'
import type { InstallMessage, InstallProgress, RunInstallOptions } from './run-install.js'

/** Where main reads and writes; tests pass their own. */
export interface MainIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  cwd: string
  /** The running bundle's path (its folder is the archive folder when it holds version.json and SHA256SUMS). */
  bundleFile?: string
  /** stderr is a terminal: the long steps show their progress there (never in a pipe, a log or --json). */
  stderrIsTTY?: boolean
  /** The effective uid (bin.ts: process.geteuid()); writing into `/` needs 0. */
  euid?: number | undefined
  /** Extra options for the library (tests: engine, service grace period). */
  overrides?: Partial<RunInstallOptions>
}

/** The usage line, exactly as the old installer's began (SPEC section 6). */
export const USAGE =
  'usage: install [-h] [-f] [--dry-run] [--check] [--root DIR] [--json] [--rollback] [--history] [--noscripts] [-v]'

/** `./install --help`: the old installer's first lines, then every option. */
export const HELP = `${USAGE}

tools installer or updater

optional arguments:
  -h, --help   show this help message and exit
  -f, --force  force install or update
               (stop running services first, then start them again; allow
               reinstalling the same version or a downgrade)
  --dry-run    print the plan (each file's fate, services to stop) and
               change nothing
  --check      verify the archive (SHA256SUMS, signature) and stop
  --root DIR   operate on another root: its /etc/os-release, its package
               database, its files (default: /)
  --json       print one JSON result object on stdout
  --rollback   undo the last transaction of this product
  --history    list the product's transactions
  --status     report what this host has of the product: version
               installed, last transaction, .rpmnew/.rpmsave/.rpmorig
               files still pending, files that drifted (as rpm -V)
  --noscripts  do not run rpm scriptlets
  -v, --verbose
               say more about each step
  --archive DIR
               the archive folder (default: the folder of this installer,
               else the current directory)
  --max-ratio N
               refuse a payload that expands more than N times its size
               (default 100, as the builder; for archives built with a
               raised limit)

exit codes: 0 done or nothing to do, 1 failed (rolled back), 2 usage,
3 OS not in os_release, 4 services running (use -f), 5 archive digest or
signature bad, 6 another install holds the lock, 7 precondition (nothing to
update, downgrade without -f, wrong arch), 8 needs root, 127 no usable Node.
log: <root>/var/log/rdbpkg/install.log
`

const STEP_TEXT: Record<InstallProgress['step'], string> = {
  verify: 'verifying archive',
  stage: 'staging new files',
  swap: 'swapping in',
}

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  force: { type: 'boolean', short: 'f' },
  'dry-run': { type: 'boolean' },
  check: { type: 'boolean' },
  root: { type: 'string' },
  json: { type: 'boolean' },
  rollback: { type: 'boolean' },
  history: { type: 'boolean' },
  status: { type: 'boolean' },
  noscripts: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  archive: { type: 'string' },
  'max-ratio': { type: 'string' },
} as const

/** Runs `install ARGS`; returns the exit code. */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean }
  try {
    const parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true })
    if (parsed.positionals.length > 0)
      return usageError(io, `unrecognized arguments: ${parsed.positionals.join(' ')}`, argv)
    values = parsed.values
  } catch (error) {
    return usageError(io, describeParseError(error as Error), argv)
  }
  if (values.help) {
    io.stdout(HELP)
    return EXIT_CODES.ok
  }
  const modes = (['dry-run', 'check', 'rollback', 'history', 'status'] as const).filter((name) => values[name])
  if (modes.length > 1) return usageError(io, `argument --${modes[1]}: not allowed with argument --${modes[0]}`, argv)
  if (values.root === '') return usageError(io, 'argument --root: expected a folder')
  const maxRatio = values['max-ratio'] === undefined ? undefined : Number(values['max-ratio'])
  if (maxRatio !== undefined && !(Number.isFinite(maxRatio) && maxRatio >= 1)) {
    return usageError(
      io,
      `argument --max-ratio: expected a number >= 1, found ${JSON.stringify(values['max-ratio'])}`,
      argv,
    )
  }

  const json = values.json === true
  const verbose = values.verbose === true
  const messages: InstallMessage[] = []
  const progress = io.stderrIsTTY === true && !json ? new ProgressPrinter({ write: io.stderr, tty: true }) : undefined
  const onMessage = (message: InstallMessage): void => {
    messages.push(message)
    progress?.done()
    if (message.level === 'debug' && !verbose) return
    if (json && message.level !== 'warn' && message.level !== 'error') return
    const text =
      message.level === 'warn'
        ? `warning: ${message.text}`
        : message.level === 'error'
          ? `error: ${message.text}`
          : message.text
    if (message.level === 'warn' || message.level === 'error') io.stderr(`${text}\n`)
    else io.stdout(`${text}\n`)
  }
  const result: InstallResult = await runInstall({
    cwd: io.cwd,
    ...(io.euid === undefined ? {} : { euid: io.euid }),
    ...(io.bundleFile === undefined ? {} : { bundleFile: io.bundleFile }),
    ...(values.archive === undefined ? {} : { archiveDir: values.archive }),
    root: values.root ?? '/',
    force: values.force === true,
    dryRun: values['dry-run'] === true,
    check: values.check === true,
    rollback: values.rollback === true,
    history: values.history === true,
    status: values.status === true,
    noscripts: values.noscripts === true,
    ...(maxRatio === undefined ? {} : { maxRatio }),
    onMessage,
    ...(progress === undefined
      ? {}
      : { onProgress: (p: InstallProgress) => progress.update(STEP_TEXT[p.step], p.bytesDone, p.bytesTotal) }),
    ...io.overrides,
  })
  progress?.done()
  if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`)
  else io.stdout(formatSummary(result))
  return result.exitCode
}

function usageError(io: MainIo, message: string, argv: readonly string[] = []): number {
  io.stderr(`${USAGE}\ninstall: error: ${message}\n`)
  // A refused run still leaves its one line in the target root's log; the root is found as best we can.
  const root = rootFromArgv(argv)
  if (root !== undefined)
    new InstallLog(resolve(io.cwd, root)).finishQuiet(`end: exit=${EXIT_CODES.usage} status=refused error=${message}`)
  return EXIT_CODES.usage
}

function rootFromArgv(argv: readonly string[]): string | undefined {
  for (const [index, arg] of argv.entries()) {
    if (arg === '--root') return argv[index + 1] === undefined || argv[index + 1] === '' ? undefined : argv[index + 1]
    if (arg.startsWith('--root=')) return arg.slice('--root='.length) || undefined
  }
  return '/'
}

// node:util's messages name the option in quotes; argparse's wording is what operators' scripts grep for.
function describeParseError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code
  const option = /'(-[^']*)'/.exec(error.message)?.[1] ?? error.message
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unrecognized arguments: ${option.split(/[ =]/)[0]}`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--?[A-Za-z-]+/.exec(error.message)?.[0] ?? option
    return /argument missing/.test(error.message)
      ? `argument ${name}: expected one argument`
      : `argument ${name}: ignored explicit argument`
  }
  return error.message
}
