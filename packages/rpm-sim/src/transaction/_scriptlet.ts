// Runs scriptlets and triggers as rpm 4.18 does: the body is written to <root>/var/tmp/rpm-tmp.XXXXXX and run as
// `interpreter [args] tmpfile $1 [$2]`, chrooted into the root when it is not `/`, with stdin from /dev/null (a file
// trigger's: the paths that set it off, one per line), in the caller's environment with rpm's fixed PATH.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { accessSync, constants, statSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { RootResolver, strerrorText } from '../base/_fs.js'
import type { EngineScript, ScriptEnv } from '../format/model.js'

/** rpm's names of the scriptlet slots in its messages (`%prein`, `%post`, ...). */
const SCRIPT_LABELS = {
  pretrans: '%pretrans',
  pre: '%prein',
  post: '%post',
  preun: '%preun',
  postun: '%postun',
  posttrans: '%posttrans',
  verifyscript: '%verify',
  triggerprein: '%triggerprein',
  triggerin: '%triggerin',
  triggerun: '%triggerun',
  triggerpostun: '%triggerpostun',
  filetriggerin: '%filetriggerin',
  filetriggerun: '%filetriggerun',
  filetriggerpostun: '%filetriggerpostun',
  transfiletriggerin: '%transfiletriggerin',
  transfiletriggerun: '%transfiletriggerun',
  transfiletriggerpostun: '%transfiletriggerpostun',
} as const

/** A scriptlet or trigger slot. */
export type ScriptSlot = keyof typeof SCRIPT_LABELS

/** Options of {@link runScriptlet}. */
export interface RunScriptletOptions {
  root: string
  slot: ScriptSlot
  /** NEVRA of the package whose script runs, for messages. */
  nevra: string
  script: EngineScript
  args: number[]
  /** Lines for its standard input (a file trigger's paths); without them stdin is /dev/null. */
  input?: string[]
  /** Its package's install prefixes (a relocatable package): `$RPM_INSTALL_PREFIX0`... and `$RPM_INSTALL_PREFIX`. */
  prefixes?: readonly string[] | undefined
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void
  /** The environment it inherits (see {@link ScriptEnv}); absent: only HOME=/root and LANG=C. */
  env?: ScriptEnv | undefined
}

const DEFAULT_ENV: ScriptEnv = { HOME: '/root', LANG: 'C' }

/** What a scriptlet run gave: exit status (0 on success), or the signal that killed it. */
export interface ScriptletOutcome {
  ok: boolean
  exitCode?: number
  signal?: string
  /** rpm's failure line (`error: %prein(foo-1-1.noarch) scriptlet failed, exit status 1`), without level prefix. */
  message?: string
  /** Set when the interpreter cannot be run here (e.g. rpm's built-in `<lua>`). */
  unsupported?: string
}

const SCRIPT_PATH = '/sbin:/bin:/usr/sbin:/usr/bin:/usr/X11R6/bin'

// rpm's doScriptExec: RPM_INSTALL_PREFIX<n> for each install prefix, the first also as RPM_INSTALL_PREFIX.
function prefixEnv(prefixes: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {}
  prefixes.forEach((p, i) => {
    env[`RPM_INSTALL_PREFIX${i}`] = p
    if (i === 0) env.RPM_INSTALL_PREFIX = p
  })
  return env
}

/**
 * Why the interpreter `program` cannot be executed in `root` (strerror's words: `No such file or directory`,
 * `Permission denied`), as rpm's child finds when its execv fails; undefined when it can. Links are followed inside
 * the root, as in the chroot. A relative name is taken from `/`, where rpm's child runs.
 */
function cannotExec(root: string, program: string): string | undefined {
  try {
    const host = new RootResolver(root).dir(posix.normalize(`/${program}`))
    accessSync(host, constants.X_OK)
    // execv of a folder fails as a file without the x bit does
    return statSync(host).isDirectory() ? 'Permission denied' : undefined
  } catch (error) {
    return strerrorText(error)
  }
}

