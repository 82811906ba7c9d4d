// Python wheels of install_update_code: installed with the product's pip, offline; what they replace is saved
// first (the files each distribution's RECORD lists) so a rollback can put it back byte for byte.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { create, extract } from 'tar'
import { syncFileSystems } from '@rdbpkg/core'
import * as v from 'valibot'
import { InstallError } from './errors.js'

/** A distribution as name and version. */
export interface WheelDist {
  name: string
  version: string
}

/** A wheel file's name parts (PEP 427). */
export interface WheelFile {
  fileName: string
  /** The distribution name as the file spells it. */
  name: string
  /** PEP 503 normalised name, for comparing with installed distributions. */
  key: string
  version: string
}

/** Parses `name-version(-build)?-py-abi-platform.whl`. */
export function readWheelFile(file: string): WheelFile {
  const fileName = basename(file)
  const parts = fileName.replace(/\.whl$/, '').split('-')
  const name = parts[0] ?? fileName
  return { fileName, name, key: normalizeName(name), version: parts[1] ?? '' }
}

/** PEP 503 name normalisation. */
function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase()
}

/** The interpreter to use: `<root><python>` when the root is not `/` and it exists there, else `python` as given. */
export function resolvePython(root: string, python: string): string {
  if (resolve(root) !== '/' && python.startsWith('/')) {
    const inRoot = join(root, python)
    if (existsSync(inRoot)) return inRoot
  }
  return python
}

// What LIST_SCRIPT prints for each installed distribution. The files are saved before pip runs and restored on
// rollback, so each must be an absolute path (the script makes them absolute and normalised).
const ListedDists = v.array(
  v.object({
    key: v.string(),
    name: v.string(),
    version: v.optional(v.string()),
    files: v.array(
      v.pipe(
        v.string(),
        v.startsWith('/', 'expected an absolute path'),
        v.check((f) => !f.split('/').includes('..'), 'expected a path without ..'),
      ),
    ),
  }),
)

/** An installed distribution (or a wanted one that is absent: no version) with the files its RECORD lists. */
export type InstalledDist = v.InferOutput<typeof ListedDists>[number]

const LIST_SCRIPT = `
import json, os, re, sys
import importlib.metadata as m
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
want = set(json.loads(sys.argv[1]))
out = {}
for d in m.distributions():
    name = d.metadata["Name"]
    if name is None or norm(name) not in want or norm(name) in out:
        continue
    files = [os.path.normpath(os.path.abspath(str(d.locate_file(f)))) for f in (d.files or [])]
    out[norm(name)] = {"key": norm(name), "name": name, "version": d.version, "files": files}
print(json.dumps(list(out.values())))
`

/** Asks `python` which of `names` are installed, with their versions and RECORD files. */
export async function installedWheelFacts(python: string, names: readonly string[]): Promise<InstalledDist[]> {
  const keys = names.map(normalizeName)
  const listed = await runPython(python, ['-c', LIST_SCRIPT, JSON.stringify(keys)])
  if (listed.exitCode !== 0) {
    throw new InstallError(
      'E_PRECONDITION',
      `${python}: cannot list installed distributions (${lastLine(listed.all) || `exit ${listed.exitCode}`})`,
      {
        field: 'python',
        found: python,
      },
    )
  }
  const found = parseListed(python, listed.stdout)
  return keys.map((key) => found.find((dist) => dist.key === key) ?? { key, name: key, files: [] })
}

// The listing, validated: one line naming the python, the field and what was found when it is not what the script
// prints (a wrapper that prints something else, a RECORD with relative paths).
function parseListed(python: string, stdout: string): InstalledDist[] {
  let json: unknown
  try {
    json = JSON.parse(stdout)
  } catch (error) {
    throw listingError(python, `expected JSON, found ${JSON.stringify(lastLine(stdout))} (${(error as Error).message})`)
  }
  const parsed = v.safeParse(ListedDists, json)
  if (parsed.success) return parsed.output
  const issue = parsed.issues[0]
  const found = issue.kind === 'validation' ? `, found ${JSON.stringify(issue.input)}` : ''
  throw listingError(python, `${v.getDotPath(issue) ?? '(top level)'}: ${issue.message}${found}`)
}

function listingError(python: string, what: string): InstallError {
  return new InstallError('E_PRECONDITION', `${python}: the list of installed distributions is not usable: ${what}`, {
    field: 'python',
    found: python,
  })
}

/** What installing wheels did. */
export interface WheelOutcome {
  ok: boolean
  /** Distributions installed before, whose files were saved. */
  replaced: WheelDist[]
  /** Distributions installed now. */
  installed: WheelDist[]
  /** The tar of the replaced distributions' files. */
  backup?: string
  /** The folder the backup's paths are relative to. */
  backupBase?: string | undefined
  error?: string
}

