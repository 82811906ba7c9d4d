import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runTransaction } from './transaction.js'
import { rollbackTransaction } from './rollback.js'
import { listHistory } from '../db/history.js'
import { getInstalled } from '../query/db-query.js'
import { verifyInstalled } from '../query/verify.js'
import { readRpmPayload } from '../format/reader.js'
import { hasRpm } from '../_test-rpmbuild.js'
import { conf, exists, file, noreplace, pkg, read, snapshot, tempWorld } from '../_test-rpm.js'

let cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})
function world() {
  const w = tempWorld()
  cleanups.push(w.done)
  return w
}

async function twoVersions(dir: string) {
  const v1 = await pkg(dir, {
    name: 'app',
    version: '1.0',
    files: [
      { path: '/etc/app', kind: 'dir' },
      conf('/etc/app/c.conf', 'c1\n'),
      noreplace('/etc/app/n.conf', 'n1\n'),
      file('/opt/app/old', 'old'),
      file('/opt/app/bin', 'b1', { mode: 0o755 }),
      { path: '/opt/app/link', kind: 'symlink', linkTarget: 'bin' },
    ],
  })
  const v2 = await pkg(dir, {
    name: 'app',
    version: '2.0',
    files: [
      { path: '/etc/app', kind: 'dir' },
      conf('/etc/app/c.conf', 'c2\n'),
      noreplace('/etc/app/n.conf', 'n2\n'),
      file('/opt/app/new', 'new'),
      file('/opt/app/bin', 'b2', { mode: 0o700 }),
      { path: '/opt/app/link', kind: 'symlink', linkTarget: 'new' },
    ],
  })
  return { v1, v2 }
}

