// The repo's import structure, read from the source with TypeScript's own import scanner: no import cycle
// anywhere (type-only imports included), packages depend one way (builder, installer -> rpm-sim -> core), rpm-sim's
// layers depend one way (base <- format <- db <- transaction <- query <- cli), and no index.ts exports an internal
// (`_`-prefixed) module.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const PACKAGES = readdirSync(join(REPO, 'packages'))

/** What each library package may import of the others (test-only packages may import any). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  'rpm-sim': ['core'],
  installer: ['rpm-sim', 'core'],
  builder: ['rpm-sim', 'core'],
}

/**
 * Cycles that exist today and are being taken apart (issue 16): the check fails on any other cycle, and on one of
 * these once it is gone, so that this list only shrinks. It is empty when the issue is done.
 */
const KNOWN_CYCLES: string[][] = []

/** rpm-sim's layers, lowest first: a module may import its own layer and those below it. */
const RPM_SIM_LAYERS = ['base', 'format', 'db', 'transaction', 'query', 'cli'] as const

interface Edge {
  from: string
  to: string
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
}

/** Every import of every package's src (static, type-only, re-export and dynamic), as repo-relative paths. */
function scan(): { files: string[]; local: Edge[]; packages: Edge[] } {
  const files: string[] = []
  const local: Edge[] = []
  const packages: Edge[] = []
  for (const pkg of PACKAGES) {
    for (const file of sourceFiles(join(REPO, 'packages', pkg, 'src'))) {
      const from = relative(REPO, file)
      files.push(from)
      const imports = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles
      for (const { fileName } of imports) {
        if (fileName.startsWith('.')) {
          local.push({ from, to: relative(REPO, resolve(dirname(file), fileName.replace(/\.js$/, '.ts'))) })
        } else if (fileName.startsWith('@rdbpkg/')) {
          packages.push({ from, to: fileName.split('/')[1]! })
        }
      }
    }
  }
  return { files, local, packages }
}

/** The cycles of the graph: its strongly connected components of more than one module (Tarjan). */
function cycles(nodes: readonly string[], edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>(nodes.map((n) => [n, []]))
  for (const e of edges) next.get(e.from)?.push(e.to)
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  let counter = 0
  const visit = (n: string): void => {
    index.set(n, counter)
    low.set(n, counter)
    counter++
    stack.push(n)
    onStack.add(n)
    for (const m of next.get(n) ?? []) {
      if (!index.has(m)) {
        visit(m)
        low.set(n, Math.min(low.get(n)!, low.get(m)!))
      } else if (onStack.has(m)) low.set(n, Math.min(low.get(n)!, index.get(m)!))
    }
    if (low.get(n) === index.get(n)) {
      const component: string[] = []
      let m: string
      do {
        m = stack.pop()!
        onStack.delete(m)
        component.push(m)
      } while (m !== n)
      if (component.length > 1 || (next.get(n) ?? []).includes(n)) found.push(component.sort())
    }
  }
  for (const n of nodes) if (!index.has(n)) visit(n)
  return found
}

const isTest = (file: string): boolean => /\.test\.ts$|\/_test-[^/]*\.ts$|\/_test\//.test(file)
const packageOf = (file: string): string => file.split('/')[1]!

function rpmSimLayer(file: string): number | undefined {
  const parts = file.split('/')
  if (parts[1] !== 'rpm-sim' || parts.length < 5) return undefined
  const layer = RPM_SIM_LAYERS.indexOf(parts[3] as (typeof RPM_SIM_LAYERS)[number])
  return layer === -1 ? undefined : layer
}

const graph = scan()

describe('import structure', () => {
  it('reads the imports of every package', () => {
    // The scan itself must see the repo: every package, local imports, and the known edge installer -> rpm-sim.
    expect(new Set(graph.files.map(packageOf))).toEqual(new Set(PACKAGES))
    expect(graph.local.length).toBeGreaterThan(graph.files.length)
    expect(graph.packages.filter((e) => packageOf(e.from) === 'installer').map((e) => e.to)).toContain('rpm-sim')
  })

  it('has no import cycle anywhere (type-only imports included)', () => {
    const missing = graph.local.filter((e) => !graph.files.includes(e.to))
    expect(missing, 'imports of files that do not exist').toEqual([])
    expect(cycles(graph.files, graph.local).sort()).toEqual(KNOWN_CYCLES)
  })

  it('keeps packages pointing one way: builder, installer -> rpm-sim -> core', () => {
    const against = graph.packages.filter((e) => {
      const allowed = ALLOWED[packageOf(e.from)]
      return allowed !== undefined && !isTest(e.from) && !allowed.includes(e.to)
    })
    expect(against).toEqual([])
  })

  it("keeps rpm-sim's layers pointing one way: base <- format <- db <- transaction <- query <- cli", () => {
    const layered = graph.files.filter((f) => packageOf(f) === 'rpm-sim' && !isTest(f))
    const unplaced = layered.filter(
      (f) => rpmSimLayer(f) === undefined && !['index.ts', 'cli.ts'].includes(f.split('/').slice(3).join('/')),
    )
    expect(unplaced, 'rpm-sim modules outside a layer folder').toEqual([])
    const against = graph.local
      .filter((e) => !isTest(e.from))
      .filter((e) => {
        const from = rpmSimLayer(e.from)
        const to = rpmSimLayer(e.to)
        return from !== undefined && to !== undefined && to > from
      })
      .map((e) => `${e.from} -> ${e.to}`)
    expect(against).toEqual([])
  })

  it('exports no internal (_-prefixed) module from any index.ts', () => {
    const internal = graph.local.filter(
      (e) => e.from.endsWith('/src/index.ts') && /\/_[^/]*\.ts$/.test(e.to) && !isTest(e.to),
    )
    expect(internal).toEqual([])
  })

  it('names every internal module of a library package with a leading _ (and no public one)', () => {
    const exported = new Set(graph.local.filter((e) => e.from.endsWith('/src/index.ts')).map((e) => e.to))
    const unmarked = graph.files.filter((f) => {
      const name = f.split('/').pop()!
      return (
        ALLOWED[packageOf(f)] !== undefined &&
        !isTest(f) &&
        !['index.ts', 'cli.ts', 'bin.ts'].includes(name) &&
        !name.startsWith('_') &&
        !exported.has(f)
      )
    })
    expect(unmarked, 'modules no index.ts exports from, without a leading _').toEqual([])
  })

  it('finds a cycle and an import against a layer when there is one', () => {
    // The checks above are only worth something if they can fail.
    const a = 'packages/rpm-sim/src/db/a.ts'
    const b = 'packages/rpm-sim/src/query/b.ts'
    expect(
      cycles(
        [a, b],
        [
          { from: a, to: b },
          { from: b, to: a },
        ],
      ),
    ).toEqual([[a, b]])
    expect(rpmSimLayer(b)! > rpmSimLayer(a)!).toBe(true)
  })
})
