import { execFileSync } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from './_test-archive.js'
import { installedWheelFacts } from './wheels.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function hasPython3(): boolean {
  try {
    execFileSync('python3', ['-c', 'import importlib.metadata'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const PYTHON3 = hasPython3()
if (!PYTHON3) console.warn('skipping the real-interpreter listing: python3 (3.8+, importlib.metadata) not installed')

describe('installedWheelFacts', () => {
  it.skipIf(!PYTHON3)(
    "lists a real interpreter's distribution with its RECORD files, and a missing one without a version",
    async () => {
      const [pip, absent] = await installedWheelFacts('python3', ['pip', 'no-such-dist-rdbpkg'])
      expect(pip?.key).toBe('pip')
      expect(pip?.version).toMatch(/^\d+\./)
      expect(pip?.files.length).toBeGreaterThan(0)
      expect(pip?.files.every((file) => file.startsWith('/'))).toBe(true)
      expect(absent).toEqual({ key: 'no-such-dist-rdbpkg', name: 'no-such-dist-rdbpkg', files: [] })
    },
  )

  it('refuses a listing with a file that is not absolute (saved and restored on rollback): one line, E_PRECONDITION', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    // An interpreter wrapper that prints its own listing: a relative RECORD path would be saved and restored
    // against the installer's working folder.
    const python = join(dir, 'python')
    writeFileSync(
      python,
      `#!/bin/sh\necho '[{"key":"aio","name":"aio","version":"1.0","files":["/site/aio/__init__.py","../../etc/passwd"]}]'\n`,
    )
    chmodSync(python, 0o755)
    await expect(installedWheelFacts(python, ['aio'])).rejects.toMatchObject({
      code: 'E_PRECONDITION',
      message: `${python}: the list of installed distributions is not usable: 0.files.1: expected an absolute path, found "../../etc/passwd"`,
    })
    writeFileSync(python, '#!/bin/sh\necho "Python 2 has no importlib.metadata"\n')
    await expect(installedWheelFacts(python, ['aio'])).rejects.toMatchObject({ code: 'E_PRECONDITION' })
  })
})
