import { describe, expect, it } from 'vitest'
import { FILE_FATES, decideFileFate, fateWarning } from './file-fate.js'
import type { DiskFileState, FateDecision, FileFate, FileFlags, PackageFileState } from './file-fate.js'

const A = 'aaaa'
const B = 'bbbb'
const OTHER = 'cccc'

const file = (digest: string, flags?: FileFlags): PackageFileState => ({ kind: 'file', digest, flags })
const link = (linkTarget: string, flags?: FileFlags): PackageFileState => ({ kind: 'symlink', linkTarget, flags })
const dir = (flags?: FileFlags): PackageFileState => ({ kind: 'dir', flags })
const onDisk = (digest: string): DiskFileState => ({ kind: 'file', digest })
const linkOnDisk = (linkTarget: string): DiskFileState => ({ kind: 'symlink', linkTarget })
const dirOnDisk: DiskFileState = { kind: 'dir' }

const CONFIG: FileFlags = { config: true }
const NOREPLACE: FileFlags = { config: true, noreplace: true }
const PLAIN: FileFlags = {}
const FLAGS = { '%config': CONFIG, '%config(noreplace)': NOREPLACE, 'not config': PLAIN } as const
type Column = keyof typeof FLAGS

const SUFFIX_OF: Partial<Record<FileFate, string>> = { save: '.rpmsave', backup: '.rpmorig', altname: '.rpmnew' }

// Every decision carries a reason and a suffix exactly when something is renamed.
function expectWellFormed(d: FateDecision): void {
  expect(d.reason.length).toBeGreaterThan(0)
  expect(d.suffix).toBe(SUFFIX_OF[d.fate])
}

describe('decideFileFate: upgrade, SPEC section 7 table', () => {
  // [row, A (old digest), B (new digest), C (disk digest, null = absent), fate per column]
  const rows: Array<[string, string, string, string | null, Record<Column, FileFate>]> = [
    ['absent, A==B', A, A, null, { '%config': 'create', '%config(noreplace)': 'create', 'not config': 'create' }],
    ['absent, A!=B', A, B, null, { '%config': 'create', '%config(noreplace)': 'create', 'not config': 'create' }],
    ['C==B, A==B', A, A, A, { '%config': 'touch', '%config(noreplace)': 'touch', 'not config': 'create' }],
    ['C==B, A!=B', A, B, B, { '%config': 'touch', '%config(noreplace)': 'touch', 'not config': 'create' }],
    ['C==A, A!=B', A, B, A, { '%config': 'create', '%config(noreplace)': 'create', 'not config': 'create' }],
    ['other, A==B', A, A, OTHER, { '%config': 'skip', '%config(noreplace)': 'skip', 'not config': 'create' }],
    ['other, A!=B', A, B, OTHER, { '%config': 'save', '%config(noreplace)': 'altname', 'not config': 'create' }],
  ]
  const cases = rows.flatMap(([row, a, b, c, fates]) =>
    (Object.keys(FLAGS) as Column[]).map((col) => ({ row, col, a, b, c, fate: fates[col] })),
  )

  it.each(cases)('$row, $col -> $fate', ({ col, a, b, c, fate }) => {
    const d = decideFileFate({
      op: 'upgrade',
      old: file(a, FLAGS[col]),
      new: file(b, FLAGS[col]),
      disk: c === null ? null : onDisk(c),
    })
    expect(d.fate).toBe(fate)
    expectWellFormed(d)
  })

  it('reason of the noreplace altname row says the new file goes to .rpmnew', () => {
    const d = decideFileFate({ op: 'upgrade', old: file(A, NOREPLACE), new: file(B, NOREPLACE), disk: onDisk(OTHER) })
    expect(d.reason).toContain('.rpmnew')
  })
})

