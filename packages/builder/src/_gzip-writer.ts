// One gzip member written segment by segment: compressed segments are cut into fixed-size blocks deflated in
// parallel on the libuv threadpool (pigz-style: each block primed with the previous 32 KiB as dictionary and
// ended with a sync flush, so the concatenation is one valid deflate stream), stored segments are framed as
// deflate stored blocks by hand (the payload is already compressed: deflating it again only costs time).
// Block boundaries depend only on byte offsets, never on read sizes, so the output is reproducible.
import type { FileHandle } from 'node:fs/promises'

/** Where a GzipWriter's output goes, in order. */
export type GzipSink = (chunks: Buffer[]) => Promise<void>

/** A sink writing to `fh` from byte `position` on (positioned writes: other parts of the file can come later). */
export function fileSink(fh: FileHandle, position = 0): GzipSink {
  let at = position
  return async (chunks) => {
    let total = 0
    for (const chunk of chunks) total += chunk.length
    let written = 0
    while (written < total) {
      const { bytesWritten } = await fh.writev(written === 0 ? chunks : sliceChunks(chunks, written), at + written)
      written += bytesWritten
    }
    at += total
  }
}

/** A sink collecting everything in memory (for small members). */
export function memorySink(): { sink: GzipSink; bytes: () => Buffer } {
  const parts: Buffer[] = []
  return {
    sink: async (chunks) => void parts.push(...chunks.map((c) => Buffer.from(c))),
    bytes: () => Buffer.concat(parts),
  }
}
import { availableParallelism } from 'node:os'
import { constants, crc32, deflateRaw, deflateRawSync } from 'node:zlib'

const BLOCK_SIZE = 1 << 20
const STORED_MAX = 65535
const WINDOW = 32 * 1024
// Blocks queued for output; deflate jobs running at once are capped at the core count so file reads and writes,
// which share libuv's threadpool (4 threads), never wait behind a full pool of deflates.
const MAX_QUEUED = 8
const MAX_DEFLATING = Math.max(1, Math.min(3, availableParallelism()))
// One output chunk per block: zlib's default 16 KiB chunks cost a threadpool round trip each.
const OUT_CHUNK = BLOCK_SIZE + 64 * 1024
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03])
const FINAL_EMPTY_STORED = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff])

function deflateBlock(data: Buffer, level: number, dictionary: Buffer | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(
      data,
      { level, chunkSize: OUT_CHUNK, finishFlush: constants.Z_SYNC_FLUSH, ...(dictionary ? { dictionary } : {}) },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
  })
}

const SAMPLE = 4096
const SAMPLES = 4

/**
 * True when a block looks incompressible (already-compressed binaries): every one of a few samples spread over
 * it deflates to at least 97% of its size at level 1. Such a block is stored instead of deflated, which costs a
 * copy instead of ~20 ms of CPU per MiB and loses under 3% on it. Decided from the bytes only: reproducible.
 */
export function looksIncompressible(block: Buffer): boolean {
  if (block.length < SAMPLE * SAMPLES) return false
  for (let i = 0; i < SAMPLES; i++) {
    const at = Math.floor(((block.length - SAMPLE) * i) / (SAMPLES - 1))
    if (deflateRawSync(block.subarray(at, at + SAMPLE), { level: 1 }).length < SAMPLE * 0.97) return false
  }
  return true
}

/** Writes one deterministic gzip member to a sink; call `compressed`/`stored`, `write`, then `finish`. */
export class GzipWriter {
  #sink: GzipSink
  #crc = 0
  #inputSize = 0
  #outputSize = 0
  #mode: 'compressed' | 'stored' = 'compressed'
  #level = 9
  #pending: Buffer[] = []
  #pendingSize = 0
  #window: Buffer | undefined
  #queue: Promise<Buffer[]>[] = []
  #deflating = 0

  constructor(sink: GzipSink) {
    this.#sink = sink
    this.#queue.push(Promise.resolve([GZIP_HEADER]))
  }

  /** Bytes of uncompressed input so far. */
  get inputSize(): number {
    return this.#inputSize
  }

  /** Bytes handed to the sink so far. */
  get outputSize(): number {
    return this.#outputSize
  }

