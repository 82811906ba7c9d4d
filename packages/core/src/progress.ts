// Progress of long byte-counted steps (the builder's check/pack/write, the installer's verify/stage/swap), as one
// line redrawn in place on a terminal, with the step's name, bytes done of total, percent and rate. Elsewhere (a
// pipe, a log) only a line naming each step is written, or nothing when the caller passes `headings: false`.

const MiB = 1024 * 1024

/** `512 B`, `1.5 KiB`, `12.0 MiB`, `1.25 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`
  if (bytes < MiB) return `${(bytes / 1024).toFixed(1)} KiB`
  if (bytes < 1024 * MiB) return `${(bytes / MiB).toFixed(1)} MiB`
  return `${(bytes / 1024 / MiB).toFixed(2)} GiB`
}

/** `verifying: 12.0 MiB / 150.0 MiB (8%, 40.0 MiB/s)`. */
export function formatProgress(step: string, bytesDone: number, bytesTotal: number, seconds: number): string {
  const rate = bytesDone / Math.max(seconds, 0.001)
  const pct = bytesTotal > 0 ? Math.min(100, Math.floor((bytesDone / bytesTotal) * 100)) : 100
  return `${step}: ${formatBytes(bytesDone)} / ${formatBytes(bytesTotal)} (${pct}%, ${formatBytes(rate)}/s)`
}

/** Where a {@link ProgressPrinter} writes. */
export interface ProgressOptions {
  write: (text: string) => void
  /** A terminal: redraw one line in place (at most every `intervalMs`). */
  tty: boolean
  /** Not a terminal: write `step (total)` once per step (default true); false writes nothing at all. */
  headings?: boolean
  intervalMs?: number
  now?: () => number
}

/** Draws the progress of successive steps; call {@link ProgressPrinter.done} before printing anything else. */
export class ProgressPrinter {
  private step: string | undefined
  private started = 0
  private lastDraw = 0
  private drawn = false

  constructor(private readonly options: ProgressOptions) {}

  update(step: string, bytesDone: number, bytesTotal: number): void {
    const now = (this.options.now ?? (() => performance.now()))()
    if (step !== this.step) {
      this.done()
      this.step = step
      this.started = now
      this.lastDraw = 0
      if (!this.options.tty && this.options.headings !== false)
        this.options.write(`${step} (${formatBytes(bytesTotal)})\n`)
    }
    if (!this.options.tty) return
    if (this.drawn && now - this.lastDraw < (this.options.intervalMs ?? 100) && bytesDone < bytesTotal) return
    this.lastDraw = now
    this.options.write(`\r\x1b[K${formatProgress(step, bytesDone, bytesTotal, (now - this.started) / 1000)}`)
    this.drawn = true
  }

  /** Ends the line being redrawn, if any. */
  done(): void {
    if (this.drawn) this.options.write('\n')
    this.drawn = false
  }
}
