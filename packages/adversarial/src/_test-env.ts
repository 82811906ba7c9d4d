// Facts about the test machine, so tests that need a tool skip with a reason instead of failing.
import { execFileSync } from 'node:child_process'

/** True when `tool` is on PATH. */
export function hasTool(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
