import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { openPackageSource } from './_source.js'
import type { PackageSource } from '../format/model.js'
import { afterEach, describe, expect, it } from 'vitest'
import { runTransaction, planTransaction } from './transaction.js'
import { getInstalled, listInstalled } from '../query/db-query.js'
import { verifyInstalled } from '../query/verify.js'
import { conf, exists, file, noreplace, pkg, read, tempWorld } from '../_test-rpm.js'

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

const asRoot = process.getuid?.() === 0
if (!asRoot) console.warn('skipping the identity test: it needs root (chown)')

describe('identity: who writes the files is an option, not read from the process', () => {
  it.skipIf(!asRoot)('chowns to the packaged owner only when told it runs as uid 0', async () => {
    const w = world()
    const a = await pkg(w.dir, {
      name: 'owned',
      version: '1',
      files: [file('/opt/o/data', 'x', { user: 'rdb', group: 'rdb', mode: 0o640 })],
    })
    const owners = async (identity?: { uid: number; gid: number; umask: number }): Promise<string> => {
      const root = mkdtempSync(join(w.dir, 'root-'))
      mkdirSync(join(root, 'etc'))
      writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nrdb:x:990:990::/:/bin/sh\n')
      writeFileSync(join(root, 'etc/group'), 'root:x:0:\nrdb:x:990:\n')
      const r = await runTransaction({ root, op: 'install', packages: [a], ...(identity ? { identity } : {}) })
      expect(r.problems).toEqual([])
      const st = statSync(join(root, 'opt/o/data'))
      return `${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)}`
    }
    // Told it is root (the CLIs pass the process's identity): the packaged owner and mode, as rpm as root.
    expect(await owners({ uid: 0, gid: 0, umask: 0o022 })).toBe('990:990 640')
    // Told nothing: no chown (the files keep the creating user's owner), the packaged mode all the same.
    expect(await owners()).toBe(`${process.geteuid?.()}:${process.getegid?.()} 640`)
  })
})

