import { createHash } from 'node:crypto'
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runTransaction } from './transaction.js'
import type { PackageSource } from '../format/model.js'
import { openPackageSource } from './_source.js'
import { rollbackTransaction } from './rollback.js'
import { listHistory } from '../db/history.js'
import { getInstalled } from '../query/db-query.js'
import { repackageDir, writeKept } from './_repackage.js'
import { conf, file, noreplace, pkg, tempWorld } from '../_test-rpm.js'

const busybox = process.getuid?.() === 0 ? ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p)) : undefined
if (busybox === undefined)
  console.warn('skipping the %pre staging-order test: it needs root (chroot) and busybox-static')

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

// Everything rollback must restore exactly: content, mode, owner, mtime (files and links), outside the database.
function stats(root: string, under = 'opt'): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string): void => {
    for (const n of readdirSync(join(root, rel)).sort()) {
      const r = `${rel}/${n}`
      const st = lstatSync(join(root, r))
      const body = st.isSymbolicLink()
        ? readlinkSync(join(root, r))
        : st.isFile()
          ? createHash('sha256')
              .update(readFileSync(join(root, r)))
              .digest('hex')
          : 'dir'
      out[r] =
        `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.isDirectory() ? '' : Math.floor(st.mtimeMs / 1000)} ${body}`
      if (st.isDirectory()) walk(r)
    }
  }
  walk(under)
  walk('etc')
  return out
}

async function twoVersions(dir: string) {
  const big = 'x'.repeat(3 << 20)
  const v1 = await pkg(dir, {
    name: 'app',
    version: '1.0',
    files: [
      conf('/etc/app/c.conf', 'c1\n'),
      noreplace('/etc/app/n.conf', 'n1\n'),
      file('/opt/app/old', 'old'),
      file('/opt/app/big', big, { mode: 0o640 }),
      file('/opt/app/bin', 'b1', { mode: 0o755 }),
      { path: '/opt/app/link', kind: 'symlink', linkTarget: 'bin' },
    ],
  })
  const v2 = await pkg(dir, {
    name: 'app',
    version: '2.0',
    files: [
      conf('/etc/app/c.conf', 'c2\n'),
      noreplace('/etc/app/n.conf', 'n2\n'),
      file('/opt/app/new', 'new'),
      file('/opt/app/big', `${big}2`, { mode: 0o600 }),
      file('/opt/app/bin', 'b2', { mode: 0o700 }),
      { path: '/opt/app/link', kind: 'symlink', linkTarget: 'new' },
    ],
  })
  return { v1, v2 }
}

