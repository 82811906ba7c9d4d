import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HELP, main } from './main.js'
import { makeArchiveDir, makeRoot, tempDir } from './_test-archive.js'

function capture() {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    io: {
      stdout: (t: string) => {
        out.stdout += t
      },
      stderr: (t: string) => {
        out.stderr += t
      },
      cwd: process.cwd(),
    },
  }
}

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

describe('install --help', () => {
  it('starts as the old installer did, then lists every option', async () => {
    const { out, io } = capture()
    expect(await main(['--help'], io)).toBe(0)
    const lines = out.stdout.split('\n')
    expect(lines[0]).toBe(
      'usage: install [-h] [-f] [--dry-run] [--check] [--root DIR] [--json] [--rollback] [--history] [--noscripts] [-v]',
    )
    expect(lines[1]).toBe('')
    expect(lines[2]).toBe('tools installer or updater')
    expect(out.stdout).toContain('  -h, --help   show this help message and exit\n')
    expect(out.stdout).toContain('  -f, --force  force install or update\n')
    for (const flag of [
      '--dry-run',
      '--check',
      '--root DIR',
      '--json',
      '--rollback',
      '--history',
      '--noscripts',
      '-v, --verbose',
    ]) {
      expect(HELP).toContain(`  ${flag}`)
    }
  })
})

describe('usage errors', () => {
  it.each([
    [['--x'], 'unrecognized arguments: --x'],
    [['extra'], 'unrecognized arguments: extra'],
    [['--root'], 'argument --root: expected one argument'],
    [['--check', '--rollback'], 'argument --rollback: not allowed with argument --check'],
  ])('%j exits 2 with an argparse-style message', async (args, message) => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const argv = args[0] === '--root' ? args : ['--root', dir, ...args]
    const { out, io } = capture()
    expect(await main(argv, io)).toBe(2)
    expect(out.stderr).toMatch(/^usage: install /)
    expect(out.stderr).toContain(`install: error: ${message}`)
    expect(out.stdout).toBe('')
  })
})

describe('refusals write only their log line', () => {
  it('wrong OS: exit 3 naming the ID found and allowed, one log line, nothing else under the root', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const archive = makeArchiveDir(
      dir,
      { package_name: 'rdb_agent_1.0_centos.x86_64', package_type: 'install_rdb_agent', os_release: 'centos,bclinux' },
      {
        'tools/a.sh': 'echo a\n',
        'fsbackup_kernel_4.x/k': 'k\n',
      },
    )
    const root = makeRoot(dir, 'ubuntu')
    const { out, io } = capture()
    const code = await main(['--archive', archive, '--root', root], { ...io, overrides: { hostArch: 'x86_64' } })
    expect(code).toBe(3)
    expect(out.stderr).toContain('"ubuntu"')
    expect(out.stderr).toContain('centos, bclinux')
    const log = readFileSync(join(root, 'var/log/rdbpkg/install.log'), 'utf8').trim().split('\n')
    expect(log).toHaveLength(1)
    expect(log[0]).toContain('exit=3')
    expect(readdirSync(join(root, 'var'))).toEqual(['log'])
  })

  it('wrong arch: exit 7', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const archive = makeArchiveDir(
      dir,
      { package_name: 'rdb_agent_1.0_centos.aarch64', package_type: 'install_rdb_agent', os_release: 'centos' },
      {
        'tools/a.sh': 'echo a\n',
        'fsbackup_kernel_4.x/k': 'k\n',
      },
    )
    const root = makeRoot(dir)
    const { out, io } = capture()
    expect(await main(['--archive', archive, '--root', root], { ...io, overrides: { hostArch: 'x86_64' } })).toBe(7)
    expect(out.stderr).toContain('aarch64')
    expect(existsSync(join(root, 'var/lib'))).toBe(false)
  })

  it('--json prints one object with the exit code and error', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const archive = makeArchiveDir(
      dir,
      { package_name: 'rdb_agent_1.0_centos.x86_64', package_type: 'install_rdb_agent', os_release: 'centos' },
      {
        'tools/a.sh': 'echo a\n',
        'fsbackup_kernel_4.x/k': 'k\n',
      },
    )
    const root = makeRoot(dir, 'debian')
    const { out, io } = capture()
    expect(
      await main(['--archive', archive, '--root', root, '--json'], { ...io, overrides: { hostArch: 'x86_64' } }),
    ).toBe(3)
    const result = JSON.parse(out.stdout)
    expect(result).toMatchObject({
      exitCode: 3,
      status: 'refused',
      code: 'E_OS_MISMATCH',
      packageName: 'rdb_agent_1.0_centos.x86_64',
    })
  })

  it('--check verifies and stops', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const archive = makeArchiveDir(
      dir,
      { package_name: 'rdb_agent_1.0_centos.x86_64', package_type: 'install_rdb_agent', os_release: 'centos' },
      {
        'tools/a.sh': 'echo a\n',
        'fsbackup_kernel_4.x/k': 'k\n',
      },
    )
    const root = makeRoot(dir, 'ubuntu')
    const { out, io } = capture()
    expect(await main(['--archive', archive, '--root', root, '--check'], io)).toBe(0)
    expect(out.stdout).toContain('archive verified')
  })
})

describe('progress', () => {
  it('on a terminal shows verify, staging and swap with bytes and rate on stderr; never in a pipe, --json or the log', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const archive = makeArchiveDir(
      dir,
      { package_name: 'rdb_agent_1.0_centos.x86_64', package_type: 'install_rdb_agent', os_release: 'centos' },
      { 'tools/a.sh': 'a\n', 'fsbackup_kernel_4.x/k': 'k\n'.repeat(100_000) },
    )
    const root = makeRoot(dir)
    const tty = capture()
    expect(
      await main(['--root', root, '--archive', archive], {
        ...tty.io,
        stderrIsTTY: true,
        overrides: { hostArch: 'x86_64' },
      }),
    ).toBe(0)
    for (const step of ['verifying archive', 'staging new files', 'swapping in']) {
      expect(tty.out.stderr).toMatch(
        new RegExp(
          `\\r\\x1b\\[K${step.replace(/[()]/g, '\\$&')}: [\\d.]+ [KMG]?i?B / [\\d.]+ [KMG]?i?B \\(100%, [\\d.]+ [KMG]?i?B/s\\)`,
        ),
      )
    }
    expect(tty.out.stdout).not.toContain('\x1b[K')
    for (const [args, io] of [
      [['-f'], { stderrIsTTY: false }],
      [['-f', '--json'], { stderrIsTTY: true }],
    ] as const) {
      const piped = capture()
      expect(
        await main(['--root', root, '--archive', archive, ...args], {
          ...piped.io,
          ...io,
          overrides: { hostArch: 'x86_64' },
        }),
      ).toBe(0)
      expect(piped.out.stderr).toBe('')
      expect(piped.out.stdout).not.toMatch(/verifying|staging|\x1b/)
    }
    expect(readFileSync(join(root, 'var/log/rdbpkg/install.log'), 'utf8')).not.toMatch(/verifying|staging new|\x1b/)
  })
})
