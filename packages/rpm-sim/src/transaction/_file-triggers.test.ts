import { describe, expect, it } from 'vitest'
import type { EngineFileTrigger, FileTriggerKind } from '../format/model.js'
import type { TriggerPackage } from './_file-triggers.js'
import { ownTriggers, pendingPostuns, postunSetOffBy, transactionTriggers, triggersSetOffBy } from './_file-triggers.js'

const trigger = (
  kind: FileTriggerKind,
  prefixes: string[],
  priority = 1_000_000,
  body: string = kind,
): EngineFileTrigger => ({
  kind,
  prefixes,
  priority,
  script: { interpreter: ['/bin/sh'], body },
})
const pkg = (nevra: string, paths: string[], fileTriggers?: EngineFileTrigger[]): TriggerPackage => ({
  nevra,
  files: paths.map((path) => ({ path, state: 'normal' })),
  ...(fileTriggers !== undefined ? { fileTriggers } : {}),
})
const summary = (runs: { nevra: string; trigger: EngineFileTrigger; input?: string[] }[]) =>
  runs.map((r) => `${r.nevra} ${r.trigger.script.body} ${r.input?.join(',') ?? '-'}`)

describe('file triggers', () => {
  it('runs the triggers a package sets off by priority, then database order, then index; each once', () => {
    const a = pkg('a-1', [], [trigger('filetriggerin', ['/usr/lib', '/usr/lib64'], 1_000_000, 'a0')])
    const b = pkg(
      'b-1',
      [],
      [
        trigger('filetriggerin', ['/usr'], 50, 'b-low'),
        trigger('filetriggerin', ['/usr/lib'], 1_000_000, 'b-first'),
        trigger('filetriggerin', ['/usr/lib'], 2_000_000, 'b-high'),
        trigger('filetriggerun', ['/usr'], 2_000_000, 'b-un'),
      ],
    )
    const paths = ['/usr/lib64/libx.so', '/usr/libexec/y', '/opt/z']
    // a string prefix: /usr/lib sets off /usr/lib64 and /usr/libexec too; a file under two prefixes is listed twice
    expect(summary(triggersSetOffBy([a, b], paths, 'filetriggerin', 1))).toEqual([
      'b-1 b-high /usr/lib64/libx.so,/usr/libexec/y',
      'a-1 a0 /usr/lib64/libx.so,/usr/libexec/y,/usr/lib64/libx.so',
      'b-1 b-first /usr/lib64/libx.so,/usr/libexec/y',
    ])
    // below rpm's bound of 10000: after %post
    expect(summary(triggersSetOffBy([a, b], paths, 'filetriggerin', 2))).toEqual([
      'b-1 b-low /usr/lib64/libx.so,/usr/libexec/y',
    ])
    expect(triggersSetOffBy([a, b], ['/opt/z'], 'filetriggerin', 1)).toEqual([])
  })

  it("reads every installed file for a package's own triggers, but its own files on install", () => {
    const own = pkg('w-1', ['/opt/d/w'], [trigger('filetriggerin', ['/opt/d']), trigger('filetriggerun', ['/opt/d'])])
    const data = pkg('d-1', ['/opt/d/a', '/opt/d/b'])
    data.files = [...data.files, { path: '/opt/d/old', state: 'replaced' }]
    expect(summary(ownTriggers(own, [data, own], 'filetriggerin', 0))).toEqual(['w-1 filetriggerin /opt/d/a,/opt/d/b'])
    expect(summary(ownTriggers(own, [data, own], 'filetriggerun', 0))).toEqual([
      'w-1 filetriggerun /opt/d/a,/opt/d/b,/opt/d/w',
    ])
    expect(ownTriggers(own, [own], 'filetriggerin', 0)).toEqual([])
  })

  it('runs transaction triggers of packages outside the transaction on the files it changed', () => {
    const watcher = pkg('w-1', [], [trigger('transfiletriggerin', ['/opt'])])
    const inside = pkg('i-1', ['/opt/i'], [trigger('transfiletriggerin', ['/opt'])])
    expect(summary(transactionTriggers([watcher, inside], [inside], 'transfiletriggerin'))).toEqual([
      'w-1 transfiletriggerin /opt/i',
    ])
  })

  it('keeps the %transfiletriggerpostun an erasure sets off for the end, once, of packages still installed', () => {
    const watcher = pkg(
      'w-1',
      [],
      [trigger('transfiletriggerpostun', ['/opt'], 5, 'low'), trigger('transfiletriggerpostun', ['/opt'], 9, 'high')],
    )
    const gone = pkg('g-1', ['/opt/g'], [trigger('transfiletriggerpostun', ['/opt'])])
    const pending = [...postunSetOffBy([watcher, gone], gone), ...postunSetOffBy([watcher], pkg('h-1', ['/opt/h']))]
    expect(pending).toHaveLength(5)
    // g-1 is erased by then: its own does not run; without input
    expect(summary(pendingPostuns([watcher], pending))).toEqual(['w-1 high -', 'w-1 low -'])
  })
})
