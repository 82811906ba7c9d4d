// The journal file of a running transaction: the whole plan is written (fsynced) before anything is staged, and
// each step appends a line to `progress` (fsynced), so recovery (recovery.ts) knows what a kill interrupted.
import { open, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { syncFileSystems } from '@rdbpkg/core'
import type { FileSystemSyncer } from '@rdbpkg/core'
import { dbDir } from '../db/db.js'
import { errCode, syncDir, writeFileAtomic, writeJsonAtomicSync } from '../base/_fs.js'
import type { JournalPlan } from './_plan.js'
import { planForDisk } from './_plan.js'

/** The journal folder of a root. */
export function journalDir(root: string): string {
  return join(dbDir(root), 'journal')
}

/** Progress markers appended to the journal. */
export type JournalMark =
  | 'commit'
  | 'transfiletriggerun'
  | `pre ${number}`
  | `staged ${number}`
  | `installed ${number}`
  | `post ${number}`
  | `skipped ${number}`
  | `preun ${number}`
  | `erased ${number}`
  | `postun ${number}`
  | `pending ${string} ${number} ${number}`
  | 'posttrans'
  | 'done'

/** An open journal of one running transaction. */
export class Journal {
  // Folders the plan writes in (targets, temps, kept files), gathered once: their file systems are synced.
  private folders: string[] | undefined

  private constructor(
    readonly root: string,
    readonly plan: JournalPlan,
    // Whether `commit` is in the journal: from then on recovery relies on each `staged N`, not only on `commit`.
    private committed: boolean,
    // Runs the barriers' syncs where given (a helper started while the process was small); else one `sync` each.
    private readonly syncer: FileSystemSyncer | undefined,
  ) {}

  /**
   * Write the plan, the records of its install elements and an empty progress file (all durable, and the journal
   * folder's entry) before anything is staged.
   */
  static async begin(root: string, plan: JournalPlan, syncer?: FileSystemSyncer): Promise<Journal> {
    const dir = journalDir(root)
    await writeFileAtomic(join(dir, 'progress'), '')
    // The install elements' records first (each durable), then the plan that names them.
    const disk = planForDisk(plan)
    for (const [name, record] of disk.records) writeJsonAtomicSync(join(dir, name), record)
    writeJsonAtomicSync(join(dir, 'plan.json'), disk.plan)
    await syncDir(dbDir(root))
    return new Journal(root, plan, false, syncer)
  }

  /** The journal of an interrupted transaction that had committed, to append to while recovering it. */
  static attach(root: string, plan: JournalPlan): Journal {
    return new Journal(root, plan, true, undefined)
  }

  /**
   * Append a progress marker and fsync it. A marker that records file changes as made first makes them durable
   * with one syncfs per file system (a barrier, never a sync per file), so a power cut never leaves the journal
   * past changes the disk lost: `commit` (the staged files, their folders, the kept links and spec.json of
   * --repackage), `staged N` once committed (an element staged after its %pre: recovery renames its temps),
   * `installed N` (its renames, folders, database record) and `erased N` (its removals and .rpmsave renames).
   * `staged N` before `commit` needs none: without `commit` recovery removes every temp.
   */
  async mark(m: JournalMark): Promise<void> {
    if (
      m === 'commit' ||
      m.startsWith('installed ') ||
      m.startsWith('erased ') ||
      (this.committed && m.startsWith('staged '))
    ) {
      await this.syncFileSystems()
    }
    if (m === 'commit') this.committed = true
    const fh = await open(join(journalDir(this.root), 'progress'), 'a')
    try {
      // The leading newline ends a line a kill may have torn, so this mark always stands on its own line.
      await fh.write(`\n${m}\n`)
      await fh.sync()
    } finally {
      await fh.close()
    }
  }

  /**
   * Write back what the plan wrote so far (staged files, kept links) without a marker: called before a caller's
   * service window opens, so the `commit` barrier inside the window finds next to nothing left to write.
   */
  async settle(): Promise<void> {
    await this.syncFileSystems()
  }

  private async syncFileSystems(): Promise<void> {
    if (this.syncer !== undefined) await this.syncer.sync(this.fileSystems())
    else syncFileSystems(this.fileSystems())
  }

  // The root and every folder the plan writes in: `syncFileSystems` syncs each file system among them once.
  private fileSystems(): string[] {
    if (this.folders === undefined) {
      const dirs = new Set<string>([this.root])
      for (const e of this.plan.elements) {
        for (const a of e.actions) dirs.add(dirname(a.host))
        if (e.op === 'erase' && e.kept !== undefined) dirs.add(dirname(e.kept))
      }
      this.folders = [...dirs]
    }
    return this.folders
  }

  /**
   * The transaction finished: drop the journal. plan.json goes first and its removal is made durable before the
   * progress file goes: a power cut must never leave a plan without its progress, which recovery would take for
   * a transaction that never committed and undo (rewriting its history as failed). A journal without its plan
   * is removed by the next command.
   */
  async end(): Promise<void> {
    const dir = journalDir(this.root)
    await rm(join(dir, 'plan.json'), { force: true })
    await syncDir(dir).catch((error: unknown) => {
      if (errCode(error) !== 'ENOENT') throw error
    })
    await rm(dir, { recursive: true, force: true })
  }
}
