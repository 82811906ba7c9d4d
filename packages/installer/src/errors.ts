// Errors the installer raises for refusals and failures it expects; each carries a stable code from core.
import { RdbpkgError } from '@rdbpkg/core'

/** An expected installer refusal or failure (bad archive, wrong OS, lock held, services running, ...). */
export class InstallError extends RdbpkgError {
  override name = 'InstallError'
}
