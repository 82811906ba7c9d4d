// Test helper: build the rpm-sim CLI from src into a private folder (never rewriting dist/ under other packages'
// running tests), so tests can spawn the real program.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { processIdentity, processMachine } from './cli/args.js'
import { main } from './cli/main.js'

/** The package folder of rpm-sim. */
export const PKG_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Compile src with the workspace's TypeScript into a temp folder; returns the CLI path and a cleanup. */
export function buildCli(): { cli: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rpmsim-cli-'))
  // Bare imports (@rdbpkg/core, valibot) resolve through the package's own node_modules.
  symlinkSync(join(PKG_DIR, 'node_modules'), join(dir, 'node_modules'))
  const tsc = createRequire(join(PKG_DIR, 'package.json')).resolve('typescript/bin/tsc')
  execFileSync(
    process.execPath,
    [
      tsc,
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(dir, 'dist'),
      '--declaration',
      'false',
      '--declarationMap',
      'false',
      '--sourceMap',
      'false',
    ],
    { cwd: PKG_DIR, stdio: 'pipe' },
  )
  const cli = join(dir, 'dist/cli.js')
  if (!existsSync(cli)) throw new Error(`build did not produce ${cli}`)
  return { cli, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** What one in-process run of the CLI printed, and its exit status. */
export interface CliRun {
  code: number
  out: string
  err: string
}

/** Runs rpm-sim's CLI in this process, as from `cwd` with environment `env`: its exit status and output. */
export async function runCli(cwd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let out = ''
  let err = ''
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write: (chunk, _e, done) => {
        append(String(chunk))
        done()
      },
    })
  const code = await main(argv, {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    cwd,
    env,
    identity: processIdentity(),
    machine: processMachine(),
  })
  return { code, out, err }
}
