// Bundles the rpm-sim CLI into one ESM file (dist/cli.js, the `bin`), replacing tsc's small entry module: one
// module to load instead of ~40 (and @rdbpkg/core's, valibot's), which is most of the CLI's start-up time.
// The library (dist/index.js and the rest) stays tsc's output.
import { nodeFloorTarget } from '@rdbpkg/core'
import { rmSync } from 'node:fs'
import { build } from 'esbuild'

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node rpm-sim runs on (core's NODE_FLOOR).
  target: nodeFloorTarget(),
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
})
// tsc's source map of the replaced entry module would point at the wrong file.
rmSync('dist/cli.js.map', { force: true })
