// Facts about the target host: its os-release ID and its rpm arch, checked against the archive's manifest.
import { OS_RELEASE_PATHS, isArchCompatible, matchOsRelease, nodeArchToRpmArch, parseOsRelease } from '@rdbpkg/core'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { InstallError } from './errors.js'

/** The os-release of a root: its fields and the file they came from. */
export interface OsRelease {
  /** Lower-case `ID` (empty when the file has none). */
  id: string
  /** Every field of the file. */
  fields: Record<string, string>
  /** The file the fields were read from. */
  file: string
}

/** Reads `<root>/etc/os-release`, falling back to `<root>/usr/lib/os-release`; throws E_OS_RELEASE_INVALID. */
export function readOsRelease(root: string): OsRelease {
  for (const rel of OS_RELEASE_PATHS) {
    const file = join(root, rel)
    if (!existsSync(file)) continue
    const fields = parseOsRelease(readFileSync(file, 'utf8'))
    return { id: (fields.ID ?? '').trim().toLowerCase(), fields, file }
  }
  const [file, fallback] = OS_RELEASE_PATHS.map((rel) => join(root, rel))
  throw new InstallError(
    'E_OS_RELEASE_INVALID',
    `${file}: missing (and no ${fallback}; cannot tell which OS this is)`,
    { file },
  )
}

/** Throws E_OS_MISMATCH naming the ID found and the IDs allowed when the host's ID is not allowed. */
export function checkOs(os: OsRelease, allowed: readonly string[]): void {
  const match = matchOsRelease(os.fields, allowed, os.file)
  if (match.ok) return
  throw new InstallError(
    'E_OS_MISMATCH',
    `${match.message ?? os.file} (version.json os_release allows ${match.allowed.join(', ')})`,
    {
      file: os.file,
      field: 'ID',
      expected: match.allowed.join(', '),
      found: match.id ?? 'no ID',
    },
  )
}

/** The rpm arch of the host Node runs on (`x86_64`, `aarch64`, ...). */
export function hostRpmArch(nodeArch: string = process.arch): string {
  return nodeArchToRpmArch(nodeArch) ?? nodeArch
}

/** Throws E_ARCH_MISMATCH when the package's arch cannot run on the host (`noarch` runs anywhere). */
export function checkArch(packageArch: string | undefined, hostArch: string, packageName: string): void {
  if (packageArch === undefined || isArchCompatible(packageArch, hostArch)) return
  throw new InstallError(
    'E_ARCH_MISMATCH',
    `version.json: package_name: ${packageName} is built for ${packageArch}, this host is ${hostArch}`,
    {
      file: 'version.json',
      field: 'package_name',
      expected: hostArch,
      found: packageArch,
    },
  )
}

/** Throws E_NEEDS_ROOT when a run that writes targets `/` without root (another --root is the operator's own). */
export function checkNeedsRoot(root: string, euid: number, packageName: string): void {
  if (root !== '/' || euid === 0) return
  throw new InstallError(
    'E_NEEDS_ROOT',
    `${packageName}: installing into / needs root (run as root, or use --root DIR)`,
    {
      expected: 'uid 0',
      found: `uid ${euid}`,
    },
  )
}
