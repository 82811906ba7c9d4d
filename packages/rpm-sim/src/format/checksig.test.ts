// rpm -K against Debian's rpm 4.18 (rpmsigdig.at's unsigned and corrupted cases, and a package signed with a key the
// root does not hold): the same lines, in the same order, with the same exit status.
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildWithRpmbuild, hasRpm, hasRpmbuild, hasTool, tempDir, warnSkip } from '../_test-rpmbuild.js'
import type { CliRun } from '../_test-cli.js'
import { runCli } from '../_test-cli.js'
import { file, pkg } from '../_test-rpm.js'
import { readRpmHeaders } from './reader.js'
import { SIGTAG } from './tags.js'

const skip = !hasRpm || !hasRpmbuild ? 'rpm -K oracle needs rpm and rpmbuild (apt-get install rpm)' : undefined
if (skip !== undefined) warnSkip(skip)
const canSign = hasTool('gpg') && hasTool('rpmsign')
if (skip === undefined && !canSign) warnSkip('rpm -K of a signed package needs gpg and rpmsign: not compared')

const { dir, cleanup } = tempDir('rpmsim-checksig-')
afterAll(cleanup)
const files: Record<string, string> = {}

// A copy of `from` with `bytes` written at `offset`.
function patched(name: string, from: string, offset: number, bytes: string): string {
  const out = join(dir, name)
  const data = readFileSync(from)
  data.write(bytes, offset, 'latin1')
  writeFileSync(out, data)
  return out
}

beforeAll(async () => {
  if (skip !== undefined) return
  const built = buildWithRpmbuild(dir, 'w9.gzdio')
  files.good = built
  const h = await readRpmHeaders(built, { verify: false })
  const data = readFileSync(built)
  // the header's Summary text, one letter changed: both header digests and MD5 fail, the payload's pass
  const summary = data.indexOf('rpmbuild fixture', h.headerOffset)
  files.header = patched('header.rpm', built, summary, 'R')
  // the gzip trailer: the payload digests and MD5 fail (and PAYLOADDIGESTALT is reported beside them)
  files.payload = patched('payload.rpm', built, data.length - 6, 'XXXX')
  // the signature header's SHA256 text: one hex digit changed, and one that is no hex digit
  const sha256 = data.indexOf(h.signature.string(SIGTAG.SHA256) ?? '-', 96)
  files.sigdigest = patched('sigdigest.rpm', built, sha256 + 3, data[sha256 + 3] === 0x30 ? '1' : '0')
  files.sighex = patched('sighex.rpm', built, sha256 + 3, 'X')
  // a package of rpm-sim's own writer
  mkdirSync(join(dir, 'ours'))
  files.ours = await pkg(join(dir, 'ours'), { name: 'ours', version: '1.0', files: [file('/opt/ours', 'o\n')] })
  if (canSign) {
    const gnupg = join(dir, 'gnupg')
    mkdirSync(gnupg, { mode: 0o700 })
    const env = { ...process.env, GNUPGHOME: gnupg, LC_ALL: 'C' }
    execFileSync(
      'gpg',
      ['--batch', '--passphrase', '', '--quick-gen-key', 'rdbpkg test <t@example.invalid>', 'rsa2048', 'sign', 'never'],
      { env, stdio: 'pipe' },
    )
    files.signed = join(dir, 'signed.rpm')
    copyFileSync(built, files.signed)
    execFileSync(
      'rpmsign',
      ['--define', '_gpg_name rdbpkg test', '--define', '__gpg /usr/bin/gpg', '--addsign', files.signed],
      { env, stdio: 'pipe' },
    )
    // the gpg-agent that signing started goes with the test's keys
    spawnSync('gpgconf', ['--kill', 'all'], { env, stdio: 'ignore' })
  }
}, 120_000)

function realRpm(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('rpm', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } })
  return {
    code: r.status ?? 128,
    out: r.stdout,
    err: r.stderr
      .split('\n')
      .filter((l) => !l.startsWith('rpm: '))
      .join('\n'),
  }
}

const sim = (args: string[]): Promise<CliRun> => runCli(dir, args)

