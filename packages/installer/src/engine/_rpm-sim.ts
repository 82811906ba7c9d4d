// The rpm-sim adapter: the engine for any root, a library call per step.
import {
  getInstalled,
  listHistory,
  planTransaction,
  readRpm,
  recoverInterrupted,
  rollbackTransaction,
  runTransaction,
  verifyInstalled,
} from '@rdbpkg/rpm-sim'
import type { Identity, ScriptEnv, TransactionColors, TransactionFault, TransactionResult } from '@rdbpkg/rpm-sim'
import type { PackageSource } from '../_tracked-source.js'
import type { ApplyFlags, ApplyHooks, ApplyOutcome, Engine, InstalledFacts, PlannedFile, UndoTarget } from './engine.js'
import { installedFacts } from './engine.js'

function packages(what: string | PackageSource): { packages: string[]; sources?: PackageSource[] } {
  return typeof what === 'string' ? { packages: [what] } : { packages: [], sources: [what] }
}

/** rpm-sim bound to one root. */
export class RpmSimEngine implements Engine {
  readonly name = 'rpm-sim'
  constructor(
    private readonly root: string,
    private readonly fault?: TransactionFault,
    /** Who writes the files (rpm-sim chowns to the packaged owners when its uid is 0). */
    private readonly identity?: Identity,
    /** rpm's multilib colors on the host (see defaultColors): what the host's own rpm would use. */
    private readonly colors?: TransactionColors,
    /** The environment scriptlets inherit (see the installer's scriptEnv option). */
    private readonly scriptEnv?: ScriptEnv,
  ) {}

  async installed(name: string): Promise<InstalledFacts | undefined> {
    const found = await getInstalled(this.root, name)
    const last = found.at(-1)
    return last === undefined ? undefined : installedFacts(last)
  }

  async inspect(rpmFile: string): Promise<InstalledFacts> {
    return installedFacts(await readRpm(rpmFile))
  }

  async plan(
    rpmFile: string | PackageSource,
    flags: ApplyFlags,
  ): Promise<{ problems: string[]; files: PlannedFile[] }> {
    const plan = await planTransaction({
      root: this.root,
      op: 'upgrade',
      ...packages(rpmFile),
      flags: { ...flags, repackage: true },
      colors: this.colors,
    })
    const files: PlannedFile[] = []
    for (const element of plan.elements) {
      for (const file of element.files) {
        files.push({
          path: file.path,
          fate: element.op === 'erase' && file.fate !== 'erase' ? `erase/${file.fate}` : file.fate,
          reason: file.reason,
        })
      }
    }
    return { problems: plan.problems, files }
  }

  async upgrade(
    rpmFile: string | PackageSource,
    flags: ApplyFlags,
    description = 'rdbpkg install',
    hooks: ApplyHooks = {},
  ): Promise<ApplyOutcome> {
    const result = await runTransaction({
      root: this.root,
      op: 'upgrade',
      ...packages(rpmFile),
      flags: { ...flags, repackage: true },
      // What the upgrade replaces stays kept by hard link; the .rpm is written only if a rollback needs it.
      repackageLazily: true,
      description,
      fault: this.fault,
      identity: this.identity,
      colors: this.colors,
      scriptEnv: this.scriptEnv,
      ...hooks,
    })
    return outcomeOf(result)
  }

  async findTransaction(description: string): Promise<Pick<UndoTarget, 'tid'> | undefined> {
    // A transaction a kill interrupted after its commit began is finished first: then its history names it.
    await recoverInterrupted(this.root, { scriptEnv: this.scriptEnv })
    const found = (await listHistory(this.root))
      .filter((r) => r.description === description && r.op !== 'rollback' && r.exitCode === 0)
      .at(-1)
    return found === undefined ? undefined : { tid: found.tid }
  }

  async rollback(target: UndoTarget, hooks: ApplyHooks = {}): Promise<ApplyOutcome> {
    const tid = Number(target.tid)
    const later = (await listHistory(this.root)).filter(
      (r) => r.tid > tid && r.op !== 'rollback' && r.rolledBack === undefined,
    )
    if (later.length > 0) {
      const names = later.flatMap((r) => r.elements.map((e) => e.nevra))
      return {
        ok: false,
        problems: [`later transactions would be undone too (${names.join(', ')}): roll those back first`],
        created: [],
        warnings: [],
      }
    }
    const result = await rollbackTransaction({
      root: this.root,
      tid,
      flags: { noscripts: target.noscripts },
      fault: this.fault,
      identity: this.identity,
      scriptEnv: this.scriptEnv,
      ...hooks,
    })
    return outcomeOf(result)
  }

  async verify(name: string): Promise<string[]> {
    if ((await getInstalled(this.root, name)).length === 0) return []
    return verifyInstalled(this.root, name)
  }
}

/** What the installer keeps of an rpm-sim transaction's result. */
function outcomeOf(result: TransactionResult): ApplyOutcome {
  return {
    ok: result.ok,
    tid: result.tid,
    problems: result.problems,
    created: result.created,
    warnings: result.warnings,
  }
}
