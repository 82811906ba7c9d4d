import { describe, expect, it } from 'vitest'
import { OS_RELEASE_PATHS, isArchCompatible, matchOsRelease, nodeArchToRpmArch, parseOsRelease } from './os-release.js'

// Real files, as shipped (CentOS 7.9, BCLinux 8.2, Debian 12, Ubuntu 22.04).
const CENTOS_7 = `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"

CENTOS_MANTISBT_PROJECT="CentOS-7"
CENTOS_MANTISBT_PROJECT_VERSION="7"
REDHAT_SUPPORT_PRODUCT="centos"
REDHAT_SUPPORT_PRODUCT_VERSION="7"

`

const BCLINUX_8 = `NAME="BigCloud Enterprise Linux"
VERSION="8.2 (Core)"
ID="bclinux"
ID_LIKE="rhel fedora"
VERSION_ID="8.2"
PLATFORM_ID="platform:el8"
PRETTY_NAME="BigCloud Enterprise Linux 8.2 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:bclinux:bclinux:8"
HOME_URL="https://www.bclinux.org/"
BUG_REPORT_URL="https://www.bclinux.org/"
`

const DEBIAN_12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`

const UBUNTU_2204 = `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
PRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"
UBUNTU_CODENAME=jammy
`

describe('parseOsRelease on real files', () => {
  it.each([
    [
      'CentOS 7',
      CENTOS_7,
      { ID: 'centos', ID_LIKE: 'rhel fedora', VERSION_ID: '7', PRETTY_NAME: 'CentOS Linux 7 (Core)' },
      14,
    ],
    ['BCLinux 8', BCLINUX_8, { ID: 'bclinux', VERSION_ID: '8.2', PLATFORM_ID: 'platform:el8' }, 11],
    [
      'Debian 12',
      DEBIAN_12,
      { ID: 'debian', VERSION_CODENAME: 'bookworm', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' },
      9,
    ],
    ['Ubuntu 22.04', UBUNTU_2204, { ID: 'ubuntu', ID_LIKE: 'debian', VERSION: '22.04.4 LTS (Jammy Jellyfish)' }, 12],
  ])('%s', (_name, text, some, count) => {
    const fields = parseOsRelease(text)
    expect(fields).toMatchObject(some)
    expect(Object.keys(fields)).toHaveLength(count)
  })

  it('reads CRLF line ends and a BOM', () => {
    expect(parseOsRelease('\uFEFFID="centos"\r\nVERSION_ID=7\r\n')).toEqual({ ID: 'centos', VERSION_ID: '7' })
  })
})

describe('parseOsRelease quoting and invalid lines', () => {
  it.each<[string, string, Record<string, string>]>([
    ['unquoted', 'ID=centos', { ID: 'centos' }],
    ['double quoted', 'ID="centos"', { ID: 'centos' }],
    ['single quoted', "ID='centos'", { ID: 'centos' }],
    ['empty', 'ID=', { ID: '' }],
    ['empty quotes', 'ID=""', { ID: '' }],
    ['double-quote escapes', String.raw`X="a \"b\" \\ \` \$HOME"`, { X: 'a "b" \\ ` $HOME' }],
    ['other backslashes kept in double quotes', String.raw`X="a\nb"`, { X: String.raw`a\nb` }],
    ['no escapes in single quotes', String.raw`X='a\"b'`, { X: String.raw`a\"b` }],
    ['unquoted escapes', String.raw`X=a\ b\"c`, { X: 'a b"c' }],
    ['spaces in double quotes kept', 'X="  a  b  "', { X: '  a  b  ' }],
    ['blanks around the value dropped', 'X=   abc   ', { X: 'abc' }],
    ['trailing comment dropped', 'ID="centos"  # the distro', { ID: 'centos' }],
    ['hash inside a word kept', 'X=a#b', { X: 'a#b' }],
    ['hash as the value is a comment', 'X=#b', { X: '' }],
    ['leading blanks before the key', '   ID=centos', { ID: 'centos' }],
    ['comment lines', '# ID=ubuntu\n  # x\nID=centos', { ID: 'centos' }],
    ['blank lines', '\n\n\nID=centos\n\n', { ID: 'centos' }],
    ['last one wins', 'ID=ubuntu\nID=centos', { ID: 'centos' }],
    ['lower-case key ignored', 'id=centos\nID=bclinux', { ID: 'bclinux' }],
    ['key with a dash ignored', 'MY-KEY=1', {}],
    ['no equals sign ignored', 'centos\nID=centos', { ID: 'centos' }],
    ['empty key ignored', '=centos', {}],
    ['unterminated double quote ignored', 'ID="centos\nVERSION_ID=7', { VERSION_ID: '7' }],
    ['unterminated single quote ignored', "ID='centos", {}],
    ['equals inside the value', 'X="a=b"', { X: 'a=b' }],
    ['utf-8', 'NAME="Déjà Linux"', { NAME: 'Déjà Linux' }],
    ['empty text', '', {}],
  ])('%s', (_name, text, expected) => {
    expect(parseOsRelease(text)).toEqual(expected)
  })
})

