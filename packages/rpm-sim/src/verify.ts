// rpm -V: compare each installed file with the database record and print rpm's `S.5....T.  c /path` lines.
import { lstat, readlink } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { InstalledFile, InstalledPackage } from './db.js'
import { PackageDb } from './db.js'
import { recoverForQuery } from './journal.js'
import type { QueryOptions } from './db-query.js'
import { RootResolver } from './_fsutil.js'
import { TransactionError } from './_txn-error.js'
import { digestFile } from './apply.js'

function idNames(root: string, file: string): Map<number, string> {
  const m = new Map<number, string>([[0, 'root']])
  try {
    for (const line of readFileSync(`${root}/etc/${file}`, 'utf8').split('\n')) {
      const [name, , id] = line.split(':')
      if (name && id !== undefined && /^\d+$/.test(id) && !m.has(Number(id))) m.set(Number(id), name)
    }
  } catch {
    /* no passwd in the root: only root resolves */
  }
  return m
}

/** rpm's one-letter attribute marker of a file in -V output. */
export function attrChar(f: Pick<InstalledFile, 'flags'>): string {
  if (f.flags.config === true || f.flags.noreplace === true) return 'c'
  if (f.flags.doc === true) return 'd'
  if (f.flags.ghost === true) return 'g'
  if (f.flags.license === true) return 'l'
  if (f.flags.readme === true) return 'r'
  return ' '
}

/** The -V lines of one installed package (empty when everything matches). */
export async function verifyPackage(root: string, pkg: InstalledPackage): Promise<string[]> {
  const resolver = new RootResolver(root)
  const users = idNames(root, 'passwd')
  const groups = idNames(root, 'group')
  const lines: string[] = []
  for (const f of pkg.files) {
    if (f.state !== 'normal') continue
    const host = await resolver.host(f.path)
    const st = await lstat(host).catch(() => undefined)
    const ac = attrChar(f)
    if (st === undefined) {
      if (f.flags.ghost !== true && f.flags.missingok !== true) lines.push(`missing   ${ac} ${f.path}`)
      continue
    }
    const kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other'
    let check = { S: true, M: true, 5: true, D: false, L: true, U: true, G: true, T: true, P: false }
    if (f.flags.ghost === true) check = { ...check, S: false, 5: false, T: false, L: false }
    if (kind === 'symlink') check = { ...check, S: false, 5: false, T: false, M: false }
    else if (kind === 'dir') check = { ...check, S: false, 5: false, T: false, L: false }
    else if (kind === 'file') check = { ...check, L: false }
    else check = { ...check, S: false, 5: false, L: false }
    const bad = {
      S: check.S && st.size !== f.size,
      M: check.M && st.mode !== f.mode,
      5: false as boolean | '?',
      D: false,
      L: false,
      U: check.U && (users.get(st.uid) ?? String(st.uid)) !== f.user,
      G: check.G && (groups.get(st.gid) ?? String(st.gid)) !== f.group,
      T: check.T && Math.floor(st.mtimeMs / 1000) !== f.mtime,
      P: false,
    }
    if (check[5] && kind === 'file') {
      if (f.kind !== 'file') bad[5] = true
      else {
        try {
          bad[5] = (await digestFile(host, pkg.digestAlgo)) !== f.digest
        } catch {
          bad[5] = '?'
        }
      }
    }
    if (check.L && kind === 'symlink') bad.L = (await readlink(host)) !== (f.linkTarget ?? '')
    const res = (['S', 'M', '5', 'D', 'L', 'U', 'G', 'T', 'P'] as const)
      .map((k) => {
        const b = bad[k]
        return b === '?' ? '?' : b ? k : '.'
      })
      .join('')
    if (res !== '.........') lines.push(`${res}  ${ac} ${f.path}`)
  }
  return lines
}

/** rpm -V NAME: the lines for every installed instance of `name`; throws E_NOT_INSTALLED when there is none. */
export async function verifyInstalled(root: string, name: string, options: QueryOptions = {}): Promise<string[]> {
  const r = resolve(root)
  await recoverForQuery(r, options.onWarning)
  const db = new PackageDb(r)
  const pkgs = (await db.list()).filter((p) => p.name === name || p.nevra === name || `${p.name}-${p.version}-${p.release}` === name)
  if (pkgs.length === 0) throw new TransactionError('E_NOT_INSTALLED', `package ${name} is not installed`, { field: name })
  const out: string[] = []
  for (const p of pkgs) out.push(...(await verifyPackage(r, p)))
  return out
}
