// The hostile corpus: payload tarballs and rpm packages crafted from raw headers at test time (no binaries are
// committed). Each case says what it is, what a safe reader must do with it, and which text its error must name.
import { writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { craftTar, writeGzipBomb, writeXzBomb } from './tar-craft.js'
import type { CraftEntry } from './tar-craft.js'
import {
  assembleRpm,
  craftCpio,
  craftRpmParts,
  defaultCpioEntries,
  findIndexEntry,
  patchIndexEntry,
  resign,
} from './rpm-craft.js'
import type { CraftCpioEntry, CraftRpmFile, CraftRpmSpec } from './rpm-craft.js'
import { xzBuffer } from './tar-craft.js'

/** Where hostile entries aim outside the target; fixed per run so a test can look for them afterwards. */
export interface CorpusContext {
  /** A folder outside every target; entries try to land in it (absolute paths and links point here). */
  outside: string
  /** How many `../` hostile names use: more than any extraction depth, so they reach `/` and then `outside`. */
  climb: number
  /** How far the bombs expand (the builder stops early; an installer that does not would write all of it). */
  bombBytes: number
  /** Name, version and release of the crafted rpms (default hostile-1-1); the installer needs aio-<ver>-<rel>. */
  rpm?: { name: string; version: string; release: string }
}

/** A hostile payload tarball (`package.tar.gz`) for the builder and the installer. */
export interface TarCase {
  id: string
  what: string
  /** Writes the payload to `file`. */
  write(file: string): Promise<void>
  /** A text the refusal must contain (the entry named, or the kind of damage). */
  names: RegExp
  /**
   * `reject`: must be refused. `contain`: a reader may accept it (it is not hostile by itself, e.g. a deep
   * but valid path) as long as nothing lands outside the target.
   */
  expect: 'reject' | 'contain'
  /** The installer's expectation when it differs (e.g. node-tar reads an uncompressed tar as well). */
  installer?: 'reject' | 'contain'
}

// A valid install_rdb_agent payload that every hostile entry is mixed into, so only the hostile part is wrong.
const BASE: CraftEntry[] = [
  { name: 'fsbackup_kernel_4.x/', type: 'dir' },
  { name: 'fsbackup_kernel_4.x/kernel.ko', data: 'ko\n' },
  { name: 'tools/', type: 'dir' },
  { name: 'tools/run.sh', data: '#!/bin/sh\necho ok\n', mode: 0o755 },
  { name: 'tools/agent.conf', data: 'port=1\n' },
]

/** The valid payload every hostile entry is mixed into; the suite checks it builds and installs, so a refusal
 * of a hostile case is about its hostile part. */
export async function writeBasePayload(file: string): Promise<void> {
  writeFileSync(file, gzipSync(craftTar(BASE)))
}

function tarCase(
  id: string,
  what: string,
  entries: CraftEntry[],
  names: RegExp,
  expect: TarCase['expect'] = 'reject',
): TarCase {
  return {
    id,
    what,
    names,
    expect,
    write: async (file) => writeFileSync(file, gzipSync(craftTar([...BASE, ...entries]))),
  }
}

function rawCase(id: string, what: string, bytes: () => Buffer | Promise<Buffer>, names: RegExp): TarCase {
  return { id, what, names, expect: 'reject', write: async (file) => writeFileSync(file, await bytes()) }
}

/** The hostile payload tarballs. */
export function tarCorpus(ctx: CorpusContext): TarCase[] {
  const up = '../'.repeat(ctx.climb)
  const outsideName = ctx.outside.replace(/^\//, '')
  const deep = (n: number): string => Array.from({ length: n }, () => 'd').join('/')
  return [
    tarCase(
      'dotdot',
      '`..` climbing to the folder beside the target',
      [{ name: `tools/${up}${outsideName}/dotdot`, data: 'x' }],
      /dotdot|\.\./,
    ),
    tarCase('dotdot-top', 'a top-level `../` entry', [{ name: '../escape-top', data: 'x' }], /escape-top/),
    tarCase(
      'dotdot-dot-slash',
      '`./tools/./../../` mixing `.` and `..`',
      [{ name: `./tools/./${up}${outsideName}/dotslash`, data: 'x' }],
      /dotslash|\.\./,
    ),
    tarCase(
      'absolute',
      'an absolute path into the outside folder',
      [{ name: `${ctx.outside}/absolute`, data: 'x' }],
      /absolute/,
    ),
    tarCase(
      'absolute-pax',
      'an innocent ustar name overridden by an absolute pax `path`',
      [{ name: 'tools/innocent', pax: { path: `${ctx.outside}/pax-abs` }, data: 'x' }],
      /pax-abs/,
    ),
    tarCase(
      'dotdot-gnu-longname',
      '`..` hidden in a GNU long name (`././@LongLink`)',
      [
        {
          name: `tools/${'a/'.repeat(60)}${'../'.repeat(60 + ctx.climb)}${outsideName}/gnu-long`,
          longName: 'gnu',
          data: 'x',
        },
      ],
      /gnu-long|\.\./,
    ),
    tarCase(
      'symlink-abs-then-file',
      'a symlink to an outside folder, then a file written through it',
      [
        { name: 'tools/lnk', type: 'symlink', linkname: ctx.outside },
        { name: 'tools/lnk/through-abs', data: 'x' },
      ],
      /tools\/lnk/,
    ),
    tarCase(
      'symlink-rel-then-file',
      'a relative symlink that climbs out, then a file through it',
      [
        { name: 'tools/up', type: 'symlink', linkname: `../${up}${outsideName}` },
        { name: 'tools/up/through-rel', data: 'x' },
      ],
      /tools\/up/,
    ),
    tarCase(
      'symlink-chain',
      'two symlinks that each stay inside alone but climb out together, then a file through both',
      [
        { name: 'tools/s1', type: 'symlink', linkname: '..' },
        { name: 'tools/s1/s2', type: 'symlink', linkname: '..' },
        { name: 'tools/s1/s2/chain', data: 'x' },
      ],
      /s1|s2|chain|symbolic link/,
    ),
    tarCase(
      'symlink-then-dir-replace',
      'a directory, then a symlink of the same name to outside, then a file into it',
      [
        { name: 'tools/x/', type: 'dir' },
        { name: 'tools/x', type: 'symlink', linkname: ctx.outside },
        { name: 'tools/x/swapped', data: 'x' },
      ],
      /tools\/x/,
    ),
    tarCase(
      'hardlink-abs',
      'a hard link to a file outside the payload (absolute)',
      [{ name: 'tools/shadow', type: 'hardlink', linkname: '/etc/shadow' }],
      /tools\/shadow/,
    ),
    tarCase(
      'hardlink-dotdot',
      'a hard link climbing out with `..`',
      [{ name: 'tools/passwd', type: 'hardlink', linkname: `${up}${outsideName}/sentinel` }],
      /tools\/passwd/,
    ),
    tarCase(
      'char-device',
      'a character device (/dev/null twin)',
      [{ name: 'tools/null', type: 'char', devmajor: 1, devminor: 3 }],
      /tools\/null/,
    ),
    tarCase(
      'block-device',
      'a block device (a disk)',
      [{ name: 'tools/sda', type: 'block', devmajor: 8, devminor: 0 }],
      /tools\/sda/,
    ),
    tarCase('fifo', 'a named pipe', [{ name: 'tools/pipe', type: 'fifo' }], /tools\/pipe/),
    tarCase(
      'unknown-type',
      'an entry with an unknown typeflag `Z`',
      [{ name: 'tools/weird', type: 'Z', data: 'x' }],
      /tools\/weird|type|Z/,
      'contain',
    ),
    // Accepted by design (the installer drops setuid/setgid/sticky bits); the suite checks no such bit lands.
    tarCase(
      'setuid',
      'a setuid-root executable',
      [{ name: 'tools/suid', mode: 0o4755, data: '#!/bin/sh\nid\n' }],
      /tools\/suid|setuid/,
      'contain',
    ),
    tarCase(
      'setgid-sticky-dir',
      'a setgid + sticky, world-writable folder',
      [{ name: 'tools/shared/', type: 'dir', mode: 0o3777 }],
      /tools\/shared|setgid|sticky/,
      'contain',
    ),
    tarCase(
      'name-nul',
      'a pax name with a NUL byte inside',
      [{ name: 'tools/ok', pax: { path: Buffer.from('tools/a\u0000b') }, data: 'x' }],
      /NUL|\\u0000|control|tools\/a/,
      'contain',
    ),
    tarCase(
      'name-newline',
      'a name with a newline (forges a second line in listings and logs)',
      [{ name: 'tools/a\nb', data: 'x' }],
      /\\n|control|newline/,
    ),
    tarCase(
      'deep-1000',
      'a 1,000-deep path (2 KiB, within PATH_MAX)',
      [{ name: `tools/${deep(1000)}/f`, data: 'x' }],
      /d\/d\/d/,
      'contain',
    ),
    tarCase(
      'deep-2500',
      'a 2,500-deep path (5 KiB, beyond PATH_MAX)',
      [{ name: `tools/${deep(2500)}/f`, data: 'x' }],
      /d\/d\/d|too long|ENAMETOOLONG|path/,
      'contain',
    ),
    tarCase(
      'duplicate-file',
      'the same file twice with different content (the checked copy is not the one that lands)',
      [{ name: 'tools/run.sh', data: '#!/bin/sh\nrm -rf /\n' }],
      /tools\/run\.sh/,
    ),
    tarCase('empty-name', 'an entry with an empty name', [{ name: '', data: 'x' }], /empty|""|path is required/),
    rawCase(
      'size-lies-bigger',
      'a header whose size field claims 100 KiB but 3 bytes follow',
      () => gzipSync(craftTar([...BASE, { name: 'tools/liar', data: 'abc', declaredSize: 100_000 }])),
      /truncat|corrupt|invalid|tar/i,
    ),
    rawCase(
      'size-lies-smaller',
      'a header whose size claims 10 bytes but 600 follow (the rest parses as headers)',
      () => gzipSync(craftTar([...BASE, { name: 'tools/short', data: 'y'.repeat(600), declaredSize: 10 }])),
      /corrupt|invalid|tar|checksum/i,
    ),
    rawCase(
      'bad-checksum',
      'a header whose checksum does not match its bytes',
      () => {
        const tar = craftTar([...BASE, { name: 'tools/cks', data: 'x' }])
        tar[craftTar(BASE, { omitEnd: true }).length + 10]! ^= 0x01
        return gzipSync(tar)
      },
      /corrupt|invalid|tar|checksum/i,
    ),
    rawCase(
      'truncated-tar',
      'a tar stream cut in the middle of a file (gzip itself complete)',
      () =>
        gzipSync(
          craftTar([...BASE, { name: 'tools/big', data: 'z'.repeat(5000) }], {
            truncateAt: craftTar(BASE, { omitEnd: true }).length + 2048,
          }),
        ),
      /truncat|corrupt|unexpected|tar/i,
    ),
    rawCase(
      'truncated-gzip',
      'a gzip stream cut short',
      () => {
        const gz = gzipSync(craftTar([...BASE, { name: 'tools/r', data: Buffer.alloc(20_000, 7) }]))
        return gz.subarray(0, Math.floor(gz.length / 2))
      },
      /truncat|corrupt|unexpected|end/i,
    ),
    {
      ...rawCase('not-gzip', 'a plain tar named .tar.gz', () => craftTar(BASE), /gzip|corrupt|not/i),
      installer: 'contain',
    },
    rawCase(
      'garbage',
      'random bytes',
      () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) % 251)),
      /gzip|corrupt|not/i,
    ),
    {
      id: 'gzip-bomb',
      what: `a gzip bomb: ~${Math.round(ctx.bombBytes / 1031 / 1024)} KiB that expands to ${ctx.bombBytes >> 20} MiB of zeros in one entry`,
      names: /bomb|expands|ratio/i,
      expect: 'reject',
      write: async (file) => void (await writeGzipBomb(file, { expandedBytes: ctx.bombBytes, before: BASE })),
    },
    {
      id: 'xz-bomb',
      what: `an xz bomb (${ctx.bombBytes >> 20} MiB) handed over as package.tar.gz`,
      names: /gzip|corrupt|not/i,
      expect: 'reject',
      write: async (file) => void (await writeXzBomb(file, { expandedBytes: ctx.bombBytes, before: BASE })),
    },
    rawCase(
      'header-only-end',
      'an archive of zero blocks only (no entries)',
      () => gzipSync(Buffer.alloc(10240)),
      /missing|fsbackup|tools|empty|not a valid tar|Unrecognized archive/i,
    ),
  ]
}

