// What a transaction is asked and answers: rpm's flags, the operation, the options of runTransaction and
// planTransaction, and their results.
import type { FileFate } from '@rdbpkg/core'
import type { PackageSource, ScriptEnv, VerifyLevel } from '../format/model.js'
import type { Identity } from './apply.js'
import type { InstalledPackage } from '../db/db.js'
import type { CreatedFile } from '../db/history.js'
import type { ScriptFlags } from './_plan.js'
import type { TransactionColors } from './colors.js'
import type { Relocation } from './relocate.js'
import type { TransactionFault } from './fault.js'

/** rpm's install/erase options that the engine honours (`--force` = replacepkgs + replacefiles + oldpackage). */
export interface TransactionFlags extends ScriptFlags {
  /** rpm's -v: also the warnings rpm prints only when verbose. */
  verbose?: boolean
  excludedocs?: boolean
  /** rpm's --excludeartifacts: %artifact files are not installed. */
  excludeartifacts?: boolean
  /** rpm's --excludeconfigs (--noconfigs): %config files are not installed. */
  excludeconfigs?: boolean
  /** rpm's --excludepath (each given): files at or below these absolute paths are not installed. */
  excludepaths?: string[]
  oldpackage?: boolean
  replacepkgs?: boolean
  replacefiles?: boolean
  force?: boolean
  /** Accepted for rpm command lines; the engine resolves no dependencies. */
  nodeps?: boolean
  test?: boolean
  justdb?: boolean
  /** rpm's --nodb: the files change, the database does not (nor the history: there is nothing to roll back by). */
  nodb?: boolean
  repackage?: boolean
  /** Allow erase arguments that match several installed packages (rpm's --allmatches). */
  allmatches?: boolean
  /** rpm's --nosignature: no word on the packages' signatures (by default each key is reported NOKEY once). */
  nosignature?: boolean
  /** rpm's --nodigest: the packages' digests are not checked before the transaction. */
  nodigest?: boolean
  /** rpm's --noverify: the package files are not verified before the transaction (`does not verify`). */
  noverify?: boolean
  /**
   * rpm's --noorder: the elements run in the order rpm adds them (each install followed by the erasures it brings)
   * instead of rpm's dependency order, in which a package comes after those it requires and independent ones in
   * reverse.
   */
  noorder?: boolean
  /** rpm's --relocate OLD=NEW (each given): a relocatable package's files at or below OLD go below NEW. */
  relocations?: Relocation[]
  /** rpm's --prefix NEW: a relocatable package's one prefix goes to NEW. */
  prefix?: string
  /** rpm's --badreloc: relocate paths that are not the package's prefixes too, without a problem. */
  badreloc?: boolean
  /** rpm's --nocaps: files are written without the capabilities their package gives them (%caps). */
  nocaps?: boolean
}

/** The operation of a transaction, as rpm's -i, -U, -F and -e. */
export type TransactionOp = 'install' | 'upgrade' | 'freshen' | 'erase'

