// Public surface of @rdbpkg/core: every export by name.
export {
  ERROR_CODES,
  ManifestError,
  PayloadError,
  RdbpkgError,
  VersionError,
  formatProblem,
  isRdbpkgError,
} from './errors.js'
export type { ErrorCode, ErrorDetails, RdbpkgErrorOptions } from './errors.js'
export { compareEVR, formatEVR, formatNEVRA, parseEVR, parseNEVRA, rpmvercmp } from './version.js'
export type { EVR, NEVRA } from './version.js'
export { FILE_FATES, decideFileFate, fateWarning } from './file-fate.js'
export type {
  DiskFileState,
  FateDecision,
  FateInput,
  FateOperation,
  FileFate,
  FileFlags,
  FileKind,
  PackageFileState,
} from './file-fate.js'
export {
  PACKAGE_TYPES,
  PACKAGE_TYPE_RULES,
  PACKAGE_TYPE_VALUES,
  checkPayload,
  stripDotSlash,
  unsafeEntryReason,
} from './package-type.js'
export type {
  PackageType,
  PackageTypeRules,
  PayloadCheck,
  PayloadEntryRule,
  PayloadKind,
  PayloadProblem,
} from './package-type.js'
export {
  OS_RELEASE_PATHS,
  isArchCompatible,
  matchOsRelease,
  nodeArchToRpmArch,
  parseOsRelease,
} from './os-release.js'
export type { OsReleaseMatch } from './os-release.js'
export {
  ManifestIssuesError,
  manifestToJson,
  parseManifest,
  safeParseManifest,
  safeValidateManifest,
  validateManifest,
} from './manifest.js'
export type { BuildFacts, Manifest, ManifestIssue, ManifestJson, ManifestResult } from './manifest.js'
export { DEFAULT_MAX_RATIO, expansionLimit } from './expansion.js'
export { describeFsError, fsErrorParts, fsErrorReason } from './fs-error.js'
export { ProgressPrinter, formatBytes } from './progress.js'
export type { ProgressOptions } from './progress.js'
export { keepYoungGenerationSmall } from './command-heap.js'
export { NODE_FLOOR, meetsNodeFloor, nodeFloorTarget, parseNodeVersion } from './node-floor.js'
export type { NodeVersion } from './node-floor.js'
export {
  FileSystemSyncer,
  syncDir,
  syncDirSync,
  syncFileSystems,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomicSync,
} from './durable.js'
export { takeFileLock } from './lock.js'
export type { FileLock, FileLockOptions, LockAttempt } from './lock.js'
