#!/usr/bin/env node
// rdbpkg-build: the thin bin. pnpm --filter runs it in packages/builder; INIT_CWD is where the user stood.
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env: process.env,
})
