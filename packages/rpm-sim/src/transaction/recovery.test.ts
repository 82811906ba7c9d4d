// Kill tests: SIGKILL the real CLI in the middle of an upgrade of a package of thousands of files, run it again,
// and check that the tree is the complete old state or the complete new state, configs intact, -V consistent.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTransaction } from './transaction.js'
import { verifyInstalled } from '../query/verify.js'
import { listInstalled } from '../query/db-query.js'
import type { CliRun } from '../_test-cli.js'
import { buildCli, runCli as runCliHere } from '../_test-cli.js'
import { TransactionError } from '../base/transaction-error.js'
import { conf, file, noreplace, pkg, snapshot, tempWorld } from '../_test-rpm.js'
import type { RpmSpecFile } from '../format/spec.js'

const N = 1200
const w = tempWorld('rpmsim-kill-')
let v2 = ''
let template = ''
let oldTree: Record<string, string> = {}
let newTree: Record<string, string> = {}
let oldVerify: string[] = []
let newVerify: string[] = []
let fullMs = 0
let CLI = ''
let cleanupCli = (): void => undefined

function files(version: number): RpmSpecFile[] {
  const out: RpmSpecFile[] = [conf('/etc/big/c.conf', `c${version}\n`), noreplace('/etc/big/n.conf', `n${version}\n`)]
  for (let i = 0; i < N; i++) {
    // v2 drops every tenth file and adds as many new ones, and changes every file's content.
    if (version === 2 && i % 10 === 0) out.push(file(`/opt/big/d${i % 50}/new${i}`, `new ${i}\n`))
    else out.push(file(`/opt/big/d${i % 50}/f${i}`, `v${version} file ${i}\n`.repeat(1 + (i % 7))))
  }
  out.push({ path: '/opt/big/current', kind: 'symlink', linkTarget: `d${version}` })
  return out
}

function runCli(
  args: string[],
  killAfterMs?: number,
  env: Record<string, string> = {},
): Promise<{ code: number | null; signal: string | null; ms: number }> {
  return new Promise((resolve) => {
    const start = Date.now()
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore', env: { ...process.env, ...env } })
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer)
      resolve({ code, signal, ms: Date.now() - start })
    })
  })
}

beforeAll(async () => {
  const built = buildCli()
  CLI = built.cli
  cleanupCli = built.cleanup
  const v1 = await pkg(w.dir, { name: 'big', version: '1', files: files(1) })
  v2 = await pkg(w.dir, { name: 'big', version: '2', files: files(2) })
  template = join(w.dir, 'template')
  mkdirSync(template)
  expect((await runTransaction({ root: template, op: 'install', packages: [v1] })).ok).toBe(true)
  writeFileSync(join(template, 'etc/big/c.conf'), 'operator c\n')
  writeFileSync(join(template, 'etc/big/n.conf'), 'operator n\n')
  oldTree = snapshot(template)
  oldVerify = await verifyInstalled(template, 'big')
  const ref = join(w.dir, 'ref')
  cpSync(template, ref, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true })
  const r = await runCli(['--root', ref, '-U', v2])
  expect(r.code).toBe(0)
  fullMs = r.ms
  newTree = snapshot(ref)
  newVerify = await verifyInstalled(ref, 'big')
}, 120_000)

afterAll(() => {
  w.done()
  cleanupCli()
})

