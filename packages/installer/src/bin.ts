// The installer's command line; bundled by esbuild into dist/install.mjs (installer.mjs in an archive).
import { fileURLToPath } from 'node:url'
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  euid: process.geteuid?.(),
  stderrIsTTY: process.stderr.isTTY === true,
  bundleFile: fileURLToPath(import.meta.url),
  // RDBPKG_ENGINE=rpm|rpm-sim overrides the automatic choice (tests drive Debian's rpm against a --root).
  overrides: engineFromEnv(process.env.RDBPKG_ENGINE),
})

function engineFromEnv(value: string | undefined): { engine?: 'rpm' | 'rpm-sim' } {
  return value === 'rpm' || value === 'rpm-sim' ? { engine: value } : {}
}
