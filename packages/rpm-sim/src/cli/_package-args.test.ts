import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { file, pkg, tempWorld } from '../_test-rpm.js'
import { readPackageArgs } from './_package-args.js'

let done: (() => void)[] = []
afterEach(() => {
  for (const d of done) d()
  done = []
})

describe('readPackageArgs (rpm -i/-U package file arguments and manifests)', () => {
  it('reads a manifest in place of its name, skips comments, and stops at a manifest after a failure', async () => {
    const w = tempWorld()
    done.push(w.done)
    const a = await pkg(w.dir, { name: 'a', version: '1', files: [file('/opt/a', 'a')] })
    const b = await pkg(w.dir, { name: 'b', version: '1', files: [file('/opt/b', 'b')] })
    writeFileSync(join(w.dir, 'list.mft'), `# packages\n\n   ${a}\r\n${b} \n`)
    const ok = await readPackageArgs(['list.mft'], { cwd: w.dir, nomanifest: false })
    expect(ok).toEqual({
      packages: [
        { given: a, path: a },
        { given: b, path: b },
      ],
      errors: [],
      failed: 0,
    })
    const stop = await readPackageArgs(['missing.rpm', 'list.mft'], { cwd: w.dir, nomanifest: false })
    expect(stop).toEqual({
      packages: [],
      errors: ['error: open of missing.rpm failed: No such file or directory'],
      failed: 1,
    })
    const refused = await readPackageArgs(['list.mft'], { cwd: w.dir, nomanifest: true })
    expect(refused.errors).toEqual(['error: list.mft cannot be installed'])
  })

  it('a binary or empty file is neither a package nor a manifest', async () => {
    const w = tempWorld()
    done.push(w.done)
    writeFileSync(join(w.dir, 'bin'), Buffer.from([1, 2, 3, 10]))
    writeFileSync(join(w.dir, 'empty'), '# only a comment\n')
    const r = await readPackageArgs(['bin', 'empty'], { cwd: w.dir, nomanifest: false })
    expect(r.errors).toEqual([
      'error: bin: not an rpm package (or package manifest): ',
      'error: empty: not an rpm package (or package manifest): ',
    ])
    expect(r.failed).toBe(2)
  })
})
