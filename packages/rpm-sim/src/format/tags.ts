// Tag numbers and data types of the rpm v4 header format (rpmtag.h), limited to what packages really carry.

/** Header entry data types (rpmTagType). */
export const TYPE = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const

/**
 * A header entry data type number (rpm's RPM_*_TYPE: 0 null to 9 i18n string).
 *
 * @useDeclaredType
 */
export type TagType = (typeof TYPE)[keyof typeof TYPE]

/** Tags of the main header. */
export const TAG = {
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  HEADERI18NTABLE: 100,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  DESCRIPTION: 1005,
  BUILDTIME: 1006,
  BUILDHOST: 1007,
  SIZE: 1009,
  DISTRIBUTION: 1010,
  VENDOR: 1011,
  LICENSE: 1014,
  PACKAGER: 1015,
  GROUP: 1016,
  URL: 1020,
  OS: 1021,
  ARCH: 1022,
  PREIN: 1023,
  POSTIN: 1024,
  PREUN: 1025,
  POSTUN: 1026,
  OLDFILENAMES: 1027,
  FILESIZES: 1028,
  FILEMODES: 1030,
  FILERDEVS: 1033,
  FILEMTIMES: 1034,
  FILEDIGESTS: 1035,
  FILELINKTOS: 1036,
  FILEFLAGS: 1037,
  FILEUSERNAME: 1039,
  FILEGROUPNAME: 1040,
  SOURCERPM: 1044,
  FILEVERIFYFLAGS: 1045,
  PROVIDENAME: 1047,
  REQUIREFLAGS: 1048,
  REQUIRENAME: 1049,
  REQUIREVERSION: 1050,
  CONFLICTFLAGS: 1053,
  CONFLICTNAME: 1054,
  CONFLICTVERSION: 1055,
  RPMVERSION: 1064,
  TRIGGERSCRIPTS: 1065,
  TRIGGERNAME: 1066,
  TRIGGERVERSION: 1067,
  TRIGGERFLAGS: 1068,
  TRIGGERINDEX: 1069,
  PREINPROG: 1085,
  POSTINPROG: 1086,
  PREUNPROG: 1087,
  POSTUNPROG: 1088,
  OBSOLETENAME: 1090,
  TRIGGERSCRIPTPROG: 1092,
  FILEDEVICES: 1095,
  FILEINODES: 1096,
  FILELANGS: 1097,
  PROVIDEFLAGS: 1112,
  PROVIDEVERSION: 1113,
  OBSOLETEFLAGS: 1114,
  OBSOLETEVERSION: 1115,
  // OrderWithRequires and the weak dependencies (Recommends, Suggests, Supplements, Enhances)
  ORDERNAME: 5035,
  ORDERVERSION: 5036,
  ORDERFLAGS: 5037,
  RECOMMENDNAME: 5046,
  RECOMMENDVERSION: 5047,
  RECOMMENDFLAGS: 5048,
  SUGGESTNAME: 5049,
  SUGGESTVERSION: 5050,
  SUGGESTFLAGS: 5051,
  SUPPLEMENTNAME: 5052,
  SUPPLEMENTVERSION: 5053,
  SUPPLEMENTFLAGS: 5054,
  ENHANCENAME: 5055,
  ENHANCEVERSION: 5056,
  ENHANCEFLAGS: 5057,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  PAYLOADFORMAT: 1124,
  PAYLOADCOMPRESSOR: 1125,
  PAYLOADFLAGS: 1126,
  INSTALLCOLOR: 1127,
  VERIFYSCRIPT: 1079,
  CHANGELOGTIME: 1080,
  CHANGELOGNAME: 1081,
  CHANGELOGTEXT: 1082,
  VERIFYSCRIPTPROG: 1091,
  PREFIXES: 1098,
  INSTPREFIXES: 1099,
  FILECOLORS: 1140,
  FILEDEPENDSX: 1143,
  FILEDEPENDSN: 1144,
  DEPENDSDICT: 1145,
  PRETRANS: 1151,
  POSTTRANS: 1152,
  PRETRANSPROG: 1153,
  POSTTRANSPROG: 1154,
  BUGURL: 5012,
  LONGFILESIZES: 5008,
  LONGSIZE: 5009,
  FILECAPS: 5010,
  FILEDIGESTALGO: 5011,
  ENCODING: 5062,
  FILETRIGGERSCRIPTS: 5066,
  FILETRIGGERSCRIPTPROG: 5067,
  FILETRIGGERSCRIPTFLAGS: 5068,
  FILETRIGGERNAME: 5069,
  FILETRIGGERINDEX: 5070,
  FILETRIGGERVERSION: 5071,
  FILETRIGGERFLAGS: 5072,
  TRANSFILETRIGGERSCRIPTS: 5076,
  TRANSFILETRIGGERSCRIPTPROG: 5077,
  TRANSFILETRIGGERSCRIPTFLAGS: 5078,
  TRANSFILETRIGGERNAME: 5079,
  TRANSFILETRIGGERINDEX: 5080,
  TRANSFILETRIGGERVERSION: 5081,
  TRANSFILETRIGGERFLAGS: 5082,
  FILETRIGGERPRIORITIES: 5084,
  TRANSFILETRIGGERPRIORITIES: 5085,
  PAYLOADDIGEST: 5092,
  PAYLOADDIGESTALGO: 5093,
  PAYLOADDIGESTALT: 5097,
} as const

