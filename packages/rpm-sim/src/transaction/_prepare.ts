// A transaction's plan, as rpm makes it before anything runs: the elements in rpm's order, rpm's problems (version
// checks, package verification, relocations, file conflicts) and each file's fate against the disk.
import { readlinkSync } from 'node:fs'
import { decideFileFate } from '@rdbpkg/core'
import type { EngineFile, PackageSource } from '../format/model.js'
import { nodeType } from '../format/model.js'
import { TAG, TYPE } from '../format/tags.js'
import { RootResolver, lstatQuiet } from '../base/_fs.js'
import { openPackageSource } from './_source.js'
import { unwarnedNotes } from '../format/checksig.js'
import { digestFile, writesContent } from './apply.js'
import type { InstalledFile } from '../db/db.js'
import { PackageDb } from '../db/db.js'
import type { EraseAction, FileAction, JournalErase, JournalInstall, JournalPlan } from './_plan.js'
import type { Erasure, Selection } from './_select.js'
import { selectElements } from './_select.js'
import { orderElements } from './_order.js'
import type { PackageRelocations } from './relocate.js'
import { installPrefixes, packageRelocations, relocatedPath } from './relocate.js'
import { colorWinner, outsideColors } from './colors.js'
import { filesDiffer, isConfig, ownersByHost, removalConflict } from './_conflicts.js'
import { DiskStates, atOrBelow, type diskState, excludedFiles, installFate } from './_fates.js'
import { plannedDirs } from './_dirs.js'
import type { TransactionOptions } from './options.js'

export interface Prepared {
  problems: string[]
  /** How many of `problems` rpm's checkProblems finds (versions, verification): those that stop %pretrans. */
  checked: number
  /** Erase labels that matched nothing (or several): the exit status of an erase with problems. */
  unmatched: number
  plan: JournalPlan
  sources: Map<number, PackageSource>
}

// rpm's rpmfileContentsEqual: what is at `host` is, by size, type and content (digest or link target), both the
// old version's file and the new one's.
async function sameOnDisk(
  host: string,
  old: EngineFile,
  f: EngineFile,
  algo: string,
  digestOf: (host: string, algo: string) => Promise<string>,
): Promise<boolean> {
  const st = lstatQuiet(host)
  if (st === undefined || st.size !== f.size || old.kind !== f.kind) return false
  if (f.kind === 'file') {
    if (!st.isFile() || old.digest === undefined || old.digest !== f.digest) return false
    return (await digestOf(host, algo).catch(() => undefined)) === f.digest
  }
  if (f.kind === 'symlink') return st.isSymbolicLink() && readlinkSync(host) === f.linkTarget
  return false
}

// Why a file of the color the transaction does not prefer is not written (rpm's FA_SKIPCOLOR).
const COLOR_LOST = 'color: the other build of the file is installed'

// What diskState says of a path that is not there.
const ABSENT: ReturnType<typeof diskState> = { state: null, needsDigest: false }

// The selection in rpm's transaction order (see _order.ts); an erasure keeps pointing at the install replacing it.
function inOrder(s: Selection): Pick<Selection, 'installs' | 'erasing'> {
  const erasures = [...s.erasing.values()]
  const order = orderElements([
    ...s.installs.map((i) => ({ op: 'install' as const, header: i.source.header })),
    ...erasures.map((e) => ({ op: 'erase' as const, header: e.pkg })),
  ])
  const n = s.installs.length
  const installs = order.filter((i) => i < n).map((i) => s.installs[i] as Selection['installs'][number])
  const moved = new Map(order.filter((i) => i < n).map((i, at) => [i, at]))
  const erasing = new Map<string, Erasure>()
  for (const i of order.filter((i) => i >= n)) {
    const e = erasures[i - n] as Erasure
    erasing.set(e.pkg.nevra, e.replacedBy === undefined ? e : { ...e, replacedBy: moved.get(e.replacedBy) ?? 0 })
  }
  return { installs, erasing }
}