/** A hostile (or hostile-looking) rpm package for rpm-sim. */
export interface RpmCase {
  id: string
  what: string
  bytes(): Promise<Buffer>
  /** `reject`: must be refused with a typed error; `contain`: may install, but only inside the root. */
  expect: 'reject' | 'contain'
  /** Text the refusal must contain. */
  names: RegExp
}

const RPM_FILES: CraftRpmFile[] = [
  { path: '/opt/h', mode: 0o040755 },
  { path: '/opt/h/a.conf', data: 'a=1\n', flags: 17 },
  { path: '/opt/h/bin', data: '#!/bin/sh\n', mode: 0o100755 },
]

function rpmCase(
  id: string,
  what: string,
  bytes: () => Promise<Buffer>,
  names: RegExp,
  expect: RpmCase['expect'] = 'reject',
): RpmCase {
  return { id, what, bytes, names, expect }
}

/** A well-formed package of the corpus's shape (the baseline that must install). */
export async function baseRpm(rpm = { name: 'hostile', version: '1', release: '1' }): Promise<Buffer> {
  return assembleRpm(await craftRpmParts({ ...rpm, files: RPM_FILES }))
}

/** The hostile rpm packages. */
export function rpmCorpus(ctx: CorpusContext): RpmCase[] {
  const nvr = ctx.rpm ?? { name: 'hostile', version: '1', release: '1' }
  const spec = (over: Partial<CraftRpmSpec> = {}): CraftRpmSpec => ({ ...nvr, files: RPM_FILES, ...over })
  const damaged = async (edit: (parts: Awaited<ReturnType<typeof craftRpmParts>>) => Buffer): Promise<Buffer> =>
    edit(await craftRpmParts(spec()))
  // Entries of the header's files as they should be, plus any extra (hostile) names as small regular files.
  const proper = defaultCpioEntries(RPM_FILES)
  const cpioOf = (names: string[]): CraftCpioEntry[] =>
    names.map(
      (name, i) =>
        proper.find((e) => e.name === name) ?? { name, mode: 0o100644, data: Buffer.from('x'), ino: 100 + i },
    )
  return [
    rpmCase(
      'lead-magic',
      'wrong lead magic (not an rpm)',
      () => damaged((p) => assembleRpm({ ...p, lead: Buffer.concat([Buffer.from('NOTRPM!!'), p.lead.subarray(8)]) })),
      /magic|not an rpm/i,
    ),
    rpmCase(
      'truncated-lead',
      'a file that ends inside the lead',
      () => damaged((p) => assembleRpm(p).subarray(0, 50)),
      /truncat|lead|bytes/i,
    ),
    rpmCase(
      'truncated-signature',
      'a file that ends inside the signature header',
      () => damaged((p) => assembleRpm(p).subarray(0, 96 + 40)),
      /truncat|signature/i,
    ),
    rpmCase(
      'truncated-header',
      'a file that ends inside the main header',
      () => damaged((p) => assembleRpm(p).subarray(0, assembleRpm(p).length - p.payload.length - 100)),
      /truncat|header/i,
    ),
    rpmCase(
      'truncated-payload',
      'a file that ends inside the payload',
      () => damaged((p) => assembleRpm(p).subarray(0, assembleRpm(p).length - 20)),
      /truncat|payload|end/i,
    ),
    rpmCase(
      'index-offset-outside',
      'a header index entry whose offset points past the data (re-signed)',
      () =>
        damaged((p) =>
          assembleRpm(
            resign({ ...p, header: patchIndexEntry(p.header, findIndexEntry(p.header, 1000), { offset: 0x7ffffff0 }) }),
          ),
        ),
      /offset|header/i,
    ),
    rpmCase(
      'index-negative-offset',
      'a header index entry with a negative offset (re-signed)',
      () =>
        damaged((p) =>
          assembleRpm(
            resign({ ...p, header: patchIndexEntry(p.header, findIndexEntry(p.header, 1001), { offset: -64 }) }),
          ),
        ),
      /offset|header/i,
    ),
    rpmCase(
      'index-count-huge',
      'a string array whose count runs past the data (re-signed)',
      () =>
        damaged((p) =>
          assembleRpm(
            resign({ ...p, header: patchIndexEntry(p.header, findIndexEntry(p.header, 1117), { count: 0x0ffffff0 }) }),
          ),
        ),
      /count|string|header|NUL/i,
    ),
    rpmCase(
      'index-count-il',
      'a header preamble claiming 2^32-1 index entries',
      () =>
        damaged((p) => {
          const h = Buffer.from(p.header)
          h.writeUInt32BE(0xffffffff, 8)
          return assembleRpm(resign({ ...p, header: h }))
        }),
      /index count|header|truncat/i,
    ),
    rpmCase(
      'data-length-huge',
      'a header preamble claiming 4 GiB of data',
      () =>
        damaged((p) => {
          const h = Buffer.from(p.header)
          h.writeUInt32BE(0xfffffff0, 12)
          return assembleRpm(resign({ ...p, header: h }))
        }),
      /data length|header|truncat/i,
    ),
    rpmCase(
      'bad-type',
      'a header index entry with type 77 (re-signed)',
      () =>
        damaged((p) =>
          assembleRpm(
            resign({ ...p, header: patchIndexEntry(p.header, findIndexEntry(p.header, 1000), { type: 77 }) }),
          ),
        ),
      /type|header/i,
    ),
    rpmCase(
      'header-digest',
      'a main header altered after signing (SHA256 no longer matches)',
      () =>
        damaged((p) => {
          const h = Buffer.from(p.header)
          h[h.length - 30]! ^= 0x20
          return assembleRpm({ ...p, header: h })
        }),
      /digest|SHA|header/i,
    ),
    rpmCase(
      'payload-digest',
      'a payload altered after signing (PAYLOADDIGEST no longer matches)',
      () =>
        damaged((p) => {
          const payload = Buffer.from(p.payload)
          payload[payload.length - 12]! ^= 0x01
          return assembleRpm({ ...p, payload })
        }),
      /digest|corrupt|crc|payload/i,
    ),
    rpmCase(
      'cpio-dotdot',
      'cpio names climbing out with `..` (header lists them the same way)',
      () =>
        assembleRpmFrom(
          spec({
            files: [{ path: `/opt/${'../'.repeat(ctx.climb)}${ctx.outside.replace(/^\//, '')}/rpm-dotdot`, data: 'x' }],
          }),
        ),
      /\.\.|unsafe/i,
    ),
    rpmCase(
      'cpio-absolute',
      'a cpio name that is absolute',
      () =>
        assembleRpmFrom(
          spec({
            files: [{ path: `${ctx.outside}/rpm-abs`, data: 'x' }],
            cpio: [{ name: `${ctx.outside}/rpm-abs`, mode: 0o100644, data: Buffer.from('x') }],
          }),
        ),
      /absolute|unsafe|relative/i,
    ),
    rpmCase(
      'cpio-disagrees',
      'cpio names that disagree with the header file list',
      () => assembleRpmFrom(spec({ cpio: cpioOf(['./opt/h', './opt/h/a.conf', './opt/h/not-in-header']) })),
      /not-in-header|unlisted|header/i,
    ),
    rpmCase(
      'cpio-disagrees-dotdot',
      'a cpio name that climbs out while the header lists a harmless path',
      () =>
        assembleRpmFrom(
          spec({
            cpio: cpioOf([
              './opt/h',
              './opt/h/a.conf',
              `./opt/h/${'../'.repeat(ctx.climb)}${ctx.outside.replace(/^\//, '')}/cpio-dotdot`,
            ]),
          }),
        ),
      /\.\.|unsafe/i,
    ),
    rpmCase(
      'cpio-missing',
      'a header file the payload does not carry',
      () => assembleRpmFrom(spec({ cpio: cpioOf(['./opt/h', './opt/h/a.conf']) })),
      /opt\/h\/bin|missing/i,
    ),
    rpmCase(
      'cpio-duplicate',
      'the same cpio entry twice',
      () => assembleRpmFrom(spec({ cpio: cpioOf(['./opt/h', './opt/h/a.conf', './opt/h/bin', './opt/h/bin']) })),
      /duplicate|once|opt\/h\/bin/i,
    ),
    rpmCase(
      'cpio-size-lies',
      'a cpio entry whose size field claims more than the payload holds',
      () =>
        assembleRpmFrom(
          spec({
            cpio: [
              ...cpioOf(['./opt/h', './opt/h/a.conf']),
              { name: './opt/h/bin', mode: 0o100755, data: Buffer.from('#!/bin/sh\n'), declaredSize: 1 << 20 },
            ],
          }),
        ),
      /truncat|end|cpio|payload/i,
    ),
    rpmCase(
      'cpio-size-vs-header',
      'a cpio entry of 64 KiB where the header says 10 bytes',
      () =>
        assembleRpmFrom(
          spec({
            cpio: [
              ...cpioOf(['./opt/h', './opt/h/a.conf']),
              { name: './opt/h/bin', mode: 0o100755, data: Buffer.alloc(65536, 0x41) },
            ],
          }),
        ),
      /size|digest|bin/i,
    ),
    rpmCase(
      'cpio-type-vs-header',
      'a cpio symlink to an outside path where the header says regular file',
      () =>
        assembleRpmFrom(
          spec({
            cpio: [
              ...cpioOf(['./opt/h', './opt/h/a.conf']),
              { name: './opt/h/bin', mode: 0o120777, data: Buffer.from(ctx.outside) },
            ],
          }),
        ),
      /type|bin/i,
    ),
    rpmCase(
      'cpio-name-nul',
      'a cpio name with a NUL inside',
      () =>
        assembleRpmFrom(
          spec({
            cpio: [
              ...cpioOf(['./opt/h', './opt/h/a.conf']),
              { name: './opt/h/bin\u0000../../x', mode: 0o100755, data: Buffer.from('#!/bin/sh\n') },
            ],
          }),
        ),
      /NUL|unsafe|name/i,
    ),
    rpmCase(
      'cpio-namesize-lies',
      'a cpio namesize field larger than the name',
      () =>
        assembleRpmFrom(
          spec({
            cpio: [
              ...cpioOf(['./opt/h', './opt/h/a.conf']),
              { name: './opt/h/bin', mode: 0o100755, data: Buffer.from('#!/bin/sh\n'), declaredNameSize: 4000 },
            ],
          }),
        ),
      /name|NUL|cpio|truncat/i,
    ),
    rpmCase(
      'cpio-no-trailer',
      'a cpio archive without its TRAILER!!!',
      () => assembleRpmFrom(spec({ omitTrailer: true })),
      /truncat|end|cpio/i,
    ),
    rpmCase(
      'payload-not-compressed',
      'a payload that is not the gzip the header claims',
      () => assembleRpmFrom(spec({ payloadOverride: Buffer.from('this is not gzip at all, just text') })),
      /gzip|header|corrupt|format|payload/i,
    ),
    rpmCase(
      'symlink-abs-then-file',
      'a package symlink to an absolute folder, then a file through it (rpm resolves it inside the root)',
      () =>
        assembleRpmFrom(
          spec({
            files: [
              { path: '/opt/h', mode: 0o040755 },
              { path: '/opt/h/l', linkTarget: ctx.outside },
              { path: `/opt/h/l/through`, data: 'x' },
            ],
          }),
        ),
      /through|symlink|link/i,
      'contain',
    ),
    rpmCase(
      'symlink-rel-then-file',
      'a package symlink climbing with `..` far past /, then a file through it',
      () =>
        assembleRpmFrom(
          spec({
            files: [
              { path: '/opt/h', mode: 0o040755 },
              { path: '/opt/h/up', linkTarget: `${'../'.repeat(40)}${ctx.outside.replace(/^\//, '')}` },
              { path: '/opt/h/up/climbed', data: 'x' },
            ],
          }),
        ),
      /climbed|symlink|link/i,
      'contain',
    ),
    rpmCase(
      'device-node',
      'a character device in the package (rpm allows these; it must land inside the root)',
      () =>
        assembleRpmFrom(
          spec({
            files: [
              { path: '/opt/h', mode: 0o040755 },
              { path: '/opt/h/null', mode: 0o020666 },
            ],
          }),
        ),
      /null|device/i,
      'contain',
    ),
    rpmCase(
      'bomb-trailing',
      'an xz payload whose cpio is followed by 256 MiB of zeros after the trailer',
      () => xzTrailingBomb(spec),
      /digest|trailing|payload|cpio/i,
      'contain',
    ),
  ]
}

async function assembleRpmFrom(s: CraftRpmSpec): Promise<Buffer> {
  return assembleRpm(await craftRpmParts(s))
}

// A payload whose cpio ends properly and is then followed by many xz members of zeros: a reader that insists on
// reading to the end inflates all of it (CPU only, never memory, if it streams).
async function xzTrailingBomb(spec: (over: Partial<CraftRpmSpec>) => CraftRpmSpec): Promise<Buffer> {
  const cpio = craftCpio(defaultCpioEntries(RPM_FILES))
  const head = await xzBuffer(cpio)
  const zeros = await xzBuffer(Buffer.alloc(1 << 20))
  const payload = Buffer.concat([head, ...Array.from({ length: 256 }, () => zeros)])
  return assembleRpmFrom(spec({ compressor: 'xz', payloadOverride: payload }))
}
