// `pnpm bench` in this package: runs every bench/*.bench.mjs in name order, each in its own process.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
let failed = 0
for (const name of readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort()) {
  console.log(`== ${name}`)
  const run = spawnSync(process.execPath, ['--expose-gc', join(here, name)], { stdio: 'inherit' })
  if (run.status !== 0) failed++
}
process.exitCode = failed ? 1 : 0
