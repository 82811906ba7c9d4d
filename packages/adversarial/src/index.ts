// Public surface of @rdbpkg/adversarial: the crafting helpers the suite uses, by name.
export {
  TAR_TYPES,
  craftEntry,
  craftTar,
  craftTarGz,
  rawHeaderBlock,
  writeGzipBomb,
  writeXzBomb,
  xzBuffer,
} from './tar-craft.js'
export type { BombOptions, CraftEntry, CraftTarOptions, RawTarHeader, TarTypeName } from './tar-craft.js'
export {
  assembleRpm,
  craftCpio,
  craftLead,
  craftMainHeader,
  craftRpm,
  craftRpmParts,
  craftSignature,
  defaultCpioEntries,
  findIndexEntry,
  patchIndexEntry,
  resign,
  serializeRawHeader,
} from './rpm-craft.js'
export type { CraftCpioEntry, CraftRpmFile, CraftRpmSpec, RawHeaderValue, RpmParts } from './rpm-craft.js'
