// Bundles the installer CLI into one ESM file with every dependency inside (dist/install.mjs).
import { build } from 'esbuild'

await build({
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/install.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  legalComments: 'none',
  // execa and its dependencies call require(); ESM bundles have none without this banner.
  banner: { js: "import { createRequire as __rdbpkgCreateRequire } from 'node:module';\nconst require = __rdbpkgCreateRequire(import.meta.url);" },
  logLevel: 'warning',
})