describe('install, upgrade, erase', () => {
  it('installs a package: files on disk, a database record, -V clean', async () => {
    const w = world()
    const a = await pkg(w.dir, {
      name: 'foo',
      version: '1.0',
      files: [
        { path: '/etc/foo', kind: 'dir' },
        conf('/etc/foo/foo.conf', 'one\n'),
        file('/usr/bin/foo', '#!/bin/sh\n', { mode: 0o755 }),
        { path: '/usr/bin/foo-link', kind: 'symlink', linkTarget: 'foo' },
      ],
    })
    const r = await runTransaction({ root: w.root, op: 'install', packages: [a] })
    expect(r.problems).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.installed).toEqual([{ nevra: 'foo-1.0-1.noarch' }])
    expect(read(w.root, 'etc/foo/foo.conf')).toBe('one\n')
    expect(read(w.root, 'usr/bin/foo')).toBe('#!/bin/sh\n')
    expect((await listInstalled(w.root)).map((p) => p.nevra)).toEqual(['foo-1.0-1.noarch'])
    expect(await verifyInstalled(w.root, 'foo')).toEqual([])
    writeFileSync(join(w.root, 'etc/foo/foo.conf'), 'edited\n')
    expect(await verifyInstalled(w.root, 'foo')).toEqual(['S.5....T.  c /etc/foo/foo.conf'])
  })

  it('refuses the same version and a downgrade with rpm problem lines, allows them with the flags', async () => {
    const w = world()
    const v1 = await pkg(w.dir, { name: 'foo', version: '1.0', files: [file('/a', '1')] })
    const v2 = await pkg(w.dir, { name: 'foo', version: '2.0', files: [file('/a', '2')] })
    expect((await runTransaction({ root: w.root, op: 'upgrade', packages: [v2] })).ok).toBe(true)
    const same = await runTransaction({ root: w.root, op: 'upgrade', packages: [v2] })
    expect(same.problems).toEqual(['\tpackage foo-2.0-1.noarch is already installed'])
    // rpm's exit status for problems is rpmtsRun's count of elements: the install and the erasure of the old one.
    expect(same.exitCode).toBe(2)
    const down = await runTransaction({ root: w.root, op: 'upgrade', packages: [v1] })
    expect(down.problems).toEqual([
      '\tpackage foo-2.0-1.noarch (which is newer than foo-1.0-1.noarch) is already installed',
    ])
    const forced = await runTransaction({ root: w.root, op: 'upgrade', packages: [v1], flags: { oldpackage: true } })
    expect(forced.ok).toBe(true)
    expect(read(w.root, 'a')).toBe('1')
    expect((await getInstalled(w.root, 'foo')).map((p) => p.nevra)).toEqual(['foo-1.0-1.noarch'])
    const re = await runTransaction({ root: w.root, op: 'upgrade', packages: [v1], flags: { replacepkgs: true } })
    expect(re.ok).toBe(true)
    expect((await getInstalled(w.root, 'foo')).map((p) => p.nevra)).toEqual(['foo-1.0-1.noarch'])
    expect(read(w.root, 'a')).toBe('1')
  })

  it('upgrades with rpm config fates and warnings; removes files only the old version owned', async () => {
    const w = world()
    const v1 = await pkg(w.dir, {
      name: 'foo',
      version: '1.0',
      files: [
        conf('/etc/c.conf', 'c1\n'),
        noreplace('/etc/n.conf', 'n1\n'),
        conf('/etc/u.conf', 'u1\n'),
        file('/usr/old', 'old'),
        file('/usr/keep', 'k1'),
      ],
    })
    const v2 = await pkg(w.dir, {
      name: 'foo',
      version: '2.0',
      files: [
        conf('/etc/c.conf', 'c2\n'),
        noreplace('/etc/n.conf', 'n2\n'),
        conf('/etc/u.conf', 'u2\n'),
        file('/usr/keep', 'k2'),
        file('/usr/new', 'new'),
      ],
    })
    await runTransaction({ root: w.root, op: 'install', packages: [v1] })
    writeFileSync(join(w.root, 'etc/c.conf'), 'mine c\n')
    writeFileSync(join(w.root, 'etc/n.conf'), 'mine n\n')
    const lines: string[] = []
    const r = await runTransaction({ root: w.root, op: 'upgrade', packages: [v2], onWarning: (l) => lines.push(l) })
    expect(r.ok).toBe(true)
    expect(lines).toEqual([
      'warning: /etc/c.conf saved as /etc/c.conf.rpmsave',
      'warning: /etc/n.conf created as /etc/n.conf.rpmnew',
    ])
    expect(read(w.root, 'etc/c.conf')).toBe('c2\n')
    expect(read(w.root, 'etc/c.conf.rpmsave')).toBe('mine c\n')
    expect(read(w.root, 'etc/n.conf')).toBe('mine n\n')
    expect(read(w.root, 'etc/n.conf.rpmnew')).toBe('n2\n')
    expect(read(w.root, 'etc/u.conf')).toBe('u2\n')
    expect(exists(w.root, 'usr/old')).toBe(false)
    expect(read(w.root, 'usr/new')).toBe('new')
    expect(r.installed).toEqual([{ nevra: 'foo-2.0-1.noarch', replaced: 'foo-1.0-1.noarch' }])
    expect(r.created.map((c) => c.savedAs).sort()).toEqual(['/etc/c.conf.rpmsave', '/etc/n.conf.rpmnew'])
    expect(await verifyInstalled(w.root, 'foo')).toEqual(['S.5....T.  c /etc/n.conf'])
  })

  it('erases: modified config to .rpmsave, shared files kept, non-empty directories kept', async () => {
    const w = world()
    const a = await pkg(w.dir, {
      name: 'a',
      version: '1',
      files: [
        { path: '/opt/x', kind: 'dir' },
        file('/opt/x/shared', 's'),
        conf('/opt/x/a.conf', 'a\n'),
        file('/opt/x/a', 'a'),
      ],
    })
    const b = await pkg(w.dir, {
      name: 'b',
      version: '1',
      files: [{ path: '/opt/x', kind: 'dir' }, file('/opt/x/shared', 's'), file('/opt/x/b', 'b')],
    })
    expect((await runTransaction({ root: w.root, op: 'install', packages: [a, b] })).ok).toBe(true)
    writeFileSync(join(w.root, 'opt/x/a.conf'), 'edited\n')
    const lines: string[] = []
    const r = await runTransaction({ root: w.root, op: 'erase', packages: ['a'], onWarning: (l) => lines.push(l) })
    expect(r.erased).toEqual(['a-1-1.noarch'])
    expect(lines).toEqual(['warning: /opt/x/a.conf saved as /opt/x/a.conf.rpmsave'])
    expect(read(w.root, 'opt/x/shared')).toBe('s')
    expect(exists(w.root, 'opt/x/a')).toBe(false)
    expect(read(w.root, 'opt/x/b')).toBe('b')
    const missing = await runTransaction({ root: w.root, op: 'erase', packages: ['nope'] })
    expect(missing.problems).toEqual(['error: package nope is not installed'])
  })

  it('reports file conflicts as rpm does and installs nothing; --replacefiles takes the file over', async () => {
    const w = world()
    const a = await pkg(w.dir, { name: 'a', version: '1', files: [file('/f', 'a')] })
    const b = await pkg(w.dir, { name: 'b', version: '1', files: [file('/f', 'b'), file('/g', 'g')] })
    await runTransaction({ root: w.root, op: 'install', packages: [a] })
    const r = await runTransaction({ root: w.root, op: 'install', packages: [b] })
    expect(r.problems).toEqual(['\tfile /f from install of b-1-1.noarch conflicts with file from package a-1-1.noarch'])
    expect(exists(w.root, 'g')).toBe(false)
    const forced = await runTransaction({ root: w.root, op: 'install', packages: [b], flags: { replacefiles: true } })
    expect(forced.ok).toBe(true)
    expect(read(w.root, 'f')).toBe('b')
    const aRec = (await getInstalled(w.root, 'a'))[0]
    expect(aRec?.files.find((f) => f.path === '/f')?.state).toBe('replaced')
  })

  it('plans without changing anything; freshen skips what is not installed', async () => {
    const w = world()
    const a = await pkg(w.dir, { name: 'a', version: '1', files: [file('/f', 'a')] })
    const plan = await planTransaction({ root: w.root, op: 'install', packages: [a] })
    expect(plan.elements).toEqual([
      { op: 'install', nevra: 'a-1-1.noarch', files: [{ path: '/f', fate: 'create', reason: 'absent: created' }] },
    ])
    expect(exists(w.root, 'f')).toBe(false)
    const fr = await runTransaction({ root: w.root, op: 'freshen', packages: [a] })
    expect(fr.ok).toBe(true)
    expect(fr.installed).toEqual([])
    expect(exists(w.root, 'f')).toBe(false)
  })

  it('resolves symlinked parent directories inside the root, never outside it', async () => {
    const w = world()
    const tag = `rpmsim-escape-${process.pid}-${Date.now()}`
    mkdirSync(join(w.root, 'usr/lib'), { recursive: true })
    symlinkSync('/usr/lib', join(w.root, 'lib'))
    symlinkSync('../../../../../..', join(w.root, 'up'))
    const p = await pkg(w.dir, {
      name: 'esc',
      version: '1',
      files: [file(`/lib/${tag}`, 'in'), file(`/up/${tag}`, 'up')],
    })
    const r = await runTransaction({ root: w.root, op: 'install', packages: [p] })
    expect(r.ok).toBe(true)
    expect(read(w.root, `usr/lib/${tag}`)).toBe('in')
    expect(read(w.root, tag)).toBe('up')
    expect(existsSync(`/usr/lib/${tag}`)).toBe(false)
    expect(existsSync(`/${tag}`)).toBe(false)
    await runTransaction({ root: w.root, op: 'erase', packages: ['esc'] })
    expect(exists(w.root, `usr/lib/${tag}`)).toBe(false)
  })

  it('leaves a transaction that a live process is running alone, and refuses to start another', async () => {
    const w = world()
    const a = await pkg(w.dir, { name: 'lk', version: '1', files: [file('/lk', 'x')] })
    await runTransaction({ root: w.root, op: 'install', packages: [a] })
    const holder = spawn('sleep', ['30'])
    try {
      const db = join(w.root, 'var/lib/rpm-sim')
      mkdirSync(join(db, 'journal'), { recursive: true })
      writeFileSync(join(db, 'journal/plan.json'), '{"tid":1,"elements":[],"createdDirs":[]}')
      writeFileSync(join(db, 'lock'), `${holder.pid}\n`)
      expect((await listInstalled(w.root)).map((p) => p.nevra)).toEqual(['lk-1-1.noarch'])
      expect(existsSync(join(db, 'journal/plan.json'))).toBe(true)
      await expect(runTransaction({ root: w.root, op: 'erase', packages: ['lk'] })).rejects.toMatchObject({
        code: 'E_LOCKED',
      })
    } finally {
      holder.kill()
    }
  })
  it('takes over the database lock of a process that was killed, and releases it after', async () => {
    const w = world()
    const a = await pkg(w.dir, { name: 'dl', version: '1', files: [file('/dl', 'x')] })
    const dead = spawn('true')
    await new Promise((done) => dead.on('exit', done))
    const db = join(w.root, 'var/lib/rpm-sim')
    mkdirSync(db, { recursive: true })
    writeFileSync(join(db, 'lock'), `${dead.pid}\n`)
    const r = await runTransaction({ root: w.root, op: 'install', packages: [a] })
    expect(r.ok).toBe(true)
    expect(existsSync(join(db, 'lock'))).toBe(false)
  })
})