describe('decideFileFate: upgrade corners of real rpm', () => {
  it.each([
    // missingok is honoured on upgrade for %config (both kinds) only; plain files are always recreated.
    ['%config(missingok), absent', file(A, CONFIG), file(B, { ...CONFIG, missingok: true }), null, 'skip'],
    [
      '%config(noreplace,missingok), absent',
      file(A, NOREPLACE),
      file(B, { ...NOREPLACE, missingok: true }),
      null,
      'skip',
    ],
    ['missingok not config, absent', file(A), file(B, { missingok: true }), null, 'create'],
    [
      '%config(missingok) present and modified',
      file(A, CONFIG),
      file(B, { ...CONFIG, missingok: true }),
      onDisk(OTHER),
      'save',
    ],
    // rpm decides on old|new %config: a file that stops being %config keeps the operator's edits as .rpmsave.
    ['was %config, now plain, modified', file(A, CONFIG), file(B), onDisk(OTHER), 'save'],
    ['was %config, now plain, modified, A==B', file(A, CONFIG), file(A), onDisk(OTHER), 'save'],
    ['was %config, now plain, unmodified', file(A, CONFIG), file(B), onDisk(A), 'create'],
    ['was plain, now %config, modified', file(A), file(B, CONFIG), onDisk(OTHER), 'save'],
    ['was plain, now %config(noreplace), modified', file(A), file(B, NOREPLACE), onDisk(OTHER), 'altname'],
    ['was plain, now %config, unmodified', file(A), file(B, CONFIG), onDisk(A), 'create'],
    // noreplace alone implies %config, as %config(noreplace) does.
    [
      'noreplace flag without config flag',
      file(A, { noreplace: true }),
      file(B, { noreplace: true }),
      onDisk(OTHER),
      'altname',
    ],
    // ghost: never written or renamed, whatever is on disk.
    ['%ghost, absent', file(A), file(B, { ghost: true }), null, 'skip'],
    ['%ghost, modified', file(A), file(B, { ghost: true }), onDisk(OTHER), 'skip'],
    ['%ghost %config, modified', file(A, CONFIG), file(B, { ...CONFIG, ghost: true }), onDisk(OTHER), 'skip'],
    [
      '%ghost %config(noreplace), modified',
      file(A, NOREPLACE),
      file(B, { ...NOREPLACE, ghost: true }),
      onDisk(OTHER),
      'skip',
    ],
    // digests missing from a package never count as equal (rpm's NULL digest checks).
    [
      '%config, old digest unknown, disk differs from new',
      { kind: 'file', flags: CONFIG },
      file(B, CONFIG),
      onDisk(OTHER),
      'save',
    ],
    ['%config, disk digest unknown', file(A, CONFIG), file(B, CONFIG), { kind: 'file' }, 'save'],
  ] as const)('%s -> %s', (_name, old, pkg, disk, fate) => {
    const d = decideFileFate({ op: 'upgrade', old, new: pkg, disk })
    expect(d.fate).toBe(fate)
    expectWellFormed(d)
  })
})

describe('decideFileFate: symlinks (targets compared)', () => {
  it.each([
    ['%config', CONFIG, 'target same, disk as packaged', '/a', '/a', linkOnDisk('/a'), 'touch'],
    ['%config', CONFIG, 'target changed, disk unmodified', '/a', '/b', linkOnDisk('/a'), 'create'],
    ['%config', CONFIG, 'target changed, disk already new', '/a', '/b', linkOnDisk('/b'), 'touch'],
    ['%config', CONFIG, 'target changed, disk modified', '/a', '/b', linkOnDisk('/z'), 'save'],
    ['%config', CONFIG, 'target same, disk modified', '/a', '/a', linkOnDisk('/z'), 'skip'],
    ['%config', CONFIG, 'target changed, disk became a file', '/a', '/b', onDisk(OTHER), 'save'],
    ['%config', CONFIG, 'absent', '/a', '/b', null, 'create'],
    ['%config(noreplace)', NOREPLACE, 'target changed, disk modified', '/a', '/b', linkOnDisk('/z'), 'altname'],
    ['%config(noreplace)', NOREPLACE, 'target same, disk modified', '/a', '/a', linkOnDisk('/z'), 'skip'],
    ['%config(noreplace)', NOREPLACE, 'target changed, disk became a file', '/a', '/b', onDisk(OTHER), 'altname'],
    ['not config', PLAIN, 'target changed, disk modified', '/a', '/b', linkOnDisk('/z'), 'create'],
    ['not config', PLAIN, 'target same, disk as packaged', '/a', '/a', linkOnDisk('/a'), 'create'],
  ] as const)('%s, %s -> %s', (_col, flags, _name, oldTarget, newTarget, disk, fate) => {
    const d = decideFileFate({ op: 'upgrade', old: link(oldTarget, flags), new: link(newTarget, flags), disk })
    expect(d.fate).toBe(fate)
    expectWellFormed(d)
  })
})