  /** Switches to compressing what follows at `level`; flushes the current block first. */
  async compressed(level: number): Promise<void> {
    await this.#cut()
    this.#mode = 'compressed'
    this.#level = level
  }

  /** Switches to storing what follows without compression; flushes the current block first. */
  async stored(): Promise<void> {
    await this.#cut()
    this.#mode = 'stored'
  }

  /** Adds bytes in the current mode; resolves when the writer is ready for more (bounded memory). */
  async write(data: Uint8Array): Promise<void> {
    if (data.length === 0) return
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length)
    this.#crc = crc32(buf, this.#crc)
    this.#inputSize += buf.length
    const limit = this.#mode === 'stored' ? STORED_MAX * 16 : BLOCK_SIZE
    let offset = 0
    while (offset < buf.length) {
      const take = Math.min(limit - this.#pendingSize, buf.length - offset)
      this.#pending.push(buf.subarray(offset, offset + take))
      this.#pendingSize += take
      offset += take
      if (this.#pendingSize === limit) await this.#cut()
    }
  }

  /** Ends the deflate stream, writes the gzip trailer and waits for every byte to reach the file. */
  async finish(): Promise<void> {
    await this.#cut()
    const trailer = Buffer.alloc(8)
    trailer.writeUInt32LE(this.#crc >>> 0, 0)
    trailer.writeUInt32LE(this.#inputSize % 2 ** 32, 4)
    this.#queue.push(Promise.resolve([FINAL_EMPTY_STORED, trailer]))
    while (this.#queue.length > 0) await this.#drainOne()
  }

  async #cut(): Promise<void> {
    if (this.#pendingSize === 0) return
    const parts = this.#pending
    const size = this.#pendingSize
    this.#pending = []
    this.#pendingSize = 0
    if (this.#mode === 'stored') {
      this.#queue.push(Promise.resolve(frameStored(parts)))
      this.#window = undefined
    } else {
      const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size)
      // Copy parts into our own buffer: callers may reuse theirs once write() resolves.
      const block = parts.length === 1 ? Buffer.from(data) : data
      const dictionary = this.#window
      if (looksIncompressible(block)) {
        this.#window = block.subarray(Math.max(0, block.length - WINDOW))
        this.#queue.push(Promise.resolve(frameStored([block])))
        while (this.#queue.length > MAX_QUEUED) await this.#drainOne()
        return
      }
      this.#window =
        block.length >= WINDOW
          ? block.subarray(block.length - WINDOW)
          : Buffer.concat([dictionary ?? Buffer.alloc(0), block]).subarray(-WINDOW)
      while (this.#deflating >= MAX_DEFLATING) await this.#drainOne()
      this.#deflating++
      this.#queue.push(
        deflateBlock(block, this.#level, dictionary).then(
          (out) => {
            this.#deflating--
            return [out]
          },
          (error: unknown) => {
            this.#deflating--
            throw error
          },
        ),
      )
    }
    while (this.#queue.length > MAX_QUEUED) await this.#drainOne()
  }

  async #drainOne(): Promise<void> {
    const next = this.#queue.shift()
    if (!next) return
    const chunks = await next
    await this.#sink(chunks)
    for (const chunk of chunks) this.#outputSize += chunk.length
  }
}

function frameStored(parts: Buffer[]): Buffer[] {
  // Stored parts are copied here: after this, the caller's buffers are not referenced.
  const data = parts.length === 1 ? Buffer.from(parts[0] as Buffer) : Buffer.concat(parts)
  const out: Buffer[] = []
  for (let offset = 0; offset < data.length; offset += STORED_MAX) {
    const len = Math.min(STORED_MAX, data.length - offset)
    const head = Buffer.alloc(5)
    head[0] = 0x00
    head.writeUInt16LE(len, 1)
    head.writeUInt16LE(~len & 0xffff, 3)
    out.push(head, data.subarray(offset, offset + len))
  }
  return out
}

function sliceChunks(chunks: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = []
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length
      continue
    }
    out.push(skip > 0 ? chunk.subarray(skip) : chunk)
    skip = 0
  }
  return out
}
