// Test helper: build the rpm-sim CLI once (tsc) so tests can spawn the real program.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package folder of rpm-sim. */
export const PKG_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
/** The built CLI. */
export const CLI = join(PKG_DIR, 'dist/cli.js')

/** Compile src to dist with the workspace's TypeScript (what `pnpm --filter @rdbpkg/rpm-sim build` runs). */
export function buildCli(): void {
  const tsc = createRequire(join(PKG_DIR, 'package.json')).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: PKG_DIR, stdio: 'pipe' })
  if (!existsSync(CLI)) throw new Error(`build did not produce ${CLI}`)
}
