import { execFileSync, spawnSync } from 'node:child_process'
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PACKAGE_TYPE_VALUES } from '@rdbpkg/core'
import type { PackageType } from '@rdbpkg/core'
import { afterAll, describe, expect, it } from 'vitest'
import { BuildError, buildPackage, resolveMtime } from './build.js'
import { NAMES, cleanup, makeInputs, makeRpm, tarGz, tempDir, writeManifest, writeTree } from './_test-fixtures.js'

afterAll(cleanup)

function extract(archive: string): string {
  const dir = tempDir('rdbpkg-extract-')
  execFileSync('tar', ['-xzf', archive, '-C', dir])
  return dir
}

describe('buildPackage, for every package type', () => {
  for (const type of PACKAGE_TYPE_VALUES) {
    it(`${type}: real tar lists and extracts it, sha256sum -c passes, ./install --help runs`, async () => {
      const dir = await makeInputs(type)
      const out = join(dir, 'out')
      const result = await buildPackage({ cwd: dir, outDir: 'out', env: { SOURCE_DATE_EPOCH: '1700000000' } })
      const name = NAMES[type]
      expect(result.path).toBe(join(out, `${name}.tar.gz`))
      expect(readdirSync(out)).toEqual([`${name}.tar.gz`])

      const listing = execFileSync('tar', ['-tzf', result.path], { encoding: 'utf8' }).trim().split('\n')
      expect(listing).toEqual([
        `${name}/`,
        `${name}/SHA256SUMS`,
        `${name}/install`,
        `${name}/installer.mjs`,
        `${name}/package.tar.gz`,
        `${name}/version.json`,
      ])
      const verbose = execFileSync('tar', ['-tvzf', result.path], { encoding: 'utf8' })
      expect(verbose).toMatch(/^-rwxr-xr-x root\/root .* 2023-11-14 \d\d:\d\d .*\/install$/m)
      expect(verbose).toMatch(/^-rw-r--r-- root\/root .*\/version\.json$/m)

      const root = join(extract(result.path), name)
      expect(readFileSync(join(root, 'package.tar.gz')).equals(readFileSync(join(dir, 'package.tar.gz')))).toBe(true)
      const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: root, encoding: 'utf8' })
      expect(check.stdout).toContain('package.tar.gz: OK')
      expect(check.status).toBe(0)

      const versionJson = JSON.parse(readFileSync(join(root, 'version.json'), 'utf8'))
      expect(versionJson.package_type).toBe(type)
      expect(versionJson.build.payload_sha256).toBe(result.payload.sha256)
      expect(versionJson.build.build_time).toBe('2023-11-14T22:13:20.000Z')
      expect(Object.keys(versionJson)).toEqual([...Object.keys(versionJson)].sort())

      const help = spawnSync(join(root, 'install'), ['--help'], { cwd: tempDir(), encoding: 'utf8' })
      expect(help.stdout).toMatch(/^usage: install/)
    })
  }
})

describe('resolveMtime', () => {
  it('takes SOURCE_DATE_EPOCH from the environment it is handed, never from the process (the CLI hands it its own)', () => {
    const saved = process.env.SOURCE_DATE_EPOCH
    process.env.SOURCE_DATE_EPOCH = '86400'
    try {
      expect(resolveMtime({ env: { SOURCE_DATE_EPOCH: '1700000000' } })).toEqual({
        mtime: 1700000000,
        reproducible: true,
      })
      expect(resolveMtime({ sourceDateEpoch: 5, env: { SOURCE_DATE_EPOCH: '1' } })).toEqual({
        mtime: 5,
        reproducible: true,
      })
      expect(resolveMtime({}).reproducible).toBe(false)
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH
      else process.env.SOURCE_DATE_EPOCH = saved
    }
  })
})

