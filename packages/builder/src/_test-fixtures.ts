// Test-only: generated inputs for every package type (real tar, rpm-sim's writer), temp folders, tools.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PackageType } from '@rdbpkg/core'
import { writeRpm } from '@rdbpkg/rpm-sim'

/** The built CLI (tests that run the real program need `pnpm build` first; turbo's test task does that). */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

const made: string[] = []

/** A fresh temporary folder, removed by {@link cleanup}. */
export function tempDir(prefix = 'rdbpkg-builder-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** Removes every folder made by {@link tempDir}. */
export function cleanup(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Writes files (path -> content; a trailing `/` makes a folder; content starting with `#!` is made executable). */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path)
    if (path.endsWith('/')) {
      mkdirSync(full, { recursive: true })
      continue
    }
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, content)
    if (String(content).startsWith('#!')) chmodSync(full, 0o755)
  }
}

/** `tar -czf out -C dir <names>` with real GNU tar. */
export function tarGz(dir: string, out: string, names: string[] = ['.']): void {
  execFileSync('tar', ['-C', dir, '-czf', out, ...names])
}

/** The package name used for each type in tests. */
export const NAMES: Record<PackageType, string> = {
  install_rdb_server: 'rdb_server_5.7.1.0_centos.x86_64',
  install_rdb_worker: 'rdb_worker_5.7.1.0_centos.x86_64',
  install_rdb_agent: 'rdb_agent_5.7.1.0_centos.x86_64',
  install_update_code: 'update_code_5.7.1.0_centos.x86_64',
  install_update_agent: 'update_agent_5.7.1.0_centos.x86_64',
}

/** Writes version.json for `type` into `dir` (extra fields merged in). */
export function writeManifest(dir: string, type: PackageType, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'version.json')
  writeFileSync(
    file,
    `${JSON.stringify({ package_name: NAMES[type], package_type: type, os_release: 'bclinux,centos', ...extra }, null, 2)}\n`,
  )
  return file
}

/** Writes a small test rpm with rpm-sim's writer. */
export async function makeRpm(file: string, name: string, arch = 'x86_64'): Promise<void> {
  await writeRpm(
    {
      name,
      version: '5.7.1.0',
      release: '1.el7',
      arch,
      files: [
        { path: '/opt/rdb', kind: 'dir', mode: 0o755 },
        { path: '/opt/rdb/run.sh', kind: 'file', mode: 0o755, content: '#!/bin/sh\necho run\n' },
      ],
    },
    file,
  )
}

/** A payload folder for `type` in `dir/payload` (rpm types get a real rpm); returns the folder. */
export async function makePayloadDir(dir: string, type: PackageType): Promise<string> {
  const payload = join(dir, 'payload')
  mkdirSync(payload, { recursive: true })
  switch (type) {
    case 'install_rdb_server':
      await makeRpm(join(payload, 'aio-5.7.1.0-1.el7.x86_64.rpm'), 'aio')
      break
    case 'install_rdb_worker':
      await makeRpm(join(payload, 'aio-airflow-5.7.1.0-1.el7.x86_64.rpm'), 'aio-airflow')
      break
    case 'install_update_code':
      writeTree(payload, {
        'aio-5.7.1.0-py3-none-any.whl': 'PK fake wheel',
        'tools/bin/check': '#!/bin/sh\necho check\n',
        'tools/conf/tools.conf': 'a = 1\n',
      })
      break
    default:
      writeTree(payload, {
        'fsbackup_kernel_4.x/bin/fsbackup': '#!/bin/sh\necho fsbackup\n',
        'fsbackup_kernel_4.x/conf/fsbackup.conf': 'server = 127.0.0.1\n',
        'tools/bin/rdb-agent': '#!/bin/sh\nsleep 1\n',
        'tools/conf/rdb-agent.yaml': 'interval: 60\n',
      })
  }
  return payload
}

/** version.json and package.tar.gz for `type` in a new temp folder; returns the folder. */
export async function makeInputs(type: PackageType): Promise<string> {
  const dir = tempDir()
  writeManifest(dir, type)
  const payload = await makePayloadDir(dir, type)
  tarGz(payload, join(dir, 'package.tar.gz'))
  rmSync(payload, { recursive: true })
  return dir
}

/** True when a command exists on PATH. */
export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
}