describe.skipIf(skip !== undefined)('rpm-sim -K agrees with rpm 4.18', () => {
  const OPTIONS = [['-K'], ['-Kv'], ['-K', '--nosignature'], ['-Kv', '--nodigest'], ['-Kv', '--nosignature']]
  // what rpm itself says of each, so that a case that stopped being what it is named shows
  const VERDICT: Record<string, string> = {
    good: 'digests OK',
    header: 'DIGESTS NOT OK',
    payload: 'DIGESTS NOT OK',
    sigdigest: 'DIGESTS NOT OK',
    sighex: 'DIGESTS NOT OK',
    ours: 'digests OK',
    signed: 'digests SIGNATURES NOT OK',
  }
  it.each(Object.keys(VERDICT))('%s package', async (name) => {
    const f = files[name]
    if (f === undefined) return warnSkip(`no ${name} package (see above)`)
    expect(realRpm(['-K', f]).out).toBe(`${f}: ${VERDICT[name]}\n`)
    for (const o of OPTIONS) {
      const real = realRpm([...o, f])
      expect({ args: o, ...(await sim([...o, f])) }).toEqual({ args: o, ...real })
    }
  })

  it('-qp and -i warn once per key of a signature rpm-sim holds no key for (NOKEY); --nosignature is quiet', async () => {
    const f = files.signed
    if (f === undefined) return warnSkip('no signed package (see above)')
    const twice = realRpm(['-qp', f, f])
    expect(twice.err).toMatch(/^warning: .*: Header V4 RSA\/SHA\d+ Signature, key ID [0-9a-f]{8}: NOKEY\n$/)
    expect(await sim(['-qp', f, f])).toEqual(twice)
    expect(await sim(['-qp', '--nosignature', f])).toEqual(realRpm(['-qp', '--nosignature', f]))
    if (process.getuid?.() !== 0) return warnSkip('rpm -i into a root needs root: -i of a signed package not compared')
    const install = async (engine: 'rpm' | 'sim', extra: string[]) => {
      const root = join(dir, `root-${engine}-${extra.length}`)
      mkdirSync(join(root, 'var/lib/rpm'), { recursive: true })
      const args = ['--root', root, '--dbpath', '/var/lib/rpm', '-i', '--nodeps', '--noscripts', ...extra, f]
      return engine === 'rpm' ? realRpm(args) : sim(args)
    }
    for (const extra of [[], ['--nosignature']])
      expect(await install('sim', extra)).toEqual(await install('rpm', extra))
  })

  it('%_pkgverify_level: -K and -i of unsigned, corrupted and signed packages at each level, and an unknown one', async () => {
    const levels = ['none', 'digest', 'signature', 'all', 'bogus']
    for (const name of ['good', 'payload', 'signed']) {
      const f = files[name]
      if (f === undefined) {
        warnSkip(`no ${name} package (see above)`)
        continue
      }
      for (const level of levels)
        for (const o of [['-K'], ['-Kv'], ['-Kv', '--nosignature']]) {
          const args = [...o, '--define', `_pkgverify_level ${level}`, f]
          expect({ args, ...(await sim(args)) }).toEqual({ args, ...realRpm(args) })
        }
    }
    // An unsigned package is refused where signatures are required; --nosignature and --noverify let it through.
    expect(realRpm(['-K', '--define', '_pkgverify_level signature', files.good ?? '']).code).toBe(1)
    if (process.getuid?.() !== 0) return warnSkip('rpm -i into a root needs root: -i at each level not compared')
    let n = 0
    const install = async (engine: 'rpm' | 'sim', extra: string[], f: string) => {
      const root = join(dir, `level-${engine}-${n}`)
      mkdirSync(join(root, 'var/lib/rpm'), { recursive: true })
      const args = ['--root', root, '--dbpath', '/var/lib/rpm', '-i', '--test', '--nodeps', '--noscripts', ...extra, f]
      return engine === 'rpm' ? realRpm(args) : sim(args)
    }
    for (const name of ['good', 'signed'])
      for (const level of levels)
        for (const extra of [[], ['--nosignature'], ['--noverify']]) {
          const f = files[name]
          if (f === undefined) continue
          n++
          const args = ['--define', `_pkgverify_level ${level}`, ...extra]
          expect({ name, args, ...(await install('sim', args, f)) }).toEqual({
            name,
            args,
            ...(await install('rpm', args, f)),
          })
        }
  })

  it('reports each package of a command line and exits with the number that failed', async () => {
    const args = ['-K', files.good ?? '', files.payload ?? '', '/nonexistent.rpm', files.header ?? '']
    const real = realRpm(args)
    expect(real.code).toBe(3)
    expect(await sim(args)).toEqual(real)
  })
})
