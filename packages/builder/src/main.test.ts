import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EXIT, main } from './main.js'
import { CLI, NAMES, cleanup, makeInputs, tarGz, tempDir, writeManifest, writeTree } from './_test-fixtures.js'

afterAll(cleanup)

async function run(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  let stdout = ''
  let stderr = ''
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd,
    env,
  })
  return { code, stdout, stderr }
}

describe('main (in process)', () => {
  it("--help documents the flags and exit codes; pnpm's literal -- is skipped", async () => {
    const { code, stdout } = await run(['--', '--help'], tempDir())
    expect(code).toBe(0)
    for (const flag of [
      '--config FILE',
      '--payload FILE',
      '--payload-dir DIR',
      '--out DIR',
      '--sign-key FILE',
      '--node-runtime VERSION|FILE',
      '--json',
      '-q',
    ]) {
      expect(stdout).toContain(flag)
    }
    expect(stdout).toMatch(/^ {2}6 {2}signing key/m)
  })

  it('usage errors exit 2 with one line', async () => {
    const unknown = await run(['--frobnicate'], tempDir())
    expect(unknown.code).toBe(EXIT.usage)
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1)
    const both = await run(['--payload', 'a', '--payload-dir', 'b'], await makeInputs('install_rdb_agent'))
    expect(both.code).toBe(EXIT.usage)
    expect((await run(['--max-ratio', 'lots'], tempDir())).code).toBe(EXIT.usage)
  })

  const manifestCases: [string, string, RegExp][] = [
    ['invalid JSON', '{ "package_name": "x", }', /^rdbpkg-build: version\.json: line 1, column \d+: /],
    [
      'a misspelt field',
      JSON.stringify({
        package_name: 'rdb_agent_5.7.1.0_centos.x86_64',
        package_type: 'install_rdb_agent',
        os_release: 'centos',
        pakage_type: 1,
      }),
      /pakage_type.*did you mean package_type\?/,
    ],
    [
      'a bad package_type',
      JSON.stringify({
        package_name: 'rdb_agent_5.7.1.0_centos.x86_64',
        package_type: 'install_rdb_agnet',
        os_release: 'centos',
      }),
      /package_type: expected one of .*did you mean install_rdb_agent\?/,
    ],
    [
      'a missing os_release',
      JSON.stringify({ package_name: 'rdb_agent_5.7.1.0_centos.x86_64', package_type: 'install_rdb_agent' }),
      /os_release: .*found nothing/,
    ],
    [
      'a bad package_name',
      JSON.stringify({ package_name: '../evil', package_type: 'install_rdb_agent', os_release: 'centos' }),
      /version\.json: package_name: expected/,
    ],
  ]
  for (const [what, text, pattern] of manifestCases) {
    it(`a manifest with ${what} exits 3, names version.json, writes nothing`, async () => {
      const dir = await makeInputs('install_rdb_agent')
      writeFileSync(join(dir, 'version.json'), text)
      const result = await run(['--out', 'out'], dir)
      expect(result.code).toBe(EXIT.manifest)
      expect(result.stderr).toMatch(pattern)
      expect(result.stderr).not.toMatch(/\n\s+at /)
      expect(existsSync(join(dir, 'out'))).toBe(false)
    })
  }

  it('reports every payload problem at once, one line each, exit 4', async () => {
    const dir = tempDir()
    writeManifest(dir, 'install_update_code')
    writeTree(join(dir, 'p'), { 'fsbackup_kernel_4.x/a': 'a', 'notes.txt': 'x' })
    tarGz(join(dir, 'p'), join(dir, 'package.tar.gz'))
    const result = await run([], dir)
    expect(result.code).toBe(EXIT.payload)
    // Progress lines (`checking payload ...`) come first; every problem line names the program and the file.
    const lines = result.stderr
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('rdbpkg-build:'))
    expect(lines.length).toBe(4)
    for (const line of lines) expect(line).toMatch(/^rdbpkg-build: package\.tar\.gz: /)
    expect(result.stderr).toMatch(/\*\.whl: missing/)
    expect(result.stderr).toMatch(/tools\/: missing/)
    expect(readdirSync(dir).sort()).toEqual(['p', 'package.tar.gz', 'version.json'])
  })

  it('exit 5 for an unwritable output, exit 6 for a bad signing key', async () => {
    const dir = await makeInputs('install_rdb_agent')
    writeFileSync(join(dir, 'file'), '')
    expect((await run(['--out', 'file'], dir)).code).toBe(EXIT.io)
    writeFileSync(join(dir, 'key.pem'), 'not a key')
    const bad = await run(['--sign-key', 'key.pem'], dir)
    expect(bad.code).toBe(EXIT.signKey)
    expect(bad.stderr).toMatch(/^rdbpkg-build: key\.pem: expected an Ed25519 private key/)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tar.gz'))).toEqual(['package.tar.gz'])
  })

  it('--json prints one object; relative paths resolve against the given cwd', async () => {
    const dir = await makeInputs('install_rdb_server')
    const result = await run(['--json', '--out', 'dist-out', '--config', './version.json'], dir, {
      SOURCE_DATE_EPOCH: '86400',
    })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    const json = JSON.parse(result.stdout)
    expect(json).toMatchObject({ ok: true, package_name: NAMES.install_rdb_server, reproducible: true, mtime: 86400 })
    expect(json.path).toBe(join(dir, 'dist-out', `${NAMES.install_rdb_server}.tar.gz`))
    const failed = await run(['--json', '--payload', 'missing.tar.gz'], dir)
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, code: 'E_IO', exit_code: EXIT.io })
  })
})

