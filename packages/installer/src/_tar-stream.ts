// Reads a .tar.gz as an async sequence of entries with backpressure: the consumer reads (or skips) each entry's
// body before the next arrives, so memory stays bounded whatever the payload's size.
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { Parser } from 'tar'
import type { ReadEntry } from 'tar'

/**
 * Yields the entries of `file` in order; each must be read to its end (or `resume()`d) before the next.
 * `onRead` receives the count of compressed bytes read so far, for a progress line.
 */
export async function* tarEntries(file: string, onRead?: (bytesRead: number) => void): AsyncGenerator<ReadEntry> {
  const parser = new Parser({ strict: true })
  const queue: ReadEntry[] = []
  let wake: (() => void) | undefined
  let done = false
  let failure: Error | undefined
  let current: ReadEntry | undefined
  // A truncated or damaged archive leaves the entry being read without an end: fail it, or its reader waits forever.
  const abortCurrent = (error: Error): void => {
    if (current !== undefined && !current.emittedEnd) current.emit('error', error)
  }
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  parser.on('entry', (entry: ReadEntry) => {
    queue.push(entry)
    notify()
  })
  const fail = (error: Error): void => {
    failure ??= error
    abortCurrent(failure)
    notify()
  }
  parser.on('error', fail)
  parser.on('warn', (_code: string, message: string | Error) =>
    fail(message instanceof Error ? message : new Error(message)),
  )
  parser.on('end', () => {
    done = true
    abortCurrent(new Error('the archive ends inside an entry (truncated)'))
    notify()
  })
  const source = createReadStream(file, { highWaterMark: 1 << 20 })
  source.on('error', fail)
  if (onRead !== undefined) {
    let read = 0
    source.on('data', (chunk) => {
      read += chunk.length
      onRead(read)
    })
  }
  // Inflate on libuv's thread pool (node-tar's own gunzip runs on the main thread, which also parses and digests).
  const gunzip = createGunzip({ chunkSize: 1 << 17 })
  gunzip.on('error', fail)
  source.pipe(gunzip).pipe(parser)
  try {
    while (true) {
      if (failure !== undefined) throw failure
      const next = queue.shift()
      if (next !== undefined) {
        current = next
        yield next
        continue
      }
      if (done) return
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    gunzip.unpipe(parser)
    source.unpipe(gunzip)
    source.destroy()
    gunzip.destroy()
  }
}
