// Finds the archive folder and reads its version.json into the facts the installer acts on.
import { PACKAGE_TYPE_RULES, parseManifest } from '@rdbpkg/core'
import type { Manifest, PackageType, PackageTypeRules } from '@rdbpkg/core'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { InstallError } from './errors.js'

/** The manifest of an archive, with every per-type default resolved. */
export interface ArchiveManifest {
  packageName: string
  packageType: PackageType
  /** Allowed os-release IDs, lower-case. */
  osRelease: string[]
  version: string
  release: string
  /** The arch from package_name (`x86_64`), when it names one. */
  arch: string | undefined
  prefix: string
  services: string[]
  configFiles: string[]
  python: string | undefined
  /** The type's rules from core. */
  rules: PackageTypeRules
}

/**
 * The archive folder: `explicit` when given, else the folder of the running bundle when it holds version.json
 * and SHA256SUMS, else the current directory.
 */
export function locateArchive(options: { explicit?: string; bundleFile?: string; cwd: string }): string {
  if (options.explicit !== undefined) return resolve(options.cwd, options.explicit)
  if (options.bundleFile !== undefined) {
    const dir = dirname(options.bundleFile)
    if (existsSync(join(dir, 'version.json')) && existsSync(join(dir, 'SHA256SUMS'))) return dir
  }
  return options.cwd
}

/** Reads `<dir>/version.json` with core's parser; throws E_MANIFEST_JSON / E_MANIFEST_INVALID naming the field. */
export function readArchiveManifest(dir: string): ArchiveManifest {
  const file = join(dir, 'version.json')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new InstallError('E_ARCHIVE_DIGEST', `${dir}: version.json: missing (not an rdbpkg archive folder?)`, {
      file: 'version.json',
      cause,
    })
  }
  return fromManifest(parseManifest(text, 'version.json'))
}

/** The installer's view of a validated manifest. */
function fromManifest(manifest: Manifest): ArchiveManifest {
  return {
    packageName: manifest.package_name,
    packageType: manifest.package_type,
    osRelease: manifest.os_release,
    version: manifest.version,
    release: manifest.release,
    arch: manifest.arch,
    prefix: manifest.prefix,
    services: manifest.services,
    configFiles: manifest.config_files,
    python: manifest.python,
    rules: PACKAGE_TYPE_RULES[manifest.package_type],
  }
}