/** The tags of each file trigger family: `file` (%filetrigger*) and `transfile` (%transfiletrigger*). */
export const FILE_TRIGGER_TAGS = {
  file: {
    scripts: TAG.FILETRIGGERSCRIPTS,
    prog: TAG.FILETRIGGERSCRIPTPROG,
    name: TAG.FILETRIGGERNAME,
    index: TAG.FILETRIGGERINDEX,
    version: TAG.FILETRIGGERVERSION,
    flags: TAG.FILETRIGGERFLAGS,
    priorities: TAG.FILETRIGGERPRIORITIES,
  },
  transfile: {
    scripts: TAG.TRANSFILETRIGGERSCRIPTS,
    prog: TAG.TRANSFILETRIGGERSCRIPTPROG,
    name: TAG.TRANSFILETRIGGERNAME,
    index: TAG.TRANSFILETRIGGERINDEX,
    version: TAG.TRANSFILETRIGGERVERSION,
    flags: TAG.TRANSFILETRIGGERFLAGS,
    priorities: TAG.TRANSFILETRIGGERPRIORITIES,
  },
} as const

/** Tags of the signature header (rpm stores some under their main-header numbers). */
export const SIGTAG = {
  DSA: 267,
  RSA: 268,
  SHA1: 269,
  LONGSIZE: 270,
  LONGARCHIVESIZE: 271,
  SHA256: 273,
  SIZE: 1000,
  PGP: 1002,
  MD5: 1004,
  GPG: 1005,
  PAYLOADSIZE: 1007,
  RESERVEDSPACE: 1008,
} as const

/** RPMFILE_* bits of FILEFLAGS. */
export const FILE_FLAG = {
  CONFIG: 1 << 0,
  DOC: 1 << 1,
  MISSINGOK: 1 << 3,
  NOREPLACE: 1 << 4,
  GHOST: 1 << 6,
  LICENSE: 1 << 7,
  README: 1 << 8,
  SPECFILE: 1 << 5,
  ARTIFACT: 1 << 12,
} as const

/** A file's flags as FILEFLAGS' RPMFILE_* bits (what the writer stores and --qf's FILEFLAGS shows). */
export function fileFlagBits(flags: {
  config?: boolean
  doc?: boolean
  missingok?: boolean
  noreplace?: boolean
  ghost?: boolean
  license?: boolean
  readme?: boolean
  artifact?: boolean
}): number {
  return (
    (flags.config ? FILE_FLAG.CONFIG : 0) |
    (flags.doc ? FILE_FLAG.DOC : 0) |
    (flags.missingok ? FILE_FLAG.MISSINGOK : 0) |
    (flags.noreplace ? FILE_FLAG.NOREPLACE : 0) |
    (flags.ghost ? FILE_FLAG.GHOST : 0) |
    (flags.license ? FILE_FLAG.LICENSE : 0) |
    (flags.readme ? FILE_FLAG.README : 0) |
    (flags.artifact ? FILE_FLAG.ARTIFACT : 0)
  )
}

