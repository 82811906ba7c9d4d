// Public surface of @rdbpkg/builder: every export by name. What other packages and the README use: the build
// (`buildPackage`, its options, progress and result, its error), the CLI (`main`), the launcher script, the
// recommended Node runtime and the version; plus the types those signatures name.
export { BUILDER_VERSION, BuildError, buildPackage } from './build.js'
export type { BuildOptions, BuildProgress, BuildResult } from './build.js'
export type { FileDigest } from './archive.js'
export type { NodeRuntime } from './node-runtime.js'
export { launcherScript } from './launcher.js'
export { RECOMMENDED_NODE_RUNTIME } from './node-runtime.js'
export { main } from './main.js'
export type { MainIo } from './main.js'
