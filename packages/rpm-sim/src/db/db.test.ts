import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PackageDb, dbDir } from './db.js'
import { runTransaction } from '../transaction/transaction.js'
import { file, pkg, tempWorld } from '../_test-rpm.js'

let cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups) c()
  cleanups = []
})

describe('PackageDb', () => {
  it('keeps one readable JSON file per installed package, with per-file state', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    const p = await pkg(w.dir, { name: 'dbt', version: '1', files: [file('/x', 'x', { flags: { config: true } })] })
    await runTransaction({ root: w.root, op: 'install', packages: [p] })
    const text = readFileSync(join(dbDir(w.root), 'packages/dbt-1-1.noarch.json'), 'utf8')
    const rec = JSON.parse(text)
    expect(rec).toMatchObject({
      nevra: 'dbt-1-1.noarch',
      name: 'dbt',
      files: [{ path: '/x', state: 'normal', flags: { config: true }, kind: 'file' }],
    })
    expect(rec.files[0].digest).toMatch(/^[0-9a-f]{64}$/)
    expect((await new PackageDb(w.root).list()).map((x) => x.nevra)).toEqual(['dbt-1-1.noarch'])
  })

  it('refuses a record that does not validate, naming the file and the field', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    const dir = join(dbDir(w.root), 'packages')
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'bad-1-1.noarch.json'),
      JSON.stringify({
        nevra: 'bad-1-1.noarch',
        name: 'bad',
        version: '1',
        release: '1',
        arch: 'noarch',
        digestAlgo: 'sha256',
        installTime: 1,
        installTid: 1,
        files: [{ path: 'relative' }],
        scripts: {},
        triggers: [],
      }),
    )
    await expect(new PackageDb(w.root).list()).rejects.toMatchObject({
      code: 'E_DB_INVALID',
      message: expect.stringContaining('bad-1-1.noarch.json: files.0.path'),
    })
    writeFileSync(join(dir, 'bad-1-1.noarch.json'), '{ not json')
    await expect(new PackageDb(w.root).list()).rejects.toMatchObject({ code: 'E_DB_INVALID' })
  })

  it('reads records with text beyond ASCII as written (UTF-8), and names a bad field of a later file', async () => {
    const w = tempWorld()
    cleanups.push(w.done)
    const p = await pkg(w.dir, {
      name: 'utf',
      version: '1',
      summary: 'Überprüfung 安装包',
      files: [file('/opt/utf/数据.txt', 'x'), file('/opt/utf/b', 'y')],
    })
    await runTransaction({ root: w.root, op: 'install', packages: [p] })
    const [rec] = await new PackageDb(w.root).list()
    expect(rec?.summary).toBe('Überprüfung 安装包')
    expect(rec?.files.map((f) => f.path)).toContain('/opt/utf/数据.txt')
    const path = join(dbDir(w.root), 'packages/utf-1-1.noarch.json')
    const bad = JSON.parse(readFileSync(path, 'utf8'))
    bad.files[1].mode = 'rw'
    writeFileSync(path, JSON.stringify(bad))
    await expect(new PackageDb(w.root).list()).rejects.toMatchObject({
      code: 'E_DB_INVALID',
      message: expect.stringContaining('utf-1-1.noarch.json: files.1.mode'),
    })
  })
})
