import { describe, expect, it } from 'vitest'
import { TransactionError } from '../base/transaction-error.js'
import type { InstalledPackage } from '../db/db.js'
import type { FileAction, JournalPlan } from './_plan.js'
import { parsePlan, planForDisk } from './_plan.js'

const ROOT = '/srv/root'
const TID = 0x6b0cf955
const SUFFIX = ';6b0cf955'

function record(n: number): InstalledPackage {
  return {
    nevra: 'big-2-1.noarch',
    name: 'big',
    version: '2',
    release: '1',
    arch: 'noarch',
    digestAlgo: 'sha256',
    installTime: TID,
    installTid: TID,
    scripts: { pre: { interpreter: ['/bin/sh'], body: 'true' } },
    triggers: [],
    files: [
      {
        path: '/etc/big.conf',
        kind: 'file',
        mode: 0o100644,
        size: 3,
        digest: 'ab'.repeat(32),
        user: 'root',
        group: 'root',
        mtime: 7,
        flags: { config: true },
        state: 'normal',
      },
      {
        path: '/opt/big/run',
        kind: 'file',
        mode: 0o104755,
        size: 9,
        digest: 'cd'.repeat(32),
        user: 'rdb',
        group: 'rdb',
        mtime: 8,
        flags: {},
        state: 'normal',
      },
      {
        path: '/opt/big/link',
        kind: 'symlink',
        mode: 0o120777,
        size: 3,
        linkTarget: 'run',
        user: 'root',
        group: 'root',
        mtime: 9,
        flags: {},
        state: 'normal',
      },
      {
        path: '/opt/big',
        kind: 'dir',
        mode: 0o40755,
        size: 0,
        user: 'root',
        group: 'root',
        mtime: 9,
        flags: {},
        state: 'normal',
      },
      ...Array.from({ length: n }, (_, i) => ({
        path: `/opt/big/d${i % 10}/f${i}`,
        kind: 'file' as const,
        mode: 0o100644,
        size: i,
        digest: i.toString(16).padStart(64, '0'),
        user: 'root',
        group: 'root',
        mtime: 1_700_000_000,
        flags: {},
        state: 'normal' as const,
      })),
    ],
  }
}

// Actions as prepare makes them: from the record's files, with the odd ones a real plan can have.
function plan(n = 0): JournalPlan {
  const rec = record(n)
  const actions: FileAction[] = rec.files.map((f) => ({
    path: f.path,
    host: `${ROOT}${f.path}`,
    kind: f.kind,
    fate: 'create',
    reason: 'absent: created',
    mode: f.mode,
    user: f.user,
    group: f.group,
    uid: 0,
    gid: 0,
    mtime: f.mtime,
    size: f.size,
    ...(f.linkTarget !== undefined ? { linkTarget: f.linkTarget } : {}),
    ...(f.digest !== undefined ? { digest: f.digest } : {}),
    ...(f.kind !== 'dir' ? { temp: `${ROOT}${f.path}${SUFFIX}` } : {}),
  }))
  // A config kept as .rpmnew; a file whose parent is a symlink inside the root (another host); one staged under
  // another name; one whose action carries no digest though its record's file has one; another owner.
  Object.assign(actions[0] as FileAction, {
    fate: 'altname',
    suffix: '.rpmnew',
    reason: 'config edited: new saved as .rpmnew',
  })
  Object.assign(actions[1] as FileAction, {
    host: `${ROOT}/usr/opt/big/run`,
    temp: `${ROOT}/usr/opt/big/run${SUFFIX}`,
    user: 'daemon',
  })
  Object.assign(actions[2] as FileAction, { temp: `${ROOT}/elsewhere` })
  // A file that replaces a setuid one (its bits are cleared first, recovery included); a relocated one.
  if (n > 3) Object.assign(actions[3] as FileAction, { oldSetid: true, payloadPath: '/usr/opt/big/packaged' })
  if (n > 0) delete (actions[4] as FileAction).digest
  return {
    tid: TID,
    root: ROOT,
    time: TID,
    op: 'upgrade',
    chown: true,
    elements: [
      {
        op: 'install',
        nevra: rec.nevra,
        origin: '/tmp/big-2-1.noarch.rpm',
        record: rec,
        replaces: ['big-1-1.noarch'],
        actions,
        takesOver: [],
        createdDirs: [`${ROOT}/opt/big`],
      },
      {
        op: 'erase',
        nevra: 'big-1-1.noarch',
        replacedBy: 0,
        sameNevra: false,
        actions: [
          { path: '/opt/big/old', host: `${ROOT}/opt/big/old`, kind: 'file', fate: 'erase', reason: 'removed' },
        ],
        header: {
          nevra: 'big-1-1.noarch',
          name: 'big',
          version: '1',
          release: '1',
          arch: 'noarch',
          digestAlgo: 'sha256',
          installTime: 1,
          installTid: 1,
          scripts: {},
          triggers: [],
        },
      },
    ],
    createdDirs: [],
  }
}

// What the journal writes, read back the way recovery reads it.
function roundTrip(p: JournalPlan): { text: string; back: JournalPlan } {
  const disk = planForDisk(p)
  const text = JSON.stringify(disk.plan)
  const back = parsePlan(text, '/j/plan.json', (name, nevra, tid) => {
    const r = disk.records.get(name)
    return r !== undefined && r.nevra === nevra && r.installTid === tid ? r : undefined
  })
  return { text, back }
}

describe('the journal plan on disk', () => {
  it('reads back as the plan that was written, every action whole', () => {
    const p = plan(20)
    const { back } = roundTrip(p)
    expect(back).toEqual(p)
    expect((p.elements[0] as { recordFile?: string }).recordFile).toBe('record-0.json')
  })

  it('carries each file once: the record beside it, the actions only what differs from the record', () => {
    const p = plan(2000)
    const whole = JSON.stringify(p).length
    const { text } = roundTrip(p)
    expect(text).not.toContain('0'.repeat(60))
    expect(text.length).toBeLessThan(whole / 4)
  })

  it('reads a plan of an earlier version, whole actions and the record inline, as before', () => {
    const p = plan(3)
    const back = parsePlan(JSON.stringify(p), '/j/plan.json')
    expect(back).toEqual(p)
  })

  it('stops with one E_JOURNAL line when the record it names is nowhere', () => {
    const disk = planForDisk(plan(3))
    const error = (() => {
      try {
        parsePlan(JSON.stringify(disk.plan), '/j/plan.json', () => undefined)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(TransactionError)
    expect((error as TransactionError).code).toBe('E_JOURNAL')
    expect((error as TransactionError).message).toMatch(
      /^\/j\/plan\.json: elements\.0\.recordFile: record-0\.json is missing \(/,
    )
  })
})