describe('matchOsRelease', () => {
  it.each([
    ['CentOS 7 with centos allowed', CENTOS_7, ['bclinux', 'centos'], true, 'centos'],
    ['BCLinux 8 with bclinux allowed', BCLINUX_8, ['bclinux', 'centos'], true, 'bclinux'],
    ['Debian refused', DEBIAN_12, ['bclinux', 'centos'], false, 'debian'],
    ['Ubuntu refused', UBUNTU_2204, ['centos'], false, 'ubuntu'],
    ['ID compared lower-cased', 'ID=CentOS', ['centos'], true, 'centos'],
    ['allowed trimmed and lower-cased', 'ID=centos', [' CentOS '], true, 'centos'],
  ])('%s', (_name, text, allowed, ok, id) => {
    const result = matchOsRelease(parseOsRelease(text), allowed)
    expect(result.ok).toBe(ok)
    expect(result.id).toBe(id)
    expect(result.message === undefined).toBe(ok)
  })

  it('names the ID found and the IDs allowed', () => {
    expect(matchOsRelease(parseOsRelease(UBUNTU_2204), ['centos', 'bclinux'])).toEqual({
      ok: false,
      id: 'ubuntu',
      allowed: ['centos', 'bclinux'],
      message: '/etc/os-release: ID: expected one of centos, bclinux, found "ubuntu"',
    })
  })

  it('treats a missing or empty ID as a mismatch', () => {
    expect(matchOsRelease(parseOsRelease('NAME="x"'), ['centos']).message).toBe(
      '/etc/os-release: ID: expected one of centos, found no ID',
    )
    expect(matchOsRelease({ ID: '' }, ['centos'])).toMatchObject({ ok: false, id: undefined })
  })

  it('names the file it was given and mentions a matching ID_LIKE', () => {
    const rocky = parseOsRelease('ID="rocky"\nID_LIKE="rhel centos fedora"\n')
    expect(matchOsRelease(rocky, ['centos', 'bclinux'], '/srv/root/etc/os-release').message).toBe(
      '/srv/root/etc/os-release: ID: expected one of centos, bclinux, found "rocky" (ID_LIKE names centos, but only ID is compared)',
    )
  })

  it('refuses everything when the allowed list is empty', () => {
    expect(matchOsRelease({ ID: 'centos' }, []).message).toBe(
      '/etc/os-release: ID: expected an ID listed in os_release (the list is empty), found "centos"',
    )
  })

  it('lists the paths to try', () => {
    expect(OS_RELEASE_PATHS).toEqual(['/etc/os-release', '/usr/lib/os-release'])
  })
})

describe('arch helpers', () => {
  it.each([
    ['x64', 'x86_64'],
    ['arm64', 'aarch64'],
    ['ia32', 'i686'],
    ['arm', 'armv7hl'],
    ['ppc64', 'ppc64le'],
    ['s390x', 's390x'],
    ['riscv64', 'riscv64'],
    ['loong64', 'loongarch64'],
    ['sparc', undefined],
    ['toString', undefined],
  ])('nodeArchToRpmArch(%j) is %j', (node, rpm) => {
    expect(nodeArchToRpmArch(node)).toBe(rpm)
  })

  it.each([
    ['x86_64', 'x86_64', true],
    ['noarch', 'aarch64', true],
    ['aarch64', 'x86_64', false],
    ['x86_64', 'aarch64', false],
    ['i686', 'x86_64', true],
    ['i386', 'i686', true],
    ['i686', 'i386', false],
    ['x86_64', 'i686', false],
  ])('isArchCompatible(%j, %j) is %j', (pkg, host, expected) => {
    expect(isArchCompatible(pkg, host)).toBe(expected)
  })
})
