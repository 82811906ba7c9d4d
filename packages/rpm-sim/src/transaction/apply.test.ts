// Staging and undo against the real CLI: packaged permission bits on disk whatever the file size and umask, and
// an upgrade into a read-only folder (or an undo that cannot finish) failing in one line without breaking queries.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCli } from '../_test-cli.js'
import { file, pkg, snapshot, tempWorld } from '../_test-rpm.js'
import { recoverInterrupted } from './recovery.js'
import { runTransaction } from './transaction.js'
import { TransactionError } from '../base/transaction-error.js'

const w = tempWorld('rpmsim-apply-')
let CLI = ''
let cleanupCli = (): void => undefined

beforeAll(() => {
  const built = buildCli()
  CLI = built.cli
  cleanupCli = built.cleanup
}, 120_000)
afterAll(() => {
  cleanupCli()
  w.done()
})

/** Run the built CLI under `umask`; returns exit code and output. */
function cli(args: string[], umask = '022'): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', `umask ${umask}; exec "$0" "$@"`, process.execPath, CLI, ...args], {
    encoding: 'utf8',
  })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

const perm = (p: string): string => (statSync(p).mode & 0o7777).toString(8)
const MiB2 = 'x'.repeat(2 << 20)

describe('installed files get exactly the packaged permission bits', () => {
  const modes: Record<string, number> = {
    'large644.bin': 0o644,
    'large755.bin': 0o755,
    'large600.bin': 0o600,
    'large4755.bin': 0o4755,
    empty: 0o644,
    small666: 0o666,
    small2750: 0o2750,
    small1777: 0o1777,
  }
  it.each(['022', '077', '000'])('umask %s: -i leaves every mode as packaged and -V is clean', async (umask) => {
    const rpm = await pkg(w.dir, {
      name: `modes${umask}`,
      version: '1',
      files: Object.entries(modes).map(([n, mode]) =>
        file(`/opt/m/${n}`, n.startsWith('large') ? MiB2 : n === 'empty' ? '' : `${n}\n`, { mode }),
      ),
    })
    const root = join(w.dir, `modes-${umask}`)
    const run = cli(['--root', root, '-i', rpm], umask)
    expect(run.code, run.stderr).toBe(0)
    const found = Object.fromEntries(Object.keys(modes).map((n) => [n, perm(join(root, 'opt/m', n))]))
    expect(found).toEqual(Object.fromEntries(Object.entries(modes).map(([n, m]) => [n, m.toString(8)])))
    const v = cli(['--root', root, '-V', `modes${umask}`], umask)
    expect(v.stdout).toBe('')
    expect(v.code).toBe(0)
  })
})

// Bind mounts need root and a kernel that allows them (not every container does).
function tryRoBind(dir: string): string | undefined {
  const a = spawnSync('mount', ['--bind', dir, dir], { encoding: 'utf8' })
  if (a.status !== 0) return a.stderr.trim() || `mount exit ${a.status}`
  const b = spawnSync('mount', ['-o', 'remount,bind,ro', dir], { encoding: 'utf8' })
  if (b.status !== 0) {
    spawnSync('umount', [dir])
    return b.stderr.trim() || `remount exit ${b.status}`
  }
  return undefined
}

