// The installer's command line; bundled by esbuild into dist/install.mjs (installer.mjs in an archive).
import { fileURLToPath } from 'node:url'
import { keepYoungGenerationSmall } from '@rdbpkg/core'
import { parseFault, processIdentity } from '@rdbpkg/rpm-sim'
import type { TransactionFault } from '@rdbpkg/rpm-sim'
import { main } from './main.js'

keepYoungGenerationSmall()
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  euid: process.geteuid?.(),
  stderrIsTTY: process.stderr.isTTY === true,
  bundleFile: fileURLToPath(import.meta.url),
  // RDBPKG_ENGINE=rpm|rpm-sim overrides the automatic choice (tests drive Debian's rpm against a --root).
  // RPMSIM_FAULT=stage:N|commit:N|erase:N makes rpm-sim kill this process at that step (crash tests).
  overrides: {
    ...engineFromEnv(process.env.RDBPKG_ENGINE),
    ...faultFromEnv(process.env.RPMSIM_FAULT),
    identity: processIdentity(),
    // scriptlets inherit the installer's environment, as they do rpm's
    scriptEnv: process.env,
  },
})

function faultFromEnv(value: string | undefined): { fault?: TransactionFault } {
  const fault = parseFault(value)
  return fault === undefined ? {} : { fault }
}

function engineFromEnv(value: string | undefined): { engine?: 'rpm' | 'rpm-sim' } {
  return value === 'rpm' || value === 'rpm-sim' ? { engine: value } : {}
}