/** Run one scriptlet; never throws for a failing script, only returns its outcome. */
export async function runScriptlet(o: RunScriptletOptions): Promise<ScriptletOutcome> {
  const interpreter = o.script.interpreter.length > 0 ? o.script.interpreter : ['/bin/sh']
  const label = `${SCRIPT_LABELS[o.slot]}(${o.nevra})`
  if (interpreter[0] === '<lua>') {
    return { ok: true, unsupported: `${label}: the built-in <lua> interpreter is not supported, script skipped` }
  }
  // rpm's child says why its exec failed, then exits 127 (doScriptExec): checked here so that chroot(1), which words
  // it otherwise and exits 126 for an interpreter it may not run, never gets to.
  const why = cannotExec(o.root, interpreter[0] as string)
  if (why !== undefined) return cannotRun(o, label, interpreter[0] as string, why)
  const chrooted = o.root !== '/'
  const tmpHostDir = join(o.root, 'var/tmp')
  await mkdir(tmpHostDir, { recursive: true })
  const hostFile = join(tmpHostDir, `rpm-tmp.${randomBytes(4).toString('base64url').slice(0, 6)}`)
  const argv: string[] = []
  // `-p <program>` scriptlets have no body: rpm runs the program with the arguments alone.
  if (o.script.body !== '') {
    await writeFile(hostFile, o.script.body, { mode: 0o600, flag: 'wx' })
    argv.push(chrooted ? hostFile.slice(o.root.replace(/\/$/, '').length) : hostFile)
  }
  argv.push(...o.args.map(String))
  const [cmd, ...rest] = chrooted ? ['chroot', o.root, ...interpreter, ...argv] : [...interpreter, ...argv]
  try {
    const r = await new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((done) => {
      const child = spawn(cmd as string, rest, {
        stdio: [o.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        env: { ...(o.env ?? DEFAULT_ENV), PATH: SCRIPT_PATH, ...prefixEnv(o.prefixes ?? []) },
        cwd: '/',
      })
      if (o.input !== undefined && child.stdin !== null) {
        // A script that exits without reading all of it is no failure (rpm stops writing on EPIPE).
        child.stdin.on('error', () => undefined)
        child.stdin.end(o.input.map((l) => `${l}\n`).join(''))
      }
      child.stdout?.on('data', (c: Buffer) => o.onOutput?.(c.toString(), 'stdout'))
      child.stderr?.on('data', (c: Buffer) => o.onOutput?.(c.toString(), 'stderr'))
      // An interpreter that cannot be started after all reports as rpm does: exit status 127.
      child.on('error', (error) => {
        o.onOutput?.(execFailed(cmd as string, strerrorText(error)), 'stderr')
        done({ exitCode: 127, signal: null })
      })
      child.on('close', (exitCode, signal) => done({ exitCode, signal }))
    })
    if (r.signal !== null) {
      return { ok: false, signal: r.signal, message: `${label} scriptlet failed, signal ${signalNumber(r.signal)}` }
    }
    if (r.exitCode !== 0) {
      const code = r.exitCode ?? 127
      return { ok: false, exitCode: code, message: `${label} scriptlet failed, exit status ${code}` }
    }
    return { ok: true, exitCode: 0 }
  } finally {
    await rm(hostFile, { force: true })
  }
}

const execFailed = (program: string, why: string): string =>
  `error: failed to exec scriptlet interpreter ${program}: ${why}\n`

function cannotRun(o: RunScriptletOptions, label: string, program: string, why: string): ScriptletOutcome {
  o.onOutput?.(execFailed(program, why), 'stderr')
  return { ok: false, exitCode: 127, message: `${label} scriptlet failed, exit status 127` }
}

function signalNumber(sig: string): number {
  const map: Record<string, number> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGABRT: 6,
    SIGKILL: 9,
    SIGSEGV: 11,
    SIGPIPE: 13,
    SIGTERM: 15,
  }
  return map[sig] ?? 0
}