describe('an upgrade killed at any moment', () => {
  it('the reference states differ as an upgrade should', () => {
    expect(newTree['/etc/big/c.conf.rpmsave']).toBe(oldTree['/etc/big/c.conf'])
    expect(newTree['/etc/big/n.conf']).toBe(oldTree['/etc/big/n.conf'])
    expect(newTree['/etc/big/n.conf.rpmnew']).toBeDefined()
    expect(newTree['/opt/big/d0/f0']).toBeUndefined()
    expect(oldVerify).toEqual(['S.5....T.  c /etc/big/c.conf', 'S.5....T.  c /etc/big/n.conf'])
    expect(newVerify).toEqual(['S.5....T.  c /etc/big/n.conf'])
  })

  const points = Array.from({ length: 10 }, (_, i) => i)
  // Timed kills over the whole run, then kills injected at fixed steps of the commit and of the erasure.
  const cases = [
    ...points.map((i) => ({ i, label: 'timed', fault: undefined as string | undefined })),
    ...['commit:1', `commit:${N / 2}`, `commit:${N - 5}`, 'erase:1', `erase:${N / 20}`].map((fault, k) => ({
      i: 10 + k,
      label: fault,
      fault,
    })),
  ]
  it.each(cases)('kill point $i ($label): the next command finishes or undoes the upgrade', async ({ i, fault }) => {
    const root = join(w.dir, `kill-${i}`)
    cpSync(template, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true })
    // Spread the kills over the whole run; node's own start-up takes the first part of it.
    const delay = fault !== undefined ? undefined : Math.round((fullMs * (i + 1)) / (points.length + 1))
    const killed = await runCli(['--root', root, '-U', v2], delay, fault !== undefined ? { RPMSIM_FAULT: fault } : {})
    if (fault !== undefined) expect(killed.signal).toBe('SIGKILL')
    const interrupted = existsSync(join(root, 'var/lib/rpm-sim/journal/plan.json'))
    if (fault !== undefined) expect(interrupted).toBe(true)
    const again = await runCli(['--root', root, '-qa'])
    expect(again.code).toBe(0)
    const tree = snapshot(root)
    const installed = (await listInstalled(root)).map((p) => p.nevra)
    console.info(
      `kill point ${i} (${fault ?? `${delay} ms`}): ${killed.signal ?? `exit ${killed.code}`}${interrupted ? ', journal left behind' : ''} -> ${installed.join(' ')}`,
    )
    if (installed[0] === 'big-2-1.noarch') {
      expect(tree).toEqual(newTree)
      expect(await verifyInstalled(root, 'big')).toEqual(newVerify)
    } else {
      expect(installed).toEqual(['big-1-1.noarch'])
      expect(tree).toEqual(oldTree)
      expect(await verifyInstalled(root, 'big')).toEqual(oldVerify)
    }
    // The operator's edits survive in both states.
    expect(
      tree['/etc/big/c.conf'] === oldTree['/etc/big/c.conf'] ||
        tree['/etc/big/c.conf.rpmsave'] === oldTree['/etc/big/c.conf'],
    ).toBe(true)
    expect(tree['/etc/big/n.conf']).toBe(oldTree['/etc/big/n.conf'])
    execFileSync('rm', ['-rf', root])
  })
})

describe('an interrupted upgrade in a root that was moved before the next command', () => {
  it('is finished in the new place', async () => {
    const root = join(w.dir, 'moved-from')
    const moved = join(w.dir, 'moved-to')
    cpSync(template, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true })
    expect((await runCli(['--root', root, '-U', v2], undefined, { RPMSIM_FAULT: `commit:${N / 2}` })).signal).toBe(
      'SIGKILL',
    )
    renameSync(root, moved)
    expect((await runCli(['--root', moved, '-qa'])).code).toBe(0)
    expect((await listInstalled(moved)).map((p) => p.nevra)).toEqual(['big-2-1.noarch'])
    expect(snapshot(moved)).toEqual(newTree)
  })
})

const cliInProcess = (...argv: string[]): Promise<CliRun> => runCliHere(w.dir, argv)

// chattr(1) sets the immutable flag where the file system keeps one (ext4, xfs, btrfs; not tmpfs or overlayfs).
function canChattr(dir: string): boolean {
  const probe = join(dir, 'chattr-probe')
  writeFileSync(probe, '')
  const ok = spawnSync('chattr', ['+i', probe]).status === 0
  if (ok) spawnSync('chattr', ['-i', probe])
  rmSync(probe)
  return ok
}

