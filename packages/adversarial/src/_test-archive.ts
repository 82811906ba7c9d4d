// Lays out installer archive folders by hand (as the builder would, minus its payload checks), so a hostile
// payload can reach the installer with valid digests, and builds real archives with the real builder.
import { createHash, generateKeyPairSync } from 'node:crypto'
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { launcherScript } from '@rdbpkg/builder'
import { INSTALLER_BUNDLE } from './_test-paths.js'

/** The manifest every agent test archive uses (the host must be x86_64, as CI is). */
export function agentManifest(version = '5.7.1.0', type = 'install_rdb_agent'): Record<string, unknown> {
  const kind = type === 'install_update_agent' ? 'update_agent' : 'rdb_agent'
  return { package_name: `${kind}_${version}_centos.x86_64`, package_type: type, os_release: 'centos', services: [] }
}

/** Writes SHA256SUMS over `files` of `dir`, as `sha256sum` prints it. */
export function writeSha256Sums(dir: string, files: readonly string[]): void {
  const lines = files.map(
    (file) =>
      `${createHash('sha256')
        .update(readFileSync(join(dir, file)))
        .digest('hex')}  ${file}`,
  )
  writeFileSync(join(dir, 'SHA256SUMS'), `${lines.join('\n')}\n`)
}

/** Makes `<parent>/<package_name>/` with install, installer.mjs, version.json, the given payload and SHA256SUMS. */
export function layOutArchive(parent: string, manifest: Record<string, unknown>, payloadFile: string): string {
  const dir = join(parent, String(manifest.package_name))
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'install'), launcherScript())
  chmodSync(join(dir, 'install'), 0o755)
  copyFileSync(INSTALLER_BUNDLE, join(dir, 'installer.mjs'))
  writeFileSync(join(dir, 'version.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  copyFileSync(payloadFile, join(dir, 'package.tar.gz'))
  writeSha256Sums(dir, ['install', 'installer.mjs', 'package.tar.gz', 'version.json'])
  return dir
}

/** A root folder whose os-release says CentOS 7. */
export function makeRoot(root: string): string {
  mkdirSync(join(root, 'etc'), { recursive: true })
  writeFileSync(join(root, 'etc', 'os-release'), 'NAME="CentOS Linux"\nID="centos"\nVERSION_ID="7"\n')
  return root
}

/** A fresh Ed25519 private key (PKCS8 PEM) written to `file`, for signed builds. */
export function writeSigningKey(file: string): string {
  const { privateKey } = generateKeyPairSync('ed25519')
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }))
  return file
}

/** Builds an archive with the real builder CLI from a payload tree and returns the extracted archive folder. */
export async function buildArchive(
  work: string,
  manifest: Record<string, unknown>,
  payload: Record<string, string | Buffer>,
  options: { signKey?: string; builderArgs?: string[] } = {},
): Promise<string> {
  const { execa } = await import('execa')
  const { BUILDER_CLI, cliEnv } = await import('./_test-paths.js')
  const { dirname } = await import('node:path')
  mkdirSync(work, { recursive: true })
  for (const [path, content] of Object.entries(payload)) {
    mkdirSync(dirname(join(work, 'p', path)), { recursive: true })
    writeFileSync(join(work, 'p', path), content)
  }
  writeFileSync(join(work, 'version.json'), JSON.stringify(manifest))
  const args = [
    BUILDER_CLI,
    '--config',
    join(work, 'version.json'),
    '--payload-dir',
    join(work, 'p'),
    '--out',
    join(work, 'out'),
    ...(options.signKey ? ['--sign-key', options.signKey] : []),
    ...(options.builderArgs ?? []),
  ]
  const run = await execa('node', args, {
    cwd: work,
    reject: false,
    env: cliEnv({ SOURCE_DATE_EPOCH: '1700000000' }),
    extendEnv: false,
  })
  if (run.exitCode !== 0) throw new Error(`builder failed (${run.exitCode}): ${run.stderr}`)
  const name = String(manifest.package_name)
  await execa('tar', ['-xzf', join(work, 'out', `${name}.tar.gz`), '-C', work])
  return join(work, name)
}
