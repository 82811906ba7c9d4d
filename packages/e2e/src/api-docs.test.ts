// The API reference (docs/api/, linked from the README) is generated from the JSDoc comments by TypeDoc
// (`pnpm run docs`, typedoc.json). Here it is generated again into a temporary folder: it must build without a
// single warning (typedoc.json treats warnings as errors: a broken {@link}, a public signature naming a type the
// package does not export), and the committed docs/api must have the same pages, so an export added or removed
// without `pnpm run docs` fails. Changed comment text alone does not fail: regenerate when convenient.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { workspace } from './_test-e2e.js'

const REPO = fileURLToPath(new URL('../../..', import.meta.url))
const TYPEDOC = join(
  createRequire(import.meta.url).resolve('typedoc/package.json', { paths: [REPO] }),
  '..',
  'bin',
  'typedoc',
)
const COMMITTED = join(REPO, 'docs', 'api')

function pages(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort()
}

let ws: ReturnType<typeof workspace> | undefined
afterAll(() => ws?.cleanup())

describe('API reference', () => {
  it('builds from the JSDoc without warnings, with the pages committed in docs/api', () => {
    ws = workspace()
    const out = join(ws.dir, 'api')
    const run = spawnSync(process.execPath, [TYPEDOC, '--out', out], { cwd: REPO, encoding: 'utf8', timeout: 600_000 })
    const output = `${run.stdout}${run.stderr}`
    expect(output).not.toMatch(/warning|error/i)
    expect(run.status).toBe(0)
    expect(pages(out)).toContain('modules/_rdbpkg_installer.html')
    expect(existsSync(COMMITTED), 'docs/api is committed (pnpm run docs)').toBe(true)
    const [generated, committed] = [pages(out), pages(COMMITTED)]
    const missing = generated.filter((page) => !committed.includes(page))
    const stale = committed.filter((page) => !generated.includes(page))
    expect({ missing, stale }, 'docs/api is out of date: run pnpm run docs').toEqual({ missing: [], stale: [] })
  }, 900_000)
})
