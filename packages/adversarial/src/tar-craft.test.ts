import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { craftTar, craftTarGz, writeGzipBomb, writeXzBomb } from './tar-craft.js'

const dir = mkdtempSync(join(tmpdir(), 'tar-craft-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function gnuList(
  tar: Buffer,
  args: string[] = [],
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.tar`)
  writeFileSync(file, tar)
  const r = await execa('tar', ['-tvf', file, ...args], { reject: false })
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }
}

describe('craftTar (checked against GNU tar as the reader)', () => {
  it('writes `..`, absolute and symlink/hardlink/device/fifo entries that GNU tar lists as written', async () => {
    const tar = craftTar([
      { name: '../escape', data: 'x' },
      { name: '/etc/abs', data: 'y' },
      { name: 'link', type: 'symlink', linkname: '/etc' },
      { name: 'hard', type: 'hardlink', linkname: '/etc/shadow' },
      { name: 'dev', type: 'char', devmajor: 1, devminor: 3 },
      { name: 'pipe', type: 'fifo' },
      { name: 'suid', mode: 0o4755, data: '#!/bin/sh\n' },
    ])
    const { stdout } = await gnuList(tar)
    expect(stdout).toContain('../escape')
    expect(stdout).toContain('/etc/abs')
    expect(stdout).toMatch(/^l.* link -> \/etc$/m)
    expect(stdout).toMatch(/^h.* hard link to \/?etc\/shadow$/m)
    expect(stdout).toMatch(/^c.* 1,\s*3 .*dev$/m)
    expect(stdout).toMatch(/^p.* pipe$/m)
    expect(stdout).toMatch(/^-rwsr-xr-x .* suid$/m)
  })

  it('writes long and newline names through pax and GNU long-name blocks', async () => {
    const deep = Array.from({ length: 1000 }, () => 'd').join('/')
    const tar = craftTar([
      { name: `${deep}/f`, data: 'z' },
      { name: 'new\nline', data: 'n' },
      { name: `${'g'.repeat(150)}/gnu`, longName: 'gnu', data: 'g' },
    ])
    const { stdout, exitCode } = await gnuList(tar, ['--quoting-style=c'])
    expect(exitCode).toBe(0)
    expect(stdout).toContain('d/d/d/d')
    expect(stdout).toContain('"new\\nline"')
    expect(stdout).toContain(`${'g'.repeat(150)}/gnu`)
  })

  it('makes a lying size and a truncated stream that GNU tar rejects', async () => {
    const lying = await gnuList(
      craftTar([
        { name: 'a', data: 'abc', declaredSize: 100_000 },
        { name: 'b', data: 'b' },
      ]),
    )
    expect(lying.exitCode).not.toBe(0)
    const truncated = await gnuList(craftTar([{ name: 'a', data: 'x'.repeat(2000) }], { truncateAt: 1024 }))
    expect(truncated.exitCode).not.toBe(0)
  })

  it('gzips, and truncates the compressed stream on request', async () => {
    const whole = craftTarGz([{ name: 'a', data: 'abc' }])
    const cut = craftTarGz([{ name: 'a', data: 'abc' }], { truncateGzAt: 20 })
    expect(whole.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]))
    expect(cut.length).toBe(20)
  })
})

describe('bombs', () => {
  it('a gzip bomb is small on disk and expands to the asked size', async () => {
    const file = join(dir, 'bomb.tar.gz')
    await writeGzipBomb(file, { expandedBytes: 64 << 20 })
    const compressed = statSync(file).size
    const { stdout } = await execa('sh', ['-c', `gzip -dc '${file}' | wc -c`])
    expect(Number(stdout)).toBeGreaterThanOrEqual(64 << 20)
    expect(Number(stdout) / compressed).toBeGreaterThan(500)
    const list = await execa('tar', ['-tzvf', file])
    expect(list.stdout).toContain('tools/zeros')
  })

  it('an xz bomb is small on disk and expands to the asked size', async () => {
    const file = join(dir, 'bomb.tar.xz')
    await writeXzBomb(file, { expandedBytes: 64 << 20 })
    const compressed = statSync(file).size
    const { stdout } = await execa('sh', ['-c', `xz -dc '${file}' | wc -c`])
    expect(Number(stdout)).toBeGreaterThanOrEqual(64 << 20)
    expect(Number(stdout) / compressed).toBeGreaterThan(500)
  })
})
