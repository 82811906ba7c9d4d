import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hostHasRpm, openEngine } from './_open.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('openEngine', () => {
  it('auto: rpm-sim for any root but /, and for file payloads even at /; an explicit choice is kept', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rdbpkg-engine-'))
    dirs.push(root)
    expect((await openEngine(root, 'auto', 'rpm')).name).toBe('rpm-sim')
    expect((await openEngine('/', 'auto', 'files')).name).toBe('rpm-sim')
    expect((await openEngine('/', 'auto', 'wheels')).name).toBe('rpm-sim')
    expect((await openEngine(root, 'rpm', 'files')).name).toBe('rpm')
    expect((await openEngine('/', 'rpm-sim', 'rpm')).name).toBe('rpm-sim')
    // At / with an rpm payload, auto follows the host: real rpm when it has one.
    expect((await openEngine('/', 'auto', 'rpm')).name).toBe((await hostHasRpm()) ? 'rpm' : 'rpm-sim')
  })
})
