// The human summary printed at the end of a run (stdout); --json prints the result object instead.
import type { CreatedFile } from './engine/engine.js'
import type { InstallResult } from './install-result.js'

/** Formats the end-of-run summary: what changed (from -> to), services, every .rpmnew/.rpmsave/.rpmorig. */
export function formatSummary(result: InstallResult): string {
  const lines: string[] = []
  const name = result.packageName ?? 'install'
  switch (result.status) {
    case 'installed':
      lines.push(`${name}: installed ${result.to}`)
      break
    case 'upgraded':
    case 'reinstalled':
    case 'downgraded':
      lines.push(`${name}: ${result.status} ${result.from ?? '(none)'} -> ${result.to}`)
      break
    case 'rolled-back':
      lines.push(`${name}: rolled back ${result.from ?? ''} -> ${result.to ?? '(not installed)'}`)
      break
    case 'unchanged':
      lines.push(`${name}: ${result.to} already installed, nothing done`)
      break
    case 'verified':
      return ''
    case 'planned':
      lines.push(...formatPlan(result))
      break
    case 'history':
      return `${formatHistory(result).join('\n')}\n`
    case 'reported':
      return `${formatStatus(result).join('\n')}\n`
    default:
      return ''
  }
  if (result.wheels !== undefined) {
    for (const dist of result.wheels.installed) {
      const old = result.wheels.replaced.find(
        (r) => r.name.toLowerCase().replace(/[-_.]+/g, '-') === dist.name.toLowerCase().replace(/[-_.]+/g, '-'),
      )
      lines.push(`  wheel ${dist.name}: ${old ? `${old.version} -> ` : ''}${dist.version}`)
    }
  }
  if (result.services.stopped.length > 0) lines.push(`  services stopped: ${result.services.stopped.join(', ')}`)
  if (result.window !== undefined) lines.push(`  ${formatWindow(result)}`)
  if (result.services.restarted.length > 0) lines.push(`  services restarted: ${result.services.restarted.join(', ')}`)
  if (result.services.failed.length > 0) lines.push(`  services NOT restarted: ${result.services.failed.join(', ')}`)
  for (const file of result.created) lines.push(`  ${describeFile(file)}`)
  if (
    result.created.length === 0 &&
    ['installed', 'upgraded', 'reinstalled', 'downgraded', 'rolled-back'].includes(result.status)
  ) {
    lines.push('  no .rpmnew, .rpmsave or .rpmorig files created')
  }
  lines.push(`  log: ${result.log}`)
  return `${lines.join('\n')}\n`
}

// The window is what an upgrade costs the operator: how long services were down (or, with none, the swap took).
function formatWindow(result: InstallResult): string {
  const w = result.window!
  const seconds = `${(w.downtimeMs / 1000).toFixed(2)} s`
  const span = `${w.stoppedAt.slice(11, 23)} -> ${w.startedAt.slice(11, 23)} UTC`
  return result.services.stopped.length > 0
    ? `services down ${seconds} (${span})`
    : `swap ${seconds} (${span}; no services were running)`
}

function describeCreated(kind: string): string {
  if (kind === 'rpmnew') return 'new config; your edited file was kept'
  if (kind === 'rpmsave') return 'your edited config; the new one replaced it'
  return 'the file that was there before; no package owned it'
}

function formatPlan(result: InstallResult): string[] {
  const plan = result.plan
  if (plan === undefined) return []
  const lines = [
    `${result.packageName}: dry run: would ${plan.action} ${result.from ? `${result.from} -> ` : ''}${result.to}`,
  ]
  for (const service of plan.services) lines.push(`  would stop (needs -f): ${service}`)
  for (const wheel of plan.wheels ?? []) lines.push(`  would pip install ${wheel}`)
  for (const file of plan.files) {
    lines.push(`  ${file.fate.padEnd(10)} ${file.path}${file.reason ? `  ${file.reason}` : ''}`)
  }
  lines.push('  nothing was changed')
  return lines
}

function formatHistory(result: InstallResult): string[] {
  const records = result.history ?? []
  if (records.length === 0) return [`${result.product}: no transactions`]
  return records.map(
    (r) =>
      `${r.id}  ${r.action.padEnd(9)} ${r.from ?? '-'} -> ${r.to ?? '-'}  ${r.packageName}${r.rolledBackBy ? `  (rolled back by ${r.rolledBackBy})` : ''}${r.pending ? '  (interrupted)' : ''}`,
  )
}

function describeFile(file: CreatedFile): string {
  return `${file.kind === 'rpmnew' ? 'created' : 'saved'} ${file.savedAs} (${describeCreated(file.kind)})`
}

function formatStatus(result: InstallResult): string[] {
  const host = result.host
  if (host === undefined) return []
  const lines = [`${host.product}: ${host.installed ?? 'not installed'}`]
  const last = host.last
  if (last !== undefined && last !== null) {
    const undone = last.rolledBackBy
      ? `  (rolled back by ${last.rolledBackBy})`
      : last.interrupted
        ? '  (interrupted)'
        : ''
    lines.push(
      `  last transaction: ${last.id} ${last.action} ${last.from ?? '-'} -> ${last.to ?? '-'}  ${last.packageName}${undone}`,
    )
  } else lines.push('  last transaction: none')
  for (const file of host.pending) lines.push(`  pending: ${describeFile(file)}`)
  if (host.installed !== null) {
    if (host.drift.length === 0) lines.push('  drift: none (every file matches the package database)')
    for (const line of host.drift) lines.push(`  drift: ${line}`)
  }
  for (const service of host.stopped)
    lines.push(`  stopped by an interrupted run: ${service} (the next ./install starts it)`)
  return lines
}
