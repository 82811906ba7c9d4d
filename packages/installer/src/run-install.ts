// One run of the installer, as a library: verify, check the host, lock, stage the new files and plan while the
// services still run, then stop them only for the swap (the engine's window), start them again, record. Never
// prints: messages go through `onMessage`, progress through `onProgress`, the outcome is the returned result.
import type { Identity, ScriptEnv, TransactionFault } from '@rdbpkg/rpm-sim'
import { defaultColors } from '@rdbpkg/rpm-sim'
import { compareEVR, isRdbpkgError } from '@rdbpkg/core'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { openEngine } from './engine/_open.js'
import type {
  ApplyFlags,
  ApplyHooks,
  ApplyOutcome,
  Engine,
  EnginePreference,
  PlannedFile,
  UndoTarget,
} from './engine/engine.js'
import { locateArchive, readArchiveManifest } from './_archive.js'
import type { ArchiveManifest } from './_archive.js'
import { InstallError, fsInstallError } from './errors.js'
import { readHostStatus } from './host-status.js'
import { EXIT_CODES, exitCodeFor, isRefusal } from './exit-codes.js'
import { checkArch, checkNeedsRoot, checkOs, hostRpmArch, readOsRelease } from './host.js'
import { InstallLog } from './_install-log.js'
import { INSTALLER_VERSION } from './installer-version.js'
import { acquireLock } from './_lock.js'
import type { InstallLock } from './_lock.js'
import { extractPayload, removeLeftoverStaging, removeStaging, stagingDir } from './payload.js'
import {
  clearStopped,
  lastUndoable,
  listRecords,
  listStopped,
  newRecordId,
  recordDescription,
  removeRecord,
  saveRecord,
  saveStopped,
} from './records.js'
import type { InstallRecord } from './records.js'
import { describeService, findRunningServices, startServices, stopServices } from './_services.js'
import type { RunningService } from './_services.js'
import type { InstallResult } from './install-result.js'
import { formatSummary } from './_summary.js'
import { describeTarget, packageToApply, streamedTarget } from './_target.js'
import type { PackageSource } from './_tracked-source.js'
import type { Target } from './_target.js'
import { verifyArchive } from './verify.js'
import { applyWheels, installedWheelFacts, readWheelFile, resolvePython, rollbackWheels } from './wheels.js'
import type { WheelOutcome } from './wheels.js'

/** One line the run wants shown: results on stdout (`info`), problems on stderr (`warn`, `error`). */
export interface InstallMessage {
  level: 'info' | 'warn' | 'error' | 'debug'
  text: string
}

/** What one run is asked to do. */
export interface RunInstallOptions {
  /** The folder relative paths are resolved from (default: process.cwd()). */
  cwd?: string
  /** The running bundle; its folder is the archive when it holds version.json and SHA256SUMS. */
  bundleFile?: string
  /** The archive folder, overriding the above. */
  archiveDir?: string
  /** The target root (default `/`). */
  root?: string
  force?: boolean
  dryRun?: boolean
  check?: boolean
  rollback?: boolean
  history?: boolean
  /** Report what the host has of the product (installed, last transaction, pending config files, drift). */
  status?: boolean
  noscripts?: boolean
  /** `auto` (default): real rpm for rpm payloads when the host has rpm and the root is `/`, else rpm-sim. */
  engine?: EnginePreference
  /**
   * The effective uid of the run, logged and checked: writing into `/` needs 0. The CLI passes process.geteuid();
   * left out, the uid is logged as `?` and not checked (the writes themselves then fail with EACCES).
   */
  euid?: number
  /** Crash tests only: rpm-sim kills this process at a given step (bin.ts reads it from RPMSIM_FAULT). */
  fault?: TransactionFault
  /**
   * Who writes the files: uid, gid and umask (bin.ts passes the process's). rpm-sim gives files their packaged
   * owners only when the uid is 0; left out, files keep the creating user's owner.
   */
  identity?: Identity
  /** The environment the packages' scriptlets inherit under rpm-sim (bin.ts passes the process's), as under rpm. */
  scriptEnv?: ScriptEnv
  /** The host's rpm arch (default: from process.arch). */
  hostArch?: string
  /** How services are found (default: systemd when root is `/` and systemd runs, else /proc). */
  serviceMethod?: 'systemd' | 'proc'
  /** Refuse a payload that expands more than this many times its size (default 100, as the builder). */
  maxRatio?: number
  /** How long a process gets between SIGTERM and SIGKILL (default 10 s). */
  serviceGraceMs?: number
  onMessage?: (message: InstallMessage) => void
  /** Progress of the long steps, in bytes: verifying the archive, staging the new files, the swap. */
  onProgress?: (progress: InstallProgress) => void
}