describe('an upgrade into a read-only folder', () => {
  let template = ''
  let v2 = ''
  beforeAll(async () => {
    const files = (v: number) => [
      file('/opt/ro/tools/agent.conf', `port=${v}\n`, { flags: { config: true, noreplace: true } }),
      file('/opt/ro/tools/run.sh', `echo ${v}\n`, { mode: 0o755 }),
      file(`/opt/ro/lib/m${v}.py`, `# ${v}\n`),
      file('/opt/ro/lib/common.py', `# common ${v}\n`),
    ]
    const v1 = await pkg(w.dir, { name: 'ro', version: '1', files: files(1) })
    v2 = await pkg(w.dir, { name: 'ro', version: '2', files: files(2) })
    template = join(w.dir, 'ro-template')
    mkdirSync(template)
    expect((await runTransaction({ root: template, op: 'install', packages: [v1] })).ok).toBe(true)
    writeFileSync(join(template, 'opt/ro/tools/agent.conf'), 'port=9999\n')
  })

  const roReason = process.getuid?.() === 0 ? undefined : 'not root'
  if (roReason) console.warn(`skipping the read-only bind mount test: ${roReason}`)
  it.skipIf(roReason !== undefined)(
    'fails in one line with no journal left, queries work, and the rerun completes once writable',
    async () => {
      const root = join(w.dir, 'ro-root')
      cpSync(template, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true })
      const before = snapshot(root)
      const tools = join(root, 'opt/ro/tools')
      const why = tryRoBind(tools)
      if (why !== undefined) {
        console.warn(`skipping the read-only bind mount test: ${why}`)
        return
      }
      try {
        const up = cli(['--root', root, '-U', v2])
        expect(up.code).toBe(1)
        expect(up.stderr.trim().split('\n')).toHaveLength(1)
        expect(up.stderr).toMatch(/^error: .*\/opt\/ro\/tools\/.*read-only file system \(EROFS\)/)
        expect(existsSync(join(root, 'var/lib/rpm-sim/journal'))).toBe(false)
        expect(snapshot(root)).toEqual(before)
        const qa = cli(['--root', root, '-qa'])
        expect(qa).toMatchObject({ code: 0, stdout: 'ro-1-1.noarch\n', stderr: '' })
        const v = cli(['--root', root, '-V', 'ro'])
        expect(v.stderr).toBe('')
        expect(v.stdout).toMatch(/^S\.5\.\.\.\.T\. {2}c \/opt\/ro\/tools\/agent\.conf\n$/)
      } finally {
        execFileSync('umount', [tools])
      }
      const again = cli(['--root', root, '-U', v2])
      expect(again.code, again.stderr).toBe(0)
      expect(cli(['--root', root, '-qa']).stdout).toBe('ro-2-1.noarch\n')
      expect(cli(['--root', root, '-V', 'ro']).stdout).toBe('S.5....T.  c /opt/ro/tools/agent.conf\n')
    },
  )

  it('an undo that cannot remove a staged file leaves the journal, raises E_JOURNAL, and queries still answer', async () => {
    const root = join(w.dir, 'stuck-root')
    cpSync(template, root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true })
    // An interrupted staging whose temp cannot be unlinked: a non-empty directory sits at its name (EISDIR).
    const temp = join(root, 'opt/ro/tools/run.sh;deadbeef')
    mkdirSync(join(temp, 'inside'), { recursive: true })
    const plan = {
      tid: 1234,
      root,
      time: 1_700_000_000,
      op: 'upgrade',
      chown: false,
      createdDirs: [],
      elements: [
        {
          op: 'install',
          nevra: 'ro-2-1.noarch',
          origin: v2,
          record: {
            nevra: 'ro-2-1.noarch',
            name: 'ro',
            version: '2',
            release: '1',
            arch: 'noarch',
            digestAlgo: 'sha256',
            installTime: 1_700_000_000,
            installTid: 1234,
            files: [],
            scripts: {},
            triggers: [],
          },
          replaces: ['ro-1-1.noarch'],
          takesOver: [],
          actions: [
            {
              path: '/opt/ro/tools/run.sh',
              host: join(root, 'opt/ro/tools/run.sh'),
              kind: 'file',
              fate: 'create',
              reason: 'new',
              temp,
              mode: 0o100755,
              uid: 0,
              gid: 0,
              mtime: 0,
            },
          ],
        },
      ],
    }
    mkdirSync(join(root, 'var/lib/rpm-sim/journal'), { recursive: true })
    writeFileSync(join(root, 'var/lib/rpm-sim/journal/plan.json'), JSON.stringify(plan))

    const error = await recoverInterrupted(root).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TransactionError)
    expect((error as TransactionError).code).toBe('E_JOURNAL')
    expect((error as TransactionError).message).toContain(`${temp}: cannot remove the staged file`)
    expect((error as TransactionError).message).toContain('(EISDIR)')
    expect(existsSync(join(root, 'var/lib/rpm-sim/journal/plan.json'))).toBe(true)

    for (const args of [['-qa'], ['-q', 'ro'], ['-ql', 'ro'], ['-V', 'ro']]) {
      const r = cli(['--root', root, ...args])
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr).toMatch(/^warning: an interrupted transaction is pending .*EISDIR/)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
    expect(cli(['--root', root, '-qa']).stdout).toBe('ro-1-1.noarch\n')
    expect(cli(['--root', root, '-ql', 'ro']).stdout).toContain('/opt/ro/tools/run.sh\n')
    // A transaction refuses to run over it, in one line naming the path and errno.
    const up = cli(['--root', root, '-U', v2])
    expect(up.code).toBe(1)
    expect(up.stderr).toMatch(/^error: .*run\.sh;deadbeef: cannot remove the staged file: .*\(EISDIR\)/)
    expect(up.stderr.trim().split('\n')).toHaveLength(1)

    // Once the obstacle is gone the next command finishes the undo.
    rmSync(temp, { recursive: true })
    const qa = cli(['--root', root, '-qa'])
    expect(qa).toMatchObject({ code: 0, stdout: 'ro-1-1.noarch\n', stderr: '' })
    expect(existsSync(join(root, 'var/lib/rpm-sim/journal'))).toBe(false)
    // Eleven runs of the CLI: generous on a loaded machine.
  }, 240_000)
})
