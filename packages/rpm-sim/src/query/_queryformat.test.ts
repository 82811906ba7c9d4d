import { describe, expect, it } from 'vitest'
import type { FormattedPackage } from './_queryformat.js'
import { ALIAS_FORMATS, QueryFormatError, parseQueryFormat, queryFormatter } from './_queryformat.js'

const flags = {}
const pkg: FormattedPackage = {
  name: 'tool',
  epoch: 2,
  version: '1.5',
  release: '3',
  arch: 'x86_64',
  digestAlgo: 'sha256',
  scripts: {},
  triggers: [],
  size: 1_234_567,
  installTime: 1_700_000_000,
  provides: ['tool = 2:1.5-3', 'tool-api >= 4'],
  files: [
    {
      path: '/usr/bin/tool',
      kind: 'file',
      mode: 0o104755,
      size: 10,
      user: 'root',
      group: 'root',
      mtime: 0,
      flags,
      state: 'normal',
    },
    {
      path: '/etc/tool.conf',
      kind: 'file',
      mode: 0o100640,
      size: 3,
      user: 'root',
      group: 'tool',
      mtime: 0,
      flags: { config: true, noreplace: true },
      state: 'replaced',
    },
  ],
}
const fmt = (f: string): string => parseQueryFormat(f).render(pkg)

describe('--queryformat (rpm 4.18 headerfmt.c, formats.c)', () => {
  it('tags, widths, escapes and %%', () => {
    expect(fmt('%{NAME}-%{VERSION}-%{RELEASE}\\n')).toBe('tool-1.5-3\n')
    // a scalar in brackets is an array of one
    expect(fmt('[%-6{NAME}|%4{EPOCH}|]')).toBe('tool  |   2|')
    expect(fmt('%-6{NAME}|%4{EPOCH}|%{VENDOR}|100%%\\t')).toBe('tool  |   2|(none)|100%\t')
    expect(fmt('%{RPMTAG_ARCH} %{nevra} %{EpochNum}')).toBe('x86_64 tool-2:1.5-3.x86_64 2')
  })

  it('arrays iterate in step; a lone array tag outside brackets is its first element', () => {
    expect(fmt('[%{FILENAMES} %{FILEMODES:perms} %{FILEFLAGS:fflags} %{FILESTATES:fstate} %{=NAME}\\n]')).toBe(
      '/usr/bin/tool -rwsr-xr-x  normal tool\n/etc/tool.conf -rw-r----- cn replaced tool\n',
    )
    expect(fmt('%{FILENAMES} %{#FILENAMES}')).toBe('/usr/bin/tool 2')
    expect(fmt('[%{PROVIDENAME}%{PROVIDEFLAGS:depflags}%{PROVIDEVERSION};]')).toBe('tool=2:1.5-3;tool-api>=4;')
    expect(() => fmt('[%{FILENAMES}%{NAME}]')).toThrow('array iterator used with different sized arrays')
  })

  it('conditionals and number formats', () => {
    expect(fmt('%|EPOCH?{e%{EPOCH}}:{none}|%|VENDOR?{v}:{-}|%|URL?{u}|')).toBe('e2-')
    expect(fmt('%{SIZE:humansi} %{SIZE:humaniec} %{SIZE:hex} %{SIZE:octal} %{NAME:perms}')).toBe(
      '1.2M 1.2M 12d687 4553207 (not a number)',
    )
    expect(fmt('%{NAME:shescape} %{SIZE:shescape}')).toBe("'tool' 1234567")
    const tz = process.env.TZ
    process.env.TZ = 'UTC'
    try {
      expect(fmt('%{INSTALLTIME:date}|%{INSTALLTIME:day}')).toBe('Tue Nov 14 22:13:20 2023|Tue Nov 14 2023')
    } finally {
      if (tz === undefined) delete process.env.TZ
      else process.env.TZ = tz
    }
  })

  it.each([
    ['%{BOGUS}', 'unknown tag: "BOGUS"'],
    ['%{NAME:xml}', 'unknown tag: "NAME"'],
    ['%{NAME', 'missing } after %{'],
    ['%x{NAME}', 'invalid field width'],
    ['%-5', 'missing { after %'],
    ['%{}', 'empty tag name'],
    ['%{NAME:}', 'empty tag format'],
    ['[%{NAME}', '] expected at end of array'],
    ['a]', 'unexpected ]'],
    ['a}', 'unexpected }'],
    ['x\\', 'escaped char expected after \\'],
    ['%|NAME{x}|', '? expected in expression'],
    ['%|NAME?x|', '{ expected after ? in expression'],
    ['%|NAME?{x}', '} expected in expression'],
    ['%|NAME?{x}y', ': expected following ? subexpression'],
    ['%|NAME?{x}:y', '{ expected after : in expression'],
    ['%|NAME?{x}:{y}z', '| expected at end of expression'],
  ])('%s is refused: %s', (format, message) => {
    expect(() => parseQueryFormat(format)).toThrow(new QueryFormatError(message))
    expect(queryFormatter(format)(pkg)).toEqual(new QueryFormatError(message))
  })
})

describe('--triggers on database records', () => {
  const sh = (body: string) => ({ interpreter: ['/bin/sh'], body })
  const render = (triggers: FormattedPackage['triggers']): string =>
    parseQueryFormat(ALIAS_FORMATS.triggers).render({ ...pkg, triggers })

  it('groups the conditions of one script by its TRIGGERINDEX, in index order', () => {
    const text = render([
      { kind: 'triggerun', name: 'bash', script: sh('echo un'), index: 1 },
      { kind: 'triggerin', name: 'bash', sense: '>=', version: '4', script: sh('echo in'), index: 0 },
      { kind: 'triggerin', name: 'other', script: sh('echo in'), index: 0 },
      // another script with the same body is another trigger
      { kind: 'triggerin', name: 'zsh', script: sh('echo in'), index: 2 },
    ])
    expect(text).toBe(
      [
        'triggerin scriptlet (using /bin/sh) -- bash >= 4, other',
        'echo in',
        'triggerun scriptlet (using /bin/sh) -- bash',
        'echo un',
        'triggerin scriptlet (using /bin/sh) -- zsh',
        'echo in',
        '',
      ].join('\n'),
    )
  })

  it('groups records kept before the index by kind, interpreter and body', () => {
    const text = render([
      { kind: 'triggerin', name: 'a', script: sh('echo x') },
      { kind: 'triggerpostun', name: 'c', sense: '<', version: '2', script: sh('echo x') },
      { kind: 'triggerin', name: 'b', script: sh('echo x') },
    ])
    expect(text).toBe(
      [
        'triggerin scriptlet (using /bin/sh) -- a, b',
        'echo x',
        'triggerpostun scriptlet (using /bin/sh) -- c < 2',
        'echo x',
        '',
      ].join('\n'),
    )
  })
})
