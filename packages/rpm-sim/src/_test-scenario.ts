// Test helper: one scenario (packages as spec text, then rpm command lines and shell steps) run twice in fresh
// roots, once with Debian's real rpm and once with rpm-sim's CLI in-process; returns everything a user would see of
// each run (exit codes, stdout, stderr, the tree with owners and hard links, -qa, -Va, the scriptlet log) so a test
// can compare them. Packages are built by rpmbuild from spec text the scenario generates, once per spec per run.
import { processIdentity, processMachine } from './cli/args.js'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, linkSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { main } from './cli/main.js'
import { snapshot } from './_test-rpm.js'
import type { FileTriggerKind, TriggerKind } from './format/model.js'
import { buildWithRpmbuild, hasRpm, hasRpmbuild, hasTool } from './_test-rpmbuild.js'

/** One file of a generated spec. `attr` is what %files puts in front of the path (`%config(noreplace)`, ...). */
export interface SpecFile {
  path: string
  /** What %install makes: a file (with `data`), a dir, a symlink to `target`, a hard link to `target` (a path),
   * or nothing (a %ghost, or a %dev entry), or an ELF shared object of 32 or 64 bits whose soname is `data` (made
   * by binutils' as and ld: rpmbuild colors it 1 or 2 and links the soname it provides to it, as a real multilib
   * library's). Default file. */
  type?: 'file' | 'dir' | 'link' | 'hardlink' | 'fifo' | 'none' | 'elf32' | 'elf64'
  data?: string
  /** A file of `data` and a newline repeated this many times (`yes | head`): bodies over 1 MiB, which the reader
   * streams instead of holding whole, without a spec line that long. */
  lines?: number
  target?: string
  attr?: string
  /** List a directory with its contents (no %dir). */
  recursive?: boolean
  /** Made by %install but not listed in %files (content of a directory listed recursively). */
  unlisted?: boolean
  /** Its mtime (seconds), where it is not the one every other file gets. */
  mtime?: number
}

/** A package to build: header fields, files and scriptlet bodies (shell). */
export interface PkgDef {
  name: string
  /** The package's arch (rpmbuild --target); default noarch. */
  arch?: string
  /** Build the source package (rpmbuild -bs: the spec itself) instead of the binary one. */
  source?: true
  version?: string
  release?: string
  epoch?: number
  files?: SpecFile[]
  scripts?:
    | Partial<Record<'pretrans' | 'pre' | 'post' | 'preun' | 'postun' | 'posttrans' | 'verifyscript', string>>
    | undefined
  /**
   * `%triggerin -- NAME`, `%filetriggerin -P 2000 -- /usr/bin` and the like: kind, the condition after `--` (a file
   * trigger's prefixes), the body (first line `-p <interpreter>` as for scripts), a file trigger's priority.
   */
  triggers?: { kind: TriggerKind | FileTriggerKind; on: string; body: string; priority?: number }[]
  /** Extra preamble lines (Provides:, Conflicts:, ...). */
  preamble?: string
  /** The %changelog section's text (entries `* Day Mon DD YYYY Name <mail> - V-R` and their lines). */
  changelog?: string
}

/**
 * A step: an rpm command line (`@key` stands for the built package `key`; `env` added to its environment), or shell
 * run in the root (cwd); in both, `{@key}` inside an argument or the script stands for that package's path.
 */
export type ScenarioStep = { rpm: string[]; env?: Record<string, string> } | { sh: string }

/** What both runs are compared on. */
export const ASPECTS = ['code', 'stdout', 'stderr', 'tree', 'qa', 'va', 'log'] as const
export type Aspect = (typeof ASPECTS)[number]

