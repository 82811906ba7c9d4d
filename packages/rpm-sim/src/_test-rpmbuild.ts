// Test helpers: temp folders, tool detection, packages built by Debian's rpmbuild as an oracle.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** True when `cmd` runs. */
export function hasTool(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0
}

/** rpm and rpmbuild, if installed. */
export const hasRpm = hasTool('rpm')
export const hasRpmbuild = hasTool('rpmbuild')

const warned = new Set<string>()
/** Prints a skip reason once per test process. */
export function warnSkip(reason: string): void {
  if (warned.has(reason)) return
  warned.add(reason)
  console.warn(`skipping: ${reason}`)
}

/** A temp folder that the returned function removes. */
export function tempDir(prefix = 'rpm-sim-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs real rpm with a private database path and the C locale; returns stdout (throws on non-zero exit). */
export function rpm(args: string[]): string {
  return execFileSync('rpm', ['--dbpath', '/var/lib/rpm', ...args], {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** The fixture spec: %config files, noreplace, ghost, doc, symlink, dir, hard links, scriptlets, a trigger. */
export const FIXTURE_SPEC = `Name: fixture
Version: 5.7.1.0
Release: 1_1.el7
Epoch: 3
Summary: rpmbuild fixture
License: MIT
URL: http://example.com/fixture
Provides: fixture-virt = 2
Requires: /bin/sh
Obsoletes: fixture-old < 1.0
Conflicts: fixture-bad
%description
Fixture built by rpmbuild
over two lines.
%install
mkdir -p %{buildroot}/etc/fx %{buildroot}/usr/bin %{buildroot}/usr/share/doc/fx %{buildroot}/opt/fx/a/b/c
echo conf > %{buildroot}/etc/fx/a.conf
echo keep > %{buildroot}/etc/fx/b.conf
printf '#!/bin/sh\\necho fx\\n' > %{buildroot}/usr/bin/fx
ln -s fx %{buildroot}/usr/bin/fx-link
echo doc > %{buildroot}/usr/share/doc/fx/README
: > %{buildroot}/opt/fx/empty
head -c 300000 /dev/zero | tr '\\0' x > %{buildroot}/opt/fx/a/b/c/big
echo hl > %{buildroot}/opt/fx/h1; ln %{buildroot}/opt/fx/h1 %{buildroot}/opt/fx/h2
%pre
echo pre $1
%post -p /bin/sh
echo post
%preun
echo preun
%postun
echo postun
%triggerin -- bash >= 4
echo trig
%files
%dir /etc/fx
%config /etc/fx/a.conf
%config(noreplace) /etc/fx/b.conf
%ghost /etc/fx/run.log
%attr(0750,root,root) /usr/bin/fx
/usr/bin/fx-link
%doc /usr/share/doc/fx/README
/opt/fx
`

/** Builds the fixture (or `spec`) with rpmbuild and the given binary payload, e.g. `w9.gzdio`; returns the .rpm path. */
export function buildWithRpmbuild(
  dir: string,
  payload: string,
  spec = FIXTURE_SPEC,
  arch = 'noarch',
  kind: 'binary' | 'source' = 'binary',
): string {
  const top = join(dir, `top-${payload}`)
  mkdirSync(join(top, 'SPECS'), { recursive: true })
  const specFile = join(top, 'SPECS', 'fixture.spec')
  // noarch is a BuildArch; a machine arch (i686 on x86_64 too) is a --target, as rpmbuild allows no other way.
  writeFileSync(specFile, arch === 'noarch' ? spec.replace('%description', 'BuildArch: noarch\n%description') : spec)
  execFileSync(
    'rpmbuild',
    [
      ...(arch === 'noarch' ? [] : ['--target', arch]),
      '--define',
      `_topdir ${top}`,
      '--define',
      `_binary_payload ${payload}`,
      '--define',
      '_build_id_links none',
      '--define',
      '__os_install_post %{nil}',
      kind === 'source' ? '-bs' : '-bb',
      specFile,
    ],
    { stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } },
  )
  const rpms = kind === 'source' ? join(top, 'SRPMS') : join(top, 'RPMS', arch)
  const name = readdirSync(rpms).find((f) => f.endsWith('.rpm'))
  if (!name) throw new Error(`rpmbuild wrote no package under ${rpms}`)
  return join(rpms, name)
}
