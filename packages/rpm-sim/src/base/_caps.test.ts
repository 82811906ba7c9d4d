import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { capsDiffer, readFileCaps, sameCaps, setFileCaps } from './_caps.js'

describe('capability texts', () => {
  it('compare by what they grant, not as text', () => {
    expect(sameCaps('cap_net_raw=ep', 'cap_net_raw+pe')).toBe(true)
    expect(sameCaps('cap_net_raw,cap_sys_admin=p', 'cap_sys_admin=p cap_net_raw=p')).toBe(true)
    expect(sameCaps('cap_net_raw=ep', 'cap_net_raw=p')).toBe(false)
    expect(sameCaps('cap_net_raw=eip cap_net_raw-i', 'cap_net_raw=ep')).toBe(true)
    expect(sameCaps('=', '')).toBe(true)
  })

  it('tell none from an empty set, as rpm -V does', () => {
    expect(capsDiffer(undefined, undefined)).toBe(false)
    expect(capsDiffer('', undefined)).toBe(false)
    expect(capsDiffer('=', undefined)).toBe(true)
    expect(capsDiffer(undefined, '=')).toBe(true)
    expect(capsDiffer('=', '=')).toBe(false)
    expect(capsDiffer('cap_net_raw+ep', 'cap_net_raw=ep')).toBe(false)
  })
})

const root = process.getuid?.() === 0
const tools = spawnSync('setcap', ['-h'], { stdio: 'ignore' }).status === 0
if (!root || !tools) console.warn('skipping setcap/getcap: needs root and libcap2-bin')
const dir = mkdtempSync(join(tmpdir(), 'rpmsim-caps-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.skipIf(!root || !tools)('file capabilities on disk', () => {
  it('are set with setcap and read back for many files at once', () => {
    const files = ['a', 'b', 'c'].map((n) => join(dir, n))
    for (const f of files) writeFileSync(f, 'x')
    setFileCaps(files[0] as string, 'cap_net_raw+ep')
    setFileCaps(files[1] as string, '=')
    const found = readFileCaps([...files, join(dir, 'gone')])
    expect(capsDiffer('cap_net_raw=ep', found.get(files[0] as string))).toBe(false)
    expect(found.get(files[1] as string)).toBe('=')
    expect(found.has(files[2] as string)).toBe(false)
    expect(execFileSync('getcap', [files[0] as string], { encoding: 'utf8' })).toContain('cap_net_raw')
  })

  it('fail with setcap’s words on a text it cannot read', () => {
    const f = join(dir, 'bad')
    writeFileSync(f, 'x')
    expect(() => setFileCaps(f, 'cap_no_such_thing=ep')).toThrow(/./)
  })
})