/** One row of the table. */
export interface Scenario {
  name: string
  /** The upstream test (file: title) it is translated from, or `rdbpkg` for our own. */
  from: string
  pkgs: Record<string, PkgDef>
  steps: ScenarioStep[]
  /**
   * A deliberate difference: the aspects not compared, and why (printed). Where rpm-sim follows a fix upstream made
   * after 4.18, `upstream` asserts on rpm-sim's run what upstream's own test expects instead.
   */
  differs?: { aspects: Aspect[]; reason: string; upstream?: (sim: RunResult) => void }
  /** A known disagreement not fixed yet: the test expects it to still disagree (and says so when it stops). */
  pending?: string
  /** Output that differs between any two runs (an install date): each stdout line is rewritten so in both runs. */
  mask?: [RegExp, string][]
}

/** Everything one run showed. */
export interface RunResult {
  steps: { cmd: string; code: number; stdout: string[]; stderr: string[] }[]
  tree: Record<string, string>
  qa: string[]
  va: { code: number; lines: string[] }
  log: string
}

/** Real rpm and rpmbuild present, and root (rpm --root chowns and chroots). */
export const scenarioSkip: string | undefined =
  process.getuid?.() !== 0
    ? 'the upstream rpm oracle needs root (rpm --root chowns and chroots)'
    : !hasRpm || !hasRpmbuild
      ? 'the upstream rpm oracle needs rpm and rpmbuild (apt-get install rpm)'
      : !['/bin/busybox', '/usr/bin/busybox'].some((p) => existsSync(p))
        ? 'the upstream rpm oracle needs busybox-static (a shell inside the roots for scriptlets)'
        : !hasTool('ld')
          ? 'the upstream rpm oracle needs binutils (as and ld make the multilib rows’ ELF files)'
          : spawnSync('setcap', ['-h'], { stdio: 'ignore' }).status !== 0
            ? 'the upstream rpm oracle needs libcap2-bin (setcap and getcap for the %caps rows)'
            : undefined

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p)) ?? '/bin/busybox'
const APPLETS = [
  'sh',
  'echo',
  'cat',
  'ls',
  'mkdir',
  'rm',
  'touch',
  'test',
  '[',
  'true',
  'false',
  'id',
  'chown',
  'stat',
  'wc',
]

