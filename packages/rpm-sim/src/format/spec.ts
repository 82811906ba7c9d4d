// What a package to write is made of: the typed spec given to writeRpm, and its files after defaults.
import type { WriteCompressor } from './compress.js'
import type { RpmFileFlags, RpmTrigger } from './package.js'
import type { FileTriggerKind, ScriptName } from './model.js'

/** A file, directory or symlink to put in a package. */
export interface RpmSpecFile {
  path: string
  kind: 'file' | 'dir' | 'symlink'
  content?: string | Uint8Array
  /** Stream this file's content from disk (large files, repackaging). */
  source?: string
  /** Permission bits; default 0o644 files, 0o755 dirs, 0o777 symlinks. */
  mode?: number
  user?: string
  group?: string
  mtime?: number
  linkTarget?: string
  flags?: Partial<RpmFileFlags>
  /**
   * rpm's file color (FILECOLORS): 1 for a 32-bit ELF file, 2 for a 64-bit one, as rpmbuild's classifier sets it;
   * absent: 0, no color. Colors settle conflicts between the 32- and 64-bit builds of a package (multilib).
   */
  color?: number
  /** File capabilities to set when installed, as `%caps(...)` gives them (`cap_net_raw=ep`); regular files only. */
  caps?: string
  /** The languages the file is for, as `%lang(de)` gives them (several joined by `|`); absent: any. */
  lang?: string
}

/** A dependency to declare: a name, optionally with a version and comparison. */
export interface RpmSpecDependency {
  name: string
  version?: string | undefined
  sense?: '<' | '<=' | '=' | '>=' | '>' | undefined
  /**
   * The file of the package this dependency comes from, as rpmbuild's generators link an ELF file to the sonames
   * it provides or needs (FILEDEPENDSX, FILEDEPENDSN, DEPENDSDICT): that file's color colors the package.
   */
  file?: string | undefined
}

/** A typed description of a package for {@link writeRpm}. */
export interface RpmSpec {
  name: string
  version: string
  release: string
  epoch?: number
  arch: string
  os?: string
  summary?: string
  description?: string
  license?: string
  group?: string
  url?: string
  vendor?: string
  packager?: string
  /** BUILDTIME in seconds; the caller passes it (a CLI from SOURCE_DATE_EPOCH), default 0, for determinism. */
  buildTime?: number
  buildHost?: string
  files: RpmSpecFile[]
  scripts?: Partial<Record<ScriptName, { interpreter?: string; body: string }>>
  triggers?: {
    kind: RpmTrigger['kind']
    name: string
    version?: string
    sense?: RpmSpecDependency['sense']
    interpreter?: string
    body: string
  }[]
  /** `%filetriggerin -P priority -- prefixes` and the like (default priority 1000000, interpreter /bin/sh). */
  fileTriggers?: {
    kind: FileTriggerKind
    prefixes: string[]
    priority?: number
    interpreter?: string
    body: string
  }[]
  /** A relocatable package's prefixes (rpmbuild's `Prefixes:`): the paths `--relocate` and `--prefix` may move. */
  prefixes?: string[]
  provides?: RpmSpecDependency[]
  requires?: RpmSpecDependency[]
  obsoletes?: RpmSpecDependency[]
  conflicts?: RpmSpecDependency[]
  /** OrderWithRequires, and the weak dependencies: Recommends, Suggests, Supplements, Enhances. */
  orders?: RpmSpecDependency[]
  recommends?: RpmSpecDependency[]
  suggests?: RpmSpecDependency[]
  supplements?: RpmSpecDependency[]
  enhances?: RpmSpecDependency[]
  /** Default gzip. */
  compressor?: WriteCompressor
  /** Default gzip 6, xz 6, zstd 19. */
  compressionLevel?: number | undefined
}

/** A spec file after defaults, with its place in the package. */
export interface PlannedFile {
  path: string
  kind: RpmSpecFile['kind']
  mode: number
  size: number
  user: string
  group: string
  mtime: number
  linkTarget: string
  flags: RpmFileFlags
  digest: string
  spec: RpmSpecFile
}
