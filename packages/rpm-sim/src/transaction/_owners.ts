// File owners as rpm resolves them: user and group names are looked up in the root's own /etc/passwd and
// /etc/group (a chrooted rpm reads those) when the package's files are written, i.e. after its %pre, so a %pre
// that adds the user the files belong to works. A name the root does not know becomes root, with rpm's warning for
// each file, and loses its setuid (user) or setgid (group) bit, as rpmfiStat does.
import { readFileSync } from 'node:fs'

/** Name -> id and id -> name maps of one root's passwd or group file (root is always 0). */
export interface IdTable {
  ids: Map<string, number>
  names: Map<number, string>
}

/** Read `<root>/etc/<file>` (`passwd` or `group`); a missing file knows only root. */
export function readIdTable(root: string, file: 'passwd' | 'group'): IdTable {
  const ids = new Map<string, number>([['root', 0]])
  const names = new Map<number, string>([[0, 'root']])
  let text = ''
  try {
    text = readFileSync(`${root}/etc/${file}`, 'utf8')
  } catch {
    return { ids, names }
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':')
    if (!name || id === undefined || !/^\d+$/.test(id)) continue
    if (!ids.has(name)) ids.set(name, Number(id))
    if (!names.has(Number(id))) names.set(Number(id), name)
  }
  return { ids, names }
}

/** The parts of a file action that owner resolution reads and sets. */
export interface Owned {
  user?: string
  group?: string
  uid: number
  gid: number
  mode: number
}

/**
 * Set uid/gid of each action from its user/group names as the root knows them now; `warn` (when given) gets
 * rpm's `warning: user X does not exist - using root` for each file whose owner is unknown.
 */
export function resolveOwners(root: string, actions: Iterable<Owned>, warn?: (line: string) => void): void {
  const users = readIdTable(root, 'passwd').ids
  const groups = readIdTable(root, 'group').ids
  for (const a of actions) {
    if (a.user !== undefined) {
      const uid = users.get(a.user)
      a.uid = uid ?? 0
      if (uid === undefined) {
        warn?.(`warning: user ${a.user} does not exist - using root`)
        a.mode &= ~0o4000
      }
    }
    if (a.group !== undefined) {
      const gid = groups.get(a.group)
      a.gid = gid ?? 0
      if (gid === undefined) {
        warn?.(`warning: group ${a.group} does not exist - using root`)
        a.mode &= ~0o2000
      }
    }
  }
}
