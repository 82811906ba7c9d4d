#!/usr/bin/env node
// rdbpkg-build: the thin bin. `pnpm --filter builder start` runs it in packages/builder with INIT_CWD set to where
// the user stood; anywhere else (a script spawning it from its own folder) the current directory is meant.
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { main } from './main.js'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const underPnpmFilter = process.env.INIT_CWD !== undefined && resolve(process.cwd()) === resolve(packageDir)

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: underPnpmFilter ? (process.env.INIT_CWD as string) : process.cwd(),
  env: process.env,
})