describe('sources that staged their bodies themselves', () => {
  // The installer writes each payload body once into a staging folder; the engine must move it into place with
  // the packaged metadata, also when the staging folder sits on another filesystem (EXDEV: copied instead).
  async function stagedSource(w: ReturnType<typeof world>, stageDir: string): Promise<PackageSource> {
    const rpm = await pkg(w.dir, {
      name: 'staged',
      version: '1.0',
      files: [file('/opt/s/run.sh', '#!/bin/sh\necho hi\n', { mode: 0o750 }), noreplace('/opt/s/s.conf', 'a=1\n')],
    })
    const from = await openPackageSource(rpm)
    mkdirSync(stageDir, { recursive: true })
    writeFileSync(join(stageDir, '0'), '#!/bin/sh\necho hi\n', { mode: 0o600 })
    writeFileSync(join(stageDir, '1'), 'a=1\n', { mode: 0o600 })
    return {
      origin: 'staged test',
      header: from.header,
      payload: async function* () {
        yield { path: '/opt/s/run.sh', size: 18, file: join(stageDir, '0') }
        yield { path: '/opt/s/s.conf', size: 4, file: join(stageDir, '1') }
      },
    }
  }

  async function installStaged(w: ReturnType<typeof world>, stageDir: string): Promise<void> {
    const source = await stagedSource(w, stageDir)
    const r = await runTransaction({ root: w.root, op: 'install', packages: [], sources: [source] })
    expect(r.problems).toEqual([])
    expect(r.ok).toBe(true)
    expect(read(w.root, 'opt/s/run.sh')).toBe('#!/bin/sh\necho hi\n')
    expect(statSync(join(w.root, 'opt/s/run.sh')).mode & 0o7777).toBe(0o750)
    expect(statSync(join(w.root, 'opt/s/s.conf')).mode & 0o7777).toBe(0o644)
    expect(existsSync(join(stageDir, '0'))).toBe(false)
    expect(await verifyInstalled(w.root, 'staged')).toEqual([])
  }

  it('renames a staged body into place with the packaged mode and mtime; -V is clean', async () => {
    const w = world()
    const stageDir = join(w.root, 'var/lib/stage')
    await installStaged(w, stageDir)
  })

  it('copies a staged body that lives on another filesystem (EXDEV)', async (ctx) => {
    const w = world()
    if (!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(w.dir).dev) {
      console.log('skipped: /dev/shm is missing or on the same filesystem as the temp folder, so no EXDEV can be made')
      ctx.skip()
    }
    const other = mkdtempSync('/dev/shm/rpmsim-stage-')
    cleanups.push(() => rmSync(other, { recursive: true, force: true }))
    await installStaged(w, other)
    expect(lstatSync(join(w.root, 'opt/s/run.sh')).nlink).toBe(1)
  })
})