describe('the service window and zero-copy repackage', () => {
  it('opens the window after staging and after hard-linking the replaced files, copies the files that stay inside it, writes the .rpm after it closes; rollback is exact', async () => {
    const w = world()
    const { v1, v2 } = await twoVersions(w.dir)
    expect((await runTransaction({ root: w.root, op: 'install', packages: [v1] })).ok).toBe(true)
    writeFileSync(join(w.root, 'etc/app/n.conf'), 'operator n\n')
    utimesSync(join(w.root, 'opt/app/old'), 1_000_000, 1_000_000)
    const before = stats(w.root)
    const inode = (p: string): number => lstatSync(join(w.root, p)).ino
    const oldInodes = { big: inode('opt/app/big'), old: inode('opt/app/old'), n: inode('etc/app/n.conf') }
    const events: string[] = []
    let keptAtClose: string[] = []
    const spool = repackageDir(w.root)
    const up = await runTransaction({
      root: w.root,
      op: 'upgrade',
      packages: [v2],
      flags: { repackage: true },
      window: {
        open: async () => {
          // Everything is staged beside its target and the replaced files are hard-linked; nothing visible has
          // changed, and the copies and the spec are not made yet.
          const temps = readdirSync(join(w.root, 'opt/app')).filter((n) => n.includes(';'))
          const keptDir = readdirSync(spool).find((n) => n.endsWith('.kept'))
          const keptNow = keptDir === undefined ? [] : readdirSync(join(spool, keptDir))
          events.push(
            `open: temps ${temps.length}, old ${readFileSync(join(w.root, 'opt/app/bin'), 'utf8')}, kept ${keptNow.length}, spec ${keptNow.includes('spec.json')}`,
          )
        },
        close: async () => {
          const kept = readdirSync(spool).find((n) => n.endsWith('.kept'))!
          const keptDir = join(spool, kept)
          keptAtClose = readdirSync(keptDir).map((n) => `${n}:${lstatSync(join(keptDir, n)).ino}`)
          events.push(
            `close: new ${readFileSync(join(w.root, 'opt/app/bin'), 'utf8')}, rpm ${existsSync(join(spool, 'app-1.0-1.noarch.rpm'))}`,
          )
        },
      },
    })
    expect(up.ok).toBe(true)
    expect(events).toEqual(['open: temps 4, old b1, kept 4, spec false', 'close: new b2, rpm false'])
    // Files the swap renamed over or removed were kept by hard link (the same inode, no bytes copied); the edited
    // config that stays in place was copied, so later edits cannot reach the kept version.
    const keptInodes = keptAtClose.map((k) => Number(k.split(':')[1]))
    expect(keptInodes).toContain(oldInodes.big)
    expect(keptInodes).toContain(oldInodes.old)
    expect(keptInodes).not.toContain(oldInodes.n)
    // After the window: the .rpm is there and the kept folder gone.
    expect(readdirSync(spool).sort()).toEqual(['app-1.0-1.noarch.db.json', 'app-1.0-1.noarch.rpm'])
    const rb = await rollbackTransaction({ root: w.root })
    expect(rb.ok).toBe(true)
    expect(stats(w.root)).toEqual(before)
  })

  it.skipIf(busybox === undefined)(
    "a package with a %pre is staged only after its %pre ran, inside the window (rpm's order); one without is staged before",
    async () => {
      const w = world()
      mkdirSync(join(w.root, 'bin'), { recursive: true })
      cpSync(busybox as string, join(w.root, 'bin/busybox'))
      symlinkSync('busybox', join(w.root, 'bin/sh'))
      const spec = (version: string, pre: boolean) =>
        pkg(w.dir, {
          name: 'svc',
          version,
          files: [file('/opt/svc/bin', `bin ${version}`), file('/opt/svc/lib', `lib ${version}`)],
          // The %pre records what it can see of the new version's files beside their targets.
          ...(pre
            ? {
                scripts: {
                  pre: {
                    interpreter: '/bin/sh',
                    body: 'n=0; for f in /opt/svc/*\\;*; do [ -e "$f" ] && n=$((n+1)); done; echo $n > /seen-by-pre',
                  },
                },
              }
            : {}),
        })
      expect((await runTransaction({ root: w.root, op: 'install', packages: [await spec('1', false)] })).ok).toBe(true)
      const temps = (): number => readdirSync(join(w.root, 'opt/svc')).filter((n) => n.includes(';')).length
      const seen: number[] = []
      const window = { open: async () => void seen.push(temps()), close: async () => undefined }
      expect(
        (await runTransaction({ root: w.root, op: 'upgrade', packages: [await spec('2', true)], window })).ok,
      ).toBe(true)
      // Nothing of svc-2 was on disk when the window opened nor when its %pre ran.
      expect(seen).toEqual([0])
      expect(readFileSync(join(w.root, 'seen-by-pre'), 'utf8').trim()).toBe('0')
      expect(readFileSync(join(w.root, 'opt/svc/bin'), 'utf8')).toBe('bin 2')
      expect(
        (await runTransaction({ root: w.root, op: 'upgrade', packages: [await spec('3', false)], window })).ok,
      ).toBe(true)
      // Without scriptlets that could see them, the files are written before the window opens.
      expect(seen).toEqual([0, 2])
      expect(readFileSync(join(w.root, 'opt/svc/bin'), 'utf8')).toBe('bin 3')
    },
  )

  it('keeps the file triggers of the version it replaces: the .rpm has them and rollback puts them back', async () => {
    const w = world()
    const fileTriggers = [
      { kind: 'filetriggerin' as const, prefixes: ['/usr/lib'], priority: 20000, body: 'ldconfig' },
      { kind: 'transfiletriggerpostun' as const, prefixes: ['/opt'], body: 'true' },
    ]
    const v1 = await pkg(w.dir, { name: 'ft', version: '1.0', files: [file('/opt/ft/a', '1')], fileTriggers })
    const v2 = await pkg(w.dir, { name: 'ft', version: '2.0', files: [file('/opt/ft/a', '2')] })
    expect((await runTransaction({ root: w.root, op: 'install', packages: [v1], flags: { noscripts: true } })).ok).toBe(
      true,
    )
    const up = await runTransaction({ root: w.root, op: 'upgrade', packages: [v2], flags: { repackage: true } })
    expect(up.ok).toBe(true)
    const kept = (await listHistory(w.root)).at(-1)?.elements.find((e) => e.op === 'erase')?.repackaged ?? ''
    const expected = fileTriggers.map((t) => ({
      kind: t.kind,
      prefixes: t.prefixes,
      priority: t.priority ?? 1_000_000,
      script: { interpreter: ['/bin/sh'], body: t.body },
    }))
    expect((await openPackageSource(kept)).header.fileTriggers).toEqual(expected)
    expect((await rollbackTransaction({ root: w.root, flags: { noscripts: true } })).ok).toBe(true)
    expect((await getInstalled(w.root, 'ft')).map((p) => p.fileTriggers)).toEqual([expected])
  })

  it('a failure before the window leaves the root as it was and never opens the window', async () => {
    const w = world()
    const { v1, v2 } = await twoVersions(w.dir)
    await runTransaction({ root: w.root, op: 'install', packages: [v1] })
    const before = stats(w.root)
    const good = await openPackageSource(v2)
    // The payload breaks off after its first file: staging fails.
    const broken: PackageSource = {
      ...good,
      payload: async function* () {
        for await (const entry of good.payload()) {
          yield entry
          throw new Error('payload ended early')
        }
      },
    }
    let opened = 0
    await expect(
      runTransaction({
        root: w.root,
        op: 'upgrade',
        packages: [],
        sources: [broken],
        flags: { repackage: true },
        window: { open: async () => void opened++, close: async () => undefined },
      }),
    ).rejects.toThrow(/payload ended early/)
    expect(opened).toBe(0)
    expect(stats(w.root)).toEqual(before)
    expect(readdirSync(join(w.root, 'opt/app')).filter((n) => n.includes(';'))).toEqual([])
    expect(readdirSync(repackageDir(w.root)).filter((n) => n.endsWith('.kept'))).toEqual([])
    expect((await getInstalled(w.root, 'app')).map((p) => p.nevra)).toEqual(['app-1.0-1.noarch'])
  })

  it('a run that stops after the swap, before the .rpm is written: rollback writes it from the kept files and restores exactly', async () => {
    const w = world()
    const { v1, v2 } = await twoVersions(w.dir)
    await runTransaction({ root: w.root, op: 'install', packages: [v1] })
    writeFileSync(join(w.root, 'etc/app/c.conf'), 'operator c\n')
    const before = stats(w.root)
    const closing = runTransaction({
      root: w.root,
      op: 'upgrade',
      packages: [v2],
      flags: { repackage: true },
      window: { open: async () => undefined, close: async () => Promise.reject(new Error('services would not start')) },
    })
    await expect(closing).rejects.toThrow(/services would not start/)
    const spool = repackageDir(w.root)
    expect(readdirSync(spool).filter((n) => n.endsWith('.kept'))).toHaveLength(1)
    expect(existsSync(join(spool, 'app-1.0-1.noarch.rpm'))).toBe(false)
    const h = await listHistory(w.root)
    expect(h.at(-1)?.elements.find((e) => e.op === 'erase')?.kept).toMatch(/\.kept$/)
    const rb = await rollbackTransaction({ root: w.root })
    expect(rb.ok).toBe(true)
    expect(stats(w.root)).toEqual(before)
    expect(readdirSync(spool).filter((n) => n.endsWith('.kept'))).toEqual([])
  })
})

