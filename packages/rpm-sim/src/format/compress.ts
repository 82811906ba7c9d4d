import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import { Duplex, PassThrough } from 'node:stream'
import type { Readable, Writable } from 'node:stream'
import { createGunzip, createGzip } from 'node:zlib'
import { RpmFormatError, rpmError } from './errors.js'

/** Payload compressors the reader knows (PAYLOADCOMPRESSOR values). */
export const PAYLOAD_COMPRESSORS = ['gzip', 'xz', 'zstd', 'bzip2', 'lzma', 'none'] as const

/** A payload compressor name. */
export type PayloadCompressor = (typeof PAYLOAD_COMPRESSORS)[number]

/** Compressors the writer can produce. */
export type WriteCompressor = 'gzip' | 'xz' | 'zstd' | 'none'

// Node has gzip only. xz, zstd and bzip2 go through the system tools, streamed through a pipe: they run at
// native speed on their own core, and every host that runs rpm has xz (rpm itself needs it on el7+).
const TOOLS: Record<Exclude<PayloadCompressor, 'gzip' | 'none'>, { cmd: string; args: string[]; pkg: string }> = {
  xz: { cmd: 'xz', args: ['-d', '-c', '-q'], pkg: 'xz / xz-utils' },
  lzma: { cmd: 'xz', args: ['--format=lzma', '-d', '-c', '-q'], pkg: 'xz / xz-utils' },
  zstd: { cmd: 'zstd', args: ['-d', '-c', '-q'], pkg: 'zstd' },
  bzip2: { cmd: 'bzip2', args: ['-d', '-c', '-q'], pkg: 'bzip2' },
}

/** Maps a PAYLOADCOMPRESSOR tag value (absent means gzip, as in old rpm) to a compressor name. */
export function payloadCompressor(value: string | undefined, file: string): PayloadCompressor {
  const name = value === undefined || value === '' ? 'gzip' : value === 'identity' ? 'none' : value
  if ((PAYLOAD_COMPRESSORS as readonly string[]).includes(name)) return name as PayloadCompressor
  throw rpmError('E_RPM_FORMAT', {
    file,
    field: 'PAYLOADCOMPRESSOR',
    expected: PAYLOAD_COMPRESSORS.join(', '),
    found: JSON.stringify(name),
  })
}

/** Pipes `source` through the decompressor; the result errors with an {@link RpmFormatError} on bad or short data. */
export function decompress(source: Readable, compressor: PayloadCompressor, file: string): Readable {
  if (compressor === 'none') return source
  // 128 KiB pieces: each piece is a thread-pool round trip, and the default 16 KiB makes those the bottleneck.
  const codec =
    compressor === 'gzip'
      ? createGunzip({ chunkSize: 1 << 17 })
      : spawnTool(TOOLS[compressor].cmd, TOOLS[compressor].args)
  return link(source, codec, (error) => codecError(error, compressor, file, 'decompress'))
}

/** Pipes `source` through a compressor at `level` (gzip 1-9, xz 0-9, zstd 1-19); deterministic for the same input. */
export function compress(source: Readable, compressor: WriteCompressor, level: number, file: string): Readable {
  if (compressor === 'none') return source
  let codec: Duplex
  if (compressor === 'gzip') codec = createGzip({ level })
  else if (compressor === 'xz') codec = spawnTool('xz', ['-z', '-c', '-q', '-T1', `-${level}`])
  else codec = spawnTool('zstd', ['-z', '-c', '-q', '--no-progress', `-${level}`])
  return link(source, codec, (error) => codecError(error, compressor, file, 'compress'))
}

/** The PAYLOADFLAGS level rpm records for a compressor when the caller gives none. */
export function defaultLevel(compressor: WriteCompressor): number {
  return compressor === 'xz' ? 6 : compressor === 'zstd' ? 19 : compressor === 'gzip' ? 6 : 0
}

function spawnTool(cmd: string, args: string[]): Duplex {
  return new ToolStream(cmd, args)
}