/** One progress report. */
export interface InstallProgress {
  step: 'verify' | 'stage' | 'swap'
  bytesDone: number
  bytesTotal: number
}

interface Run {
  options: RunInstallOptions
  root: string
  log: InstallLog
  result: InstallResult
  say: (level: InstallMessage['level'], text: string) => void
  lock?: InstallLock
  staging?: string
  stopped: RunningService[]
  /** This run's id (its record, its note of stopped services). */
  id: string
  /** Notes of stopped services left by killed runs, whose services this run starts again. */
  adopted: string[]
  /** Open window: when it opened (ms since the epoch). */
  openedAt?: number
}

/** Runs the installer once; the result's `exitCode` is the documented exit code (SPEC section 6). */
export async function runInstall(options: RunInstallOptions): Promise<InstallResult> {
  const cwd = options.cwd ?? process.cwd()
  const root = resolve(cwd, options.root ?? '/')
  const log = new InstallLog(root)
  const result: InstallResult = {
    exitCode: EXIT_CODES.ok,
    installer: INSTALLER_VERSION,
    status: 'failed',
    services: { running: [], stopped: [], restarted: [], failed: [] },
    created: [],
    warnings: [],
    log: log.path,
  }
  const run: Run = {
    options,
    root,
    log,
    result,
    stopped: [],
    id: newRecordId(),
    adopted: [],
    say: (level, text) => {
      if (level === 'warn') result.warnings.push(text)
      options.onMessage?.({ level, text })
      log.line(`${level}: ${text}`)
    },
  }
  const mode = options.check
    ? 'check'
    : options.dryRun
      ? 'dry-run'
      : options.rollback
        ? 'rollback'
        : options.history
          ? 'history'
          : options.status
            ? 'status'
            : 'install'
  log.line(
    `start: ${mode}${options.force ? ' -f' : ''}${options.noscripts ? ' --noscripts' : ''} root=${root} uid=${options.euid ?? '?'} installer=${INSTALLER_VERSION} node=${process.version}`,
  )
  try {
    await steps(run, cwd)
  } catch (caught) {
    result.status = 'failed'
    // A disk that is full or read-only under the root is the host's state, not a bug: one line, exit 1.
    const error = isRdbpkgError(caught) ? caught : (fsInstallError(caught) ?? caught)
    if (isRdbpkgError(error)) {
      result.code = error.code
      // Staged files are named as the operator knows them: inside package.tar.gz.
      result.error =
        run.staging === undefined ? error.message : error.message.split(`${run.staging}/`).join('package.tar.gz: ')
      result.exitCode = exitCodeFor(error.code)
      if (isRefusal(result.exitCode)) result.status = 'refused'
    } else {
      result.error = (error as Error)?.message ?? String(error)
      result.exitCode = EXIT_CODES.failed
      log.line(`bug: ${(error as Error)?.stack ?? String(error)}`)
    }
    options.onMessage?.({ level: 'error', text: result.error })
  } finally {
    closeWindow(run)
    if (run.staging !== undefined) removeStaging(run.staging)
    run.lock?.release()
  }
  const final = `end: exit=${result.exitCode} status=${result.status}${result.packageName ? ` package=${result.packageName}` : ''}${
    result.from ? ` from=${result.from}` : ''
  }${result.to ? ` to=${result.to}` : ''}${result.error ? ` error=${result.error}` : ''}`
  if (['installed', 'upgraded', 'reinstalled', 'downgraded', 'rolled-back'].includes(result.status)) {
    for (const line of formatSummary(result).trimEnd().split('\n')) log.line(`summary: ${line.trim()}`)
  }
  // Refusals and runs that changed nothing leave one line; changes and failures leave everything they said.
  const quiet =
    isRefusal(result.exitCode) || ['unchanged', 'verified', 'planned', 'history', 'reported'].includes(result.status)
  if (quiet) log.finishQuiet(final)
  else {
    log.goLive()
    log.line(final)
  }
  return result
}

