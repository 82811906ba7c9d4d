import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { plannedDirs } from './_dirs.js'

let dir = ''
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('plannedDirs', () => {
  it('gives each element the missing folders its temps need, parents first, each folder to the first element only', () => {
    dir = mkdtempSync(join(tmpdir(), 'rpmsim-dirs-'))
    mkdirSync(join(dir, 'opt'))
    const dirs = plannedDirs([
      [join(dir, 'opt/a/b/f;1'), join(dir, 'opt/x;1')],
      [join(dir, 'opt/a/b/g;1'), join(dir, 'opt/a/c/h;1')],
    ])
    expect(dirs).toEqual([[join(dir, 'opt/a'), join(dir, 'opt/a/b')], [join(dir, 'opt/a/c')]])
  })
})
