// A source package (`rpm -i hello-1.0-1.src.rpm`), as rpm's rpmInstallSource: no transaction and no database
// record, its spec file written to %{_specdir} and every other file to %{_sourcedir} (below %{_topdir},
// ~/rpmbuild by default), inside the root, each with its packaged mode and mtime.
import { chmodSync, createWriteStream, mkdirSync, renameSync, rmSync, utimesSync } from 'node:fs'
import { join, posix } from 'node:path'
import { RootResolver } from '../base/_fs.js'
import { pipeline } from 'node:stream/promises'
import type { RpmFile } from '../format/reader.js'
import { readRpmPayload } from '../format/reader.js'

/** Where a source package's files go, as rpm's macros: %{_topdir}/SPECS and %{_topdir}/SOURCES. */
export interface SourceDirs {
  topdir: string
}

/** Writes a source package's files into `root` (see the module note); returns their paths inside the root. */
export async function installSourcePackage(root: string, rpm: RpmFile, dirs: SourceDirs): Promise<string[]> {
  const { pkg } = rpm
  const written: string[] = []
  for await (const entry of readRpmPayload(rpm)) {
    const index = entry.fileIndex
    const meta = pkg.files[index]
    const name = entry.path.slice(entry.path.lastIndexOf('/') + 1)
    if (meta === undefined || meta.kind !== 'file' || name === '') {
      for await (const _ of entry.body);
      continue
    }
    const dir = posix.join('/', dirs.topdir, index === pkg.specIndex ? 'SPECS' : 'SOURCES')
    // Inside the root as a chroot sees it: `..` and symlinks in the way (an absolute /root -> /) stay in it.
    const hostDir = new RootResolver(root).dir(dir)
    mkdirSync(hostDir, { recursive: true, mode: 0o755 })
    const host = join(hostDir, name)
    // Written beside and renamed: a file of the same name is replaced whole, never half written.
    const temp = `${host};srpm`
    try {
      await pipeline(entry.body, createWriteStream(temp, { flags: 'w', mode: 0o600 }))
      chmodSync(temp, meta.mode & 0o7777)
      utimesSync(temp, meta.mtime, meta.mtime)
      renameSync(temp, host)
    } catch (error) {
      rmSync(temp, { force: true })
      throw error
    }
    written.push(posix.join(dir, name))
  }
  return written
}
