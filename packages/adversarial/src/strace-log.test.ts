import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hasTool } from './_test-env.js'
import { TraceError, decodeCString, describeOp, parseTrace, straceArgs } from './strace-log.js'

const hex = (s: string): string => [...Buffer.from(s)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')
const base = mkdtempSync(join(tmpdir(), 'adv-strace-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))

describe('parseTrace', () => {
  it('reads -y/-xx lines: joins unfinished calls, keeps only successful calls under the tree, in completion order', () => {
    const t = '/r'
    const lines = [
      `10 1.0 openat(AT_FDCWD<${hex('/')}>, "${hex('/r/a.tmp')}", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644 <unfinished ...>`,
      `11 1.1 openat(AT_FDCWD<${hex('/')}>, "${hex('/elsewhere')}", O_RDONLY) = 4<${hex('/elsewhere')}>`,
      `10 1.2 <... openat resumed>) = 3<${hex('/r/a.tmp')}>`,
      `10 1.3 write(3<${hex('/r/a.tmp')}>, "${hex('hello')}", 5) = 5`,
      `10 1.4 writev(3<${hex('/r/a.tmp')}>, [{iov_base="${hex('ab')}", iov_len=2}, {iov_base="${hex('c')}", iov_len=1}], 2) = 3`,
      `10 1.5 fsync(3<${hex('/r/a.tmp')}>) = 0`,
      `10 1.6 utimensat(3<${hex('/r/a.tmp')}>, NULL, [{tv_sec=5, tv_nsec=0}, {tv_sec=1700000000, tv_nsec=0}], 0) = 0`,
      `10 1.7 close(3<${hex('/r/a.tmp')}>) = 0`,
      `10 1.8 rename("${hex('/r/a.tmp')}", "${hex('/r/a')}") = 0`,
      `10 1.9 unlinkat(AT_FDCWD<${hex('/r')}>, "${hex('gone')}", AT_REMOVEDIR) = 0`,
      `10 2.0 unlink("${hex('/r/missing')}") = -1 ENOENT (No such file or directory)`,
      `10 2.1 openat(AT_FDCWD<${hex('/r')}>, "${hex('log')}", O_WRONLY|O_CREAT|O_APPEND, 0666) = 3<${hex('/r/log')}>`,
      `12 2.2 syncfs(3<${hex('/r')}>) = 0`,
    ]
    const ops = parseTrace(lines.join('\n'), t)
    expect(ops.map((o) => describeOp(o, t))).toEqual([
      'openat(a.tmp, O_CREAT|O_TRUNC)',
      'write(a.tmp, 5 bytes)',
      'writev(a.tmp, 3 bytes)',
      'fsync(a.tmp)',
      'utimensat(a.tmp, mtime 1700000000)',
      'close(3)',
      'rename(a.tmp -> a)',
      'unlinkat(gone)',
      'openat(log, O_CREAT|O_APPEND)',
      'syncfs',
    ])
    expect(ops[2]).toMatchObject({ op: 'write', data: Buffer.from('abc') })
    expect(ops[7]).toMatchObject({ op: 'rmdir', path: '/r/gone' })
    expect(ops[0]).toMatchObject({ op: 'create', mode: 0o644, trunc: true, fd: 3 })
  })

  it('refuses a write whose buffer strace cut, and decodes escapes', () => {
    expect(() => parseTrace(`1 1.0 write(3<${hex('/r/f')}>, "${hex('ab')}"..., 100) = 100`, '/r')).toThrow(TraceError)
    expect(decodeCString('\\x41\\n\\101').toString()).toBe('A\nA')
  })

  it.skipIf(!hasTool('strace'))('reads a real strace of a process writing, syncing and renaming a file', () => {
    const out = join(base, 'trace.txt')
    const file = join(base, 'f')
    const script = `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(`${file}.tmp`)}, 'w'); fs.writeSync(fd, 'data\\u0000\\u00ff'); fs.fsyncSync(fd); fs.closeSync(fd); fs.renameSync(${JSON.stringify(`${file}.tmp`)}, ${JSON.stringify(file)})`
    execFileSync('strace', [...straceArgs(out, 1 << 16), '--', process.execPath, '-e', script], {
      env: { ...process.env, UV_USE_IO_URING: '0' },
    })
    const ops = parseTrace(readFileSync(out, 'latin1'), base).filter((o) => o.op !== 'close')
    expect(ops.map((o) => o.op)).toEqual(['create', 'write', 'fsync', 'rename'])
    expect(ops[1]).toMatchObject({ data: Buffer.from('data\u0000\u00ff') })
  })
})
