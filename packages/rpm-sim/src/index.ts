// Public surface of @rdbpkg/rpm-sim: every export by name.
// .rpm format (reader, writer, query formatting)
export { RPM_FORMAT_CODES, RpmFormatError } from './errors.js'
export type { RpmFormatCode } from './errors.js'
export { DIGEST_ALGO, FILE_FLAG, SENSE, TAG, SIGTAG, TYPE, VERIFY } from './tags.js'
export type { DigestAlgo, TagType } from './tags.js'
export { Header, parseHeader, serializeHeader } from './header.js'
export type { HeaderContext, HeaderEntry, HeaderValue } from './header.js'
export type { Lead } from './lead.js'
export { PAYLOAD_COMPRESSORS } from './compress.js'
export type { PayloadCompressor, WriteCompressor } from './compress.js'
export { readCpio, safeEntryPath, writeCpio } from './cpio.js'
export type { CpioEntry, CpioHeader, CpioWriteEntry, ReadCpioOptions } from './cpio.js'
export { hardlinkGroups, packageFromHeader } from './package.js'
export type {
  RpmDependency,
  RpmFileEntry,
  RpmFileFlags,
  RpmPackage,
  RpmScript,
  RpmTrigger,
  ScriptName,
  TriggerKind,
} from './package.js'
export { openRpm, readRpm, readRpmPayload } from './reader.js'
export type { PayloadEntry, ReadPayloadOptions, RpmFile } from './reader.js'
export { writeRpm } from './writer.js'
export type { RpmSpec, RpmSpecDependency, RpmSpecFile, WrittenRpm } from './writer.js'
// transaction engine (database, rpm -i/-U/-F/-e, repackage, rollback, journal, queries, verify)
export { runTransaction, planTransaction, TransactionError } from './transaction.js'
export type {
  PlannedElement,
  TransactionFlags,
  TransactionOp,
  TransactionOptions,
  TransactionPlan,
  TransactionResult,
  TransactionWindow,
} from './transaction.js'
export type {
  EngineFile,
  EngineFileFlags,
  EngineHeader,
  EnginePayloadEntry,
  EngineScript,
  EngineTrigger,
  PackageSource,
} from './transaction.js'
export { rollbackTransaction, listHistory } from './rollback.js'
export type { CreatedFile, RollbackOptions, TransactionRecord, TransactionRecordElement } from './rollback.js'
export { recoverForQuery, recoverInterrupted } from './journal.js'
export type { RecoveryOptions, RecoveryResult } from './journal.js'
export { FILE_STATES, PackageDb, dbDir } from './db.js'
export type { FileState, InstalledFile, InstalledPackage } from './db.js'
export { getInstalled, listInstalled } from './db-query.js'
export type { QueryOptions } from './db-query.js'
export { verifyInstalled } from './verify.js'
export { repackageDir } from './repackage.js'
export { digestFile } from './apply.js'
export { formatCDate, formatFileList, formatInfo, formatNevra, signatureText } from './query.js'
export { MODES, UsageError, VALUE_OPTIONS, main, parseArgs } from './main.js'
export type { MainIo, Mode, ParsedArgs } from './main.js'