async function steps(run: Run, cwd: string): Promise<void> {
  const { options, result, say } = run
  const archive = locateArchive({
    cwd,
    ...(options.archiveDir === undefined ? {} : { explicit: options.archiveDir }),
    ...(options.bundleFile === undefined ? {} : { bundleFile: options.bundleFile }),
  })
  result.archive = archive
  const readOnlyHistory = options.history === true || options.rollback === true || options.status === true
  // Every digest first, as `sha256sum -c` would: nothing is written before the whole archive is known good.
  const verification = readOnlyHistory ? undefined : await verifyArchive(archive, run.root, progress(run, 'verify'))
  const manifest = readArchiveManifest(archive)
  if (verification !== undefined) {
    result.signature = verification.signature
    say('debug', `verified ${verification.files.length} files in SHA256SUMS (signature: ${verification.signature})`)
  }
  result.packageName = manifest.packageName
  result.packageType = manifest.packageType
  const product = productOf(manifest)
  result.product = product
  if (options.check) {
    result.status = 'verified'
    say(
      'info',
      `${manifest.packageName}: archive verified (SHA256SUMS${result.signature === 'none' ? '' : ', signature'})`,
    )
    return
  }
  if (options.history) {
    result.history = listRecords(run.root, (file, message) => say('warn', `${file}: skipped (${message})`)).filter(
      (r) => r.product === product,
    )
    result.status = 'history'
    return
  }
  // Who writes the files (as root, their packaged owners) and rpm's multilib colors for the host's arch, as the
  // host's own rpm would have them.
  const openRunEngine = () =>
    openEngine(
      run.root,
      options.engine ?? 'auto',
      manifest.rules.payload,
      options.fault,
      options.identity,
      defaultColors(options.hostArch ?? hostRpmArch()),
      options.scriptEnv,
    )
  if (options.status) {
    const engine = await openRunEngine()
    result.engine = engine.name
    const records = listRecords(run.root, (file, message) => say('warn', `${file}: skipped (${message})`))
    const notes = listStopped(run.root, (file, message) => say('warn', `${file}: skipped (${message})`))
    result.host = await readHostStatus(
      run.root,
      engine,
      product,
      records,
      notes.flatMap((note) => note.services.map(describeService)),
    )
    result.status = 'reported'
    return
  }
  if (!options.rollback) {
    checkOs(readOsRelease(run.root), manifest.osRelease)
    checkArch(manifest.arch, options.hostArch ?? hostRpmArch(), manifest.packageName)
  }
  if (!options.dryRun && options.euid !== undefined) checkNeedsRoot(run.root, options.euid, manifest.packageName)
  const engine = await openRunEngine()
  result.engine = engine.name
  if (options.rollback) return rollback(run, manifest, engine, product)

  if (!options.dryRun) {
    run.lock = acquireLock(run.root)
    adoptStopped(run, manifest)
    for (const dir of removeLeftoverStaging(run.root, manifest.rules.payload === 'files' ? manifest.prefix : undefined))
      say('debug', `removed ${dir} (left by an interrupted run)`)
  }
  const tarGz = join(archive, 'package.tar.gz')
  let target: Target | undefined
  if (manifest.rules.payload === 'files' && engine.name === 'rpm-sim') target = streamedTarget(run, manifest, tarGz)
  else {
    // A dry run writes nothing under the root: it stages in the system temp folder.
    run.staging = options.dryRun ? mkdtempSync(join(tmpdir(), 'rdbpkg-dry-run-')) : stagingDir(run.root, newRecordId())
    await extractPayload(tarGz, run.staging, 'package.tar.gz', options.maxRatio, progress(run, 'stage'))
    target = await describeTarget(run, manifest, engine, run.staging)
  }
  result.to = target.nevra
  const installed = await engine.installed(target.name)
  if (installed) result.from = installed.nevra

  const wheelState = target.wheels === undefined ? undefined : await wheelFacts(run, manifest, target.wheels)
  if (manifest.rules.requiresInstalled) {
    const present =
      manifest.rules.payload === 'wheels'
        ? wheelState !== undefined && wheelState.installedBefore.length > 0
        : installed !== undefined
    if (!present) {
      const what =
        manifest.rules.payload === 'wheels'
          ? `none of the wheels' distributions (${target.wheelNames.join(', ')}) is installed in ${wheelState?.python ?? manifest.python}`
          : `${target.name} is not installed`
      throw new InstallError(
        'E_PRECONDITION',
        `${manifest.packageName}: nothing to update: ${what} (install the product first)`,
        {
          field: 'package_type',
          found: 'not installed',
        },
      )
    }
  }
  const cmp =
    installed === undefined
      ? 1
      : compareEVR(target.evr, { epoch: installed.epoch ?? 0, version: installed.version, release: installed.release })
  const wheelsSame = wheelState === undefined || wheelState.allSame
  let action: InstallRecord['action'] =
    installed === undefined ? 'install' : cmp > 0 ? 'upgrade' : cmp === 0 ? 'reinstall' : 'downgrade'
  if (cmp === 0 && wheelsSame && !options.force) {
    result.status = 'unchanged'
    say('info', `${target.nevra} is already installed; nothing to do (use -f to reinstall)`)
    return
  }
  if (cmp === 0 && !wheelsSame) action = 'upgrade'
  if (cmp < 0 && !options.force) {
    throw new InstallError(
      'E_PRECONDITION',
      `${target.nevra}: ${installed!.nevra} (which is newer) is installed; use -f to downgrade`,
      {
        expected: `newer than ${installed!.nevra}`,
        found: target.nevra,
      },
    )
  }
  const flags: ApplyFlags = { replacepkgs: cmp === 0, oldpackage: cmp < 0, noscripts: options.noscripts === true }

  const running = runningServices(run, manifest)

  if (options.dryRun) {
    await dryRun(run, engine, target, flags, action, running)
    return
  }
  if (running.length > 0 && !options.force) {
    throw new InstallError(
      'E_SERVICES_RUNNING',
      `${manifest.packageName}: services running: ${running.map(describeService).join(', ')} (stop them, or run ./install -f to stop and restart them)`,
      {
        found: running.map(describeService).join(', '),
      },
    )
  }

  run.log.goLive()
  // Everything that needs no service stopped happens first: the payload is read, digested and staged (agent
  // payloads), or the package written (tools), while the services still run.
  const what = await packageToApply(run, target)
  const record: InstallRecord = {
    id: run.id,
    time: new Date().toISOString(),
    product,
    packageName: manifest.packageName,
    packageType: manifest.packageType,
    action,
    ...(installed ? { from: installed.nevra } : {}),
    to: target.nevra,
    engine: engine.name,
    tids: [],
    services: running.map(describeService),
    pending: true,
  }
  const createdDirs = saveRecord(run.root, record)
  try {
    await apply(run, target, what, record, engine, flags, wheelState, manifest, running)
  } catch (error) {
    removeRecord(run.root, record.id, createdDirs)
    throw error
  }
  delete record.pending
  saveRecord(run.root, record)
  result.record = record.id
  result.status =
    action === 'install'
      ? 'installed'
      : action === 'upgrade'
        ? 'upgraded'
        : action === 'reinstall'
          ? 'reinstalled'
          : 'downgraded'
  say('debug', `record ${record.id} saved`)
}

