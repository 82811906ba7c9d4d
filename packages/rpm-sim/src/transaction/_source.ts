// Adapts the rpm format layer's package model to the engine's, so the engine depends on one small shape.
import { openRpm, readRpmPayload } from '../format/reader.js'
import type { RpmPackage } from '../format/package.js'
import type { EngineHeader, PackageSource } from '../format/model.js'
import { isDevice, senseText } from '../format/model.js'

const dep = (d: { name: string; flags: number; version: string }): string =>
  d.version ? `${d.name} ${senseText(d.flags)} ${d.version}` : d.name

/** The engine's header view of a package read by the format layer. */
export function engineHeader(pkg: RpmPackage): EngineHeader {
  return {
    name: pkg.name,
    ...(pkg.epoch !== undefined ? { epoch: pkg.epoch } : {}),
    version: pkg.version,
    release: pkg.release,
    arch: pkg.arch,
    digestAlgo: pkg.fileDigestAlgo,
    files: pkg.files.map((f) => ({
      path: f.path,
      kind: f.kind,
      mode: f.mode,
      size: f.size,
      ...(f.kind === 'file' && f.digest ? { digest: f.digest.toLowerCase() } : {}),
      ...(f.kind === 'symlink' ? { linkTarget: f.linkTarget } : {}),
      ...(isDevice(f.mode) ? { rdev: f.rdev } : {}),
      user: f.user || 'root',
      group: f.group || 'root',
      mtime: f.mtime,
      flags: Object.fromEntries(Object.entries(f.flags).filter(([, on]) => on)),
    })),
    scripts: Object.fromEntries(
      Object.entries(pkg.scripts).map(([k, s]) => [k, { interpreter: [...s.interpreter], body: s.body }]),
    ),
    triggers: pkg.triggers.map((t) => ({
      kind: t.kind,
      name: t.name,
      sense: senseText(t.flags),
      ...(t.version ? { version: t.version } : {}),
      script: { interpreter: [...t.script.interpreter], body: t.script.body },
    })),
    summary: pkg.summary,
    description: pkg.description,
    license: pkg.license,
    group: pkg.group,
    url: pkg.url,
    vendor: pkg.vendor,
    buildTime: pkg.buildTime,
    buildHost: pkg.buildHost,
    sourceRpm: pkg.sourceRpm,
    size: pkg.installedSize,
    provides: pkg.provides.map(dep),
    requires: pkg.requires.map(dep),
    conflicts: pkg.conflicts.map(dep),
    obsoletes: pkg.obsoletes.map(dep),
  }
}

/** Opens an .rpm file as a package source (header now, read once; payload streamed when asked). */
export async function openPackageSource(file: string): Promise<PackageSource> {
  const rpm = await openRpm(file)
  return {
    origin: file,
    header: engineHeader(rpm.pkg),
    // The payload entries as the reader makes them (path, size, nlink, and the body whole or streamed).
    payload: () => readRpmPayload(rpm),
  }
}
