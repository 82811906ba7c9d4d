import { describe, expect, it } from 'vitest'
import { ProgressPrinter, formatBytes, formatProgress } from './progress.js'

describe('progress', () => {
  it('formats sizes and a progress line with rate', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(12 * 1024 * 1024)).toBe('12.0 MiB')
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.25 GiB')
    expect(formatProgress('verifying', 50 * 1024 * 1024, 100 * 1024 * 1024, 2)).toBe(
      'verifying: 50.0 MiB / 100.0 MiB (50%, 25.0 MiB/s)',
    )
  })

  it('on a terminal redraws one line per step, throttled, and ends it', () => {
    let t = 0
    const out: string[] = []
    const p = new ProgressPrinter({ write: (s) => out.push(s), tty: true, now: () => t })
    p.update('staging', 0, 4096)
    t = 50
    p.update('staging', 1024, 4096) // within the interval: not drawn
    t = 1000
    p.update('staging', 4096, 4096)
    p.update('swap', 10, 10)
    p.done()
    expect(out).toEqual([
      '\r\x1b[Kstaging: 0 B / 4.0 KiB (0%, 0 B/s)',
      '\r\x1b[Kstaging: 4.0 KiB / 4.0 KiB (100%, 4.0 KiB/s)',
      '\n',
      '\r\x1b[Kswap: 10 B / 10 B (100%, 9.8 KiB/s)',
      '\n',
    ])
  })

  it('elsewhere names each step once, or writes nothing without headings', () => {
    const out: string[] = []
    const p = new ProgressPrinter({ write: (s) => out.push(s), tty: false })
    p.update('pack', 0, 2048)
    p.update('pack', 2048, 2048)
    p.done()
    expect(out).toEqual(['pack (2.0 KiB)\n'])
    const none: string[] = []
    const q = new ProgressPrinter({ write: (s) => none.push(s), tty: false, headings: false })
    q.update('pack', 0, 2048)
    q.done()
    expect(none).toEqual([])
  })
})