/** Saves what the wheels replace, then runs `python -m pip install --no-index --no-deps` on them. */
export async function applyWheels(options: {
  python: string
  wheels: readonly string[]
  backupDir: string
  recordId: string
  force?: boolean
  onMessage?: (level: 'info' | 'warn' | 'debug', text: string) => void
}): Promise<WheelOutcome> {
  const incoming = options.wheels.map(readWheelFile)
  const before = await installedWheelFacts(
    options.python,
    incoming.map((w) => w.name),
  )
  const replaced = before.filter((dist) => dist.version !== undefined)
  let backup: string | undefined
  let backupBase: string | undefined
  if (replaced.length > 0) {
    mkdirSync(options.backupDir, { recursive: true })
    backup = join(options.backupDir, `wheels-${options.recordId}.tar`)
    const files = [...new Set(replaced.flatMap((dist) => dist.files))].filter((file) => existsSync(file)).sort()
    // node-tar refuses to extract into cwd '/', so paths are stored relative to the files' common folder.
    backupBase = commonDir(files)
    await create(
      { file: backup, cwd: backupBase, portable: false, preservePaths: false },
      files.map((file) => relative(backupBase!, file)),
    )
    // The way back must survive a power cut before pip changes anything.
    syncFileSystems([backup])
    options.onMessage?.(
      'debug',
      `saved ${files.length} files of ${replaced.map((d) => `${d.name} ${d.version}`).join(', ')} to ${backup}`,
    )
  }
  const replacedList = replaced.map((dist) => ({ name: dist.name, version: dist.version! }))
  const args = [
    '-m',
    'pip',
    'install',
    '--no-index',
    '--no-deps',
    '--disable-pip-version-check',
    '--no-input',
    '--force-reinstall',
    ...options.wheels,
  ]
  const pip = await runPython(options.python, args)
  if (pip.exitCode !== 0) {
    await rollbackWheels({
      python: options.python,
      installed: incoming.map((w) => ({ name: w.name, version: w.version })),
      backup,
      backupBase,
      onMessage: options.onMessage,
    })
    return {
      ok: false,
      replaced: replacedList,
      installed: [],
      ...(backup ? { backup, backupBase } : {}),
      error: lastLine(pip.all),
    }
  }
  for (const wheel of incoming) options.onMessage?.('info', `installed ${wheel.name} ${wheel.version} (pip)`)
  return {
    ok: true,
    replaced: replacedList,
    installed: incoming.map((w) => ({ name: w.name, version: w.version })),
    ...(backup ? { backup, backupBase } : {}),
  }
}

/** Removes the distributions a run installed (pip uninstall, by RECORD) and restores the saved files. */
export async function rollbackWheels(options: {
  python: string
  installed: readonly WheelDist[]
  backup: string | undefined
  /** The folder the backup's paths are relative to. */
  backupBase: string | undefined
  onMessage?: ((level: 'info' | 'warn' | 'debug', text: string) => void) | undefined
}): Promise<void> {
  if (options.installed.length > 0) {
    const names = options.installed.map((dist) => dist.name)
    const pip = await runPython(options.python, [
      '-m',
      'pip',
      'uninstall',
      '-y',
      '--disable-pip-version-check',
      ...names,
    ])
    if (pip.exitCode !== 0) options.onMessage?.('warn', `pip uninstall ${names.join(' ')}: ${lastLine(pip.all)}`)
  }
  if (options.backup !== undefined && options.backupBase !== undefined && existsSync(options.backup)) {
    mkdirSync(options.backupBase, { recursive: true })
    await extract({
      file: options.backup,
      cwd: options.backupBase,
      preservePaths: false,
      preserveOwner: true,
      strict: true,
    })
    options.onMessage?.('info', `restored the replaced distributions from ${options.backup}`)
  }
}

// Runs python, keeping stdout and, in arrival order, stdout and stderr together (the last line of an error).
function runPython(
  python: string,
  args: readonly string[],
): Promise<{ exitCode: number; stdout: string; all: string }> {
  return new Promise((done) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let all = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      all += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => (all += chunk.toString()))
    child.on('error', (error) => done({ exitCode: 127, stdout, all: `${all}${error.message}` }))
    child.on('close', (code) => done({ exitCode: code ?? 1, stdout, all }))
  })
}

function commonDir(files: readonly string[]): string {
  let parts = dirname(files[0] ?? '/').split('/')
  for (const file of files) {
    const other = dirname(file).split('/')
    let i = 0
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++
    parts = parts.slice(0, i)
  }
  return parts.join('/') || '/'
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? ''
}
