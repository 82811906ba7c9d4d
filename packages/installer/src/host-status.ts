// `./install --status`: what a host has of the archive's product, read from the package database and the
// installer's records (no archive payload needed): installed version, last transaction, the .rpmnew /
// .rpmsave / .rpmorig files still lying beside their targets, and drift as `rpm -V` reports it.
import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import type { CreatedFile, Engine } from './engine/engine.js'
import type { InstallRecord } from './records.js'

/** The last transaction of the product, as `--status` reports it. */
export interface LastTransaction {
  id: string
  time: string
  action: InstallRecord['action']
  from?: string
  to?: string
  packageName: string
  rolledBackBy?: string
  /** A run that was killed before it finished. */
  interrupted?: boolean
}

/** What a host has of one product; `--status --json` prints it as the result's `host` field. */
export interface HostStatus {
  product: string
  /** `name-version-release.arch` installed now, or null. */
  installed: string | null
  /** Its version, or null. */
  version: string | null
  last: LastTransaction | null
  /** `.rpmnew` / `.rpmsave` / `.rpmorig` files the product's transactions created that are still on disk. */
  pending: CreatedFile[]
  /** `rpm -V` lines of the installed package (empty: every file matches the database). */
  drift: string[]
  /** Services a killed run stopped and did not start again; the next `./install` or `--rollback` starts them. */
  stopped: string[]
}

/**
 * Reads the product's state under `root` through `engine` (rpm -V, queries) and the installer's records;
 * `stopped`: the services of the notes killed runs left (described as the installer names them).
 */
export async function readHostStatus(
  root: string,
  engine: Engine,
  product: string,
  records: readonly InstallRecord[],
  stopped: readonly string[] = [],
): Promise<HostStatus> {
  const installed = await engine.installed(product)
  const mine = records.filter((r) => r.product === product)
  const last = mine.at(-1)
  const pending = new Map<string, CreatedFile>()
  for (const record of mine) {
    for (const file of record.created ?? []) if (onDisk(join(root, file.savedAs))) pending.set(file.savedAs, file)
  }
  return {
    product,
    installed: installed?.nevra ?? null,
    version: installed?.version ?? null,
    last: last === undefined ? null : lastTransaction(last),
    pending: [...pending.values()],
    drift: installed === undefined ? [] : await engine.verify(product),
    stopped: [...stopped],
  }
}

function lastTransaction(record: InstallRecord): LastTransaction {
  return {
    id: record.id,
    time: record.time,
    action: record.action,
    ...(record.from === undefined ? {} : { from: record.from }),
    ...(record.to === undefined ? {} : { to: record.to }),
    packageName: record.packageName,
    ...(record.rolledBackBy === undefined ? {} : { rolledBackBy: record.rolledBackBy }),
    ...(record.pending === true ? { interrupted: true } : {}),
  }
}

// lstat, not exists: a .rpmsave that is a dangling symlink is still the operator's to look at.
function onDisk(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}