async function apply(
  run: Run,
  target: Target,
  what: string | PackageSource | undefined,
  record: InstallRecord,
  engine: Engine,
  flags: ApplyFlags,
  wheelState: Awaited<ReturnType<typeof wheelFacts>> | undefined,
  manifest: ArchiveManifest,
  running: RunningService[],
): Promise<void> {
  const { result, say } = run
  const window = serviceWindow(run, running)
  let wheelOutcome: WheelOutcome | undefined
  if (target.wheels !== undefined && wheelState !== undefined) {
    // pip changes the host from its first step: the window opens before it and holds the package too.
    await window.open()
    wheelOutcome = await applyWheels({
      python: wheelState.python,
      wheels: target.wheels,
      backupDir: join(run.root, 'var', 'spool', 'repackage'),
      recordId: record.id,
      onMessage: say,
    })
    record.wheels = {
      python: wheelState.python,
      replaced: wheelOutcome.replaced,
      installed: wheelOutcome.installed,
      ...(wheelOutcome.backup ? { backup: wheelOutcome.backup, backupBase: wheelOutcome.backupBase } : {}),
    }
    result.wheels = { installed: wheelOutcome.installed, replaced: wheelOutcome.replaced }
    saveRecord(run.root, record)
    if (!wheelOutcome.ok) {
      throw new InstallError(
        'E_TXN_PROBLEMS',
        `${manifest.packageName}: pip install failed, the replaced distributions were restored: ${wheelOutcome.error ?? ''}`,
        {},
      )
    }
  }
  let outcome: ApplyOutcome | undefined
  if (what !== undefined) {
    const hooks: ApplyHooks = { ...(run.openedAt === undefined ? { window } : {}), ...swapProgress(run) }
    outcome = await engine.upgrade(what, flags, recordDescription(record.id), hooks)
    relayWarnings(run, outcome)
    result.created.push(...outcome.created)
    if (!outcome.ok) {
      if (wheelOutcome?.ok && record.wheels !== undefined) {
        await rollbackWheels({
          python: record.wheels.python,
          installed: record.wheels.installed,
          backup: record.wheels.backup,
          backupBase: record.wheels.backupBase,
          onMessage: say,
        })
      }
      throw new InstallError('E_TXN_PROBLEMS', `${target.nevra}: not installed: ${whyNot(outcome)}`, {
        found: whyNot(outcome),
      })
    }
    if (outcome.tid !== undefined) record.tids.push(outcome.tid)
    if (outcome.created.length > 0) record.created = outcome.created
    if (outcome.repackaged) record.repackaged = outcome.repackaged
  }
  await window.close()
}