/** RPMSENSE_* bits of dependency and trigger flags. */
export const SENSE = {
  LESS: 1 << 1,
  GREATER: 1 << 2,
  EQUAL: 1 << 3,
  POSTTRANS: 1 << 5,
  PREREQ: 1 << 6,
  PRETRANS: 1 << 7,
  INTERP: 1 << 8,
  SCRIPT_PRE: 1 << 9,
  SCRIPT_POST: 1 << 10,
  SCRIPT_PREUN: 1 << 11,
  SCRIPT_POSTUN: 1 << 12,
  SCRIPT_VERIFY: 1 << 13,
  FIND_REQUIRES: 1 << 14,
  FIND_PROVIDES: 1 << 15,
  TRIGGERIN: 1 << 16,
  TRIGGERUN: 1 << 17,
  TRIGGERPOSTUN: 1 << 18,
  MISSINGOK: 1 << 19,
  RPMLIB: 1 << 24,
  TRIGGERPREIN: 1 << 25,
  KEYRING: 1 << 26,
  CONFIG: 1 << 28,
  META: 1 << 29,
} as const

/** The senses a trigger runs on (`%triggerprein`, `%triggerin`, `%triggerun`, `%triggerpostun`) and their RPMSENSE bit. */
export const TRIGGER_SENSE_BITS = {
  prein: SENSE.TRIGGERPREIN,
  in: SENSE.TRIGGERIN,
  un: SENSE.TRIGGERUN,
  postun: SENSE.TRIGGERPOSTUN,
} as const

/** A trigger's sense: `prein`, `in`, `un` or `postun` (file triggers have all but `prein`). */
export type TriggerSense = keyof typeof TRIGGER_SENSE_BITS

/** The sense of a trigger condition's RPMSENSE flags: `in` where no sense bit is set, as rpm reads it. */
export function triggerSenseOf(flags: number): TriggerSense {
  if (flags & SENSE.TRIGGERPREIN) return 'prein'
  if (flags & SENSE.TRIGGERUN) return 'un'
  if (flags & SENSE.TRIGGERPOSTUN) return 'postun'
  return 'in'
}

/** RPMVERIFY_* bits of FILEVERIFYFLAGS. */
export const VERIFY = {
  ALL: 0xffffffff,
  FILEDIGEST: 1 << 0,
  FILESIZE: 1 << 1,
  LINKTO: 1 << 2,
  USER: 1 << 3,
  GROUP: 1 << 4,
  MTIME: 1 << 5,
  MODE: 1 << 6,
  RDEV: 1 << 7,
  CAPS: 1 << 8,
  READLINKFAIL: 1 << 28,
  READFAIL: 1 << 29,
  LSTATFAIL: 1 << 30,
} as const

/** The RPMVERIFY_* bits -V checks, one per column of its `SM5DLUGTP` result. */
export const VERIFY_CHECKS = 0x1ff

/** OpenPGP hash algorithm numbers used by FILEDIGESTALGO and PAYLOADDIGESTALGO. */
export const DIGEST_ALGO = { md5: 1, sha1: 2, sha256: 8, sha384: 9, sha512: 10 } as const

/** A file digest algorithm name. */
export type DigestAlgo = keyof typeof DIGEST_ALGO

/** Scriptlet tags: body and interpreter for each scriptlet slot. */
export const SCRIPT_TAGS = {
  pretrans: { body: TAG.PRETRANS, prog: TAG.PRETRANSPROG, sense: SENSE.PRETRANS },
  pre: { body: TAG.PREIN, prog: TAG.PREINPROG, sense: SENSE.SCRIPT_PRE },
  post: { body: TAG.POSTIN, prog: TAG.POSTINPROG, sense: SENSE.SCRIPT_POST },
  preun: { body: TAG.PREUN, prog: TAG.PREUNPROG, sense: SENSE.SCRIPT_PREUN },
  postun: { body: TAG.POSTUN, prog: TAG.POSTUNPROG, sense: SENSE.SCRIPT_POSTUN },
  posttrans: { body: TAG.POSTTRANS, prog: TAG.POSTTRANSPROG, sense: SENSE.POSTTRANS },
  verifyscript: { body: TAG.VERIFYSCRIPT, prog: TAG.VERIFYSCRIPTPROG, sense: SENSE.SCRIPT_VERIFY },
} as const

/** File type bits of st_mode. */
export const S_IF = { MT: 0o170000, DIR: 0o040000, REG: 0o100000, LNK: 0o120000 } as const
