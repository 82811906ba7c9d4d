import { isRdbpkgError } from '@rdbpkg/core'
import { unreadable } from '../base/_fs.js'
import { checksigLine, checksigPackage, checksigSummary, signatureNotes, unwarnedNotes } from '../format/checksig.js'
import { Writable } from 'node:stream'
import { QUERY_PIPES, formatInfo } from '../query/_format.js'
import { openRpm } from '../format/reader.js'
import { queryShow } from './_query-show.js'
import { queryTagNames } from '../query/_tags.js'
import { engineHeader } from '../transaction/_source.js'
import type { MainIo, Mode, ParsedArgs } from './args.js'
import { UsageError, definedMacros, operandPath, parseArgs, verifyLevelOf } from './args.js'
import { TRANSACTION_MODES, checkOptions } from './_transaction.js'

const has = (args: ParsedArgs, ...letters: string[]): boolean => letters.every((l) => args.letters.includes(l))

/** The dispatch table; the transaction engine adds its modes here (install, erase, query the database, ...). */
export const MODES: Mode[] = [
  // rpm's own help switches: `-h` alone is not one (in rpm it is --hash, as in -Uvh).
  { name: 'help', matches: (a) => a.flags.has('help') || has(a, '?'), run: runHelp },
  { name: 'query-package', matches: (a) => has(a, 'q', 'p'), run: runQueryPackage },
  { name: 'checksig', matches: (a) => has(a, 'K') || a.flags.has('checksig'), run: runChecksig },
  { name: 'querytags', matches: (a) => a.flags.has('querytags'), run: runQueryTags },
  // the rpm rpm-sim behaves as, in rpm's words (scripts read the version from it)
  { name: 'version', matches: (a) => a.flags.has('version'), run: async (_a, io) => print(io, 'RPM version 4.18.0\n') },
  ...TRANSACTION_MODES,
]

/** What `rpm-sim --help` prints. */
export const HELP = `usage: rpm-sim [--root DIR] MODE [OPTIONS] [ARGS...]

rpm 4.x (as Debian's rpm 4.18 behaves) on any root folder; the database is <root>/var/lib/rpm-sim/.

modes:
  -i|-U|-F PKG.rpm...     install, upgrade, freshen
  --reinstall PKG.rpm...  install again over the same installed version (-i --replacepkgs)
  -e LABEL...             erase
  -q LABEL... | -qa [[TAG=]PATTERN...] | -qf FILE... | -q --whatprovides|--whatrequires NAME...
  -q --path|--whatconflicts|--whatobsoletes|--whatrecommends|--whatsuggests|--whatsupplements|--whatenhances|
     --triggeredby|--tid ARG... | -qg GROUP...
                          query installed packages: -i info; lists -l files, -c configs, -d docs, -L licenses,
                          -A artifacts, --noconfig, --noghost, --noartifact, -s states, --dump, -v long lines; -R/--requires, -P/--provides, --conflicts, --obsoletes, --scripts,
                          --recommends, --suggests, --supplements, --enhances,
                          --triggers, --changelog, --changes, --last (newest install first), --dupes,
                          --filesbypkg, --filecolor, --filecaps
  -qp PKG.rpm...          query package files, with the same options
  -K [-v] PKG.rpm...      check package files' digests and signatures (--nodigest, --nosignature); rpm-sim holds
                          no keys, so a signature is NOKEY (also warned once per key when -qp, -i, -U read one)
  --qf/--queryformat FMT  with -q and -qp: rpm's query format (%{TAG}, %-20{TAG:format}, [arrays], %|TAG?{..}:{..}|)
  -V LABEL... | -Va [[TAG=]PATTERN...]
                          verify installed files against the database, then run %verifyscript; leave a
                          check out with --nofiledigest (--nomd5), --nosize, --nolinkto, --nouser, --nogroup,
                          --nomtime, --nomode, --nordev, --nocaps; --nofiles, --noscripts
  --restore LABEL... | --restore -a
                          put back the owners, modes, capabilities and mtimes the database has for the packages' files
                          (--setperms, --setugids, --setcaps are its old names; -v names each package)
  --rollback [TID]        undo every transaction since TID (default: the last one)
  --history               list transactions
  --initdb | --rebuilddb  make the database where there is none | read and check every record (no index to rebuild)
  --querytags | --version the tag names rpm 4.18 knows | the rpm version rpm-sim behaves as (RPM version 4.18.0)

labels: NAME[-[EPOCH:]VERSION[-RELEASE]][.ARCH]; version, release and arch are rpm patterns, as are -qa's and
  -Va's: * any text, [...] a class, a leading ! negates, the rest a POSIX extended regular expression (rpm's
  mireDup); TAG is name (default), version, release, epoch, arch, nevra, vendor, ... as rpm names them

options (as rpm's): --root DIR, --dbpath DIR (ignored), --nodeps, --test, --justdb, --nodb, --excludedocs,
  --excludeartifacts, --excludeconfigs, --noscripts, --nopre, --nopost, --nopreun, --nopostun, --nopretrans, --noposttrans, --notriggers,
  --notriggerprein, --notriggerin, --notriggerun, --notriggerpostun, --excludepath PATH (each given), --noorder,
  --relocate OLD=NEW (each given), --prefix NEW, --badreloc (relocatable packages: files move, scriptlets get
  $RPM_INSTALL_PREFIX0...),
  --oldpackage, --replacepkgs, --replacefiles, --force, --repackage, -v, -h (hash marks), --nodigest,
  --nosignature, --noverify (package files are verified before a transaction, as rpm's default level: digests),
  --define "_transaction_color N" and --define "_prefer_color N" (multilib colors; default 3 and 2 on x86_64 and
  aarch64, as rpm's), --define "_netsharedpath PATH[:PATH...]" (neither installed nor removed there),
  --define "_minimize_writes 1" (an upgrade leaves files already as the new version in place),
  --define "_install_langs LANG[:LANG...]" (files marked %lang for none of them are not installed; all: every one),
  --define "_excludedocs 1" (as --excludedocs), --define "_pkgverify_level none|digest|signature|all" (what must
  verify for -K and before an install; default digest); other macros are accepted and ignored

exit codes: 0 done; otherwise problems or errors (printed as rpm prints them), 1 or, as rpm, the number of
  packages of a transaction that failed
`