describe('signing', () => {
  it('adds SHA256SUMS.sig (base64 Ed25519 over SHA256SUMS) and SHA256SUMS.pub, which SHA256SUMS covers', async () => {
    const dir = await makeInputs('install_rdb_agent')
    const { privateKey } = generateKeyPairSync('ed25519')
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }))
    const result = await buildPackage({ cwd: dir, signKey: 'key.pem', env: {} })
    expect(result.signed).toBe(true)
    const root = join(extract(result.path), NAMES.install_rdb_agent)
    const sums = readFileSync(join(root, 'SHA256SUMS'))
    expect(sums.toString()).toMatch(/ {2}SHA256SUMS\.pub\n/)
    const sig = readFileSync(join(root, 'SHA256SUMS.sig'), 'utf8')
    expect(sig.endsWith('\n')).toBe(true)
    const pub = createPublicKey(readFileSync(join(root, 'SHA256SUMS.pub')))
    expect(verify(null, sums, pub, Buffer.from(sig.trim(), 'base64'))).toBe(true)
    expect(verify(null, Buffer.concat([sums, Buffer.from(' ')]), pub, Buffer.from(sig.trim(), 'base64'))).toBe(false)
    expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: root }).status).toBe(0)
  })
})

describe('--node-runtime and --payload-dir', () => {
  it.runIf(process.arch === 'x64')('carries runtime/node (0755) and the launcher prefers it', async () => {
    const dir = await makeInputs('install_rdb_agent')
    const result = await buildPackage({ cwd: dir, nodeRuntime: process.execPath, env: {} })
    expect(result.runtime).toEqual({
      version: process.versions.node,
      arch: 'x86_64',
      source: { file: process.execPath },
    })
    const listing = execFileSync('tar', ['-tvzf', result.path], { encoding: 'utf8' })
    expect(listing).toMatch(/^drwxr-xr-x root\/root .*\/runtime\/$/m)
    expect(listing).toMatch(/^-rwxr-xr-x root\/root .*\/runtime\/node$/m)
    const root = join(extract(result.path), NAMES.install_rdb_agent)
    const run = spawnSync(join(root, 'install'), ['--help'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } })
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^usage: install /)
    // No LICENSE beside this binary (a distribution's node): none is carried, and none is listed.
    expect(existsSync(join(root, 'runtime/LICENSE'))).toBe(false)
    expect(readFileSync(join(root, 'SHA256SUMS'), 'utf8')).not.toContain('runtime/LICENSE')
  })

  it.runIf(process.arch === 'x64')(
    "carries Node's LICENSE as runtime/LICENSE from an official layout (LICENSE above bin/node), listed in SHA256SUMS",
    async () => {
      const dir = await makeInputs('install_rdb_agent')
      const dist = join(dir, 'node-v0-linux-x64')
      mkdirSync(join(dist, 'bin'), { recursive: true })
      symlinkSync(process.execPath, join(dist, 'bin/node'))
      const license =
        'Node.js is licensed for use as follows:\n\nCopyright Node.js contributors. All rights reserved.\n'
      writeFileSync(join(dist, 'LICENSE'), license)
      const result = await buildPackage({ cwd: dir, nodeRuntime: join(dist, 'bin/node'), env: {} })
      const listing = execFileSync('tar', ['-tvzf', result.path], { encoding: 'utf8' })
      expect(listing).toMatch(/^-rw-r--r-- root\/root .*\/runtime\/LICENSE$/m)
      const root = join(extract(result.path), NAMES.install_rdb_agent)
      expect(readFileSync(join(root, 'runtime/LICENSE'), 'utf8')).toBe(license)
      expect(readFileSync(join(root, 'SHA256SUMS'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}runtime\/LICENSE$/m)
      expect(spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: root }).status).toBe(0)
    },
  )

  it('packs a folder deterministically: sorted, root owners, 0755/0644 modes, fixed mtime', async () => {
    const dir = tempDir()
    writeManifest(dir, 'install_rdb_agent')
    writeTree(join(dir, 'payload'), {
      'tools/z.conf': 'z\n',
      'tools/a.sh': '#!/bin/sh\n',
      'fsbackup_kernel_4.x/bin/fsbackup': '#!/bin/sh\n',
    })
    const result = await buildPackage({ cwd: dir, payloadDir: 'payload', env: { SOURCE_DATE_EPOCH: '0' } })
    expect(result.payload.from).toBe('dir')
    const root = join(extract(result.path), NAMES.install_rdb_agent)
    const listing = execFileSync('tar', ['-tvzf', join(root, 'package.tar.gz')], { encoding: 'utf8' })
    const lines = listing
      .trim()
      .split('\n')
      .map((line) => line.replace(/\s+/g, ' '))
    expect(lines).toEqual([
      'drwxr-xr-x root/root 0 1970-01-01 00:00 fsbackup_kernel_4.x/',
      'drwxr-xr-x root/root 0 1970-01-01 00:00 fsbackup_kernel_4.x/bin/',
      '-rwxr-xr-x root/root 10 1970-01-01 00:00 fsbackup_kernel_4.x/bin/fsbackup',
      'drwxr-xr-x root/root 0 1970-01-01 00:00 tools/',
      '-rwxr-xr-x root/root 10 1970-01-01 00:00 tools/a.sh',
      '-rw-r--r-- root/root 2 1970-01-01 00:00 tools/z.conf',
    ])
    expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: root }).status).toBe(0)
  })
})

