import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeArchive } from './archive.js'
import { launcherScript } from './launcher.js'
import { cleanup, tempDir } from './_test-fixtures.js'

afterAll(cleanup)

describe('writeArchive', () => {
  it('writes a payload file byte for byte, in a sorted folder that sha256sum -c accepts', async () => {
    const dir = tempDir()
    const payload = Buffer.from('pretend this is a .tar.gz\n'.repeat(1000))
    writeFileSync(join(dir, 'payload.bin'), payload)
    const outFile = join(dir, 'x.tar.gz')
    const written = await writeArchive({
      outFile,
      folder: 'x',
      mtime: 0,
      launcher: launcherScript(),
      installer: Buffer.from('console.log(1)\n'),
      payload: {
        file: join(dir, 'payload.bin'),
        size: payload.length,
        sha256: createHash('sha256').update(payload).digest('hex'),
      },
      versionJson: (p) => `${JSON.stringify({ size: p.size })}\n`,
    })
    expect(written.size).toBe(readFileSync(outFile).length)
    expect(execFileSync('tar', ['-tzf', outFile], { encoding: 'utf8' })).toBe(
      'x/\nx/SHA256SUMS\nx/install\nx/installer.mjs\nx/package.tar.gz\nx/version.json\n',
    )
    const out = tempDir()
    execFileSync('tar', ['-xzf', outFile, '-C', out])
    expect(readFileSync(join(out, 'x', 'package.tar.gz')).equals(payload)).toBe(true)
    expect(readFileSync(join(out, 'x', 'version.json'), 'utf8')).toBe(`{"size":${payload.length}}\n`)
    expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(out, 'x') }).status).toBe(0)
    expect(written.files.map((f) => f.path)).toEqual([
      'SHA256SUMS',
      'install',
      'installer.mjs',
      'package.tar.gz',
      'version.json',
    ])
  })
})