// Why a transaction failed, in one line: rpm's problems (conflicts, refusals) when it found any before it began, else
// the first error it printed as it ran (an element whose unpacking failed: a folder where the package has a file).
function whyNot(outcome: ApplyOutcome): string {
  if (outcome.problems.length > 0) return outcome.problems.map((p) => p.trim()).join('; ')
  const first = outcome.warnings.find((w) => w.startsWith('error: '))
  return first === undefined ? 'the engine reported a failure (see the lines above)' : first.slice('error: '.length)
}

async function wheelFacts(run: Run, manifest: ArchiveManifest, wheels: string[]) {
  const python = resolvePython(run.root, manifest.python ?? 'python3')
  const installed = await installedWheelFacts(
    python,
    wheels.map((file) => readWheelFile(file).name),
  )
  const incoming = wheels.map((file) => readWheelFile(file))
  const installedBefore = installed.filter((dist) => dist.version !== undefined)
  const allSame = incoming.every((wheel) =>
    installed.some((dist) => dist.key === wheel.key && dist.version === wheel.version),
  )
  return { python, installedBefore, allSame }
}

// The product's services that run now; recorded in the result either way.
function runningServices(run: Run, manifest: ArchiveManifest): RunningService[] {
  const running = findRunningServices({
    root: run.root,
    prefix: manifest.prefix,
    services: manifest.services,
    ...(run.options.serviceMethod === undefined ? {} : { method: run.options.serviceMethod }),
  })
  run.result.services.running = running.map(describeService)
  return running
}

async function dryRun(
  run: Run,
  engine: Engine,
  target: Target,
  flags: ApplyFlags,
  action: string,
  running: RunningService[],
): Promise<void> {
  const { result, say } = run
  let files: PlannedFile[] = []
  const what = await packageToApply(run, target)
  if (what !== undefined) {
    const plan = await engine.plan(what, flags)
    files = plan.files
    for (const problem of plan.problems) say('warn', problem)
  }
  result.plan = {
    action,
    files,
    services: running.map(describeService),
    ...(target.wheels ? { wheels: target.wheels.map((file) => readWheelFile(file).fileName) } : {}),
  }
  result.status = 'planned'
}