async function print(io: MainIo, text: string): Promise<number> {
  io.stdout.write(text)
  return 0
}

async function runQueryTags(_args: ParsedArgs, io: MainIo): Promise<number> {
  return print(
    io,
    queryTagNames()
      .map((n) => `${n}\n`)
      .join(''),
  )
}

async function runHelp(_args: ParsedArgs, io: MainIo): Promise<number> {
  return print(io, HELP)
}

/** `-qp`, `-qpl`, `-qpi` on package files: prints what rpm prints; exit 1 if any package could not be read. */
async function runQueryPackage(args: ParsedArgs, io: MainIo): Promise<number> {
  if (args.operands.length === 0) throw new UsageError('no arguments given for query')
  const show = queryShow(args)
  const keys = new Set<string>()
  let failures = 0
  for (const operand of args.operands) {
    const file = operandPath(operand, io.cwd)
    const why = unreadable(file)
    if (why !== undefined) {
      io.stderr.write(`error: open of ${operand} failed: ${why}\n`)
      failures++
      continue
    }
    try {
      const rpm = await openRpm(file)
      // rpm warns of a signature whose key it lacks as it reads the package, once per key
      if (!args.flags.has('nosignature'))
        for (const n of unwarnedNotes(signatureNotes(rpm.signature), keys))
          io.stderr.write(`warning: ${operand}: ${n.text}\n`)
      const r = show(engineHeader(rpm.pkg), () => [
        formatInfo(rpm.pkg, { signature: rpm.signature }).replace(/\n$/, ''),
      ])
      for (const l of r.errors) io.stderr.write(`${l}\n`)
      io.stdout.write(r.text)
    } catch (error) {
      if (!isRdbpkgError(error)) throw error
      io.stderr.write(`error: ${error.message.replaceAll(file, operand)}\n`)
      failures++
    }
  }
  // rpm's exit status of -qp: one per package file it could not read (rpmgiNumErrors)
  return Math.min(failures, 255)
}

/** `-K [-v] PKG.rpm...`: rpm's digest and signature check; exit status the number of packages that failed. */
async function runChecksig(args: ParsedArgs, io: MainIo): Promise<number> {
  if (args.operands.length === 0) throw new UsageError('no packages given for checking')
  const verbose = has(args, 'v')
  const verify = verifyLevelOf(definedMacros(args))
  if (verify.warning !== undefined) io.stderr.write(`${verify.warning}\n`)
  const options = {
    digests: !args.flags.has('nodigest'),
    signatures: !args.flags.has('nosignature'),
    level: verify.level,
  }
  let failed = 0
  for (const operand of args.operands) {
    const file = operandPath(operand, io.cwd)
    const why = unreadable(file)
    if (why !== undefined) {
      io.stderr.write(`error: ${operand}: open failed: ${why}\n`)
      failed++
      continue
    }
    // rpm names the package first; a package it cannot read gets its error after that.
    io.stdout.write(`${operand}:${verbose ? '\n' : ''}`)
    try {
      const r = await checksigPackage(file, options)
      io.stdout.write(verbose ? r.items.map((i) => `${checksigLine(i)}\n`).join('') : ` ${checksigSummary(r)}\n`)
      if (r.failed) failed++
    } catch (error) {
      if (!isRdbpkgError(error)) throw error
      io.stderr.write(`error: ${error.message.replaceAll(file, operand)}\n`)
      failed++
    }
  }
  return Math.min(failed, 255)
}

/** The rpm-sim CLI: parses argv, runs the matching mode, prints errors as rpm does; returns the exit code. */
export async function main(argv: string[], io: MainIo): Promise<number> {
  try {
    const args = parseArgs(argv)
    checkOptions(args)
    const mode = MODES.find((m) => m.matches(args))
    if (!mode)
      throw new UsageError(
        argv.length === 0
          ? 'no mode given (try -qp PKG.rpm)'
          : `unsupported mode: ${argv.join(' ')} (rpm-sim --help lists the modes)`,
      )
    // --last and --dupes are rpm's formats piped through sort: stdout is taken whole, then put through it.
    const pipe = (Object.keys(QUERY_PIPES) as (keyof typeof QUERY_PIPES)[]).find((p) => args.flags.has(p))
    if (pipe === undefined || !mode.name.startsWith('query')) return await mode.run(args, io)
    const chunks: Buffer[] = []
    const held = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        chunks.push(Buffer.from(chunk))
        done()
      },
    })
    try {
      return await mode.run(args, { ...io, stdout: held })
    } finally {
      io.stdout.write(QUERY_PIPES[pipe](Buffer.concat(chunks).toString()))
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`rpm-sim: ${error.message}\n`)
      return 1
    }
    if (isRdbpkgError(error)) {
      io.stderr.write(`error: ${error.message}\n`)
      return 1
    }
    throw error
  }
}