describe('an upgrade whose commit the file system refuses (an immutable file)', () => {
  it('stops in one line naming the path, keeps the journal, and the next command finishes it once the file is writable', async (ctx) => {
    if (process.getuid?.() !== 0 || !canChattr(w.dir)) {
      console.warn('skipping the immutable-file test: it needs root and a file system with chattr +i (not tmpfs)')
      ctx.skip()
    }
    const root = join(w.dir, 'immutable')
    cpSync(template, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true })
    const locked = join(root, 'opt/big/d1/f1')
    execFileSync('chattr', ['+i', locked])
    try {
      const up = await cliInProcess('--root', root, '-U', v2)
      expect(up.code).toBe(1)
      // Beside rpm's warnings for the configs renamed so far, one error line.
      expect(up.err.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
        expect.stringMatching(
          /^error: .*\/opt\/big\/d1\/f1;[0-9a-f]{8}: cannot go on with the transaction: operation not permitted \(EPERM\) \(it stays pending: .*chattr -i.* the next rpm-sim command finishes it\)$/,
        ),
      ])
      expect(existsSync(join(root, 'var/lib/rpm-sim/journal/plan.json'))).toBe(true)
    } finally {
      execFileSync('chattr', ['-i', locked])
    }
    const qa = await cliInProcess('--root', root, '-qa')
    expect(qa.out.trim()).toBe('big-2-1.noarch')
    expect(snapshot(root)).toEqual(newTree)
    expect(await verifyInstalled(root, 'big')).toEqual(newVerify)
  })
})

describe('a journal plan that does not validate (truncated or edited)', () => {
  const cases: [string, (text: string) => string, RegExp][] = [
    ['truncated', (t) => t.slice(0, Math.floor(t.length / 2)), /plan\.json: not valid JSON \(/],
    [
      'a fate that does not exist',
      (t) => t.replace('"fate":"create"', '"fate":"overwrite"'),
      /plan\.json: elements\.0\.actions\.\d+\.fate: expected .*"create".*, found "overwrite" \(/,
    ],
    [
      'a host path made relative',
      (t) => t.replace('"host":"/', '"host":"'),
      /plan\.json: elements\.\d+\.actions\.\d+\.host: expected .*, found "[^/]/,
    ],
  ]
  it.each(cases)(
    '%s: one line (E_JOURNAL), recovery stops and nothing on disk changes',
    async (name, corrupt, line) => {
      const root = join(w.dir, `bad-plan-${name.replaceAll(' ', '-')}`)
      cpSync(template, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true })
      expect((await runCli(['--root', root, '-U', v2], undefined, { RPMSIM_FAULT: 'commit:5' })).signal).toBe('SIGKILL')
      const journal = join(root, 'var/lib/rpm-sim/journal')
      writeFileSync(join(journal, 'plan.json'), corrupt(readFileSync(join(journal, 'plan.json'), 'utf8')))
      const state = () => ({
        tree: snapshot(root),
        journal: Object.fromEntries(readdirSync(journal).map((n) => [n, readFileSync(join(journal, n), 'utf8')])),
        db: readdirSync(join(root, 'var/lib/rpm-sim/packages')).sort(),
      })
      const before = state()
      const up = await cliInProcess('--root', root, '-U', v2)
      expect(up.code).toBe(1)
      expect(up.err.split('\n').filter((l) => l !== '')).toHaveLength(1)
      expect(up.err).toMatch(/^error: /)
      expect(up.err).toMatch(line)
      const error = await runTransaction({ root, op: 'upgrade', packages: [v2] }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TransactionError)
      expect((error as TransactionError).code).toBe('E_JOURNAL')
      // Queries still read the database as it stands, with the same line as a warning.
      const qa = await cliInProcess('--root', root, '-qa')
      expect(qa.code).toBe(0)
      expect(qa.err).toMatch(/^warning: an interrupted transaction is pending and was not recovered: /)
      expect(qa.err).toMatch(line)
      expect(state()).toEqual(before)
    },
  )
})

const busybox = process.getuid?.() === 0 ? ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p)) : undefined
if (busybox === undefined)
  console.warn('skipping the scriptlet recovery test: it needs root (chroot) and busybox-static')