describe('repackage and rollback', () => {
  it('rolls an upgrade back byte-identical, the operator’s edited configs included', async () => {
    const w = world()
    const { v1, v2 } = await twoVersions(w.dir)
    expect((await runTransaction({ root: w.root, op: 'install', packages: [v1] })).ok).toBe(true)
    writeFileSync(join(w.root, 'etc/app/c.conf'), 'my c\n')
    writeFileSync(join(w.root, 'etc/app/n.conf'), 'my n\n')
    const before = snapshot(w.root)
    const verifyBefore = await verifyInstalled(w.root, 'app')
    const up = await runTransaction({ root: w.root, op: 'upgrade', packages: [v2], flags: { repackage: true } })
    expect(up.ok).toBe(true)
    expect(exists(w.root, 'var/spool/repackage/app-1.0-1.noarch.rpm')).toBe(true)
    // The repackaged package holds the files as they were on disk, the operator's edits included.
    const repack = join(w.root, 'var/spool/repackage/app-1.0-1.noarch.rpm')
    const entries = new Map<string, string>()
    for await (const e of readRpmPayload(repack)) {
      let body = ''
      for await (const c of e.body) body += (c as Buffer).toString()
      entries.set(e.path, body)
    }
    expect(entries.get('/etc/app/c.conf')).toBe('my c\n')
    expect(entries.get('/etc/app/n.conf')).toBe('my n\n')
    expect(entries.get('/opt/app/old')).toBe('old')
    if (hasRpm)
      expect(execFileSync('rpm', ['-qpl', repack], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual([
        '/etc/app',
        '/etc/app/c.conf',
        '/etc/app/n.conf',
        '/opt/app/bin',
        '/opt/app/link',
        '/opt/app/old',
      ])
    expect(read(w.root, 'etc/app/c.conf.rpmsave')).toBe('my c\n')
    expect(snapshot(w.root)).not.toEqual(before)
    const lines: string[] = []
    const rb = await rollbackTransaction({ root: w.root, onWarning: (l) => lines.push(l) })
    expect(rb.ok).toBe(true)
    expect(lines).toEqual([])
    expect(snapshot(w.root)).toEqual(before)
    expect((await getInstalled(w.root, 'app')).map((p) => p.nevra)).toEqual(['app-1.0-1.noarch'])
    // The original digests are back: the edits still count as edits, and a new upgrade treats them so.
    expect(await verifyInstalled(w.root, 'app')).toEqual(verifyBefore)
    const again: string[] = []
    await runTransaction({ root: w.root, op: 'upgrade', packages: [v2], onWarning: (l) => again.push(l) })
    expect(again).toEqual([
      'warning: /etc/app/c.conf saved as /etc/app/c.conf.rpmsave',
      'warning: /etc/app/n.conf created as /etc/app/n.conf.rpmnew',
    ])
    const h = await listHistory(w.root)
    expect(h.map((r) => r.op)).toEqual(['install', 'upgrade', 'rollback', 'upgrade'])
    expect(h[1]?.rolledBack).toBe(h[2]?.tid)
    expect(h[2]?.rollbackOf).toBe(h[1]?.tid)
  })

  it('rolls back an erase and a fresh install', async () => {
    const w = world()
    const { v1 } = await twoVersions(w.dir)
    const empty = snapshot(w.root)
    await runTransaction({ root: w.root, op: 'install', packages: [v1] })
    writeFileSync(join(w.root, 'etc/app/c.conf'), 'mine\n')
    const installed = snapshot(w.root)
    const er = await runTransaction({ root: w.root, op: 'erase', packages: ['app'], flags: { repackage: true } })
    expect(er.erased).toEqual(['app-1.0-1.noarch'])
    expect(read(w.root, 'etc/app/c.conf.rpmsave')).toBe('mine\n')
    await rollbackTransaction({ root: w.root })
    expect(snapshot(w.root)).toEqual(installed)
    // Now undo the install itself (the last transaction not yet rolled back is the install).
    const h = await listHistory(w.root)
    await rollbackTransaction({ root: w.root, tid: h[0]?.tid as number })
    expect(await getInstalled(w.root, 'app')).toEqual([])
    // The edited config is kept as .rpmsave (nothing the operator wrote is lost), and so its directory; the
    // files are gone; parents the package never listed stay, as rpm leaves them.
    const after = snapshot(w.root)
    expect(Object.keys(after).filter((k) => !(k in empty) && !k.startsWith('/var'))).toEqual([
      '/etc',
      '/etc/app',
      '/etc/app/c.conf.rpmsave',
      '/opt',
      '/opt/app',
    ])
  })

  it('refuses to roll back what was not repackaged, and when there is nothing to roll back', async () => {
    const w = world()
    const { v1, v2 } = await twoVersions(w.dir)
    await expect(rollbackTransaction({ root: w.root })).rejects.toMatchObject({ code: 'E_ROLLBACK_NONE' })
    await runTransaction({ root: w.root, op: 'install', packages: [v1] })
    await runTransaction({ root: w.root, op: 'upgrade', packages: [v2] })
    await expect(rollbackTransaction({ root: w.root })).rejects.toMatchObject({ code: 'E_ROLLBACK_NONE' })
  })

  it('rolls back one transaction alone, or everything since a tid', async () => {
    const w = world()
    const a1 = await pkg(w.dir, { name: 'ra', version: '1', files: [file('/ra', 'a1')] })
    const a2 = await pkg(w.dir, { name: 'ra', version: '2', files: [file('/ra', 'a2')] })
    const b1 = await pkg(w.dir, { name: 'rb', version: '1', files: [file('/rb', 'b1')] })
    const b2 = await pkg(w.dir, { name: 'rb', version: '2', files: [file('/rb', 'b2')] })
    await runTransaction({ root: w.root, op: 'install', packages: [a1, b1] })
    await runTransaction({ root: w.root, op: 'upgrade', packages: [a2], flags: { repackage: true } })
    await runTransaction({ root: w.root, op: 'upgrade', packages: [b2], flags: { repackage: true } })
    const [, ta, tb] = (await listHistory(w.root)).map((r) => r.tid) as [number, number, number]
    await rollbackTransaction({ root: w.root, tid: ta, only: true })
    expect([read(w.root, 'ra'), read(w.root, 'rb')]).toEqual(['a1', 'b2'])
    await runTransaction({ root: w.root, op: 'upgrade', packages: [a2], flags: { repackage: true } })
    const tc = (await listHistory(w.root)).at(-1)?.tid as number
    expect(tc).toBeGreaterThan(tb)
    await rollbackTransaction({ root: w.root, tid: tb })
    expect([read(w.root, 'ra'), read(w.root, 'rb')]).toEqual(['a1', 'b1'])
    expect((await getInstalled(w.root, 'rb')).map((p) => p.nevra)).toEqual(['rb-1-1.noarch'])
  })
})
