// install_update_code end to end with a real venv and pip: the wheels replace an installed distribution, the
// tools become rdb-code-tools, and --rollback restores the old distribution's files byte for byte.
import { listInstalled } from '@rdbpkg/rpm-sim'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ARCH,
  buildAndExtract,
  contents,
  makeRoot,
  runInstall,
  snapshotWithoutLog,
  wheel,
  workspace,
} from './_test-e2e.js'

const hasVenv = (() => {
  try {
    execFileSync('python3', ['-c', 'import ensurepip, venv'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
if (!hasVenv) console.warn('skipping update_code: python3-venv not installed')

let ws: ReturnType<typeof workspace>
let python: string
let sitePackages: string
beforeAll(() => {
  ws = workspace()
  if (!hasVenv) return
  const venv = join(ws.dir, 'venv')
  execFileSync('python3', ['-m', 'venv', venv])
  python = join(venv, 'bin/python')
  sitePackages = execFileSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], {
    encoding: 'utf8',
  }).trim()
}, 120_000)
afterAll(() => ws.cleanup())

describe('install_update_code', () => {
  it.skipIf(!hasVenv)('upgrades a distribution with pip, installs the tools, and rolls both back', async () => {
    const old = wheel(join(ws.dir, 'wheels-old'), 'aio_demo', '1.0', {
      'aio_demo/__init__.py': "VERSION = '1.0'\n",
      'aio_demo/old.py': 'OLD = 1\n',
    })
    execFileSync(python, ['-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', '-q', old])
    const dist = () => ({
      pkg: contents(join(sitePackages, 'aio_demo')),
      info: existsSync(join(sitePackages, 'aio_demo-1.0.dist-info'))
        ? contents(join(sitePackages, 'aio_demo-1.0.dist-info'))
        : {},
    })
    const before = dist()
    expect(Object.keys(before.pkg)).toContain('old.py')

    const newWheel = wheel(join(ws.dir, 'wheels-new'), 'aio_demo', '2.0', {
      'aio_demo/__init__.py': "VERSION = '2.0'\n",
      'aio_demo/new.py': 'NEW = 1\n',
    })
    const manifest = {
      package_name: `update_code_5.7.2.0_centos.${ARCH}`,
      package_type: 'install_update_code',
      os_release: 'centos',
      python,
    }
    const archive = await buildAndExtract(ws.dir, manifest, {
      'aio_demo-2.0-py3-none-any.whl': { content: readFileSync(newWheel, 'latin1'), mode: 0o644, encoding: 'latin1' },
      'tools/code-tool.sh': { content: '#!/bin/sh\necho tool\n', mode: 0o755 },
      'tools/tool.conf': 'x=1\n',
    })
    const root = makeRoot(ws.dir, 'centos', 'root-code')

    const installed = await runInstall(archive, ['--root', root])
    expect(installed.stderr).toBe('')
    expect(installed.code).toBe(0)
    expect(installed.stdout).toContain('wheel aio_demo: 1.0 -> 2.0')
    expect(execFileSync(python, ['-c', 'import aio_demo; print(aio_demo.VERSION)'], { encoding: 'utf8' }).trim()).toBe(
      '2.0',
    )
    expect(existsSync(join(sitePackages, 'aio_demo/old.py'))).toBe(false)
    expect(readFileSync(join(root, 'opt/rdb/code-tools/tools/code-tool.sh'), 'utf8')).toContain('echo tool')
    expect((await listInstalled(root)).map((p) => p.name)).toEqual(['rdb-code-tools'])

    const same = await runInstall(archive, ['--root', root])
    expect(same.code).toBe(0)
    expect(same.stdout).toContain('already installed')

    const rolled = await runInstall(archive, ['--rollback', '--root', root])
    expect(rolled.stderr).toBe('')
    expect(rolled.code).toBe(0)
    const after = dist()
    expect(after).toEqual(before)
    expect(existsSync(join(sitePackages, 'aio_demo-2.0.dist-info'))).toBe(false)
    expect(existsSync(join(root, 'opt/rdb/code-tools/tools/code-tool.sh'))).toBe(false)
    expect(await listInstalled(root)).toEqual([])
  })

  it.skipIf(!hasVenv)('a wheel pip cannot install: exit 1, the installed distribution is untouched', async () => {
    const old = wheel(join(ws.dir, 'wheels-keep'), 'aio_keep', '1.0', { 'aio_keep/__init__.py': "VERSION = '1.0'\n" })
    execFileSync(python, ['-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', '-q', old])
    const before = contents(join(sitePackages, 'aio_keep'))
    const archive = await buildAndExtract(
      ws.dir,
      {
        package_name: `update_code_5.7.4.0_centos.${ARCH}`,
        package_type: 'install_update_code',
        os_release: 'centos',
        python,
      },
      {
        'aio_keep-2.0-py3-none-any.whl': 'this is not a zip file\n',
        'tools/t.sh': 'echo\n',
      },
    )
    const root = makeRoot(ws.dir, 'centos', 'root-code-broken')
    const out = await runInstall(archive, ['--root', root])
    expect(out.code).toBe(1)
    expect(out.stderr).toContain('pip install failed')
    expect(contents(join(sitePackages, 'aio_keep'))).toEqual(before)
    expect(
      execFileSync(python, ['-c', 'import importlib.metadata as m; print(m.version("aio_keep"))'], {
        encoding: 'utf8',
      }).trim(),
    ).toBe('1.0')
    expect(await listInstalled(root)).toEqual([])
  })

  it.skipIf(!hasVenv)('refuses with exit 7 when none of its distributions is installed', async () => {
    const lone = wheel(join(ws.dir, 'wheels-lone'), 'not_installed_dist', '1.0', {
      'not_installed_dist/__init__.py': '',
    })
    const archive = await buildAndExtract(
      ws.dir,
      {
        package_name: `update_code_5.7.3.0_centos.${ARCH}`,
        package_type: 'install_update_code',
        os_release: 'centos',
        python,
      },
      {
        'not_installed_dist-1.0-py3-none-any.whl': {
          content: readFileSync(lone, 'latin1'),
          mode: 0o644,
          encoding: 'latin1',
        },
        'tools/t.sh': 'echo\n',
      },
    )
    const root = makeRoot(ws.dir, 'centos', 'root-code-none')
    const before = snapshotWithoutLog(root)
    const out = await runInstall(archive, ['--root', root])
    expect(out.code).toBe(7)
    expect(out.stderr).toContain('not_installed_dist')
    expect(snapshotWithoutLog(root)).toEqual(before)
  })
})
