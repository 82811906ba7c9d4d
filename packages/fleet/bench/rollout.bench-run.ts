// `pnpm bench` (packages/fleet): the rdbpkg.fleet rollout beside a hand-written copy + unarchive + command playbook,
// each on 8 fresh namespaced hosts (see src/_test-hosts.ts), fresh and as a no-op rerun, with the same ansible
// settings (pipelining, ControlPersist, forks 10). Prints figures and ratios; asserts nothing.
import { ARCH, binary, buildArchive, payloadWithRpm } from '@rdbpkg/e2e'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'vitest'
import { Fleet, fleetUnavailable, targetPythons } from '../src/_test-hosts.js'

const HOSTS = 8
const unusable = fleetUnavailable()

async function timed(fleet: Fleet, args: string[]): Promise<number> {
  const start = process.hrtime.bigint()
  const run = await fleet.playbook(args)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  if (run.code !== 0)
    throw new Error(`ansible-playbook ${args.join(' ')} exited ${run.code}: ${run.stderr.slice(-1000)}`)
  return seconds
}

async function onFreshHosts(
  measure: (fleet: Fleet, inventory: string) => Promise<[number, number]>,
): Promise<[number, number]> {
  const pythons = targetPythons()
  const specs = Array.from({ length: HOSTS }, (_, index) => ({
    name: `b${index + 1}`,
    osId: index % 2 === 0 ? 'centos' : 'bclinux',
    python: index % 2 === 0 ? pythons.py27 : pythons.py36,
  }))
  const fleet = await Fleet.create(specs)
  try {
    return await measure(fleet, fleet.inventory('bench.ini'))
  } finally {
    await fleet.destroy()
  }
}

it.skipIf(unusable !== undefined)(
  `fleet rollout to ${HOSTS} hosts: rdbpkg.fleet vs a hand-written playbook`,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rdbpkg-fleet-bench-'))
    // The machine's load (1/5/15 min averages) before and after: these figures mean little on a busy machine.
    const load = (): string =>
      loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')
    const loadBefore = load()
    try {
      // A server archive with 8 MiB of incompressible payload, so the copy is part of what is measured.
      const payload = await payloadWithRpm(dir, 'aio', '1.0.0', [
        { path: '/etc/aio/aio.conf', content: 'port=5432\n', config: true },
        { path: '/opt/aio/lib/server.bin', content: randomBytes(8 << 20).toString('latin1') },
      ])
      const archive = await buildArchive(
        dir,
        {
          package_name: `rdb_server_1.0.0_centos.${ARCH}`,
          package_type: 'install_rdb_server',
          os_release: 'centos,bclinux',
        },
        binary(payload),
      )
      const handwritten = new URL('handwritten.yml', import.meta.url).pathname
      const rows: [string, number, number][] = []
      rows.push([
        'hand-written copy+unarchive+command',
        ...(await onFreshHosts(async (fleet, inventory) => [
          await timed(fleet, ['-i', inventory, handwritten, '-e', `archive=${archive}`]),
          await timed(fleet, ['-i', inventory, handwritten, '-e', `archive=${archive}`]),
        ])),
      ])
      const collection =
        (extra: string[]) =>
        (fleet: Fleet, inventory: string): Promise<[number, number]> =>
          (async () => [
            await timed(fleet, ['-i', inventory, 'rdbpkg.fleet.rollout', '-e', `rdbpkg_archive=${archive}`, ...extra]),
            await timed(fleet, ['-i', inventory, 'rdbpkg.fleet.rollout', '-e', `rdbpkg_archive=${archive}`, ...extra]),
          ])()
      rows.push([
        'rdbpkg.fleet.rollout, one batch',
        ...(await onFreshHosts(collection(['-e', '{"rdbpkg_serial": ["100%"]}']))),
      ])
      rows.push(['rdbpkg.fleet.rollout, rolling [1,50%,100%]', ...(await onFreshHosts(collection([])))])
      const base = rows[0]!
      const lines = [
        `fleet rollout, ${HOSTS} namespaced hosts over ssh, server archive ${(statSync(archive).size / 2 ** 20).toFixed(1)} MiB (shared, loaded 2-core machine: figures are noisy)`,
        `load average before ${loadBefore}, after ${load()}`,
        `${'playbook'.padEnd(44)} ${'fresh'.padStart(8)} ${'no-op rerun'.padStart(12)} ${'fresh vs hand'.padStart(14)} ${'rerun/fresh'.padStart(12)}`,
        ...rows.map(
          ([name, fresh, rerun]) =>
            `${name.padEnd(44)} ${`${fresh.toFixed(1)} s`.padStart(8)} ${`${rerun.toFixed(1)} s`.padStart(12)} ${`${(fresh / base[1]).toFixed(2)}x`.padStart(14)} ${`${(rerun / fresh).toFixed(2)}`.padStart(12)}`,
        ),
      ]
      console.log(lines.join('\n'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
if (unusable !== undefined) console.log(`fleet bench skipped: ${unusable}`)