export async function prepare(
  o: TransactionOptions,
  root: string,
  tid: number,
  warn: (l: string) => void,
  db = new PackageDb(root),
): Promise<Prepared> {
  const flags = o.flags ?? {}
  const replacefiles = flags.replacefiles === true || flags.force === true
  const installed = await db.list()
  const given = [...(o.sources ?? [])]
  if (o.op !== 'erase') for (const file of o.packages) given.push(await openPackageSource(file))
  // rpm warns of each signature whose key the root lacks as it reads the packages, once per key
  const keys = new Set<string>()
  for (const s of flags.nosignature === true ? [] : given)
    for (const n of unwarnedNotes(s.signatures ?? [], keys)) warn(`warning: ${s.origin}: ${n.text}`)
  const selected = selectElements(
    {
      op: o.op,
      labels: o.packages,
      sources: given,
      installed,
      alsoErase: o.alsoErase,
      replacepkgs: flags.replacepkgs === true || flags.force === true,
      oldpackage: flags.oldpackage === true || flags.force === true,
      allmatches: flags.allmatches === true,
      verbose: flags.verbose === true,
      colors: o.colors,
    },
    warn,
  )
  const { installs, erasing } = flags.noorder === true ? selected : inOrder(selected)
  const { problems, unmatched } = selected
  // rpm's checkProblems verifies each package file it adds before anything runs (verifyPackageFiles).
  if (flags.noverify !== true)
    for (const { source, nevra } of installs) {
      const why = await source.verify?.({
        digests: flags.nodigest !== true,
        signatures: flags.nosignature !== true,
        ...(o.verifyLevel !== undefined ? { level: o.verifyLevel } : {}),
      })
      if (why !== undefined) problems.push(`\tpackage ${nevra} does not verify: ${why}`)
    }
  // rpm's checkAdded: a relocation of a path that is not a prefix of the package (rpmteAddRelocProblems).
  const relocs = installs.map(({ source, nevra }) =>
    o.exact === undefined ? packageRelocations(source.header, nevra, flags) : { relocations: [], problems: [] },
  )
  for (const r of relocs) problems.push(...r.problems)
  const checked = problems.length
  // Fingerprints (owners, conflicts) follow every directory symlink, as rpm's do; where files are written follows
  // only the links rpm's safe-symlink rule allows (an unsafe one stays in the path: see apply.ts's checkDirChain).
  const resolver = new RootResolver(root)
  const writer = new RootResolver(root, { safeLinks: true })
  const tidHex = tid.toString(16).padStart(8, '0')
  const owners = ownersByHost(installed, (nevra) => erasing.has(nevra), resolver)
  const newOwners = new Map<string, { nevra: string; file: EngineFile; action: FileAction }>()
  const digestCache = new Map<string, string>()
  const disk = new DiskStates()
  const diskDigest = async (host: string, algo: string): Promise<string> => {
    const k = `${algo}:${host}`
    let d = digestCache.get(k)
    if (d === undefined) {
      d = await digestFile(host, algo)
      digestCache.set(k, d)
    }
    return d
  }

  const elements: (JournalInstall | JournalErase)[] = []
  const sources = new Map<number, PackageSource>()
  // Files any new package installs (by host path): an erasure leaves them to the install.
  const newHosts = new Set<string>()
  const now = o.time ?? Math.floor(Date.now() / 1000)
  // rpm's rpmtsGetTime(ts, 1) per installed package: the clock, or an overridden time counting up from it.
  const installTime = (index: number): number => (o.time !== undefined ? o.time + index : now)
  for (const [index, { source, nevra, replaces }] of installs.entries()) {
    sources.set(index, source)
    const h = source.header
    const oldFiles = new Map<string, EngineFile>()
    for (const p of replaces)
      for (const f of p.files) if (f.state === 'normal' && !oldFiles.has(f.path)) oldFiles.set(f.path, f)
    const files: InstalledFile[] = []
    const actions: FileAction[] = []
    const takesOver: JournalInstall['takesOver'] = []
    const { relocations } = relocs[index] as PackageRelocations
    // Where the files go: rpm's skipInstallFiles runs on the relocated names (so %_netsharedpath matches there),
    // its relocation code's exclusions (--excludepath) on the packaged ones.
    const placed = relocations.length > 0 ? h.files.map((f) => relocatedPath(f.path, relocations)) : undefined
    const skipped =
      o.exact === undefined
        ? excludedFiles(placed === undefined ? h.files : h.files.map((f, i) => ({ ...f, path: placed[i] as string })), {
            docs: flags.excludedocs,
            artifacts: flags.excludeartifacts,
            configs: flags.excludeconfigs,
            paths: o.netsharedPaths,
            ...(flags.excludepaths !== undefined && flags.excludepaths.length > 0
              ? {
                  also: new Set(
                    h.files.flatMap((f, i) => (atOrBelow(f.path, flags.excludepaths) ? [placed?.[i] ?? f.path] : [])),
                  ),
                }
              : {}),
            langs: o.installLangs,
            colors: o.colors,
          })
        : new Set<string>()
    for (const [i, packaged] of h.files.entries()) {
      // A relocated file is a copy with its new path (the header's own stays as packaged, its payload's name).
      const moved = placed?.[i] ?? packaged.path
      const f = moved === packaged.path ? packaged : { ...packaged, path: moved }
      const host = resolver.host(f.path)
      const writeHost = writer.host(f.path)
      const excluded = skipped.has(moved)
      // A colored file of a color the transaction does not install is never written (rpm's skipInstallFiles);
      // one whose other build the colors prefer is left to it (rpm's handleColorConflict).
      let wrongColor = o.exact === undefined && outsideColors(o.colors, f.color)
      if (!excluded && !wrongColor) newHosts.add(host)
      let shared: FileAction | undefined
      // The header's own file object becomes the record's, its state added: no copy per file.
      const netshared = excluded && atOrBelow(moved, o.netsharedPaths)
      files.push(
        Object.assign(f, {
          state: netshared ? ('netshared' as const) : excluded ? ('notinstalled' as const) : ('normal' as const),
        }),
      )
      if (o.exact === undefined && !excluded && !wrongColor) {
        for (const other of owners.get(host) ?? []) {
          if (!filesDiffer(other.file, f)) continue
          // A file of a package this transaction removes only conflicts where rpm cannot change its type.
          // rpm lets a removal conflict through on --test when the package has a %pretrans that may fix it.
          let conflicts = other.removed
            ? removalConflict(f, other.file, host, resolver) &&
              !(flags.test === true && h.scripts.pretrans !== undefined)
            : true
          const winner = conflicts ? colorWinner(o.colors, f.color, other.file.color) : undefined
          if (winner !== undefined) conflicts = false
          if (winner === 'old') wrongColor = true
          else if (!other.removed && !isConfig(f) && !isConfig(other.file))
            takesOver.push({
              nevra: other.nevra,
              path: other.file.path,
              ...(winner === 'new' ? { wrongColor: true as const } : {}),
            })
          if (conflicts && !replacefiles)
            problems.push(`\tfile ${f.path} from install of ${nevra} conflicts with file from package ${other.nevra}`)
        }
        const prior = newOwners.get(host)
        if (prior !== undefined && filesDiffer(prior.file, f)) {
          const winner = wrongColor ? undefined : colorWinner(o.colors, f.color, prior.file.color)
          if (winner === 'new') {
            // The earlier element's file loses: it is not written and its record says so.
            Object.assign(prior.file, { state: 'wrongcolor' as const })
            prior.action.fate = 'skip'
            prior.action.reason = COLOR_LOST
            delete prior.action.temp
            delete prior.action.suffix
          } else if (winner === 'old') wrongColor = true
          else if (!replacefiles) {
            // rpm names the element it is checking first, then the earlier one that has the file (its altNEVR).
            problems.push(`\tfile ${f.path} conflicts between attempted installs of ${nevra} and ${prior.nevra}`)
          }
        }
        if (prior !== undefined && prior.nevra !== nevra && !filesDiffer(prior.file, f)) {
          shared = prior.action
          // rpm: "if the other file is color skipped then skip this file too"
          if ((prior.file as InstalledFile).state === 'wrongcolor') wrongColor = true
        }
      }
      // One object per file, its optional fields set only when present (no spread copies: this runs per file of
      // every package, and the objects are most of what planning allocates).
      const action: FileAction = {
        path: f.path,
        host: writeHost,
        kind: f.kind,
        fate: 'skip',
        reason: '',
        mode: f.mode,
        // Owners are resolved when the files are written (after %pre); see resolveOwners.
        user: f.user,
        group: f.group,
        uid: 0,
        gid: 0,
        mtime: f.mtime,
        size: f.size,
      }
      if (f !== packaged) action.payloadPath = packaged.path
      if (f.caps !== undefined && flags.nocaps !== true) action.caps = f.caps
      if (f.linkTarget !== undefined) action.linkTarget = f.linkTarget
      if (f.rdev !== undefined) action.rdev = f.rdev
      if (f.digest !== undefined) action.digest = f.digest
      actions.push(action)
      if (wrongColor) {
        Object.assign(f, { state: 'wrongcolor' as const })
        action.reason = COLOR_LOST
        continue
      }
      if (o.exact === undefined && !excluded) newOwners.set(host, { nevra, file: f, action })
      if (f.flags.ghost === true || excluded) {
        action.reason = netshared ? 'netshared: not installed' : excluded ? 'doc: excluded' : 'ghost: never written'
        continue
      }
      const old = oldFiles.get(f.path)
      if (old !== undefined && old.kind === 'file' && (old.mode & 0o6000) !== 0) action.oldSetid = true
      // Below a directory that is not there (a fresh install's new folders) nothing is: no look per file.
      const d = writer.knownMissing(writeHost.slice(0, writeHost.lastIndexOf('/')))
        ? ABSENT
        : disk.state(writeHost, isConfig(f) || (old !== undefined && isConfig(old)))
      if (d.state !== null && d.needsDigest) d.state.digest = await diskDigest(writeHost, h.digestAlgo)
      const decision = installFate(f, old, d.state, o.exact !== undefined)
      action.fate = decision.fate
      action.reason = decision.reason
      if (decision.suffix) action.suffix = decision.suffix
      // rpm renames the new file over what is there when it commits, which fails on a directory (an operator's, or
      // one nothing owns); staging checks again after %pre (see stagePackage). A rollback moves it aside instead.
      if (decision.fate === 'create' && f.kind !== 'dir' && d.state?.kind === 'dir' && o.exact === undefined)
        action.dirInTheWay = true
      // A folder of the package where a file nothing owned stands (an operator's): rpm removes the file; rpm-sim
      // keeps it and the staging of the folder fails, as nothing an operator wrote is lost. A file that was the old
      // version's folder (replaced by hand) goes, as in rpm.
      if (
        f.kind === 'dir' &&
        old === undefined &&
        d.state !== null &&
        d.state.kind !== 'dir' &&
        d.state.kind !== 'symlink'
      )
        action.keepInTheWay = true
      // rpm's %_minimize_writes: a file the upgrade would rewrite with what is on disk already is only touched
      // (owner, mode, mtime), where neither version is %config or hard-linked (rpm's rpmfileContentsEqual).
      if (
        o.minimizeWrites === true &&
        action.fate === 'create' &&
        old !== undefined &&
        !isConfig(f) &&
        !isConfig(old) &&
        (old.nlink ?? 1) === 1 &&
        (f.nlink ?? 1) === 1 &&
        d.state !== null &&
        (await sameOnDisk(writeHost, old, f, h.digestAlgo, diskDigest))
      ) {
        action.fate = 'touch'
        action.reason = 'minimize writes: on disk as the new version: owner, mode and time set'
      }
      // A file two packages of this transaction share, identical: the first writes it, the later one leaves it
      // (rpm's handleOverlappedFiles), so its mtime and owner are the first's.
      if (shared !== undefined && f.kind !== 'dir' && writesContent(shared.fate) && writesContent(action.fate)) {
        action.fate = 'skip'
        action.reason = 'shared: an earlier package of the transaction writes it'
        delete action.suffix
      }
      // A touched file gets a temporary name too: written only if it is gone when its element unpacks (see
      // stagePackage), as rpm's fsm creates a touched file that vanished (a %pre that removes it).
      if (
        (writesContent(action.fate) || action.fate === 'touch') &&
        (f.kind === 'file' || f.kind === 'symlink' || nodeType(f.mode) !== undefined)
      )
        action.temp = `${writeHost};${tidHex}`
    }
    const { files: _drop, ...rest } = h
    void _drop
    const saved = o.exact?.recordFor(source.origin)
    const record =
      saved !== undefined
        ? { ...saved, installTime: installTime(index), installTid: tid, installIndex: index }
        : {
            ...rest,
            nevra,
            installTime: installTime(index),
            installTid: tid,
            installIndex: index,
            ...(h.prefixes !== undefined ? { installPrefixes: installPrefixes(h.prefixes, relocations) } : {}),
            // rpm's dbAdd puts the transaction's color into each header it adds
            otherTags: {
              ...h.otherTags,
              [TAG.INSTALLCOLOR]: { type: TYPE.INT32, values: [o.colors?.transaction ?? 0] },
            },
            files,
          }
    elements.push({
      op: 'install',
      nevra,
      origin: source.origin,
      record,
      replaces: replaces.map((p) => p.nevra),
      actions,
      takesOver,
    })
  }

  for (const { pkg, replacedBy, sameNevra } of erasing.values()) {
    const actions: EraseAction[] = []
    // rpm removes files walking the list backwards: its warnings come in that order.
    for (const f of [...pkg.files].reverse()) {
      // rpm's skipEraseFiles: what is below a %_netsharedpath stays, whatever its state.
      if (f.state !== 'normal' || atOrBelow(f.path, o.netsharedPaths)) continue
      const host = resolver.host(f.path)
      if (newHosts.has(host)) continue
      if ((owners.get(host) ?? []).some((x) => x.nevra !== pkg.nevra && !x.removed && x.file.state === 'normal'))
        continue
      const d = disk.state(host, isConfig(f))
      if (d.state === null && f.flags.ghost !== true && f.flags.missingok !== true) {
        // rpm's FA_ERASE of a file already gone: its removal fails, which rpm reports (a %ghost or %missingok not)
        actions.push({
          path: f.path,
          host,
          kind: f.kind,
          fate: 'erase',
          reason: 'absent: removal fails',
          missing: true,
        })
        continue
      }
      if (d.state !== null && d.needsDigest) d.state.digest = await diskDigest(host, pkg.digestAlgo)
      const decision = decideFileFate({ op: 'erase', old: f, disk: d.state })
      if (decision.fate !== 'erase' && decision.fate !== 'save') continue
      actions.push({
        path: f.path,
        host,
        kind: f.kind,
        fate: decision.fate,
        reason: decision.reason,
        ...(decision.suffix ? { suffix: decision.suffix } : {}),
      })
    }
    const { files: _files, ...header } = pkg
    void _files
    elements.push({
      op: 'erase',
      nevra: pkg.nevra,
      ...(replacedBy !== undefined ? { replacedBy } : {}),
      sameNevra,
      actions,
      header,
    })
  }

  const installElements = elements.filter((e): e is JournalInstall => e.op === 'install')
  const dirs = plannedDirs(installElements.map((e) => e.actions.flatMap((a) => (a.temp !== undefined ? [a.temp] : []))))
  for (const [k, e] of installElements.entries()) e.createdDirs = dirs[k] ?? []

  const plan: JournalPlan = {
    tid,
    root,
    time: now,
    op: o.rollbackOf !== undefined ? 'rollback' : o.op,
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.rollbackOf !== undefined ? { rollbackOf: o.rollbackOf } : {}),
    chown: o.identity?.uid === 0,
    elements,
    createdDirs: [],
    ...(flags.nodb === true ? { nodb: true as const } : {}),
  }
  // --noorder: rpm runs the elements as it added them, each install followed by the erasures it brings.
  if (flags.noorder === true) {
    const order = elements.flatMap((e, i) =>
      e.op === 'erase' && e.replacedBy !== undefined
        ? []
        : [
            i,
            ...(e.op === 'install'
              ? elements.flatMap((x, j) => (x.op === 'erase' && x.replacedBy === i ? [j] : []))
              : []),
          ],
    )
    if (order.some((k, at) => k !== at)) plan.order = order
  }
  return { problems, checked, plan, sources, unmatched }
}
