// Which engine a run gets: the host's real rpm or rpm-sim.
import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Identity, ScriptEnv, TransactionColors, TransactionFault } from '@rdbpkg/rpm-sim'
import type { Engine, EnginePreference } from './engine.js'
import { RealRpmEngine } from './_real-rpm.js'
import { RpmSimEngine } from './_rpm-sim.js'

const run = promisify(execFile)

/** True when the host has a working `rpm`. */
export async function hostHasRpm(): Promise<boolean> {
  try {
    await run('rpm', ['--version'])
    return true
  } catch {
    return false
  }
}

/**
 * Opens the engine for `root`. `auto`: the host's real rpm when it has one and the root is `/` (rpm payloads
 * only: tracked file payloads always live in rpm-sim's database), else rpm-sim.
 */
export async function openEngine(
  root: string,
  preference: EnginePreference,
  payload: 'rpm' | 'files' | 'wheels',
  fault?: TransactionFault,
  identity?: Identity,
  colors?: TransactionColors,
  scriptEnv?: ScriptEnv,
): Promise<Engine> {
  const useRpm =
    preference === 'rpm' ||
    (preference === 'auto' && payload === 'rpm' && resolve(root) === '/' && (await hostHasRpm()))
  return useRpm ? new RealRpmEngine(resolve(root)) : new RpmSimEngine(resolve(root), fault, identity, colors, scriptEnv)
}
