import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from './_test-archive.js'
import { INSTALLER_VERSION } from './installer-version.js'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const packageVersion = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string })
  .version
const bundle = join(packageDir, 'dist', 'install.mjs')

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('INSTALLER_VERSION', () => {
  it('is the version in package.json', () => {
    expect(INSTALLER_VERSION).toBe(packageVersion)
  })

  it.skipIf(!existsSync(bundle))(
    'is built into the bundle: installer.mjs alone in a folder reports it in --json results',
    () => {
      const { dir, cleanup } = tempDir()
      cleanups.push(cleanup)
      copyFileSync(bundle, join(dir, 'installer.mjs'))
      const run = spawnSync(process.execPath, ['installer.mjs', '--check', '--json', '--root', join(dir, 'root')], {
        cwd: dir,
        encoding: 'utf8',
      })
      // Not an archive folder: refused with exit 5, yet the result names the installer that refused.
      expect(run.status).toBe(5)
      const result = JSON.parse(run.stdout) as { installer: string; code: string }
      expect(result).toMatchObject({ installer: packageVersion, code: 'E_ARCHIVE_DIGEST' })
    },
  )
})
