// The outcome of one installer run: what `runInstall` returns, `--json` prints and the summary formats. Its own
// module so that the run and the summary both import it without importing each other.
import type { ErrorCode } from '@rdbpkg/core'
import type { CreatedFile, PlannedFile } from './engine/engine.js'
import type { HostStatus } from './host-status.js'
import type { InstallRecord } from './records.js'
import type { WheelDist } from './wheels.js'

/** The service window of a run: from stopping the services (or, with none running, starting the swap) to starting them again. */
export interface ServiceWindow {
  stoppedAt: string
  startedAt: string
  downtimeMs: number
}

/** The outcome of one run; `--json` prints exactly this. */
export interface InstallResult {
  exitCode: number
  /** The version of @rdbpkg/installer that ran. */
  installer: string
  status:
    | 'installed'
    | 'upgraded'
    | 'reinstalled'
    | 'downgraded'
    | 'unchanged'
    | 'verified'
    | 'planned'
    | 'rolled-back'
    | 'history'
    | 'reported'
    | 'refused'
    | 'failed'
  /** The error code when the run was refused or failed. */
  code?: ErrorCode
  /** The one-line error when the run was refused or failed. */
  error?: string
  archive?: string
  packageName?: string
  packageType?: string
  /** The tracked or rpm name this archive installs (`rdb-agent`, `aio`). */
  product?: string
  /** Installed before (`name-version-release.arch`). */
  from?: string
  /** Installed now (or planned). */
  to?: string
  engine?: string
  signature?: string
  services: { running: string[]; stopped: string[]; restarted: string[]; failed: string[] }
  /** Every `.rpmnew`, `.rpmsave` and `.rpmorig` created. */
  created: CreatedFile[]
  wheels?: { installed: WheelDist[]; replaced: WheelDist[] }
  plan?: { action: string; files: PlannedFile[]; services: string[]; wheels?: string[] }
  history?: InstallRecord[]
  /** `--status`: what the host has of the product. */
  host?: HostStatus
  /** The installer record written (for --rollback). */
  record?: string
  /** When the run changed the host: services stopped (if any ran), the swap, services started again. */
  window?: ServiceWindow
  warnings: string[]
  log: string
}
