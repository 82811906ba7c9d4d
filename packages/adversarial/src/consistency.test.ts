// What the builder accepts, the installer must install: archives built from ordinary (if very compressible)
// payload folders, checked end to end with the real builder CLI and ./install.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { agentManifest, buildArchive, makeRoot } from './_test-archive.js'
import { BUILDER_CLI, INSTALLER_BUNDLE, RPM_SIM_CLI, builtOrWarn } from './_test-paths.js'
import { recordArea } from './_test-record.js'
import { craftRpm } from './rpm-craft.js'

const ready = builtOrWarn('builder', BUILDER_CLI) && builtOrWarn('installer', INSTALLER_BUNDLE)
const base = mkdtempSync(join(tmpdir(), 'adv-consistency-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))

describe.skipIf(!ready)('builder and installer agree', () => {
  it('a --payload-dir build of very compressible files is refused by the builder as by ./install, and both take --max-ratio', async () => {
    const payload: Record<string, string> = { 'tools/run.sh': '#!/bin/sh\necho ok\n' }
    // Zero-filled images and repetitive logs are ordinary payload content that compresses far beyond 100-fold.
    for (let i = 0; i < 6; i++) payload[`fsbackup_kernel_4.x/k${i}.ko`] = 'a'.repeat(256 * 1024)
    const refusedAt = join(base, 'compressible-refused')
    const refused = await buildArchive(refusedAt, agentManifest(), payload).then(
      () => undefined,
      (error: Error) => error.message,
    )
    expect(refused).toMatch(/^builder failed \(4\): .*expands more than 100-fold.*--max-ratio N/s)
    expect(existsSync(join(refusedAt, 'out'))).toBe(false)

    const archive = await buildArchive(join(base, 'compressible'), agentManifest(), payload, {
      builderArgs: ['--max-ratio', '10000'],
    })
    const root = makeRoot(join(base, 'root'))
    const plain = await execa('./install', ['--root', root], { cwd: archive, reject: false })
    const raised = await execa('./install', ['--root', root, '--max-ratio', '10000'], { cwd: archive, reject: false })
    const held = plain.exitCode !== 0 && raised.exitCode === 0 ? 1 : 0
    recordArea({
      id: 'consistency-ratio',
      group: 'Consistency',
      tried:
        'very compressible (not hostile) --payload-dir: builder without and with --max-ratio, then ./install without and with it',
      cases: 1,
      held,
      notes: `builder refused without --max-ratio (exit 4); ./install exit ${plain.exitCode} without, ${raised.exitCode} with --max-ratio`,
      bugs: [],
    })
    expect(plain.exitCode, plain.stderr).not.toBe(0)
    expect(plain.stderr).toMatch(/--max-ratio/)
    expect(raised.exitCode, raised.stderr).toBe(0)
  })
})

describe.skipIf(!builtOrWarn('rpm-sim', RPM_SIM_CLI))('rpm-sim keeps packaged modes', () => {
  it('a 2 MiB 0644 file installs as 0644 and -V is clean', async () => {
    const rpm = join(base, 'big.rpm')
    writeFileSync(
      rpm,
      await craftRpm({
        name: 'big',
        version: '1',
        release: '1',
        files: [
          { path: '/opt/big', mode: 0o040755 },
          { path: '/opt/big/small.bin', data: Buffer.alloc(1000, 1), mode: 0o100644 },
          { path: '/opt/big/large.bin', data: Buffer.alloc(2 << 20, 2), mode: 0o100644 },
        ],
      }),
    )
    const root = join(base, 'mode-root')
    const run = await execa('node', [RPM_SIM_CLI, '--root', root, '-i', rpm], { reject: false })
    expect(run.exitCode, run.stderr).toBe(0)
    const small = statSync(join(root, 'opt/big/small.bin')).mode & 0o7777
    const large = statSync(join(root, 'opt/big/large.bin')).mode & 0o7777
    const verify = await execa('node', [RPM_SIM_CLI, '--root', root, '-V', 'big'], { reject: false })
    recordArea({
      id: 'consistency-mode',
      group: 'Consistency',
      tried: 'a package with a 2 MiB 0644 file installed by rpm-sim, then -V',
      cases: 1,
      held: large === 0o644 && verify.stdout.trim() === '' ? 1 : 0,
      notes: `small file ${small.toString(8)}, large file ${large.toString(8)}; -V: ${verify.stdout.trim() || 'clean'}`,
    })
    expect(small).toBe(0o644)
    expect(large).toBe(0o644)
    expect(verify.stdout.trim()).toBe('')
  })
})