const q = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`

/** The spec text of a package definition. */
export function specText(p: PkgDef): string {
  const install: string[] = ['mkdir -p %{buildroot}']
  const files: string[] = []
  for (const f of p.files ?? []) {
    const dest = `%{buildroot}${f.path}`
    const parent = `$(dirname ${q(dest)})`
    const type = f.type ?? 'file'
    if (type === 'file' && f.lines !== undefined)
      install.push(`mkdir -p ${parent}; yes ${q(f.data ?? '')} | head -n ${f.lines} > ${q(dest)}`)
    else if (type === 'file') install.push(`mkdir -p ${parent}; echo ${q(f.data ?? '')} > ${q(dest)}`)
    else if (type === 'dir') install.push(`mkdir -p ${q(dest)}`)
    else if (type === 'link') install.push(`mkdir -p ${parent}; ln -s ${q(f.target ?? '')} ${q(dest)}`)
    else if (type === 'hardlink') install.push(`mkdir -p ${parent}; ln %{buildroot}${q(f.target ?? '')} ${q(dest)}`)
    else if (type === 'fifo') install.push(`mkdir -p ${parent}; mkfifo ${q(dest)}`)
    else if (type === 'elf32' || type === 'elf64') {
      const [as, ld] = type === 'elf32' ? ['--32', '-m elf_i386'] : ['--64', '-m elf_x86_64']
      install.push(
        `mkdir -p ${parent}; printf '.globl f\\nf: ret\\n' > %{_builddir}/elf.s`,
        `as ${as} -o %{_builddir}/elf.o %{_builddir}/elf.s && ld ${ld} -shared -soname ${q(f.data ?? 'libx.so')} -o ${q(dest)} %{_builddir}/elf.o`,
      )
    }
    if (f.unlisted === true) continue
    const dir = type === 'dir' && f.recursive !== true ? '%dir ' : ''
    // %files takes a name with spaces in double quotes.
    files.push(`${f.attr ?? ''} ${dir}${f.path.includes(' ') ? `"${f.path}"` : f.path}`.trim())
  }
  // A body whose first line is `-p <interpreter>` puts that on the section line (`%post -p <lua>`).
  const scripts = Object.entries(p.scripts ?? {}).map(([k, body]) =>
    body.startsWith('-p ') ? `%${k} ${body}` : `%${k}\n${body}`,
  )
  const triggers = (p.triggers ?? []).map((t) => {
    const prog = t.body.startsWith('-p ') ? ` ${t.body.slice(0, t.body.indexOf('\n'))}` : ''
    const body = prog !== '' ? t.body.slice(t.body.indexOf('\n') + 1) : t.body
    return `%${t.kind}${t.priority !== undefined ? ` -P ${t.priority}` : ''}${prog} -- ${t.on}\n${body}`
  })
  return [
    `Name: ${p.name}`,
    `Version: ${p.version ?? '1.0'}`,
    `Release: ${p.release ?? '1'}`,
    ...(p.epoch !== undefined ? [`Epoch: ${p.epoch}`] : []),
    'Summary: upstream scenario',
    'License: GPL',
    ...(p.preamble !== undefined ? [p.preamble] : []),
    '%description',
    'upstream scenario',
    '%install',
    ...install,
    // One old mtime for every file: an edit made in the second rpmbuild stamped a file would hide -V's T in one
    // of the two runs only.
    'find %{buildroot} -exec touch -h -d @1000000000 {} +',
    ...(p.files ?? []).flatMap((f) =>
      f.mtime !== undefined ? [`touch -h -d @${f.mtime} %{buildroot}${q(f.path)}`] : [],
    ),
    '%files',
    ...files,
    ...scripts,
    ...triggers,
    ...(p.changelog !== undefined ? ['%changelog', p.changelog] : []),
    '',
  ].join('\n')
}

/** Builds each distinct spec once per test run. */
export class SpecCache {
  private readonly built = new Map<string, string>()
  constructor(private readonly dir: string) {}

  /** The .rpm of a package definition (built by rpmbuild the first time). */
  rpm(p: PkgDef): string {
    const text = specText(p)
    const kind = p.source === true ? 'source' : 'binary'
    // One spec text is one package per arch and kind.
    const key = `${p.arch ?? 'noarch'} ${kind}\n${text}`
    let file = this.built.get(key)
    if (file === undefined) {
      const dir = join(this.dir, `spec-${this.built.size}`)
      mkdirSync(dir, { recursive: true })
      file = buildWithRpmbuild(dir, 'w2.gzdio', text, p.arch, kind)
      this.built.set(key, file)
    }
    return file
  }
}

function freshRoot(root: string): void {
  mkdirSync(join(root, 'var/lib/rpm'), { recursive: true })
  mkdirSync(join(root, 'bin'), { recursive: true })
  // One busybox per machine run would do, but roots may sit on other filesystems: a hard link, else a copy.
  try {
    linkSync(BUSYBOX, join(root, 'bin/busybox'))
  } catch {
    execFileSync('cp', [BUSYBOX, join(root, 'bin/busybox')])
  }
  for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a))
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '')
// Debian's rpm adds a note that it should not install packages directly; it is no part of rpm's behaviour.
// A usage error names the program (`rpm: ...`, `rpm-sim: ...`): compared without the name.
const DEBIAN_NOTE = /^rpm: (RPM should not be used directly|However assuming you know what you are doing)/
// A temporary name carries the transaction's id (`file;6b0f0c7d`), the second it began: the same in both runs only
// when they begin in the same second, so it is compared as `;<tid>`.
const stderrLines = (s: string): string[] =>
  lines(s)
    .filter((l) => !DEBIAN_NOTE.test(l))
    .map((l) => l.replace(/^rpm(-sim)?: /, '<program>: ').replace(/;[0-9a-f]{8}(?=:| |$)/g, ';<tid>'))
const TRANSACTION = /^-[iUFe]/

class Sink extends Writable {
  text = ''
  override _write(chunk: Buffer | string, _enc: string, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

function realRpm(
  root: string,
  args: string[],
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  // In the root, as rpm-sim: a relative package or manifest path names the same file for both.
  const r = spawnSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', ...env },
  })
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr }
}

async function simRpm(
  root: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink()
  const stderr = new Sink()
  const code = await main(['--root', root, ...args], {
    stdout,
    stderr,
    cwd: root,
    // As real rpm's: the test's HOME (rpm's %_topdir for source packages is $HOME/rpmbuild).
    env: { ...(process.env.HOME !== undefined ? { HOME: process.env.HOME } : {}), ...env },
    identity: processIdentity(),
    machine: processMachine(),
  })
  return { code, stdout: stdout.text, stderr: stderr.text }
}

/** Run a scenario with one engine in a fresh root under `dir`. */
export async function runScenario(
  s: Scenario,
  engine: 'rpm' | 'rpm-sim',
  root: string,
  cache: SpecCache,
): Promise<RunResult> {
  freshRoot(root)
  if (engine === 'rpm') execFileSync('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '--initdb'])
  const run =
    engine === 'rpm'
      ? async (a: string[], env?: Record<string, string>) => realRpm(root, a, env)
      : (a: string[], env?: Record<string, string>) => simRpm(root, a, env)
  const result: RunResult = { steps: [], tree: {}, qa: [], va: { code: 0, lines: [] }, log: '' }
  for (const step of s.steps) {
    const built = (key: string): string => {
      const p = s.pkgs[key]
      if (p === undefined) throw new Error(`${s.name}: no package @${key}`)
      return cache.rpm(p)
    }
    if ('sh' in step) {
      execFileSync('sh', ['-c', step.sh.replace(/\{@(\w+)\}/g, (_, k: string) => built(k))], { cwd: root })
      continue
    }
    const args = step.rpm.map((a) =>
      a.startsWith('@') ? built(a.slice(1)) : a.replace(/\{@(\w+)\}/g, (_, k: string) => built(k)),
    )
    // Dependencies are not resolved by rpm-sim (a deliberate difference for every scenario): rpm gets --nodeps.
    const full = TRANSACTION.test(args[0] ?? '') ? [...args.slice(0, 1), '--nodeps', ...args.slice(1)] : args
    const r = await run(full, step.env)
    const cmd = step.rpm.join(' ')
    const stdout = lines(r.stdout).map((l) => (s.mask ?? []).reduce((t, [re, to]) => t.replace(re, to), l))
    result.steps.push({ cmd, code: r.code, stdout, stderr: stderrLines(r.stderr) })
  }
  result.tree = snapshot(root, ['bin', 'var/lib/rpm', 'var/lib/rpm-sim', 'var/tmp', 'var/spool'], true)
  result.qa = lines((await run(['-qa'])).stdout).sort()
  const va = await run(['-Va', '--nodeps'])
  result.va = { code: va.code, lines: lines(va.stdout).sort() }
  result.log = existsSync(join(root, 'log')) ? readFileSync(join(root, 'log'), 'utf8') : ''
  return result
}

/** The parts of a result that a scenario compares (a deliberate difference leaves some out). */
export function compared(r: RunResult, skip: readonly Aspect[] = []): Record<string, unknown> {
  const has = (a: Aspect): boolean => !skip.includes(a)
  return {
    steps: r.steps.map((st) => ({
      cmd: st.cmd,
      ...(has('code') ? { code: st.code } : {}),
      ...(has('stdout') ? { stdout: st.stdout } : {}),
      ...(has('stderr') ? { stderr: st.stderr } : {}),
    })),
    ...(has('tree') ? { tree: r.tree } : {}),
    ...(has('qa') ? { qa: r.qa } : {}),
    ...(has('va') ? { va: r.va } : {}),
    ...(has('log') ? { log: r.log } : {}),
  }
}
