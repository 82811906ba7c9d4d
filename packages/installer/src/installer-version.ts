// The installer's own version, reported in `--json` results and the install log. package.json is the one source:
// build-bundle.mjs injects its version into the esbuild bundle (an archive's installer.mjs has no package.json
// beside it); the tsc output and the tests read the package.json of this package.
import { createRequire } from 'node:module'

declare const __RDBPKG_INSTALLER_VERSION__: string | undefined

/** The version of @rdbpkg/installer that is running (its package.json `version`). */
export const INSTALLER_VERSION: string =
  typeof __RDBPKG_INSTALLER_VERSION__ === 'string'
    ? __RDBPKG_INSTALLER_VERSION__
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version
