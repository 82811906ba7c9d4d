// Tampering: real archives from the real builder (unsigned, and signed with a key the host trusts); one byte is
// changed at sampled offsets of every file of the archive folder, and of the .tar.gz itself. The installer must
// exit 5 before it writes anything (its log line aside). TAMPER_SAMPLES sets the offsets per file (long mode).
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '@rdbpkg/installer'
import { makeRoot } from './_test-archive.js'
import { BUILDER_CLI, INSTALLER_BUNDLE, builtOrWarn, cliEnv } from './_test-paths.js'
import { AreaTally } from './_test-record.js'
import { diffSnapshots, snapshot } from './_test-snapshot.js'
import type { Snapshot } from './_test-snapshot.js'

const ready = builtOrWarn('builder', BUILDER_CLI) && builtOrWarn('installer', INSTALLER_BUNDLE)
const SAMPLES = Math.max(1, Number(process.env.TAMPER_SAMPLES ?? 50))
// Running the real launcher costs a process per case, so fewer offsets there (all of them in the long mode).
const PROCESS_SAMPLES = process.env.TAMPER_SAMPLES ? SAMPLES : 8
const base = mkdtempSync(join(tmpdir(), 'adv-tamper-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const NAME = 'rdb_agent_5.7.1.0_centos.x86_64'
const MASKS = [0x01, 0x20, 0x80, 0xff]

// A small seeded generator, so CI samples the same offsets every run.
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Offsets spread over the whole file: first and last byte, then evenly spaced strata with a random pick in each. */
function sampleOffsets(length: number, count: number, seed: number): number[] {
  const rand = prng(seed)
  const out = new Set<number>([0, length - 1])
  for (let i = 0; out.size < Math.min(count, length) && i < count * 4; i++) {
    const stratum = i % count
    out.add(Math.min(length - 1, Math.floor(((stratum + rand()) * length) / count)))
  }
  return [...out].sort((a, b) => a - b)
}

interface Built {
  label: string
  tarball: string
  pristine: string
  /** A key file the root trusts (signed archive only). */
  trusted?: string
}

const built: Built[] = []
let sameMeaningPassed = 0

async function build(label: string, signKey?: string): Promise<Built> {
  const work = join(base, label)
  mkdirSync(join(work, 'p', 'tools'), { recursive: true })
  mkdirSync(join(work, 'p', 'fsbackup_kernel_4.x'), { recursive: true })
  writeFileSync(join(work, 'p', 'tools', 'run.sh'), '#!/bin/sh\necho ok\n')
  writeFileSync(join(work, 'p', 'tools', 'agent.conf'), 'port=1\n')
  writeFileSync(join(work, 'p', 'fsbackup_kernel_4.x', 'kernel.ko'), Buffer.alloc(4096, 7))
  writeFileSync(
    join(work, 'version.json'),
    JSON.stringify({ package_name: NAME, package_type: 'install_rdb_agent', os_release: 'centos' }),
  )
  const args = [
    BUILDER_CLI,
    '--config',
    join(work, 'version.json'),
    '--payload-dir',
    join(work, 'p'),
    '--out',
    join(work, 'out'),
    ...(signKey ? ['--sign-key', signKey] : []),
  ]
  const run = await execa('node', args, {
    cwd: work,
    reject: false,
    env: cliEnv({ SOURCE_DATE_EPOCH: '1700000000' }),
    extendEnv: false,
  })
  expect(run.exitCode, run.stderr).toBe(0)
  const tarball = join(work, 'out', `${NAME}.tar.gz`)
  const pristine = join(work, 'pristine')
  mkdirSync(pristine)
  await execa('tar', ['-xzf', tarball, '-C', pristine])
  return { label, tarball, pristine: join(pristine, NAME) }
}

beforeAll(async () => {
  if (!ready) return
  built.push(await build('unsigned'))
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const keyFile = join(base, 'sign.pem')
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }))
  const signed = await build('signed', keyFile)
  signed.trusted = publicKey.export({ type: 'spki', format: 'pem' }) as string
  built.push(signed)
}, 120_000)

function freshRoot(b: Built, name: string): string {
  const root = join(base, `${b.label}-${name}-root`)
  resetRoot(root, b)
  return root
}

function resetRoot(root: string, b: Built): void {
  rmSync(root, { recursive: true, force: true })
  makeRoot(root)
  if (b.trusted) {
    mkdirSync(join(root, 'etc', 'rdbpkg', 'trusted-keys'), { recursive: true })
    writeFileSync(join(root, 'etc', 'rdbpkg', 'trusted-keys', 'release.pem'), b.trusted)
  }
}

const LOG = 'var/log/rdbpkg/install.log'
const onlyLog = (before: Snapshot, after: Snapshot): string[] =>
  diffSnapshots(before, after, (p) => ['var', 'var/log', 'var/log/rdbpkg', LOG].includes(p))