/** How a compression tool failed: its exit status and what it printed on stderr. */
interface ToolFailure extends Error {
  code?: string
  exitCode?: number
  signal?: string
  stderr: string
}

// A Duplex over a child's stdin/stdout (node:child_process only, so it runs on the Node 16 floor). Output ends
// only after the tool exited 0, so a tool that fails after writing part of its output still surfaces as an
// error; destroying the stream kills the tool.
class ToolStream extends Duplex {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>
  private stderr = ''
  private exited = false

  constructor(cmd: string, args: string[]) {
    super({ readableHighWaterMark: 1 << 16 })
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const { child } = this
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 1 << 16) this.stderr += chunk.toString()
    })
    // A tool that stops reading (it failed, or it is done) makes writes fail with EPIPE; its exit status tells why.
    child.stdin.on('error', () => {})
    child.on('error', (error: NodeJS.ErrnoException) => {
      this.exited = true
      this.destroy(Object.assign(error, { stderr: this.stderr }))
    })
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.exited = true
      if (code === 0) {
        this.push(null)
        return
      }
      const status = signal !== null ? `was killed by ${signal}` : `exited with status ${code ?? '?'}`
      const failure: ToolFailure = Object.assign(new Error(`${cmd} ${status}`), {
        stderr: this.stderr,
        ...(code !== null ? { exitCode: code } : {}),
        ...(signal !== null ? { signal } : {}),
      })
      this.destroy(failure)
    })
  }

  override _read(): void {
    this.child.stdout.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.child.stdin.destroyed) {
      done()
      return
    }
    if (this.child.stdin.write(chunk)) done()
    else {
      const go = (): void => {
        this.child.stdin.off('drain', go)
        this.child.stdin.off('close', go)
        done()
      }
      this.child.stdin.on('drain', go)
      this.child.stdin.on('close', go)
    }
  }

  override _final(done: (error?: Error | null) => void): void {
    this.child.stdin.end()
    done()
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (!this.exited) this.child.kill('SIGKILL')
    done(error)
  }
}

// Joins source -> codec -> out so that an error anywhere surfaces once, mapped, on `out`, and closing `out`
// early (a consumer that stops reading) tears the rest down, killing any subprocess.
function link(source: Readable, codec: Duplex, map: (error: unknown) => Error): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 16 })
  let failed = false
  const fail = (error: unknown): void => {
    if (failed) return
    failed = true
    out.destroy(error instanceof RpmFormatError ? error : map(error))
  }
  source.on('error', fail)
  codec.on('error', fail)
  out.on('close', () => {
    if (!out.writableFinished) {
      source.destroy()
      codec.destroy()
    }
  })
  source.pipe(codec).pipe(out)
  return out
}

function codecError(error: unknown, compressor: string, file: string, verb: string): RpmFormatError {
  const err = error as { code?: string; stderr?: unknown; message?: string }
  const text = `${typeof err.stderr === 'string' ? err.stderr : ''} ${err.message ?? ''}`
  if (err.code === 'ENOENT') {
    const tool = compressor in TOOLS ? TOOLS[compressor as keyof typeof TOOLS] : undefined
    return rpmError('E_IO', {
      file,
      field: 'payload',
      message: `cannot ${verb} a ${compressor} payload: ${tool?.cmd ?? compressor} is not installed`,
      hint: `install ${tool?.pkg ?? compressor}`,
      cause: error,
    })
  }
  const truncated = err.code === 'Z_BUF_ERROR' || /unexpected end|truncated|premature end|incomplete/i.test(text)
  const detail = (typeof err.stderr === 'string' && err.stderr.trim()) || err.message || String(error)
  return rpmError(truncated ? 'E_RPM_TRUNCATED' : 'E_RPM_FORMAT', {
    file,
    field: 'payload',
    expected: `a complete ${compressor} stream`,
    found: truncated ? `truncated data (${firstLine(detail)})` : `corrupt data (${firstLine(detail)})`,
    cause: error,
  })
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? ''
}
