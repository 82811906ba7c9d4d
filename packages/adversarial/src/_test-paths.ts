// Where the built programs under test are (the suite drives them as users do), and a check that they exist.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const repo = join(import.meta.dirname, '..', '..', '..')

/** The repository root. */
export const REPO_ROOT = repo
/** `node packages/builder/dist/cli.js`. */
export const BUILDER_CLI = join(repo, 'packages', 'builder', 'dist', 'cli.js')
/** `node packages/rpm-sim/dist/cli.js`. */
export const RPM_SIM_CLI = join(repo, 'packages', 'rpm-sim', 'dist', 'cli.js')
/** The installer bundle shipped in every archive as installer.mjs. */
export const INSTALLER_BUNDLE = join(repo, 'packages', 'installer', 'dist', 'install.mjs')

/** True when `file` exists; otherwise warns once why the tests that need it skip. */
export function builtOrWarn(what: string, file: string): boolean {
  if (existsSync(file)) return true
  console.warn(`skipping ${what} tests: ${file} is not built (run pnpm build)`)
  return false
}

/**
 * The environment for running a built CLI: ours without INIT_CWD, which pnpm sets for `pnpm test` and which the
 * builder (by design) resolves relative paths against; plus `extra`.
 */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, ...extra }
  delete env.INIT_CWD
  return env
}