describe('a kept package spec.json is validated before the .rpm is written from it', () => {
  const kept = (spec: unknown): { dir: string; rpm: string; done: () => void } => {
    const w = tempWorld()
    const dir = join(w.dir, 'x.kept')
    mkdirSync(dir)
    writeFileSync(join(dir, 'data'), 'kept bytes\n')
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec))
    return { dir, rpm: join(w.dir, 'x.rpm'), done: w.done }
  }
  const spec = (source: string) => ({
    name: 'x',
    version: '1',
    release: '1',
    arch: 'noarch',
    files: [{ path: '/opt/x/data', kind: 'file', source }],
    compressor: 'none',
  })

  it('writes the .rpm of a sound one and removes the kept folder', async () => {
    const k = kept(spec('data'))
    try {
      expect(await writeKept(k.dir, k.rpm)).toBe(true)
      expect(existsSync(k.rpm)).toBe(true)
      expect(existsSync(k.dir)).toBe(false)
    } finally {
      k.done()
    }
  })

  for (const [what, bad] of [
    ['a source climbing out of the kept folder', spec('../../../etc/shadow')],
    ['an absolute source', spec('/etc/shadow')],
    ['a file kind rpm-sim never keeps', { ...spec('data'), files: [{ path: '/x', kind: 'fifo' }] }],
    ['no files list', { name: 'x', version: '1', release: '1', arch: 'noarch' }],
  ] as const) {
    it(`refuses ${what} in one line (E_JOURNAL), writing nothing and keeping the folder`, async () => {
      const k = kept(bad)
      try {
        const error = await writeKept(k.dir, k.rpm).catch((e: unknown) => e)
        expect(error).toMatchObject({ code: 'E_JOURNAL' })
        expect(String((error as Error).message)).not.toContain('\n')
        expect(String((error as Error).message)).toContain('spec.json')
        expect(existsSync(k.rpm)).toBe(false)
        expect(existsSync(join(k.dir, 'spec.json'))).toBe(true)
      } finally {
        k.done()
      }
    })
  }
})