// A change that leaves the file meaning the same (hex case in SHA256SUMS, unused low bits of a final base64
// character, a PEM that decodes to the same key) is not tampering: either outcome is right for it.
function sameMeaning(file: string, original: Buffer, changed: Buffer): boolean {
  if (file === 'SHA256SUMS')
    return original.toString('latin1').toLowerCase() === changed.toString('latin1').toLowerCase()
  if (file === 'SHA256SUMS.sig')
    return (
      Buffer.from(original.toString().trim(), 'base64').equals(Buffer.from(changed.toString().trim(), 'base64')) &&
      /^[A-Za-z0-9+/]+={0,2}$/.test(changed.toString().trim())
    )
  if (file === 'SHA256SUMS.pub') {
    try {
      return createPublicKey(changed)
        .export({ type: 'spki', format: 'der' })
        .equals(createPublicKey(original).export({ type: 'spki', format: 'der' }))
    } catch {
      return false
    }
  }
  return false
}

const inProcess = new AreaTally({
  id: 'tamper-files',
  group: 'Tampering',
  tried:
    'one byte changed at sampled offsets of each archive file (unsigned; signed + trusted key); installer run in-process',
})
const launcher = new AreaTally({
  id: 'tamper-launcher',
  group: 'Tampering',
  tried: 'one byte changed in install / installer.mjs, real ./install run',
})
const outer = new AreaTally({
  id: 'tamper-targz',
  group: 'Tampering',
  tried: 'one byte changed at sampled offsets of the .tar.gz, then tar -xzf and ./install',
})
afterAll(() => {
  if (!ready) return
  inProcess.record(
    `exit 5 before writing anything but the log line (${sameMeaningPassed} same-meaning edits, e.g. hex case in SHA256SUMS or whitespace after the signature, installed as they should)`,
  )
  const not5 = bundleRuns.filter((r) => r.exitCode !== 5).length
  const rest = not5 ? `, ${not5} did not (see the bug list)` : ''
  launcher.record(
    `nothing written under the root in any case; changed installer.mjs: ${bundleRuns.length - not5}/${bundleRuns.length} exit 5 (the launcher checks it)${rest}; a changed install script itself fails in sh (exit 1/2/127) or exits 5`,
  )
  outer.record(
    'tar -xzf failed (gzip CRC), or the folder extracted identical (gzip header bytes) and installed, or ./install exited 5',
  )
})