describe('the built CLI', () => {
  it.skipIf(!existsSync(CLI))(
    'resolves paths against INIT_CWD (as under pnpm --filter) and prints a summary',
    async () => {
      const dir = await makeInputs('install_rdb_agent')
      const result = spawnSync(process.execPath, [CLI, '--', '--out', 'o'], {
        cwd: join(CLI, '..', '..'),
        env: { ...process.env, INIT_CWD: dir },
        encoding: 'utf8',
      })
      expect(result.stderr).not.toMatch(/error/i)
      expect(result.status).toBe(0)
      expect(result.stdout).toMatch(new RegExp(`^built o/${NAMES.install_rdb_agent}\\.tar\\.gz`))
      expect(existsSync(join(dir, 'o', `${NAMES.install_rdb_agent}.tar.gz`))).toBe(true)
    },
  )

  it.skipIf(!existsSync(CLI))(
    'resolves paths against the current directory when run from outside packages/builder',
    async () => {
      const dir = await makeInputs('install_rdb_agent')
      const elsewhere = tempDir()
      const result = spawnSync(process.execPath, [CLI, '--out', 'o'], {
        cwd: dir,
        env: { ...process.env, INIT_CWD: elsewhere },
        encoding: 'utf8',
      })
      expect(result.status).toBe(0)
      expect(existsSync(join(dir, 'o', `${NAMES.install_rdb_agent}.tar.gz`))).toBe(true)
      expect(existsSync(join(elsewhere, 'o'))).toBe(false)
    },
  )

  it.skipIf(!existsSync(CLI))(
    'is reproducible: same inputs and SOURCE_DATE_EPOCH give the same bytes whatever the umask, mtimes and creation order',
    async () => {
      const builds: Buffer[] = []
      for (const [umask, order, mtime] of [
        ['022', 'forward', 1_000_000],
        ['077', 'reverse', 2_000_000],
      ] as const) {
        const dir = tempDir()
        writeManifest(dir, 'install_rdb_agent')
        const files: Record<string, string> = {
          'fsbackup_kernel_4.x/bin/fsbackup': '#!/bin/sh\necho fsbackup\n',
          'fsbackup_kernel_4.x/conf/a.conf': 'a = 1\n',
          'tools/bin/svc': '#!/bin/sh\n',
          'tools/z.yaml': 'z: 1\n',
          'tools/b.txt': 'b\n',
        }
        const entries = Object.entries(files)
        if (order === 'reverse') entries.reverse()
        const script = [
          `umask ${umask}`,
          ...entries.map(
            ([path, content]) =>
              `mkdir -p "payload/$(dirname '${path}')" && printf '%s' '${content}' > 'payload/${path}'`,
          ),
          'chmod +x payload/fsbackup_kernel_4.x/bin/fsbackup payload/tools/bin/svc',
          `find payload -exec touch -d @${mtime} {} +`,
          `SOURCE_DATE_EPOCH=1700000000 "${process.execPath}" "${CLI}" -q --payload-dir payload --out out`,
        ].join('\n')
        const made = spawnSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8' })
        expect(made.stderr).toBe('')
        expect(made.status).toBe(0)
        builds.push(readFileSync(join(dir, 'out', `${NAMES.install_rdb_agent}.tar.gz`)))
      }
      expect(builds[0]!.length).toBeGreaterThan(0)
      expect(builds[0]!.equals(builds[1]!)).toBe(true)
    },
  )

  it.skipIf(!existsSync(CLI))('a payload file gives the same archive whatever its mtime and the umask', async () => {
    const dir = await makeInputs('install_rdb_agent')
    const outputs: Buffer[] = []
    for (const [umask, mtime] of [
      ['022', 1000],
      ['077', 999_999],
    ] as const) {
      utimesSync(join(dir, 'package.tar.gz'), mtime, mtime)
      utimesSync(join(dir, 'version.json'), mtime, mtime)
      const out = `out-${umask}`
      const made = spawnSync('sh', ['-c', `umask ${umask}; "${process.execPath}" "${CLI}" -q --out ${out}`], {
        cwd: dir,
        env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
        encoding: 'utf8',
      })
      expect(made.status).toBe(0)
      outputs.push(readFileSync(join(dir, out, `${NAMES.install_rdb_agent}.tar.gz`)))
    }
    expect(outputs[0]!.equals(outputs[1]!)).toBe(true)
  })
})