describe('decideFileFate: type changes (a kind mismatch is a difference)', () => {
  it.each([
    // package turns a %config file into a symlink: unmodified disk file is replaced, a modified one saved.
    ['%config file -> symlink, disk unmodified', file(A, CONFIG), link('/x', CONFIG), onDisk(A), 'create'],
    ['%config file -> symlink, disk modified', file(A, CONFIG), link('/x', CONFIG), onDisk(OTHER), 'save'],
    [
      '%config(noreplace) file -> symlink, disk modified',
      file(A, NOREPLACE),
      link('/x', NOREPLACE),
      onDisk(OTHER),
      'altname',
    ],
    [
      '%config file -> symlink, disk already the new link',
      file(A, CONFIG),
      link('/x', CONFIG),
      linkOnDisk('/x'),
      'save',
    ],
    ['%config symlink -> file, disk unmodified', link('/x', CONFIG), file(B, CONFIG), linkOnDisk('/x'), 'create'],
    ['%config symlink -> file, disk modified', link('/x', CONFIG), file(B, CONFIG), linkOnDisk('/y'), 'save'],
    ['plain file -> symlink, disk modified', file(A), link('/x'), onDisk(OTHER), 'create'],
    // operator replaced the file on disk with something of another kind.
    ['%config file, disk is a dir, A!=B', file(A, CONFIG), file(B, CONFIG), dirOnDisk, 'save'],
    ['%config file, disk is a dir, A==B', file(A, CONFIG), file(A, CONFIG), dirOnDisk, 'skip'],
    ['%config(noreplace) file, disk is a symlink', file(A, NOREPLACE), file(B, NOREPLACE), linkOnDisk('/x'), 'altname'],
    ['plain file, disk is a dir', file(A), file(B), dirOnDisk, 'create'],
    // only files and symlinks can need a backup; other old kinds are simply replaced.
    ['%config dir -> file, disk dir', dir(CONFIG), file(B, CONFIG), dirOnDisk, 'create'],
  ] as const)('%s -> %s', (_name, old, pkg, disk, fate) => {
    const d = decideFileFate({ op: 'upgrade', old, new: pkg, disk })
    expect(d.fate).toBe(fate)
    expectWellFormed(d)
  })
})

describe('decideFileFate: directories', () => {
  it.each([
    ['install, absent', 'install', undefined, dir(), null, 'create'],
    ['install, present', 'install', undefined, dir(), dirOnDisk, 'create'],
    ['upgrade, dir in both', 'upgrade', dir(), dir(), dirOnDisk, 'create'],
    ['upgrade, absent', 'upgrade', dir(), dir(), null, 'create'],
    ['erase, present', 'erase', dir(), undefined, dirOnDisk, 'erase'],
    ['erase, %config dir present', 'erase', dir(CONFIG), undefined, dirOnDisk, 'erase'],
  ] as const)('%s -> %s', (_name, op, old, pkg, disk, fate) => {
    const d = decideFileFate({ op, old, new: pkg, disk })
    expect(d.fate).toBe(fate)
    expectWellFormed(d)
  })
})

describe('decideFileFate: install over what is on disk', () => {
  it.each([
    ['%config, absent', file(B, CONFIG), null, 'create'],
    ['%config, identical', file(B, CONFIG), onDisk(B), 'create'],
    ['%config, differs', file(B, CONFIG), onDisk(OTHER), 'backup'],
    ['%config(noreplace), absent', file(B, NOREPLACE), null, 'create'],
    ['%config(noreplace), identical', file(B, NOREPLACE), onDisk(B), 'create'],
    ['%config(noreplace), differs', file(B, NOREPLACE), onDisk(OTHER), 'altname'],
    ['plain, absent', file(B), null, 'create'],
    ['plain, identical', file(B), onDisk(B), 'create'],
    ['plain, differs', file(B), onDisk(OTHER), 'create'],
    // rpm honours missingok only on upgrade: a fresh install creates the file.
    ['%config(missingok), absent', file(B, { ...CONFIG, missingok: true }), null, 'create'],
    ['%ghost, absent', file(B, { ghost: true }), null, 'skip'],
    ['%ghost, present', file(B, { ghost: true }), onDisk(OTHER), 'skip'],
    ['%ghost %config, present', file(B, { ...CONFIG, ghost: true }), onDisk(OTHER), 'skip'],
    ['%ghost %config(noreplace), present', file(B, { ...NOREPLACE, ghost: true }), onDisk(B), 'skip'],
    ['%config symlink, same target', link('/x', CONFIG), linkOnDisk('/x'), 'create'],
    ['%config symlink, other target', link('/x', CONFIG), linkOnDisk('/y'), 'backup'],
    ['%config(noreplace) symlink, other target', link('/x', NOREPLACE), linkOnDisk('/y'), 'altname'],
    ['%config file, disk is a symlink', file(B, CONFIG), linkOnDisk('/x'), 'backup'],
    ['%config file, disk is a dir', file(B, CONFIG), dirOnDisk, 'backup'],
    ['%config symlink, disk is a file', link('/x', CONFIG), onDisk(B), 'backup'],
  ] as const)('%s -> %s', (_name, pkg, disk, fate) => {
    const d = decideFileFate({ op: 'install', new: pkg, disk })
    expect(d.fate).toBe(fate)
    expectWellFormed(d)
  })
})

