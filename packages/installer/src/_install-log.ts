// The run log at <root>/var/log/rdbpkg/install.log. A refused run writes one line there and nothing else, so
// lines are held in memory until the run starts changing the host, then appended as they come.
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

/** Where the run log lives under a root. */
function installLogPath(root: string): string {
  return join(root, 'var', 'log', 'rdbpkg', 'install.log')
}

/** Appends timestamped lines to the run log; buffered until {@link InstallLog.goLive}. */
export class InstallLog {
  readonly path: string
  private readonly held: string[] = []
  private live = false
  private readonly prefix: string

  constructor(
    root: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.path = installLogPath(root)
    this.prefix = `pid=${process.pid}`
  }

  /** Records one line (held until the run goes live). */
  line(text: string): void {
    const stamped = `${this.now().toISOString()} ${this.prefix} ${text.replace(/\n/g, ' ')}`
    if (this.live) this.append([stamped])
    else this.held.push(stamped)
  }

  /** The run is about to change the host: write what was held and append from now on. */
  goLive(): void {
    if (this.live) return
    this.live = true
    this.append(this.held.splice(0))
  }

  /** Ends a run that changed nothing: only its final line is written (SPEC: a refused run writes one line). */
  finishQuiet(finalLine: string): void {
    this.held.length = 0
    this.live = true
    this.line(finalLine)
  }

  private append(lines: string[]): void {
    if (lines.length === 0) return
    try {
      mkdirSync(join(this.path, '..'), { recursive: true })
      appendFileSync(this.path, `${lines.join('\n')}\n`)
    } catch {
      // A log that cannot be written must not turn a good install into a failed one.
    }
  }
}