const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p))
if (busybox === undefined)
  console.warn('skipping the %pre symlink test: busybox-static is not installed (a shell inside the root)')

describe.skipIf(busybox === undefined || process.getuid?.() !== 0)(
  'rpm’s safe-symlink rule where files are written',
  () => {
    it('a directory symlink a %pre plants, leading outside the root, is not written through: the package fails as rpm’s unpacking, nothing lands outside', async () => {
      const w = world()
      const outside = join(w.dir, 'outside')
      mkdirSync(outside)
      mkdirSync(join(w.root, 'bin'), { recursive: true })
      copyFileSync(busybox as string, join(w.root, 'bin/busybox'))
      for (const c of ['sh', 'mkdir', 'ln']) symlinkSync('busybox', join(w.root, 'bin', c))
      // Inside the chroot the link's absolute target does not exist; from the host it is the folder outside the root.
      const a = await pkg(w.dir, {
        name: 'plant',
        version: '1',
        files: [file('/opt/x/file', 'payload\n')],
        scripts: { pre: { body: `mkdir -p /opt; ln -s ${outside} /opt/x` } },
      })
      const warnings: string[] = []
      const r = await runTransaction({ root: w.root, op: 'install', packages: [a], onWarning: (l) => warnings.push(l) })
      expect(r.ok).toBe(false)
      expect(r.exitCode).toBe(1)
      // Inside the root the link leads nowhere: rpm's words for that (the upstream oracle's row 'a dangling symlink
      // above a folder the package does not own' checks them against real rpm).
      expect(warnings).toEqual([
        'error: failed to open dir x of /opt/x/: File exists',
        expect.stringMatching(
          /^error: unpacking of archive failed on file \/opt\/x\/file;[0-9a-f]{8}: cpio: open failed - No such file or directory$/,
        ),
        'error: plant-1-1.noarch: install failed',
      ])
      expect(readdirSync(outside)).toEqual([])
      expect(await listInstalled(w.root)).toEqual([])
    })
  },
)
