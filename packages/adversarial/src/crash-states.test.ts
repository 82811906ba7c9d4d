import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CrashModel } from './crash-states.js'
import type { FsOp, TracedOp } from './strace-log.js'

const base = mkdtempSync(join(tmpdir(), 'adv-crash-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))
const T = '/traced'

function startTree(name: string): string {
  const start = join(base, name)
  mkdirSync(join(start, 'etc'), { recursive: true })
  writeFileSync(join(start, 'etc', 'app.conf'), 'old\n')
  return start
}
const log = (ops: FsOp[]): TracedOp[] => ops.map((op, i) => ({ ...op, line: i + 1, pid: 1, call: op.op }) as TracedOp)

// Replace etc/app.conf the atomic way: temp, write, (fsync), rename, (fsync of the folder).
function replaceOps(fsyncFile: boolean, fsyncDir: boolean): TracedOp[] {
  return log([
    { op: 'create', path: `${T}/etc/app.conf.tmp`, mode: 0o644, trunc: true, append: false, fd: 3 },
    { op: 'write', path: `${T}/etc/app.conf.tmp`, fd: 3, data: Buffer.from('new\n') },
    ...(fsyncFile ? [{ op: 'fsync' as const, path: `${T}/etc/app.conf.tmp`, data: false }] : []),
    { op: 'close', fd: 3 },
    { op: 'rename', from: `${T}/etc/app.conf.tmp`, to: `${T}/etc/app.conf` },
    ...(fsyncDir ? [{ op: 'fsync' as const, path: `${T}/etc`, data: false }] : []),
  ])
}

/** Every distinct content a power cut can leave at etc/app.conf (or `missing`), per variant. */
function outcomes(model: CrashModel, name: string): Set<string> {
  const seen = new Set<string>()
  for (const [i, state] of model.states().distinct.entries()) {
    const dest = join(base, `${name}-${i}`)
    model.layOut(state, dest)
    const f = join(dest, 'etc', 'app.conf')
    seen.add(existsSync(f) ? JSON.stringify(readFileSync(f, 'utf8')) : 'missing')
    rmSync(dest, { recursive: true })
  }
  return seen
}

describe('CrashModel', () => {
  it('a rename without fsync of the data can leave the new name with no data (the ext4 zero-length file)', () => {
    const model = new CrashModel(startTree('nosync'), T, replaceOps(false, false))
    expect(outcomes(model, 'nosync')).toEqual(new Set(['"old\\n"', '"new\\n"', '""']))
  })

  it('with the data fsynced first a cut leaves the old or the new content, never an empty file', () => {
    const model = new CrashModel(startTree('sync'), T, replaceOps(true, true))
    expect(outcomes(model, 'sync')).toEqual(new Set(['"old\\n"', '"new\\n"']))
  })

  it('a rename whose folder is never fsynced may be lost after the run ends; once the folder is fsynced it stays', () => {
    const contentAtEnd = (name: string, fsyncDir: boolean): string => {
      const model = new CrashModel(startTree(name), T, replaceOps(true, fsyncDir))
      const dest = join(base, `${name}-end`)
      model.layOut({ point: model.ops.length, variant: 'entries-lost', fingerprint: '' }, dest)
      return readFileSync(join(dest, 'etc', 'app.conf'), 'utf8')
    }
    expect(contentAtEnd('nodir', false)).toBe('old\n')
    expect(contentAtEnd('dir', true)).toBe('new\n')
    const model = new CrashModel(startTree('figures'), T, replaceOps(true, false))
    expect(model.figures).toEqual({ ops: 5, entryOps: 2, neverDurable: 2, syncs: 1 })
  })

  it('builds each distinct tree once and explains a state by its operations', () => {
    const model = new CrashModel(startTree('explain'), T, replaceOps(false, false))
    const { built, distinct } = model.states()
    expect(built).toBeGreaterThan(distinct.length)
    const empty = distinct.find(
      (s) => s.variant === 'data-lost' && s.point === model.ops.length,
    ) as (typeof distinct)[number]
    expect(model.explain(empty, (op) => `${op.op}`)).toMatch(
      /^cut after op 3 rename; unsynced file data lost: etc\/app.conf$/,
    )
  })
})
