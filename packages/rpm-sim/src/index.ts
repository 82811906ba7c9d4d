// Public surface of @rdbpkg/rpm-sim, every export by name: what the README shows and the repo's other packages
// use (builder, installer, e2e, adversarial), with the types their signatures name. Everything else is internal.
// .rpm files: read, write, and the pieces the adversarial tests drive directly
export { RpmFormatError } from './format/errors.js'
export type { RpmFormatCode } from './format/errors.js'
export { Header, parseHeader } from './format/header.js'
export type { HeaderContext, HeaderEntry } from './format/header.js'
export { FILE_FLAG } from './format/tags.js'
export type { TagType } from './format/tags.js'
export type { Lead } from './format/lead.js'
export type { WriteCompressor } from './format/compress.js'
export { readCpio, safeEntryPath } from './format/cpio.js'
export type { CpioEntry, CpioHeader, ReadCpioOptions } from './format/cpio.js'
export type {
  RpmDependency,
  RpmFileEntry,
  RpmFileFlags,
  RpmPackage,
  RpmScript,
  RpmTrigger,
} from './format/package.js'
export { openRpm, readRpm, readRpmHeaders, readRpmPayload } from './format/reader.js'
export { checksigPackage } from './format/checksig.js'
export type { ChecksigItem, ChecksigOptions, ChecksigReport } from './format/checksig.js'
export type { PayloadEntry, ReadPayloadOptions, RpmFile } from './format/reader.js'
export { writeRpm } from './format/writer.js'
export type { WrittenRpm } from './format/writer.js'
export type { RpmSpec, RpmSpecDependency, RpmSpecFile } from './format/spec.js'
export type {
  DependencyKind,
  EngineChangelogEntry,
  EngineFile,
  EngineFileFlags,
  EngineFileTrigger,
  EngineHeader,
  EnginePayloadEntry,
  EngineScript,
  EngineTrigger,
  FileTriggerKind,
  OtherTag,
  PackageSource,
  ScriptEnv,
  ScriptName,
  SignatureNote,
  TriggerKind,
  VerifyLevel,
} from './format/model.js'
// transaction engine: rpm -i/-U/-F/-e, rollback, recovery, the database's records, queries, -V
export { TransactionError } from './base/transaction-error.js'
export { runTransaction, planTransaction } from './transaction/transaction.js'
export type {
  PlannedElement,
  TransactionFlags,
  TransactionOp,
  TransactionOptions,
  TransactionPlan,
  TransactionResult,
  TransactionWindow,
} from './transaction/options.js'
export { parseFault } from './transaction/fault.js'
export { defaultColors } from './transaction/colors.js'
export type { TransactionColors } from './transaction/colors.js'
export type { Relocation } from './transaction/relocate.js'
export type { TransactionFault } from './transaction/fault.js'
export { rollbackTransaction } from './transaction/rollback.js'
export type { RollbackOptions } from './transaction/rollback.js'
export { restorePackages } from './transaction/restore.js'
export type { RestoreOptions, RestoreResult } from './transaction/restore.js'
export { listHistory } from './db/history.js'
export type { CreatedFile, TransactionRecord, TransactionRecordElement } from './db/history.js'
export { recoverInterrupted } from './transaction/recovery.js'
export type { RecoveryOptions, RecoveryResult } from './transaction/recovery.js'
export type { FileState, InstalledFile, InstalledPackage } from './db/db.js'
export { getInstalled, listInstalled } from './query/db-query.js'
export type { QueryOptions } from './query/db-query.js'
export { verifyInstalled } from './query/verify.js'
export { digestFile } from './transaction/apply.js'
export type { Identity } from './transaction/apply.js'
// the rpm-sim command line, callable in-process
export { main } from './cli/main.js'
export { processIdentity, processMachine } from './cli/args.js'
export type { MainIo } from './cli/args.js'
