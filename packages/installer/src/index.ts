// Public surface of @rdbpkg/installer: every export by name. What other packages and the README use: the run
// (`runInstall`, its options and result), the CLI (`main`), the archive check (`verifyArchive`, `parseSha256Sums`),
// the payload entry rule (`unsafePayloadEntry`), the host's rpm arch, the exit codes and the version; plus the
// types those signatures name.
export { runInstall } from './run-install.js'
export type { InstallMessage, InstallProgress, RunInstallOptions } from './run-install.js'
export type { InstallResult, ServiceWindow } from './install-result.js'
export type { CreatedFile, EnginePreference, PlannedFile } from './engine/engine.js'
export type { WheelDist } from './wheels.js'
export type { InstallRecord } from './records.js'
export type { HostStatus, LastTransaction } from './host-status.js'
export { main } from './main.js'
export type { MainIo } from './main.js'
export { EXIT_CODES } from './exit-codes.js'
export type { ExitCode } from './exit-codes.js'
export { InstallError } from './errors.js'
export { INSTALLER_VERSION } from './installer-version.js'
export { parseSha256Sums, verifyArchive } from './verify.js'
export type { ArchiveVerification, BytesProgress } from './verify.js'
export { hostRpmArch } from './host.js'
export { unsafePayloadEntry } from './payload.js'
