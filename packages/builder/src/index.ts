// Public surface of @rdbpkg/builder: every export by name.
export { BUILDER_VERSION, BuildError, buildPackage, installerBundlePath, resolveMtime, sortedJson } from './build.js'
export type { BuildOptions, BuildProgress, BuildResult } from './build.js'
export { sha256sumsText, writeArchive } from './archive.js'
export type { ArchivePayload, FileDigest, WriteArchiveOptions, WrittenArchive } from './archive.js'
export { bombIssue, linkIssues, listPayload } from './inspect-payload.js'
export type { ListPayloadOptions, PayloadEntry, PayloadIssue, PayloadListing } from './inspect-payload.js'
export { packPayloadDir, scanPayloadDir } from './payload-dir.js'
export type { PackedPayload, PayloadDirScan, ScannedEntry } from './payload-dir.js'
export { launcherScript } from './launcher.js'
export {
  RECOMMENDED_NODE_RUNTIME,
  RUNTIME_ARCHES,
  elfMachine,
  isNodeVersionSpec,
  nodeBinaryVersion,
  resolveNodeRuntime,
} from './node-runtime.js'
export type { NodeRuntime, ResolveNodeRuntimeOptions, RuntimeArch } from './node-runtime.js'
export { loadSigningKey, signatureFile } from './sign.js'
export type { SigningKey } from './sign.js'
export { EXIT, USAGE, exitCodeOf, main } from './main.js'
export type { MainIo } from './main.js'
