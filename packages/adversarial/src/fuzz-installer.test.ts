// Property-based fuzzing of the installer's own parsers of archive data: SHA256SUMS and payload entry checks.
import { posix } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseSha256Sums, unsafePayloadEntry } from '@rdbpkg/installer'
import { checkProperty, fuzzRuns, typedOrOk } from './_test-fuzz.js'

const hex = fc.stringMatching(/^[0-9a-fA-F]{64}$/)
const pathPart = fc.oneof(fc.constantFrom('..', '.', '', 'version.json', 'package.tar.gz', 'a b', '*x'), fc.string({ unit: 'binary', maxLength: 8 }))
const path = fc.array(pathPart, { minLength: 1, maxLength: 4 }).map((p) => p.join('/'))
const line = fc.oneof(
  fc.tuple(hex, fc.constantFrom('  ', ' *', ' ', '\t'), fc.oneof(path, fc.constantFrom('/etc/passwd', '../x'))).map(([h, sep, p]) => `${h}${sep}${p}`),
  fc.string({ unit: 'binary', maxLength: 80 }),
)

describe('fuzz: installer parsers', () => {
  it('parseSha256Sums: typed error or entries whose paths stay inside the archive folder', async () => {
    await checkProperty(
      { id: 'fuzz-sha256sums', tried: 'installer parseSha256Sums on random and near-valid SHA256SUMS text', notes: 'only typed errors; every accepted path resolves inside the archive folder; digests 64 lower-case hex' },
      fc.property(fc.array(line, { maxLength: 6 }), fc.boolean(), (lines, trailingNewline) => {
        const text = lines.join('\n') + (trailingNewline ? '\n' : '')
        const parsed = typedOrOk(() => parseSha256Sums(text))
        if (parsed instanceof Error) return
        for (const entry of parsed) {
          expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/)
          // What the installer reads is join(archive, path): it must stay inside the archive folder.
          expect(posix.join('/archive', entry.path).startsWith('/archive/')).toBe(true)
        }
      }),
      fuzzRuns(3000),
    )
  })

  it('unsafePayloadEntry: every name or link that could leave the folder is refused', async () => {
    const types = ['File', 'Directory', 'SymbolicLink', 'Link', 'CharacterDevice', 'BlockDevice', 'FIFO', 'ContiguousFile', 'OldFile']
    await checkProperty(
      { id: 'fuzz-unsafe-payload-entry', tried: 'installer unsafePayloadEntry on random names, types and link targets', notes: 'never threw; absolute, `..`, control-character names, devices/fifos and links that resolve outside were all refused' },
      fc.property(path, fc.constantFrom(...types), fc.option(fc.oneof(path, fc.constantFrom('/etc', '../..', '..', 'a/../..')), { nil: undefined }), (name, type, link) => {
        const reason = unsafePayloadEntry(name, type, link)
        const hostileName = name.startsWith('/') || name.split('/').includes('..') || /[\u0000-\u001f\u007f]/.test(name) || name === ''
        if (hostileName) expect(reason).toBeDefined()
        if (['CharacterDevice', 'BlockDevice', 'FIFO'].includes(type)) expect(reason).toBeDefined()
        if ((type === 'SymbolicLink' || type === 'Link') && link !== undefined && reason === undefined) {
          // Resolve the link as the kernel would (from the link's folder, or the top for hard links).
          const from = type === 'Link' ? [] : name.replace(/^(\.\/)+/, '').split('/').slice(0, -1)
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
      }),
      fuzzRuns(3000),
    )
  })
})