describe.skipIf(busybox === undefined)('recovery finishes the scriptlets of an interrupted upgrade', () => {
  it('a kill inside the commit: the next command runs the remaining scriptlets once, in rpm’s order', async () => {
    const log = (tag: string) => ({ interpreter: '/bin/sh', body: `echo "${tag} $*" >> /log` })
    const scripts = (v: string) =>
      Object.fromEntries(['pretrans', 'pre', 'post', 'preun', 'postun', 'posttrans'].map((k) => [k, log(`${k}-${v}`)]))
    const many = (v: number) => Array.from({ length: 40 }, (_, i) => file(`/opt/s/f${i}`, `${v} ${i}`))
    const s1 = await pkg(w.dir, { name: 'scr', version: '1', files: many(1), scripts: scripts('1') })
    const s2 = await pkg(w.dir, { name: 'scr', version: '2', files: many(2), scripts: scripts('2') })
    const roots = ['straight', 'killed'].map((n) => join(w.dir, `scr-${n}`))
    for (const root of roots) {
      mkdirSync(join(root, 'bin'), { recursive: true })
      cpSync(busybox as string, join(root, 'bin/busybox'))
      symlinkSync('busybox', join(root, 'bin/sh'))
      expect((await runCli(['--root', root, '-i', s1])).code).toBe(0)
    }
    const [straight, killed] = roots as [string, string]
    expect((await runCli(['--root', straight, '-U', s2])).code).toBe(0)
    expect((await runCli(['--root', killed, '-U', s2], undefined, { RPMSIM_FAULT: 'commit:20' })).signal).toBe(
      'SIGKILL',
    )
    expect(readFileSync(join(killed, 'log'), 'utf8')).toContain('pre-2 2\n')
    expect(readFileSync(join(killed, 'log'), 'utf8')).not.toContain('post-2')
    expect((await runCli(['--root', killed, '-qa'])).code).toBe(0)
    expect(readFileSync(join(killed, 'log'), 'utf8')).toBe(readFileSync(join(straight, 'log'), 'utf8'))
    expect(snapshot(killed)).toEqual(snapshot(straight))
  })
})

describe.skipIf(busybox === undefined)('%_minimize_writes with files a %pre removed, killed inside the commit', () => {
  it('the files the plan only touched but %pre removed are written, also by the next command after a kill', async () => {
    // Both versions hold the same 40 files: %_minimize_writes plans to touch them all; v2's %pre removes half.
    const same = Array.from({ length: 40 }, (_, i) => file(`/opt/m/f${i}`, `same ${i}\n`))
    const pre = { interpreter: '/bin/sh', body: 'for i in $(seq 0 19); do rm -f /opt/m/f$i; done' }
    const m1 = await pkg(w.dir, { name: 'mw', version: '1', files: same })
    const m2 = await pkg(w.dir, { name: 'mw', version: '2', files: same, scripts: { pre } })
    const roots = ['straight', 'killed'].map((n) => join(w.dir, `mw-${n}`))
    for (const root of roots) {
      mkdirSync(join(root, 'bin'), { recursive: true })
      cpSync(busybox as string, join(root, 'bin/busybox'))
      for (const tool of ['sh', 'seq', 'rm']) symlinkSync('busybox', join(root, `bin/${tool}`))
      expect((await runCli(['--root', root, '-i', m1])).code).toBe(0)
    }
    const [straight, killed] = roots as [string, string]
    const up = ['-U', '--define', '_minimize_writes 1', m2]
    expect((await runCli(['--root', straight, ...up])).code).toBe(0)
    expect(existsSync(join(straight, 'opt/m/f0'))).toBe(true)
    expect(await verifyInstalled(straight, 'mw')).toEqual([])
    expect((await runCli(['--root', killed, ...up], undefined, { RPMSIM_FAULT: 'commit:5' })).signal).toBe('SIGKILL')
    // Five of the removed files are back, the other fifteen wait under their temporary names.
    expect(existsSync(join(killed, 'opt/m/f19'))).toBe(false)
    expect((await runCli(['--root', killed, '-qa'])).code).toBe(0)
    expect(snapshot(killed)).toEqual(snapshot(straight))
    expect(await verifyInstalled(killed, 'mw')).toEqual([])
  })
})

