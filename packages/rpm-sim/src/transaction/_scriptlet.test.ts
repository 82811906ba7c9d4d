import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runScriptlet } from './_scriptlet.js'

describe('runScriptlet', () => {
  it('runs the body from a temp file with $1 and $2, stdin closed, rpm’s PATH', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rpmsim-script-'))
    try {
      let out = ''
      const r = await runScriptlet({
        root: '/',
        slot: 'post',
        nevra: 'x-1-1.noarch',
        script: {
          interpreter: ['/bin/sh'],
          body: 'echo "args $1 $2 $PATH"; echo "$0" | grep -q rpm-tmp && echo tmpfile; cat; echo err >&2',
        },
        args: [2, 1],
        onOutput: (c) => (out += c),
      })
      expect(r).toEqual({ ok: true, exitCode: 0 })
      expect(out).toContain('args 2 1 /sbin:/bin:/usr/sbin:/usr/bin:/usr/X11R6/bin\n')
      expect(out).toContain('tmpfile\n')
      expect(out).toContain('err\n')
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('reports failures in rpm’s words; a -p program runs without a body', async () => {
    const failed = await runScriptlet({
      root: '/',
      slot: 'pre',
      nevra: 'x-1-1.noarch',
      script: { interpreter: ['/bin/sh'], body: 'exit 7' },
      args: [1],
    })
    expect(failed).toEqual({ ok: false, exitCode: 7, message: '%prein(x-1-1.noarch) scriptlet failed, exit status 7' })
    const killed = await runScriptlet({
      root: '/',
      slot: 'postun',
      nevra: 'x-1-1.noarch',
      script: { interpreter: ['/bin/sh'], body: 'kill -TERM $$' },
      args: [0],
    })
    expect(killed).toMatchObject({ ok: false, message: '%postun(x-1-1.noarch) scriptlet failed, signal 15' })
    const prog = await runScriptlet({
      root: '/',
      slot: 'post',
      nevra: 'x-1-1.noarch',
      script: { interpreter: ['/bin/true'], body: '' },
      args: [1],
    })
    expect(prog.ok).toBe(true)
    const lua = await runScriptlet({
      root: '/',
      slot: 'post',
      nevra: 'x-1-1.noarch',
      script: { interpreter: ['<lua>'], body: 'print(1)' },
      args: [1],
    })
    expect(lua.unsupported).toContain('<lua>')
  })
})
