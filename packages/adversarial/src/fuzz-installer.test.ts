// Property-based fuzzing of the installer's own parsers of archive data: SHA256SUMS and payload entry checks.
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { main, parseSha256Sums, unsafePayloadEntry } from '@rdbpkg/installer'
import { checkProperty, fuzzRuns, typedOrOk } from './_test-fuzz.js'
import { recordArea } from './_test-record.js'

const hex = fc.stringMatching(/^[0-9a-fA-F]{64}$/)
const pathPart = fc.oneof(
  fc.constantFrom('..', '.', '', 'version.json', 'package.tar.gz', 'a b', '*x'),
  fc.string({ unit: 'binary', maxLength: 8 }),
)
const path = fc.array(pathPart, { minLength: 1, maxLength: 4 }).map((p) => p.join('/'))
const line = fc.oneof(
  fc
    .tuple(hex, fc.constantFrom('  ', ' *', ' ', '\t'), fc.oneof(path, fc.constantFrom('/etc/passwd', '../x')))
    .map(([h, sep, p]) => `${h}${sep}${p}`),
  fc.string({ unit: 'binary', maxLength: 80 }),
)

// Was an open bug (exit 1 with a bare EISDIR), fixed in the installer; kept as a regression check.
const SUMS_DIR_BUG = 'a SHA256SUMS line naming a folder gave exit 1 with a bare EISDIR instead of exit 5'

describe('tampering: SHA256SUMS naming a folder', () => {
  it('the installer refuses it with exit 5', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-sums-dir-'))
    try {
      mkdirSync(join(dir, 'archive', 'sub'), { recursive: true })
      writeFileSync(
        join(dir, 'archive', 'version.json'),
        JSON.stringify({
          package_name: 'rdb_agent_5.7.1.0_centos.x86_64',
          package_type: 'install_rdb_agent',
          os_release: 'centos',
        }),
      )
      writeFileSync(join(dir, 'archive', 'package.tar.gz'), '')
      const sum = (f: string): string =>
        createHash('sha256')
          .update(readFileSync(join(dir, 'archive', f)))
          .digest('hex')
      writeFileSync(
        join(dir, 'archive', 'SHA256SUMS'),
        `${sum('version.json')}  version.json\n${sum('package.tar.gz')}  package.tar.gz\n${'a'.repeat(64)}  sub\n`,
      )
      mkdirSync(join(dir, 'root', 'etc'), { recursive: true })
      writeFileSync(join(dir, 'root', 'etc', 'os-release'), 'ID=centos\n')
      let err = ''
      const code = await main(['--root', join(dir, 'root')], {
        stdout: () => {},
        stderr: (t) => {
          err += t
        },
        cwd: join(dir, 'archive'),
      })
      recordArea({
        id: 'tamper-sums-dir',
        group: 'Tampering',
        tried: 'SHA256SUMS listing a folder instead of a file',
        cases: 1,
        held: code === 5 ? 1 : 0,
        notes: `exit ${code}: ${err.trim().split('\n')[0]}`,
        bugs: code === 5 ? [] : [SUMS_DIR_BUG],
      })
      expect(code).toBe(5)
      expect(err).toMatch(/SHA256SUMS|sub/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('fuzz: installer parsers', () => {
  it('parseSha256Sums: typed error or entries whose paths stay inside the archive folder', async () => {
    await checkProperty(
      {
        id: 'fuzz-sha256sums',
        tried: 'installer parseSha256Sums on random and near-valid SHA256SUMS text',
        notes: 'only typed errors; every accepted path resolves inside the archive folder; digests 64 lower-case hex',
      },
      fc.property(fc.array(line, { maxLength: 6 }), fc.boolean(), (lines, trailingNewline) => {
        const text = lines.join('\n') + (trailingNewline ? '\n' : '')
        const parsed = typedOrOk(() => parseSha256Sums(text))
        if (parsed instanceof Error) return
        for (const entry of parsed) {
          expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/)
          // What the installer reads is join(archive, path): it must stay inside the archive folder.
          const resolved = posix.join('/archive', entry.path)
          expect(resolved === '/archive' || resolved.startsWith('/archive/')).toBe(true)
        }
      }),
      fuzzRuns(3000),
    )
  })

  it('unsafePayloadEntry: every name or link that could leave the folder is refused', async () => {
    const types = [
      'File',
      'Directory',
      'SymbolicLink',
      'Link',
      'CharacterDevice',
      'BlockDevice',
      'FIFO',
      'ContiguousFile',
      'OldFile',
    ]
    await checkProperty(
      {
        id: 'fuzz-unsafe-payload-entry',
        tried: 'installer unsafePayloadEntry on random names, types and link targets',
        notes:
          'never threw; absolute, `..`, control-character names, devices/fifos and links that resolve outside were all refused',
      },
      fc.property(
        path,
        fc.constantFrom(...types),
        fc.option(fc.oneof(path, fc.constantFrom('/etc', '../..', '..', 'a/../..')), { nil: undefined }),
        (name, type, link) => {
          const reason = unsafePayloadEntry(name, type, link)
          const hostileName =
            name.startsWith('/') || name.split('/').includes('..') || /[\u0000-\u001f\u007f]/.test(name) || name === ''
          if (hostileName) expect(reason).toBeDefined()
          if (['CharacterDevice', 'BlockDevice', 'FIFO'].includes(type)) expect(reason).toBeDefined()
          if ((type === 'SymbolicLink' || type === 'Link') && link !== undefined && reason === undefined) {
            // Resolve the link as the kernel would (from the link's folder, or the top for hard links).
            const from =
              type === 'Link'
                ? []
                : name
                    .replace(/^(\.\/)+/, '')
                    .split('/')
                    .slice(0, -1)
            const stack = [...from]
            let escaped = link.startsWith('/')
            for (const part of link.split('/')) {
              if (part === '..') {
                if (stack.length === 0) escaped = true
                else stack.pop()
              } else if (part !== '.' && part !== '') stack.push(part)
            }
            expect(escaped).toBe(false)
          }
        },
      ),
      fuzzRuns(3000),
    )
  })
})
