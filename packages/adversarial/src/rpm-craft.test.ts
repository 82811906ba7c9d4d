import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { craftRpm } from './rpm-craft.js'
import { hasTool } from './_test-env.js'

const hasRpm = hasTool('rpm')
if (!hasRpm) console.warn('skipping rpm-craft oracle checks: rpm not installed')
const dir = mkdtempSync(join(tmpdir(), 'rpm-craft-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const spec = {
  name: 'crafted',
  version: '1.0',
  release: '1',
  files: [
    { path: '/opt/crafted', mode: 0o040755 },
    { path: '/opt/crafted/a.conf', data: 'a=1\n', flags: 1 | 16 },
    { path: '/opt/crafted/bin', data: '#!/bin/sh\necho hi\n', mode: 0o100755 },
    { path: '/opt/crafted/link', linkTarget: 'bin' },
  ],
}

describe('craftRpm (checked against Debian rpm 4.18 as the oracle)', () => {
  it.skipIf(!hasRpm).each(['gzip', 'xz'] as const)(
    'a well-formed %s package passes rpm -K and lists its files',
    async (compressor) => {
      const file = join(dir, `ok-${compressor}.rpm`)
      writeFileSync(file, await craftRpm({ ...spec, compressor }))
      const k = await execa('rpm', ['-K', '--nosignature', file], { reject: false })
      expect(k.stdout + k.stderr).toMatch(/digests OK/)
      const list = await execa('rpm', ['-qpl', file])
      expect(list.stdout.split('\n')).toEqual([
        '/opt/crafted',
        '/opt/crafted/a.conf',
        '/opt/crafted/bin',
        '/opt/crafted/link',
      ])
      const cpio = await execa('sh', ['-c', `rpm2cpio '${file}' | cpio -it --quiet`])
      expect(cpio.stdout.split('\n')).toEqual([
        './opt/crafted',
        './opt/crafted/a.conf',
        './opt/crafted/bin',
        './opt/crafted/link',
      ])
    },
  )

  it.skipIf(!hasRpm)('real rpm installs a well-formed package into a scratch root', async () => {
    const file = join(dir, 'install.rpm')
    writeFileSync(file, await craftRpm(spec))
    const root = join(dir, 'root')
    const r = await execa('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-i', '--nodeps', '--noscripts', file], {
      reject: false,
    })
    expect(r.exitCode).toBe(0)
    expect(r.stderr.split('\n').filter((l) => l && !/Alien|assuming you know/.test(l))).toEqual([])
    const { stdout } = await execa('cat', [join(root, 'opt/crafted/a.conf')])
    expect(stdout).toBe('a=1')
  })
})
