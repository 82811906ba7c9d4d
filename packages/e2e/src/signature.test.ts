// Signed archives: a host with trusted keys accepts only archives signed by one of them (exit 5 otherwise);
// without trusted keys a present signature is checked against the archive's own key.
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARCH, buildAndExtract, makeRoot, runInstall, snapshotWithoutLog, workspace } from './_test-e2e.js'

let ws: ReturnType<typeof workspace>
let signed: string
let unsigned: string
let publicPem: string
beforeAll(async () => {
  ws = workspace()
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const keyFile = join(ws.dir, 'release.key')
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }))
  publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const payload = { 'tools/a.sh': 'echo a\n', 'fsbackup_kernel_4.x/k': 'k\n' }
  signed = await buildAndExtract(
    ws.dir,
    { package_name: `rdb_agent_5.7.1.0_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
    payload,
    { signKey: keyFile },
  )
  unsigned = await buildAndExtract(
    ws.dir,
    { package_name: `rdb_agent_5.7.1.1_centos.${ARCH}`, package_type: 'install_rdb_agent', os_release: 'centos' },
    payload,
  )
})
afterAll(() => ws.cleanup())

describe('signatures', () => {
  it('a host with trusted keys installs a signed archive and refuses an unsigned one', async () => {
    const root = makeRoot(ws.dir, 'centos', 'root-trusting')
    mkdirSync(join(root, 'etc/rdbpkg/trusted-keys'), { recursive: true })
    writeFileSync(join(root, 'etc/rdbpkg/trusted-keys/release.pem'), publicPem)
    const before = snapshotWithoutLog(root)
    const refused = await runInstall(unsigned, ['--root', root])
    expect(refused.code).toBe(5)
    expect(refused.stderr).toContain('SHA256SUMS.sig')
    expect(snapshotWithoutLog(root)).toEqual(before)
    const ok = await runInstall(signed, ['--root', root, '--json'])
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'installed', signature: 'trusted-key' })
  })

  it('a host without trusted keys checks the archive key, and refuses a signature that does not match', async () => {
    const root = makeRoot(ws.dir, 'centos', 'root-plain')
    expect((await runInstall(signed, ['--check', '--root', root])).code).toBe(0)
    writeFileSync(
      join(signed, 'SHA256SUMS.pub'),
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
    )
    const out = await runInstall(signed, ['--root', root])
    expect(out.code).toBe(5)
    expect(out.stderr).toContain('SHA256SUMS')
  })
})