describe.skipIf(!ready)('tampering', () => {
  for (const label of ['unsigned', 'signed']) {
    it(`${label}: baseline: the untouched archive installs${label === 'signed' ? ' with the trusted key' : ''}`, async () => {
      const b = built.find((x) => x.label === label)!
      const root = freshRoot(b, 'baseline')
      let out = ''
      const code = await main(['--root', root, '--json'], {
        stdout: (t) => {
          out += t
        },
        stderr: () => {},
        cwd: b.pristine,
        bundleFile: join(b.pristine, 'installer.mjs'),
      })
      expect(code).toBe(0)
      expect((JSON.parse(out) as { signature: string }).signature).toBe(label === 'signed' ? 'trusted-key' : 'none')
    })

    it(`${label}: every data file, ${SAMPLES} offsets each: exit 5, nothing written`, async () => {
      const b = built.find((x) => x.label === label)!
      const root = freshRoot(b, 'files')
      const archive = join(base, `${label}-files-archive`)
      cpSync(b.pristine, archive, { recursive: true })
      const files = readdirSync(archive).sort()
      const failures: string[] = []
      let seed = label === 'signed' ? 2000 : 1000
      for (const file of files) {
        const original = readFileSync(join(archive, file))
        for (const offset of sampleOffsets(original.length, SAMPLES, seed++)) {
          const mask = MASKS[offset % MASKS.length]!
          const changed = Buffer.from(original)
          changed[offset]! ^= mask
          writeFileSync(join(archive, file), changed)
          const before = snapshot(root)
          let err = ''
          const code = await main(['--root', root], {
            stdout: () => {},
            stderr: (t) => {
              err += t
            },
            cwd: archive,
            bundleFile: join(archive, 'installer.mjs'),
          })
          const after = snapshot(root)
          writeFileSync(join(archive, file), original)
          const written = onlyLog(before, after)
          const lenient = sameMeaning(file, original, changed)
          const refused = code === 5 && written.length === 0
          const ok = refused || (lenient && code === 0)
          // A same-meaning edit installs for real: start the next case from a clean root again.
          if (code === 0) resetRoot(root, b)
          if (lenient && code === 0) sameMeaningPassed++
          inProcess.add(
            ok,
            `${label} ${file}@${offset}^${mask.toString(16)}: exit ${code}${written.length ? `, wrote ${written.slice(0, 3).join(' ')}` : ''} ${err.split('\n')[0]}`,
          )
          if (!ok)
            failures.push(
              `${file}@${offset}^${mask.toString(16)}: exit ${code} ${written.slice(0, 3).join(' ')} ${err.split('\n')[0]}`,
            )
        }
      }
      expect(failures).toEqual([])
    })

    it(`${label}: install and installer.mjs changed, real ./install: nothing written`, async () => {
      const b = built.find((x) => x.label === label)!
      const root = freshRoot(b, 'launcher')
      const archive = join(base, `${label}-launcher-archive`)
      cpSync(b.pristine, archive, { recursive: true })
      const failures: string[] = []
      const exits = new Map<string, number>()
      let seed = label === 'signed' ? 4000 : 3000
      for (const file of ['install', 'installer.mjs']) {
        const original = readFileSync(join(archive, file))
        for (const offset of sampleOffsets(original.length, PROCESS_SAMPLES, seed++)) {
          const changed = Buffer.from(original)
          changed[offset]! ^= MASKS[offset % MASKS.length]!
          writeFileSync(join(archive, file), changed)
          const before = snapshot(root)
          const run = await execa('sh', ['./install', '--root', root], { cwd: archive, reject: false, timeout: 60_000 })
          const after = snapshot(root)
          writeFileSync(join(archive, file), original)
          const written = onlyLog(before, after)
          exits.set(`${run.exitCode}`, (exits.get(`${run.exitCode}`) ?? 0) + 1)
          launcher.add(written.length === 0, `${label} ${file}@${offset}: wrote ${written.slice(0, 3).join(' ')}`)
          if (written.length)
            failures.push(`${file}@${offset}: exit ${run.exitCode}, wrote ${written.slice(0, 3).join(' ')}`)
          if (file === 'installer.mjs') bundleRuns.push({ label, offset, exitCode: run.exitCode ?? -1 })
          if (run.exitCode !== 5)
            launcherNot5.push(
              `${label} ${file}@${offset}: exit ${run.exitCode} ${run.stderr.split('\n').find((l) => l.trim()) ?? ''}`.slice(
                0,
                160,
              ),
            )
        }
      }
      expect(failures).toEqual([])
    })

    it(`${label}: the .tar.gz itself, ${SAMPLES} offsets: tar fails, or an identical folder, or exit 5`, async () => {
      const b = built.find((x) => x.label === label)!
      const root = freshRoot(b, 'targz')
      const original = readFileSync(b.tarball)
      const failures: string[] = []
      for (const offset of sampleOffsets(original.length, SAMPLES, label === 'signed' ? 6000 : 5000)) {
        const mask = MASKS[offset % MASKS.length]!
        const changed = Buffer.from(original)
        changed[offset]! ^= mask
        const dir = join(base, `${label}-targz-${offset}`)
        mkdirSync(dir)
        writeFileSync(join(dir, 'a.tar.gz'), changed)
        const untar = await execa('tar', ['-xzf', 'a.tar.gz'], { cwd: dir, reject: false })
        let ok = untar.exitCode !== 0
        let what = `tar exit ${untar.exitCode}`
        if (!ok) {
          const identical = readdirSync(b.pristine).every((f) => {
            try {
              return readFileSync(join(dir, NAME, f)).equals(readFileSync(join(b.pristine, f)))
            } catch {
              return false
            }
          })
          const before = snapshot(root)
          const run = await execa('sh', ['./install', '--root', root], {
            cwd: join(dir, NAME),
            reject: false,
            timeout: 60_000,
          })
          const after = snapshot(root)
          what = `identical=${identical} install exit ${run.exitCode}`
          ok = identical
            ? run.exitCode === 0 || run.exitCode === 5
            : run.exitCode === 5 && onlyLog(before, after).length === 0
          if (run.exitCode === 0) resetRoot(root, b)
        }
        rmSync(dir, { recursive: true, force: true })
        outer.add(ok, `${label} tar.gz@${offset}^${mask.toString(16)}: ${what}`)
        if (!ok) failures.push(`@${offset}^${mask.toString(16)}: ${what}`)
      }
      expect(failures).toEqual([])
    })
  }
})

const launcherNot5: string[] = []
const bundleRuns: { label: string; offset: number; exitCode: number }[] = []
// Was an open bug (the launcher ran installer.mjs unchecked: exit 1 with a raw Node SyntaxError), fixed in the
// builder's launcher; kept as a regression check.
const BUNDLE_BUG = 'install ran installer.mjs without checking it against SHA256SUMS (exit 1, raw Node SyntaxError)'

describe.skipIf(!ready)('tampering: the bundle itself', () => {
  // Runs after the launcher tests above (same file, sequential): judges the exit codes they saw.
  it('a changed installer.mjs makes ./install exit 5', () => {
    if (bundleRuns.some((r) => r.exitCode !== 5)) launcher.bugs.push(BUNDLE_BUG)
    expect(bundleRuns.length).toBeGreaterThan(0)
    expect(bundleRuns.filter((r) => r.exitCode !== 5)).toEqual([])
  })
})
afterAll(() => {
  if (launcherNot5.length)
    console.warn(`tampered launcher/bundle runs that did not exit 5:\n  ${launcherNot5.join('\n  ')}`)
})