describe('--payload-dir refusals', () => {
  it('a folder with a link that escapes and a fifo is refused, each named, nothing written', async () => {
    const dir = tempDir()
    writeManifest(dir, 'install_rdb_agent')
    writeTree(join(dir, 'payload'), { 'fsbackup_kernel_4.x/a': 'a', 'tools/b': 'b' })
    symlinkSync('../../../etc/passwd', join(dir, 'payload', 'tools', 'passwd'))
    symlinkSync('b', join(dir, 'payload', 'tools', 'ok-link'))
    execFileSync('mkfifo', [join(dir, 'payload', 'tools', 'pipe')])
    const error = await buildPackage({ cwd: dir, payloadDir: 'payload', outDir: 'out', env: {} }).catch(
      (e: unknown) => e as BuildError,
    )
    expect(error).toBeInstanceOf(BuildError)
    expect((error as BuildError).code).toBe('E_PAYLOAD_UNSAFE')
    expect([...(error as BuildError).problems].sort()).toEqual([
      'payload: tools/passwd: unsafe entry (symlink to "../../../etc/passwd" points outside the payload)',
      'payload: tools/pipe: unsafe entry (device, fifo or other special file; only files, folders and links are allowed)',
    ])
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })
})

describe('refusals write nothing', () => {
  async function refused(
    type: PackageType,
    prepare: (dir: string) => Promise<void> | void,
    options: Record<string, unknown> = {},
  ) {
    const dir = await makeInputs(type)
    await prepare(dir)
    const error = await buildPackage({ cwd: dir, outDir: 'out', env: {}, ...options }).then(
      () => undefined,
      (e: unknown) => e as { code: string; problems: string[] },
    )
    expect(existsSync(join(dir, 'out'))).toBe(false)
    expect(readdirSync(dir).filter((f) => f.startsWith('.') || f.endsWith('.tmp'))).toEqual([])
    return error!
  }

  it('rpm payload: wrong rpm name, wrong arch, and an invalid rpm are each named', async () => {
    const wrongName = await refused('install_rdb_server', async (dir) => {
      const p = tempDir()
      await makeRpm(join(p, 'aio-5.7.1.0-1.el7.x86_64.rpm'), 'aio-airflow')
      tarGz(p, join(dir, 'package.tar.gz'))
    })
    expect(wrongName.code).toBe('E_PAYLOAD_MISMATCH')
    expect(wrongName.problems).toEqual([
      'package.tar.gz: ./aio-5.7.1.0-1.el7.x86_64.rpm: rpm name: expected aio for install_rdb_server, found aio-airflow (that rpm belongs in install_rdb_worker)',
    ])
    const wrongArch = await refused('install_rdb_worker', async (dir) => {
      const p = tempDir()
      await makeRpm(join(p, 'aio-airflow-5.7.1.0-1.el7.x86_64.rpm'), 'aio-airflow', 'aarch64')
      tarGz(p, join(dir, 'package.tar.gz'))
    })
    expect(wrongArch.problems).toEqual([
      expect.stringMatching(/^package\.tar\.gz: \.\/aio-airflow-.*\.rpm: rpm arch: expected x86_64 .*found aarch64$/),
    ])
    const notRpm = await refused('install_rdb_server', (dir) => {
      const p = tempDir()
      writeFileSync(join(p, 'aio-5.7.1.0-1.el7.x86_64.rpm'), 'not an rpm at all')
      tarGz(p, join(dir, 'package.tar.gz'))
    })
    expect(notRpm.problems).toEqual([expect.stringMatching(/aio-5\.7\.1\.0-1\.el7\.x86_64\.rpm: not a valid rpm/)])
  })

  it('a payload that does not match its type lists what is missing and what is unexpected, all at once', async () => {
    const error = await refused('install_rdb_agent', (dir) => {
      const p = tempDir()
      writeTree(p, { 'tools/x': 'x', 'extra.txt': 'x', 'aio-5.7.1.0-1.x86_64.rpm': 'x' })
      tarGz(p, join(dir, 'package.tar.gz'), ['tools', 'extra.txt', 'aio-5.7.1.0-1.x86_64.rpm'])
    })
    expect(error.code).toBe('E_PAYLOAD_MISMATCH')
    expect(error.problems).toHaveLength(3)
    expect(error.problems.join('\n')).toMatch(/fsbackup_kernel_4\.x\/: missing/)
    expect(error.problems.join('\n')).toMatch(/extra\.txt: unexpected/)
  })

  it('corrupt, truncated and non-gzip payloads', async () => {
    const truncated = await refused('install_rdb_agent', (dir) => {
      const full = readFileSync(join(dir, 'package.tar.gz'))
      writeFileSync(join(dir, 'package.tar.gz'), full.subarray(0, Math.floor(full.length / 2)))
    })
    expect(truncated.code).toBe('E_PAYLOAD_CORRUPT')
    expect(truncated.problems[0]).toMatch(/^package\.tar\.gz: /)
    const plain = await refused('install_rdb_agent', (dir) => writeFileSync(join(dir, 'package.tar.gz'), 'hello'))
    expect(plain.problems).toEqual(['package.tar.gz: not a gzip file (expected a .tar.gz)'])
    const flipped = await refused('install_rdb_agent', (dir) => {
      const full = readFileSync(join(dir, 'package.tar.gz'))
      for (let i = 20; i < full.length - 8; i += 7) full[i] = (full[i] ?? 0) ^ 0xff
      writeFileSync(join(dir, 'package.tar.gz'), full)
    })
    expect(flipped.code).toBe('E_PAYLOAD_CORRUPT')
  })

  it('a decompression bomb is stopped, and --max-ratio raises the limit', async () => {
    const bomb = (dir: string) => {
      const p = tempDir()
      writeTree(p, { 'tools/zeros': Buffer.alloc(8 * 1024 * 1024), 'fsbackup_kernel_4.x/a': 'a' })
      tarGz(p, join(dir, 'package.tar.gz'))
    }
    const error = await refused('install_rdb_agent', bomb)
    expect(error.code).toBe('E_PAYLOAD_BOMB')
    expect(error.problems[0]).toMatch(/expands more than 100-fold/)
    const dir = await makeInputs('install_rdb_agent')
    bomb(dir)
    await expect(buildPackage({ cwd: dir, maxRatio: 100_000, env: {} })).resolves.toMatchObject({
      packageName: NAMES.install_rdb_agent,
    })
  })

  it('--payload-dir: a folder that packs beyond the ratio is refused after packing, with nothing left behind', async () => {
    const dir = tempDir()
    writeManifest(dir, 'install_rdb_agent')
    const files: Record<string, string> = { 'tools/run.sh': '#!/bin/sh\necho ok\n' }
    // Ordinary but very compressible content: 1.5 MiB that gzip packs into about 2 KiB.
    for (let i = 0; i < 6; i++) files[`fsbackup_kernel_4.x/k${i}.ko`] = 'a'.repeat(256 * 1024)
    writeTree(join(dir, 'payload'), files)
    const error = await buildPackage({ cwd: dir, payloadDir: 'payload', outDir: 'out', env: {} }).catch(
      (e: unknown) => e as BuildError,
    )
    expect(error).toBeInstanceOf(BuildError)
    expect((error as BuildError).code).toBe('E_PAYLOAD_BOMB')
    expect((error as BuildError).problems).toEqual([
      expect.stringMatching(
        /^payload \(packed as package\.tar\.gz\): expands more than 100-fold \(\d+ bytes from \d+\); a decompression bomb\? \(if intended, pass --max-ratio N to rdbpkg-build and to \.\/install\)$/,
      ),
    ])
    expect(existsSync(join(dir, 'out'))).toBe(false)
    expect(readdirSync(dir).sort()).toEqual(['payload', 'version.json'])
    // The same folder as a tarball is refused by the tarball check too; with a raised limit both build.
    tarGz(join(dir, 'payload'), join(dir, 'package.tar.gz'))
    const viaFile = await buildPackage({ cwd: dir, outDir: 'out', env: {} }).catch((e: unknown) => e as BuildError)
    expect((viaFile as BuildError).code).toBe('E_PAYLOAD_BOMB')
    const built = await buildPackage({ cwd: dir, payloadDir: 'payload', outDir: 'out', maxRatio: 10_000, env: {} })
    expect(built.payload.from).toBe('dir')
  })

  it('a payload with ".." and absolute entries, and links that escape', async () => {
    const { tarHeader, tarPadding, tarEnd } = await import('./_tar.js')
    const { gzipSync } = await import('node:zlib')
    const error = await refused('install_rdb_agent', (dir) => {
      const parts: Buffer[] = []
      const file = (path: string, body = 'x') => {
        parts.push(
          tarHeader({ path, type: 'file', mode: 0o644, size: body.length, mtime: 0 }),
          Buffer.from(body),
          Buffer.alloc(tarPadding(body.length)),
        )
      }
      file('fsbackup_kernel_4.x/a')
      file('tools/../../etc/passwd')
      file('/etc/shadow')
      parts.push(
        tarHeader({ path: 'tools/link', type: 'symlink', mode: 0o777, size: 0, mtime: 0, linkpath: '../../../etc' }),
      )
      parts.push(tarEnd())
      writeFileSync(join(dir, 'package.tar.gz'), gzipSync(Buffer.concat(parts)))
    })
    expect(error.code).toBe('E_PAYLOAD_UNSAFE')
    const text = error.problems.join('\n')
    expect(text).toMatch(/tools\/\.\.\/\.\.\/etc\/passwd.*unsafe/)
    expect(text).toMatch(/\/etc\/shadow.*unsafe/)
    expect(text).toMatch(/tools\/link: unsafe entry \(symlink to "\.\.\/\.\.\/\.\.\/etc" points outside the payload\)/)
  })

  it('entries written through an earlier symlink entry, and links that climb out through one, are refused', async () => {
    const { tarHeader, tarPadding, tarEnd } = await import('./_tar.js')
    const { gzipSync } = await import('node:zlib')
    const error = await refused('install_rdb_agent', (dir) => {
      const parts: Buffer[] = []
      const link = (path: string, linkpath: string) =>
        parts.push(tarHeader({ path, type: 'symlink', mode: 0o777, size: 0, mtime: 0, linkpath }))
      parts.push(
        tarHeader({ path: 'fsbackup_kernel_4.x/a', type: 'file', mode: 0o644, size: 1, mtime: 0 }),
        Buffer.from('a'),
        Buffer.alloc(tarPadding(1)),
      )
      // Each link alone stays inside; together they climb out, and the file lands outside through both.
      link('tools/s1', '..')
      link('./tools/s1/s2', '..')
      parts.push(
        tarHeader({ path: 'tools/s1/s2/chain', type: 'file', mode: 0o644, size: 1, mtime: 0 }),
        Buffer.from('x'),
        Buffer.alloc(tarPadding(1)),
      )
      // Lexically tools/up/.. is tools/, inside; but up is the payload root, so this is its parent.
      link('tools/up', '..')
      link('tools/via', 'up/..')
      link('tools/fine', 'up/tools')
      parts.push(tarHeader({ path: 'tools/fine', type: 'file', mode: 0o644, size: 0, mtime: 0 }))
      // A hard link: a symlink header with its type flag changed to '1' and the checksum recomputed.
      const hard = tarHeader({
        path: 'tools/hard',
        type: 'symlink',
        mode: 0o644,
        size: 0,
        mtime: 0,
        linkpath: 'tools/up/etc/passwd',
      })
      hard[156] = 0x31
      hard.fill(0x20, 148, 156)
      hard.write(
        `${hard
          .reduce((sum, byte) => sum + byte, 0)
          .toString(8)
          .padStart(6, '0')}\0 `,
        148,
        'latin1',
      )
      parts.push(hard)
      parts.push(tarEnd())
      writeFileSync(join(dir, 'package.tar.gz'), gzipSync(Buffer.concat(parts)))
    })
    expect(error.code).toBe('E_PAYLOAD_UNSAFE')
    expect([...error.problems].sort()).toEqual([
      'package.tar.gz: ./tools/s1/s2: unsafe entry (written through symlink tools/s1)',
      'package.tar.gz: tools/fine: unsafe entry (listed more than once; a later copy would replace the earlier)',
      'package.tar.gz: tools/fine: unsafe entry (replaces symlink tools/fine listed before it)',
      'package.tar.gz: tools/hard: unsafe entry (hard link through symlink tools/up)',
      'package.tar.gz: tools/s1/s2/chain: unsafe entry (written through symlink tools/s1)',
      'package.tar.gz: tools/via: unsafe entry (symlink to "up/.." points outside the payload)',
    ])
  })

  it('--payload-dir: a link that climbs out through another link is refused; links are never followed', async () => {
    const dir = tempDir()
    writeManifest(dir, 'install_rdb_agent')
    writeTree(join(dir, 'payload'), { 'fsbackup_kernel_4.x/a': 'a', 'tools/b': 'b' })
    writeTree(join(dir, 'outside'), { 'secret/s': 's' })
    symlinkSync('..', join(dir, 'payload', 'tools', 'up'))
    symlinkSync('up/..', join(dir, 'payload', 'tools', 'via'))
    symlinkSync('../../outside/secret', join(dir, 'payload', 'fsbackup_kernel_4.x', 'sec'))
    const error = await buildPackage({ cwd: dir, payloadDir: 'payload', outDir: 'out', env: {} }).catch(
      (e: unknown) => e as BuildError,
    )
    expect(error).toBeInstanceOf(BuildError)
    expect([...(error as BuildError).problems].sort()).toEqual([
      'payload: fsbackup_kernel_4.x/sec: unsafe entry (symlink to "../../outside/secret" points outside the payload)',
      'payload: tools/via: unsafe entry (symlink to "up/.." points outside the payload)',
    ])
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })

  it('an output folder that cannot be made, a missing or wrong signing key', async () => {
    const out = await refused('install_rdb_agent', (dir) => writeFileSync(join(dir, 'blocker'), ''), {
      outDir: 'blocker/out',
    })
    expect(out.code).toBe('E_BUILD_OUTPUT')
    // One line worded by core's fs-error table (strerror and errno, as the installer and rpm-sim word them).
    expect((out as unknown as Error).message).toBe(
      'blocker/out: cannot write the archive there: not a directory (ENOTDIR)',
    )
    const noManifest = (await buildPackage({ cwd: tempDir(), config: 'nope.json', env: {} }).catch(
      (e: unknown) => e,
    )) as BuildError
    expect(noManifest.code).toBe('E_IO')
    expect(noManifest.message).toBe('nope.json: cannot read the manifest: no such file or directory (ENOENT)')
    const missing = await refused('install_rdb_agent', () => undefined, { signKey: 'nope.pem' })
    expect(missing.code).toBe('E_SIGN_KEY')
    const rsa = await refused(
      'install_rdb_agent',
      (dir) => {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        writeFileSync(join(dir, 'ec.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }))
      },
      { signKey: 'ec.pem' },
    )
    expect(rsa.code).toBe('E_SIGN_KEY')
    expect((rsa as unknown as Error).message).toMatch(/ec\.pem: expected an Ed25519 private key, found ec key/)
  })
})