// The window the engine opens right before its first visible change and closes right after its last: services are
// stopped (noted first, so a run killed inside the window has them started by the next) and started again.
function serviceWindow(run: Run, running: RunningService[]): NonNullable<ApplyHooks['window']> {
  return {
    open: async () => {
      if (run.openedAt !== undefined) return
      run.openedAt = Date.now()
      if (running.length === 0) return
      saveStopped(run.root, { id: run.id, services: running })
      for (const service of running) run.say('info', `stopping ${describeService(service)}`)
      const stopped = await stopServices(
        running,
        run.options.serviceGraceMs === undefined ? {} : { graceMs: run.options.serviceGraceMs },
      )
      run.stopped.push(...stopped)
      run.result.services.stopped.push(...stopped.map(describeService))
    },
    close: async () => closeWindow(run),
  }
}

// Starts what was stopped (this run's services and those a killed run left stopped) and records the window.
function closeWindow(run: Run): void {
  if (run.stopped.length > 0) restart(run)
  for (const id of run.adopted.splice(0)) clearStopped(run.root, id)
  if (run.openedAt === undefined) return
  const closedAt = Date.now()
  clearStopped(run.root, run.id)
  const previous = run.result.window
  const downtimeMs = (previous?.downtimeMs ?? 0) + (closedAt - run.openedAt)
  run.result.window = {
    stoppedAt: previous?.stoppedAt ?? new Date(run.openedAt).toISOString(),
    startedAt: new Date(closedAt).toISOString(),
    downtimeMs,
  }
  run.log.line(
    `window: ${run.result.services.stopped.length > 0 ? 'services down' : 'swap'} ${closedAt - run.openedAt} ms (from ${new Date(run.openedAt).toISOString()} to ${new Date(closedAt).toISOString()})`,
  )
  delete run.openedAt
}

function restart(run: Run): void {
  const { started, failed } = startServices(run.stopped)
  run.result.services.restarted.push(...started.map(describeService))
  run.result.services.failed.push(...failed.map((f) => describeService(f.service)))
  for (const service of started) run.say('info', `started ${describeService(service)}`)
  for (const f of failed) run.say('warn', `could not start ${describeService(f.service)} again: ${f.error}`)
  run.stopped = []
}

// A run killed while its services were stopped left a note: what does not run now is started again with this
// run's (after its own change, if it makes one).
function adoptStopped(run: Run, manifest: ArchiveManifest): void {
  const notes = listStopped(run.root, (file, message) => run.say('warn', `${file}: skipped (${message})`))
  if (notes.length === 0) return
  const key = (s: RunningService): string => (s.kind === 'systemd' ? s.name : s.argv.join('\0'))
  const now = new Set(runningServices(run, manifest).map(key))
  for (const note of notes) {
    if (note.id === run.id) continue
    const missing = note.services.filter((service) => !now.has(key(service)))
    for (const service of missing)
      run.say(
        'info',
        `${describeService(service)} was stopped by an interrupted run: it is started again at the end of this one`,
      )
    run.stopped.push(...missing)
    run.adopted.push(note.id)
  }
}

function progress(
  run: Run,
  step: InstallProgress['step'],
): ((bytesDone: number, bytesTotal: number) => void) | undefined {
  const onProgress = run.options.onProgress
  return onProgress === undefined ? undefined : (bytesDone, bytesTotal) => onProgress({ step, bytesDone, bytesTotal })
}

function swapProgress(run: Run): Pick<ApplyHooks, 'onProgress'> {
  const onProgress = run.options.onProgress
  return onProgress === undefined ? {} : { onProgress: (p) => onProgress(p) }
}

