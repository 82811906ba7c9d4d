import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tarEnd, tarHeader, tarPadding } from './_tar.js'
import { cleanup, tempDir } from './_test-fixtures.js'

afterAll(cleanup)

describe('tarHeader', () => {
  it('writes names that GNU tar reads back: short, ustar prefix split, pax for long or non-ASCII, links', () => {
    const long = `${'d'.repeat(120)}/${'e'.repeat(90)}/${'f'.repeat(110)}.txt`
    const split = `${'p'.repeat(140)}/name.txt`
    const parts: Buffer[] = []
    for (const path of ['a.txt', split, long, 'ünïcødé/файл.conf']) {
      parts.push(
        tarHeader({ path, type: 'file', mode: 0o644, size: 3, mtime: 86400 }),
        Buffer.from('abc'),
        Buffer.alloc(tarPadding(3)),
      )
    }
    parts.push(
      tarHeader({ path: 'lnk', type: 'symlink', mode: 0o777, size: 0, mtime: 0, linkpath: `t/${'x'.repeat(150)}` }),
    )
    parts.push(tarHeader({ path: 'dir', type: 'dir', mode: 0o755, size: 0, mtime: 0 }))
    parts.push(tarEnd())
    const file = join(tempDir(), 'x.tar')
    writeFileSync(file, Buffer.concat(parts))
    const names = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n')
    expect(names).toEqual(['a.txt', split, long, 'ünïcødé/файл.conf', 'lnk', 'dir/'])
    const verbose = execFileSync('tar', ['-tvf', file], { encoding: 'utf8' })
    expect(verbose).toMatch(/^-rw-r--r-- root\/root\s+3 1970-01-02 00:00 a\.txt$/m)
    expect(verbose).toContain(`lnk -> t/${'x'.repeat(150)}`)
  })

  it('encodes sizes past 8 GiB in base-256 so the header stays one block', () => {
    const header = tarHeader({ path: 'big', type: 'file', mode: 0o644, size: 2 ** 34 + 5, mtime: 0 })
    expect(header.length).toBe(512)
    expect(header[124]).toBe(0x80)
    expect(header.readBigUInt64BE(128)).toBe(2n ** 34n + 5n)
  })
})