/** Options of {@link runTransaction} and {@link planTransaction}. */
export interface TransactionOptions {
  /** The root folder (`/` for the host). */
  root: string
  op: TransactionOp
  /** .rpm paths (install/upgrade/freshen) or package names / NEVRAs (erase). */
  packages: string[]
  /** Packages given in memory instead of as .rpm paths (tests, rollback). */
  sources?: PackageSource[]
  flags?: TransactionFlags
  /** Each stderr line rpm would print (`warning: /etc/x saved as /etc/x.rpmsave`, scriptlet failures, ...). */
  onWarning?: (line: string) => void
  /** Output of scriptlets, as it comes. */
  onScriptOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void
  /** The environment scriptlets inherit, PATH set to rpm's (the CLIs pass theirs); absent: HOME=/root, LANG=C. */
  scriptEnv?: ScriptEnv | undefined
  /** Free text stored in the history record. */
  description?: string
  /** Internal: a rollback transaction records the tid it undoes. */
  rollbackOf?: number
  /** Internal (rollback): write every file exactly as packaged and record these saved records instead. */
  exact?: { recordFor: (origin: string) => InstalledPackage | undefined }
  /**
   * rpm's multilib colors (`%_transaction_color`, `%_prefer_color`): which file colors are installed and which
   * build wins where the 32- and 64-bit builds of a package clash (the loser's file is `wrongcolor`, not a
   * conflict); with colors, packages of one name and version but another arch are distinct. The CLIs pass rpm's
   * default for the machine ({@link defaultColors}: 3, 64-bit preferred, on x86_64 and aarch64). Absent: colors
   * play no part, as rpm's on an arch without multilib.
   */
  colors?: TransactionColors | undefined
  /**
   * rpm's `%_netsharedpath`: paths (with what is below them) another host provides, over a network file system:
   * files there are neither installed (their state `netshared`) nor removed on erase.
   */
  netsharedPaths?: readonly string[] | undefined
  /**
   * rpm's `%_pkgverify_level`: what each package file must have verified before the transaction (default `digest`;
   * `signature` or `all` refuse every package here, as rpm-sim holds no keyring). `--noverify` skips the check.
   */
  verifyLevel?: VerifyLevel | undefined
  /**
   * rpm's `%_install_langs`: the languages to install (`de`, `de_DE`); a file marked `%lang` for none of them is not
   * installed (its state `not installed`). Absent: every language, as rpm's `all`.
   */
  installLangs?: readonly string[] | undefined
  /**
   * rpm's `%_minimize_writes`: an upgrade leaves a file it would rewrite with the same content in place and only
   * sets its owner, mode and time (the file keeps its inode; nothing is written).
   */
  minimizeWrites?: boolean | undefined
  /** Internal (rollback): installed NEVRAs to erase in the same transaction. */
  alsoErase?: string[]
  /**
   * The caller's service window: `open` is awaited right before the transaction's first visible change (its
   * first scriptlet, the kept copy for --repackage, the first rename), after the plan, the digests and the staged
   * files are ready; `close` right after the last change is committed (or undone), before --repackage writes its
   * .rpm files. A failure or kill before `open` leaves the root as it was (staged temps are removed by the next
   * command). Neither is called when nothing is to change.
   */
  window?: TransactionWindow
  /**
   * With --repackage: leave the replaced files kept (hard links) in the spool folder instead of writing the .rpm
   * after the transaction; a rollback writes it from them when it needs it. The installer's upgrades use this: an
   * upgrade then copies no byte of the old version.
   */
  repackageLazily?: boolean
  /** Progress of the swap (renaming staged files into place), in bytes of the files renamed. */
  onProgress?: (progress: { step: 'swap'; bytesDone: number; bytesTotal: number }) => void
  /** Crash tests only: kill this process at a given step (the CLIs read it from RPMSIM_FAULT; see parseFault). */
  fault?: TransactionFault | undefined
  /**
   * The transaction's time in seconds instead of the clock's (rpm's SOURCE_DATE_EPOCH, which the CLIs read): its
   * tid, unless an earlier transaction of the root already has that or a later one (tids only grow here, rollback
   * relies on it), and each installed package's install time, counting up by one per package as rpm's.
   */
  time?: number | undefined
  /**
   * Who runs the transaction (the CLIs pass the process's effective uid, gid and umask). Files get their packaged
   * owners only when `uid` is 0, as rpm as root; without an identity they keep the creating user's.
   */
  identity?: Identity | undefined
}

/** See {@link TransactionOptions.window}. */
export interface TransactionWindow {
  open: () => Promise<void>
  close: () => Promise<void>
}

/** The result of a transaction: problems are rpm's lines; `ok` is false when anything failed. */
export interface TransactionResult {
  tid: number
  ok: boolean
  exitCode: number
  /** rpm's problem lines (a TAB then `package X is already installed`, `error: package N is not installed`, ...). */
  problems: string[]
  /**
   * How many elements the transaction had (rpm's rpmtsNElements: packages to install and to erase, those an update
   * replaces included); 0 when there was nothing to do, as for `-F` of packages nothing older is installed of.
   */
  elements?: number
  installed: { nevra: string; replaced?: string }[]
  erased: string[]
  created: CreatedFile[]
  /** Every stderr line, in order (also passed to onWarning). */
  warnings: string[]
  /** Scriptlets and triggers that failed (a failing %post only warns, exit code 0, as rpm 4.18). */
  scriptletFailures: number
  /** The interrupted transaction completed or undone before this one, if any. */
  recovery?: { tid: number; action: 'completed' | 'rolled-back' }
}

/** One element of a plan as `--dry-run` shows it. */
export interface PlannedElement {
  op: 'install' | 'erase'
  nevra: string
  replaces?: string
  files: { path: string; fate: FileFate; reason: string; suffix?: string }[]
}

/** The result of {@link planTransaction}. */
export interface TransactionPlan {
  problems: string[]
  warnings: string[]
  elements: PlannedElement[]
}
