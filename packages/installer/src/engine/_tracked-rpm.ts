// The rpm the installer writes for a file payload (a tracked package), so rpm-sim's database owns its files.
import type { RpmSpecFile } from '@rdbpkg/rpm-sim'
import { writeRpm } from '@rdbpkg/rpm-sim'
import type { TrackedFile } from '../_tracked.js'

/** What a tracked package built from a file payload is. */
export interface TrackedSpec {
  name: string
  version: string
  release: string
  arch: string
  files: TrackedFile[]
}

/** Writes a tracked package (uncompressed payload, for speed) to `outFile`. */
export async function writeTrackedRpm(spec: TrackedSpec, outFile: string): Promise<void> {
  await writeRpm(
    {
      name: spec.name,
      version: spec.version,
      release: spec.release,
      arch: spec.arch,
      summary: `${spec.name} (installed by rdbpkg)`,
      files: spec.files.map((file) => toSpecFile(file)),
      compressor: 'none',
    },
    outFile,
  )
}

function toSpecFile(file: TrackedFile): RpmSpecFile {
  return {
    path: file.path,
    kind: file.kind,
    mode: file.mode,
    ...(file.source === undefined ? {} : { source: file.source }),
    ...(file.linkTarget === undefined ? {} : { linkTarget: file.linkTarget }),
    ...(file.flags === undefined ? {} : { flags: file.flags }),
  }
}
