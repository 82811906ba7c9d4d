// What one archive installs (the target): its name and version, and how its payload reaches the engine: an rpm
// from the payload, a tracked package written from staged files, or (agent payloads) a source read from
// package.tar.gz once, when the transaction asks for it.
import { readdirSync } from 'node:fs'
import { formatNEVRA } from '@rdbpkg/core'
import { join } from 'node:path'
import type { Engine } from './engine/engine.js'
import { writeTrackedRpm } from './engine/_tracked-rpm.js'
import type { TrackedSpec } from './engine/_tracked-rpm.js'
import type { ArchiveManifest } from './_archive.js'
import { InstallError } from './errors.js'
import { hostRpmArch } from './host.js'
import { stagingDirFor } from './payload.js'
import { newRecordId } from './records.js'
import { trackedFiles } from './_tracked.js'
import { scanPayload, stagePayload, streamedSource } from './_tracked-source.js'
import type { PackageSource } from './_tracked-source.js'
import { readWheelFile } from './wheels.js'

/** What describing a target needs from a run; `staging` is set when a folder is made for the payload. */
export interface TargetRun {
  root: string
  staging?: string
  options: {
    hostArch?: string
    dryRun?: boolean
    maxRatio?: number
    onProgress?: (progress: { step: 'stage'; bytesDone: number; bytesTotal: number }) => void
  }
}

export interface Target {
  name: string
  /** File payloads: read package.tar.gz once (a dry run scans, a real run stages) and describe the package. */
  source?: () => Promise<PackageSource>
  nevra: string
  evr: { epoch: number; version: string; release: string }
  tracked?: TrackedSpec
  rpmFile?: string
  wheels?: string[]
  wheelNames: string[]
}

export async function describeTarget(
  run: TargetRun,
  manifest: ArchiveManifest,
  engine: Engine,
  staged: string,
): Promise<Target> {
  const rules = manifest.rules
  const arch = manifest.arch ?? run.options.hostArch ?? hostRpmArch()
  if (rules.payload === 'rpm') {
    const rpmName = readdirSync(staged).find((name) => rules.rpmPattern?.test(name))
    if (rpmName === undefined) {
      throw new InstallError('E_PAYLOAD_MISMATCH', `package.tar.gz: ${rules.entries[0]?.label ?? 'rpm'}: missing`, {
        file: 'package.tar.gz',
      })
    }
    const rpmFile = join(staged, rpmName)
    const facts = await engine.inspect(rpmFile)
    return {
      name: facts.name,
      nevra: facts.nevra,
      evr: { epoch: facts.epoch ?? 0, version: facts.version, release: facts.release },
      rpmFile,
      wheelNames: [],
    }
  }
  const name = rules.trackedName!
  const nevra = formatNEVRA({ name, version: manifest.version, release: manifest.release, arch })
  const only = rules.payload === 'wheels' ? ['tools'] : undefined
  const tracked: TrackedSpec = {
    name,
    version: manifest.version,
    release: manifest.release,
    arch,
    files: trackedFiles(staged, manifest.prefix, manifest.configFiles, only),
  }
  const target: Target = {
    name,
    nevra,
    evr: { epoch: 0, version: manifest.version, release: manifest.release },
    tracked,
    wheelNames: [],
  }
  if (rules.payload === 'wheels') {
    target.wheels = readdirSync(staged)
      .filter((entry) => entry.endsWith('.whl'))
      .sort()
      .map((entry) => join(staged, entry))
    target.wheelNames = target.wheels.map((file) => readWheelFile(file).name)
  }
  return target
}

// A .rpm path, or the streamed source; tracked packages from staged files are written as an .rpm first.
export async function packageToApply(run: TargetRun, target: Target): Promise<string | PackageSource | undefined> {
  if (target.source !== undefined) return target.source()
  if (target.rpmFile !== undefined) return target.rpmFile
  if (target.tracked === undefined) return undefined
  const rpmFile = join(run.staging!, `${target.nevra}.rpm`)
  await writeTrackedRpm(target.tracked, rpmFile)
  return rpmFile
}

// Agent payloads are read from package.tar.gz once, when the transaction needs them: a real run writes each body
// once into its staging folder and rpm-sim renames it into place; a dry run only scans.
export function streamedTarget(run: TargetRun, manifest: ArchiveManifest, tarGz: string): Target {
  const name = manifest.rules.trackedName!
  const arch = manifest.arch ?? run.options.hostArch ?? hostRpmArch()
  const pkg = {
    name,
    version: manifest.version,
    release: manifest.release,
    arch,
    prefix: manifest.prefix,
    configGlobs: manifest.configFiles,
  }
  const onProgress = run.options.onProgress
  const read = {
    ...(run.options.maxRatio === undefined ? {} : { maxRatio: run.options.maxRatio }),
    ...(onProgress === undefined
      ? {}
      : {
          onProgress: (bytesDone: number, bytesTotal: number) =>
            onProgress({ step: 'stage' as const, bytesDone, bytesTotal }),
        }),
  }
  return {
    name,
    nevra: formatNEVRA(pkg),
    evr: { epoch: 0, version: manifest.version, release: manifest.release },
    source: async () => {
      if (run.options.dryRun) return streamedSource(pkg, await scanPayload(tarGz, read))
      run.staging = stagingDirFor(run.root, manifest.prefix, newRecordId())
      return streamedSource(pkg, await stagePayload(tarGz, run.staging, read))
    },
    wheelNames: [],
  }
}
