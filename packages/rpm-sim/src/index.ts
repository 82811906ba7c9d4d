// Public surface of @rdbpkg/rpm-sim: every export by name.
// .rpm format (reader, writer, query formatting)
export { RPM_FORMAT_CODES, RpmFormatError } from './format/errors.js'
export type { RpmFormatCode } from './format/errors.js'
export { DIGEST_ALGO, FILE_FLAG, SENSE, TAG, SIGTAG, TYPE, VERIFY } from './format/tags.js'
export type { DigestAlgo, TagType } from './format/tags.js'
export { Header, parseHeader, serializeHeader } from './format/header.js'
export type { HeaderContext, HeaderEntry, HeaderValue } from './format/header.js'
export type { Lead } from './format/lead.js'
export { PAYLOAD_COMPRESSORS } from './format/compress.js'
export type { PayloadCompressor, WriteCompressor } from './format/compress.js'
export { readCpio, safeEntryPath, writeCpio } from './format/cpio.js'
export type { CpioEntry, CpioHeader, CpioWriteEntry, ReadCpioOptions } from './format/cpio.js'
export { hardlinkGroups, packageFromHeader } from './format/package.js'
export type {
  RpmDependency,
  RpmFileEntry,
  RpmFileFlags,
  RpmPackage,
  RpmScript,
  RpmTrigger,
  ScriptName,
  TriggerKind,
} from './format/package.js'
export { openRpm, readRpm, readRpmPayload } from './format/reader.js'
export type { PayloadEntry, ReadPayloadOptions, RpmFile } from './format/reader.js'
export { writeRpm } from './format/writer.js'
export type { WrittenRpm } from './format/writer.js'
export type { RpmSpec, RpmSpecDependency, RpmSpecFile } from './format/spec.js'
// transaction engine (database, rpm -i/-U/-F/-e, repackage, rollback, journal, queries, verify)
export { runTransaction, planTransaction, TransactionError } from './transaction/transaction.js'
export type {
  PlannedElement,
  TransactionFlags,
  TransactionOp,
  TransactionOptions,
  TransactionPlan,
  TransactionResult,
  TransactionWindow,
} from './transaction/transaction.js'
export type {
  EngineFile,
  EngineFileFlags,
  EngineHeader,
  EnginePayloadEntry,
  EngineScript,
  EngineTrigger,
  PackageSource,
} from './transaction/transaction.js'
export { rollbackTransaction, listHistory } from './transaction/rollback.js'
export type {
  CreatedFile,
  RollbackOptions,
  TransactionRecord,
  TransactionRecordElement,
} from './transaction/rollback.js'
export { recoverForQuery, recoverInterrupted } from './transaction/journal.js'
export type { RecoveryOptions, RecoveryResult } from './transaction/journal.js'
export { FILE_STATES, PackageDb, dbDir } from './db/db.js'
export type { FileState, InstalledFile, InstalledPackage } from './db/db.js'
export { getInstalled, listInstalled } from './query/db-query.js'
export type { QueryOptions } from './query/db-query.js'
export { verifyInstalled } from './query/verify.js'
export { repackageDir } from './transaction/repackage.js'
export { digestFile } from './transaction/apply.js'
export { formatCDate, formatFileList, formatInfo, formatNevra, signatureText } from './query/query.js'
export { MODES, main } from './cli/main.js'
export { UsageError, VALUE_OPTIONS, parseArgs } from './cli/args.js'
export type { MainIo, Mode, ParsedArgs } from './cli/args.js'