describe('decideFileFate: erase', () => {
  it.each([
    ['%config, unmodified', file(A, CONFIG), onDisk(A), 'erase'],
    ['%config, modified', file(A, CONFIG), onDisk(OTHER), 'save'],
    ['%config, absent', file(A, CONFIG), null, 'skip'],
    ['%config(noreplace), unmodified', file(A, NOREPLACE), onDisk(A), 'erase'],
    ['%config(noreplace), modified', file(A, NOREPLACE), onDisk(OTHER), 'save'],
    ['plain, unmodified', file(A), onDisk(A), 'erase'],
    ['plain, modified', file(A), onDisk(OTHER), 'erase'],
    ['plain, absent', file(A), null, 'skip'],
    ['%config, disk replaced by a dir', file(A, CONFIG), dirOnDisk, 'save'],
    ['%config symlink, unmodified', link('/a', CONFIG), linkOnDisk('/a'), 'erase'],
    ['%config symlink, retargeted', link('/a', CONFIG), linkOnDisk('/z'), 'save'],
    ['plain symlink, retargeted', link('/a'), linkOnDisk('/z'), 'erase'],
    // rpm removes a plain %ghost but never renames or removes a %ghost %config that exists.
    ['%ghost, present', file(A, { ghost: true }), onDisk(OTHER), 'erase'],
    ['%ghost, absent', file(A, { ghost: true }), null, 'skip'],
    ['%ghost %config, present', file(A, { ...CONFIG, ghost: true }), onDisk(OTHER), 'skip'],
    ['%ghost %config(noreplace), present', file(A, { ...NOREPLACE, ghost: true }), onDisk(A), 'skip'],
    ['%config(missingok), absent', file(A, { ...CONFIG, missingok: true }), null, 'skip'],
  ] as const)('%s -> %s', (_name, old, disk, fate) => {
    const d = decideFileFate({ op: 'erase', old, disk })
    expect(d.fate).toBe(fate)
    expectWellFormed(d)
  })
})

describe('decideFileFate: one side missing', () => {
  it('upgrade without an old entry decides as install', () => {
    const d = decideFileFate({ op: 'upgrade', new: file(B, CONFIG), disk: onDisk(OTHER) })
    expect(d.fate).toBe(FILE_FATES.backup)
  })

  it('upgrade without a new entry decides as erase', () => {
    const d = decideFileFate({ op: 'upgrade', old: file(A, CONFIG), disk: onDisk(OTHER) })
    expect(d.fate).toBe(FILE_FATES.save)
  })

  it.each([
    ['install', { op: 'install', old: file(A), disk: null }],
    ['erase', { op: 'erase', new: file(B), disk: null }],
  ] as const)('%s without its entry is a caller bug and throws', (_op, input) => {
    expect(() => decideFileFate(input)).toThrow(TypeError)
  })
})

describe('fateWarning', () => {
  it.each([
    [
      'save on upgrade',
      { op: 'upgrade', old: file(A, CONFIG), new: file(B, CONFIG), disk: onDisk(OTHER) },
      'warning: /etc/x saved as /etc/x.rpmsave',
    ],
    [
      'save on erase',
      { op: 'erase', old: file(A, CONFIG), disk: onDisk(OTHER) },
      'warning: /etc/x saved as /etc/x.rpmsave',
    ],
    [
      'backup on install',
      { op: 'install', new: file(B, CONFIG), disk: onDisk(OTHER) },
      'warning: /etc/x saved as /etc/x.rpmorig',
    ],
    [
      'altname on upgrade',
      { op: 'upgrade', old: file(A, NOREPLACE), new: file(B, NOREPLACE), disk: onDisk(OTHER) },
      'warning: /etc/x created as /etc/x.rpmnew',
    ],
    [
      'altname on install',
      { op: 'install', new: file(B, NOREPLACE), disk: onDisk(OTHER) },
      'warning: /etc/x created as /etc/x.rpmnew',
    ],
  ] as const)('%s', (_name, input, line) => {
    expect(fateWarning('/etc/x', decideFileFate(input))).toBe(line)
  })

  it('keeps the path exactly as given', () => {
    const d = decideFileFate({ op: 'erase', old: file(A, CONFIG), disk: onDisk(OTHER) })
    expect(fateWarning('etc/my app.conf', d)).toBe('warning: etc/my app.conf saved as etc/my app.conf.rpmsave')
  })

  it.each([
    ['touch', { op: 'upgrade', old: file(A, CONFIG), new: file(B, CONFIG), disk: onDisk(B) }],
    ['create', { op: 'upgrade', old: file(A, CONFIG), new: file(B, CONFIG), disk: onDisk(A) }],
    ['skip', { op: 'upgrade', old: file(A, CONFIG), new: file(A, CONFIG), disk: onDisk(OTHER) }],
    ['erase', { op: 'erase', old: file(A, CONFIG), disk: onDisk(A) }],
    ['ghost skip', { op: 'erase', old: file(A, { ...CONFIG, ghost: true }), disk: onDisk(OTHER) }],
  ] as const)('prints nothing for %s', (_name, input) => {
    expect(fateWarning('/etc/x', decideFileFate(input))).toBeUndefined()
  })
})