async function rollback(run: Run, manifest: ArchiveManifest, engine: Engine, product: string): Promise<void> {
  const { result, say, options } = run
  run.lock = acquireLock(run.root)
  adoptStopped(run, manifest)
  const records = listRecords(run.root, (file, message) => say('warn', `${file}: skipped (${message})`))
  const last = await resolvePending(run, engine, records, product)
  if (last === undefined) {
    throw new InstallError('E_ROLLBACK_NONE', `${product}: no transaction to roll back (see ./install --history)`, {})
  }
  const running = runningServices(run, manifest)
  if (running.length > 0 && !options.force) {
    throw new InstallError(
      'E_SERVICES_RUNNING',
      `${product}: services running: ${running.map(describeService).join(', ')} (stop them, or run ./install --rollback -f)`,
      {},
    )
  }
  run.log.goLive()
  say('info', `rolling back ${last.action} of ${last.to ?? product}${last.from ? ` (back to ${last.from})` : ''}`)
  const window = serviceWindow(run, running)
  // pip's undo comes after the engine's: with wheels the window holds both.
  if (last.wheels !== undefined) await window.open()
  const undo: UndoTarget[] =
    last.engine === 'rpm'
      ? [
          {
            ...(last.repackaged ? { repackaged: last.repackaged } : {}),
            ...(last.to ? { installed: last.to } : {}),
            noscripts: options.noscripts === true,
          },
        ]
      : [...last.tids].reverse().map((tid) => ({ tid, noscripts: options.noscripts === true }))
  for (const target of undo) {
    const outcome = await engine.rollback(target, {
      ...(run.openedAt === undefined ? { window } : {}),
      ...swapProgress(run),
    })
    relayWarnings(run, outcome)
    result.created.push(...outcome.created)
    if (!outcome.ok) throw new InstallError('E_TXN_PROBLEMS', `${product}: rollback failed: ${whyNot(outcome)}`, {})
  }
  if (last.engine === 'rpm') removeCreatedNew(run, last)
  if (last.wheels !== undefined) {
    await rollbackWheels({
      python: last.wheels.python,
      installed: last.wheels.installed,
      backup: last.wheels.backup,
      backupBase: last.wheels.backupBase,
      onMessage: say,
    })
  }
  await window.close()
  const id = run.id
  const { pending: _pending, ...done } = last
  saveRecord(run.root, { ...done, rolledBackBy: id })
  saveRecord(run.root, {
    id,
    time: new Date().toISOString(),
    product,
    packageName: manifest.packageName,
    packageType: manifest.packageType,
    action: 'rollback',
    ...(last.to ? { from: last.to } : {}),
    ...(last.from ? { to: last.from } : {}),
    engine: engine.name,
    tids: [],
    services: running.map(describeService),
    rollbackOf: last.id,
  })
  result.record = id
  if (last.to) result.from = last.to
  if (last.from) result.to = last.from
  result.status = 'rolled-back'
}

// Real rpm knows nothing of our rollback: the .rpmnew files the undone upgrade left are its new configs, now
// stale. (.rpmsave files hold operator data and stay.) rpm-sim's rollback removes them itself.
function removeCreatedNew(run: Run, record: InstallRecord): void {
  for (const file of record.created ?? []) {
    if (file.kind !== 'rpmnew') continue
    const path = join(run.root, file.savedAs)
    if (!existsSync(path)) continue
    rmSync(path, { force: true })
    run.say('info', `removed ${file.savedAs} (left by the upgrade that was rolled back)`)
  }
}

// A record still pending was left by a killed run: find what its engine transaction did, if anything. A pending
// record with nothing behind it is dropped and the one before it is the last.
async function resolvePending(
  run: Run,
  engine: Engine,
  records: InstallRecord[],
  product: string,
): Promise<InstallRecord | undefined> {
  let last = lastUndoable(records, product)
  while (last?.pending === true) {
    const found = last.tids.length > 0 ? undefined : await engine.findTransaction(recordDescription(last.id), last.from)
    if (found !== undefined) {
      last = {
        ...last,
        ...(found.tid === undefined ? {} : { tids: [found.tid] }),
        ...(found.repackaged === undefined ? {} : { repackaged: [...found.repackaged] }),
      }
      break
    }
    if (last.tids.length > 0 || last.wheels !== undefined) break
    run.say('warn', `${last.id}: an interrupted run that changed nothing; dropped`)
    removeRecord(run.root, last.id)
    const dropped = last.id
    records = records.filter((r) => r.id !== dropped)
    last = lastUndoable(records, product)
  }
  return last
}

function relayWarnings(run: Run, outcome: ApplyOutcome): void {
  for (const line of outcome.warnings) run.say('warn', line.replace(/^warning: /, ''))
}

function productOf(manifest: ArchiveManifest): string {
  return manifest.rules.trackedName ?? manifest.rules.rpmName ?? manifest.packageType
}
