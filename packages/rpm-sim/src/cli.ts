#!/usr/bin/env node
import { keepYoungGenerationSmall } from '@rdbpkg/core'
import { processIdentity, processMachine } from './cli/args.js'
import { main } from './cli/main.js'

keepYoungGenerationSmall()

// A reader that stops early (`rpm-sim -qa | head -1`) closes the pipe: the rest of the output has nowhere to go. Node
// reports that as an unhandled EPIPE error with a stack trace; rpm-sim stops writing and finishes the command, so a
// transaction is never cut short by its reader.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
  identity: processIdentity(),
  machine: processMachine(),
})