describe('a relocated install killed inside its commit', () => {
  it('is finished where the relocation put its files, and recorded there', async () => {
    const many = Array.from({ length: 40 }, (_, i) => file(`/opt/rel/d${i % 4}/f${i}`, `f${i}\n`))
    const rel = await pkg(w.dir, { name: 'rel', version: '1', prefixes: ['/opt/rel'], files: many })
    const root = join(w.dir, 'relocated')
    const ref = join(w.dir, 'relocated-ref')
    for (const r of [root, ref]) mkdirSync(r)
    const args = ['-i', '--relocate', '/opt/rel=/srv/rel', rel]
    expect((await runCli(['--root', ref, ...args])).code).toBe(0)
    expect((await runCli(['--root', root, ...args], undefined, { RPMSIM_FAULT: 'commit:20' })).signal).toBe('SIGKILL')
    // Half of the files are in place under /srv/rel, the rest staged: the next command finishes the renames.
    const r = await runTransaction({ root, op: 'erase', packages: ['nothing-to-erase'] })
    expect(r.recovery).toEqual({ tid: expect.any(Number), action: 'completed' })
    const placed = (tree: Record<string, string>) => Object.keys(tree).filter((p) => p.startsWith('/srv/rel/'))
    expect(placed(snapshot(root))).toEqual(placed(snapshot(ref)))
    expect(placed(snapshot(root))).toHaveLength(44)
    expect(existsSync(join(root, 'opt/rel'))).toBe(false)
    const [installed] = await listInstalled(root)
    expect(installed?.installPrefixes).toEqual(['/srv/rel'])
    expect(installed?.files.every((f) => f.path.startsWith('/srv/rel/'))).toBe(true)
    expect(await verifyInstalled(root, 'rel')).toEqual([])
  })
})

