// Public surface of @rdbpkg/core: every export by name.
export {
  ERROR_CODES,
  ManifestError,
  OsReleaseError,
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
