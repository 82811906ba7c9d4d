// Finds the archive folder and reads its version.json into the facts the installer acts on.
import { PACKAGE_TYPE_RULES, isPackageType } from '@rdbpkg/core'
import type { PackageType, PackageTypeRules } from '@rdbpkg/core'
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

const NAME_PARTS = /^(.*)_([0-9][A-Za-z0-9.+~^]*)_([A-Za-z0-9+-]+)\.([A-Za-z0-9_]+)$/

/** Reads `<dir>/version.json`; throws E_MANIFEST_JSON / E_MANIFEST_INVALID naming the field. */
export function readArchiveManifest(dir: string): ArchiveManifest {
  const file = join(dir, 'version.json')
  let data: unknown
  try {
    data = JSON.parse(readFileSync(file, 'utf8'))
  } catch (cause) {
    throw new InstallError('E_MANIFEST_JSON', `version.json: not valid JSON (${(cause as Error).message})`, { file: 'version.json', cause })
  }
  return manifestFromData(data)
}

/** Validates parsed version.json data (as the builder writes it) and resolves per-type defaults. */
export function manifestFromData(data: unknown): ArchiveManifest {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) invalid('', 'a JSON object', typeof data)
  const record = data as Record<string, unknown>
  const packageName = record.package_name
  if (typeof packageName !== 'string' || !/^[A-Za-z0-9._+-]{1,200}$/.test(packageName) || packageName.includes('..')) {
    invalid('package_name', '1..200 characters of [A-Za-z0-9._+-] without ".."', JSON.stringify(packageName))
  }
  const packageType = record.package_type
  if (!isPackageType(packageType)) invalid('package_type', `one of ${Object.keys(PACKAGE_TYPE_RULES).join(', ')}`, JSON.stringify(packageType))
  const rules = PACKAGE_TYPE_RULES[packageType]
  const osRelease = stringList(record.os_release, 'os_release').map((id) => id.toLowerCase())
  if (osRelease.length === 0) invalid('os_release', 'at least one os-release ID', JSON.stringify(record.os_release))
  const parts = NAME_PARTS.exec(packageName)
  const version = optionalString(record.version, 'version') ?? parts?.[2]
  if (version === undefined) invalid('version', 'a version (field or in package_name as <kind>_<version>_<os>.<arch>)', 'none')
  const release = optionalString(record.release, 'release') ?? '1'
  const prefix = optionalString(record.prefix, 'prefix') ?? rules.defaultPrefix
  if (!prefix.startsWith('/') || prefix.split('/').includes('..')) invalid('prefix', 'an absolute path without ".."', prefix)
  const services = record.services === undefined ? [...rules.defaultServices] : stringList(record.services, 'services')
  const configFiles = record.config_files === undefined ? [...rules.defaultConfigFiles] : stringList(record.config_files, 'config_files')
  const python = optionalString(record.python, 'python') ?? rules.defaultPython
  return {
    packageName,
    packageType,
    osRelease,
    version,
    release,
    arch: parts?.[4],
    prefix,
    services,
    configFiles,
    python,
    rules,
  }
}

function stringList(value: unknown, field: string): string[] {
  if (typeof value === 'string') return value.split(',').map((part) => part.trim()).filter(Boolean)
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.map((item) => item.trim()).filter(Boolean)
  return invalid(field, 'a comma-separated string or an array of strings', JSON.stringify(value))
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') invalid(field, 'a non-empty string', JSON.stringify(value))
  return value
}

function invalid(field: string, expected: string, found: string): never {
  const where = field === '' ? 'version.json' : `version.json: ${field}`
  throw new InstallError('E_MANIFEST_INVALID', `${where}: expected ${expected}, found ${found}`, {
    file: 'version.json',
    field,
    expected,
    found,
  })
}