describe('a kill between two packages of one transaction', () => {
  it('finishes both when neither has a scriptlet: both were staged before the first rename', async () => {
    const first = await pkg(w.dir, { name: 'both-a', version: '1', files: [file('/opt/both/a/x', 'a')] })
    const second = await pkg(w.dir, { name: 'both-b', version: '1', files: [file('/opt/both/b/deep/y', 'b')] })
    const root = join(w.dir, 'both')
    mkdirSync(root)
    expect((await runCli(['--root', root, '-i', first, second], undefined, { RPMSIM_FAULT: 'commit:1' })).signal).toBe(
      'SIGKILL',
    )
    const r = await runTransaction({ root, op: 'erase', packages: ['nothing-to-erase'] })
    expect(r.recovery).toEqual({ tid: expect.any(Number), action: 'completed' })
    expect((await listInstalled(root)).map((p) => p.nevra).sort()).toEqual(['both-a-1-1.noarch', 'both-b-1-1.noarch'])
    expect(
      Object.keys(snapshot(root))
        .filter((p) => p.startsWith('/opt/both/'))
        .sort(),
    ).toEqual(['/opt/both/a', '/opt/both/a/x', '/opt/both/b', '/opt/both/b/deep', '/opt/both/b/deep/y'])
  })

  it.skipIf(busybox === undefined)(
    'keeps the committed first package and reports the second, whose %pre had not run and whose files were never written, as failed',
    async () => {
      const first = await pkg(w.dir, { name: 'two-a', version: '1', files: [file('/opt/two/a/x', 'a')] })
      const second = await pkg(w.dir, {
        name: 'two-b',
        version: '1',
        files: [file('/opt/two/b/deep/y', 'b')],
        scripts: { pre: { interpreter: '/bin/sh', body: 'echo pre-b >> /log' } },
      })
      const root = join(w.dir, 'two')
      mkdirSync(join(root, 'bin'), { recursive: true })
      cpSync(busybox as string, join(root, 'bin/busybox'))
      symlinkSync('busybox', join(root, 'bin/sh'))
      // commit:1 stops the process right after the first package's only file is renamed into place: the second
      // package's files are written after its %pre, so none of them exists yet. --noorder keeps them in this order
      // (rpm's own would install the two independent packages the other way round).
      expect(
        (await runCli(['--root', root, '--noorder', '-i', first, second], undefined, { RPMSIM_FAULT: 'commit:1' }))
          .signal,
      ).toBe('SIGKILL')
      const warnings: string[] = []
      const r = await runTransaction({
        root,
        op: 'erase',
        packages: ['nothing-to-erase'],
        onWarning: (l) => warnings.push(l),
      })
      expect(r.recovery).toEqual({ tid: expect.any(Number), action: 'completed' })
      expect(warnings).toContain('error: two-b-1-1.noarch: install failed: interrupted before its files were written')
      expect((await listInstalled(root)).map((p) => p.nevra)).toEqual(['two-a-1-1.noarch'])
      expect(Object.keys(snapshot(root)).filter((p) => p.startsWith('/opt'))).toEqual([
        '/opt',
        '/opt/two',
        '/opt/two/a',
        '/opt/two/a/x',
      ])
    },
  )

  it.skipIf(busybox === undefined)(
    'still runs the %transfiletriggerpostun an erasure before the kill set off',
    async () => {
      const watcher = await pkg(w.dir, {
        name: 'pw-watcher',
        version: '1',
        files: [file('/opt/pw/watcher', 'w')],
        fileTriggers: [
          { kind: 'transfiletriggerpostun', prefixes: ['/opt/pw/gone/'], body: 'echo gone-postun >> /log' },
        ],
      })
      const gone = await pkg(w.dir, { name: 'pw-gone', version: '1', files: [file('/opt/pw/gone/x', 'x')] })
      const other = await pkg(w.dir, {
        name: 'pw-other',
        version: '1',
        files: ['a', 'b', 'c', 'd'].map((n) => file(`/opt/pw/other/${n}`, n)),
      })
      const root = join(w.dir, 'pending-postun')
      mkdirSync(join(root, 'bin'), { recursive: true })
      cpSync(busybox as string, join(root, 'bin/busybox'))
      symlinkSync('busybox', join(root, 'bin/sh'))
      for (const p of [watcher, gone, other]) expect((await runCli(['--root', root, '-i', p])).code).toBe(0)
      // pw-gone's erasure is done (its trigger pending for the end) when the kill lands inside pw-other's.
      expect(
        (
          await runCli(['--root', root, '--noorder', '-e', 'pw-gone', 'pw-other'], undefined, {
            RPMSIM_FAULT: 'erase:3',
          })
        ).signal,
      ).toBe('SIGKILL')
      expect(existsSync(join(root, 'log'))).toBe(false)
      const r = await runTransaction({ root, op: 'erase', packages: ['nothing-to-erase'] })
      expect(r.recovery).toEqual({ tid: expect.any(Number), action: 'completed' })
      expect(readFileSync(join(root, 'log'), 'utf8')).toBe('gone-postun\n')
      expect((await listInstalled(root)).map((p) => p.nevra)).toEqual(['pw-watcher-1-1.noarch'])
    },
  )
})
