// Test helper: lays out an archive folder by hand (version.json, package.tar.gz made with real tar, SHA256SUMS),
// so installer tests need no builder.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Header } from 'tar'

/** A temporary folder removed by `cleanup()`. */
export function tempDir(prefix = 'rdbpkg-installer-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Writes files (path -> content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
}

/** Makes `<dir>/<package_name>/` with version.json, package.tar.gz (of `payload`) and SHA256SUMS. */
export function makeArchiveDir(
  dir: string,
  manifest: Record<string, unknown>,
  payload: Record<string, string>,
): string {
  const archive = join(dir, String(manifest.package_name))
  mkdirSync(archive, { recursive: true })
  const payloadDir = join(dir, 'payload-src')
  writeTree(payloadDir, payload)
  execFileSync('tar', ['-czf', join(archive, 'package.tar.gz'), '-C', payloadDir, '.'])
  rmSync(payloadDir, { recursive: true, force: true })
  writeFileSync(join(archive, 'version.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  writeSums(archive, ['package.tar.gz', 'version.json'])
  return archive
}

/** (Re)writes SHA256SUMS over `files` of `archive`. */
export function writeSums(archive: string, files: string[]): void {
  const lines = files.map(
    (file) =>
      `${createHash('sha256')
        .update(readFileSync(join(archive, file)))
        .digest('hex')}  ${file}`,
  )
  writeFileSync(join(archive, 'SHA256SUMS'), `${lines.join('\n')}\n`)
}

/** Makes a root folder with an os-release naming `id`. */
export function makeRoot(dir: string, id = 'centos'): string {
  const root = join(dir, 'root')
  writeTree(root, { 'etc/os-release': `NAME="Test"\nID="${id}"\nVERSION_ID="7"\n` })
  return root
}

/** A raw tar of hand-made headers, so hostile entries reach the extractor as an attacker would write them. */
export function rawTar(
  entries: { path: string; type: string; body?: string; linkpath?: string; mode?: number }[],
): Buffer {
  const blocks: Buffer[] = []
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '')
    const header = new Header({
      path: e.path,
      type: e.type as never,
      size: body.length,
      mode: e.mode ?? 0o644,
      linkpath: e.linkpath ?? '',
      mtime: new Date(0),
    })
    const block = Buffer.alloc(512)
    header.encode(block, 0)
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return gzipSync(Buffer.concat(blocks))
}
