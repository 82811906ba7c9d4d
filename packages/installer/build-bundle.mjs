// Bundles the installer CLI into one ESM file with every dependency inside (dist/install.mjs).
import { readFileSync } from 'node:fs'
import { nodeFloorTarget } from '@rdbpkg/core'
import { build } from 'esbuild'

// The bundle's INSTALLER_VERSION (src/installer-version.ts) is this package's version, fixed at build time.
const { version } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8'))

await build({
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/install.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node the installer runs on (core's NODE_FLOOR), the same version the launcher checks.
  target: nodeFloorTarget(),
  legalComments: 'none',
  define: { __RDBPKG_INSTALLER_VERSION__: JSON.stringify(version) },
  // Bundled CommonJS dependencies call require(); ESM bundles have none without this banner.
  banner: {
    js: "import { createRequire as __rdbpkgCreateRequire } from 'node:module';\nconst require = __rdbpkgCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
