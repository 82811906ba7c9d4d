#!/usr/bin/env node
import { processIdentity } from './cli/args.js'
import { main } from './cli/main.js'

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  identity: processIdentity(),
})
