import { generateKeyPairSync, sign } from 'node:crypto'
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeArchiveDir, tempDir } from './_test-archive.js'
import { parseSha256Sums, verifyArchive } from './verify.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function setup() {
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
  const root = join(dir, 'root')
  mkdirSync(root)
  return { dir, archive, root }
}

function signArchive(archive: string) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const sig = sign(null, readFileSync(join(archive, 'SHA256SUMS')), privateKey)
  writeFileSync(join(archive, 'SHA256SUMS.sig'), `${sig.toString('base64')}\n`)
  writeFileSync(join(archive, 'SHA256SUMS.pub'), publicKey.export({ type: 'spki', format: 'pem' }))
  return { publicKey, privateKey }
}

describe('verifyArchive', () => {
  it('accepts an intact archive', async () => {
    const { archive, root } = setup()
    const result = await verifyArchive(archive, root)
    expect(result.signature).toBe('none')
    expect(result.files.map((f) => f.path)).toEqual(['package.tar.gz', 'version.json'])
  })

  it('names a tampered file', async () => {
    const { archive, root } = setup()
    appendFileSync(join(archive, 'package.tar.gz'), 'x')
    await expect(verifyArchive(archive, root)).rejects.toMatchObject({
      code: 'E_ARCHIVE_DIGEST',
      message: expect.stringContaining('package.tar.gz: sha256 mismatch'),
    })
  })

  it('names a missing file', async () => {
    const { archive, root } = setup()
    rmSync(join(archive, 'version.json'))
    await expect(verifyArchive(archive, root)).rejects.toMatchObject({
      code: 'E_ARCHIVE_DIGEST',
      message: expect.stringContaining('version.json: missing'),
    })
  })

  it('refuses a SHA256SUMS line that names a folder (exit 5, not a read error)', async () => {
    const { archive, root } = setup()
    appendFileSync(join(archive, 'SHA256SUMS'), `${'0'.repeat(64)}  .\n`)
    await expect(verifyArchive(archive, root)).rejects.toMatchObject({
      code: 'E_ARCHIVE_DIGEST',
      message: expect.stringContaining('not a regular file'),
    })
  })

  it('refuses when SHA256SUMS is missing or malformed', async () => {
    const { archive, root } = setup()
    writeFileSync(join(archive, 'SHA256SUMS'), 'nonsense\n')
    await expect(verifyArchive(archive, root)).rejects.toMatchObject({ code: 'E_ARCHIVE_DIGEST' })
    rmSync(join(archive, 'SHA256SUMS'))
    await expect(verifyArchive(archive, root)).rejects.toMatchObject({ code: 'E_ARCHIVE_DIGEST' })
  })

  it('verifies a signature against SHA256SUMS.pub and refuses a bad one', async () => {
    const { archive, root } = setup()
    signArchive(archive)
    expect((await verifyArchive(archive, root)).signature).toBe('archive-key')
    const sig = Buffer.from(readFileSync(join(archive, 'SHA256SUMS.sig'), 'utf8').trim(), 'base64')
    sig[0]! ^= 1
    writeFileSync(join(archive, 'SHA256SUMS.sig'), sig.toString('base64'))
    await expect(verifyArchive(archive, root)).rejects.toMatchObject({ code: 'E_ARCHIVE_SIGNATURE' })
  })

  it('with trusted keys on the host: requires a signature by one of them', async () => {
    const { archive, root } = setup()
    const trusted = generateKeyPairSync('ed25519')
    mkdirSync(join(root, 'etc/rdbpkg/trusted-keys'), { recursive: true })
    writeFileSync(
      join(root, 'etc/rdbpkg/trusted-keys/release.pem'),
      trusted.publicKey.export({ type: 'spki', format: 'pem' }),
    )
    await expect(verifyArchive(archive, root)).rejects.toMatchObject({
      code: 'E_ARCHIVE_SIGNATURE',
      message: expect.stringContaining('missing'),
    })
    signArchive(archive) // self-signed with its own key: integrity, but not trusted
    await expect(verifyArchive(archive, root)).rejects.toMatchObject({ code: 'E_ARCHIVE_SIGNATURE' })
    const sig = sign(null, readFileSync(join(archive, 'SHA256SUMS')), trusted.privateKey)
    writeFileSync(join(archive, 'SHA256SUMS.sig'), sig.toString('base64'))
    expect((await verifyArchive(archive, root)).signature).toBe('trusted-key')
  })
})

describe('parseSha256Sums', () => {
  it('reads sha256sum text and binary forms, refuses escaping paths', () => {
    const hex = 'a'.repeat(64)
    expect(parseSha256Sums(`${hex}  install\n${hex} *runtime/node\n`)).toEqual([
      { path: 'install', sha256: hex },
      { path: 'runtime/node', sha256: hex },
    ])
    expect(() => parseSha256Sums(`${hex}  ../x\n`)).toThrow(/line 1/)
    expect(() => parseSha256Sums(`${hex}  /etc/passwd\n`)).toThrow(/line 1/)
  })
})
