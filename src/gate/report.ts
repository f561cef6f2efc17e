/**
 * What a refused git operation prints: which job failed on which hook, how (exit code, timeout,
 * a throw), its output, what was skipped, and how to go on. Pure text; the CLI prints it. Loaded
 * only when a gate fails, so a passing commit never pays for it.
 */
import path from 'node:path'
import { gitOperationOf } from '../hooks.js'
import type { JobResult } from '../job/result.js'
import type { GateRun, GateVerdict } from './gates.js'

const NOT_THROWN = new Set(['NOT_JSON', 'NO_RENDERER', 'NOTHING_TO_RUN', 'BAD_COMMAND', 'CANCELLED', 'TIMEOUT'])

/** How the job failed, in words. */
export function describeFailure(run: Extract<GateRun, { state: 'done' }>): string {
  const { result, job } = run
  const error = result.error
  if (result.status === 'timeout') return error?.message ?? 'timed out'
  if (result.status === 'cancelled') return 'was cancelled'
  if (!error) return 'failed'
  if (typeof job.run === 'function' && !NOT_THROWN.has(error.code)) {
    return `threw: ${error.message}${error.code === 'THREW' ? '' : ` (code ${error.code})`}`
  }
  return `failed: ${error.message}`
}

const indent = (log: string): string => {
  const text = log.replace(/\n+$/, '')
  if (text === '') return '  (no output)\n'
  return `${text
    .split('\n')
    .map((line) => `  │ ${line}`)
    .join('\n')}\n`
}

const attempts = (result: JobResult) => (result.attempts > 1 ? ` after ${result.attempts} attempts` : '')

export function formatVerdict(verdict: GateVerdict, root: string, shown: ReadonlySet<string> = new Set()): string {
  const lines: string[] = []
  for (const run of verdict.runs) {
    if (run.state !== 'done' || run.result.status === 'ok') continue
    const source = path.relative(root, run.job.source) || run.job.source
    lines.push(
      `gitvan: ${verdict.hook}: job '${run.job.id}' ${describeFailure(run)}${attempts(run.result)} (${source})\n`,
    )
    // Output already shown as it came is not repeated; gitvan's own notes about the run are.
    if (!shown.has(run.job.id)) lines.push(indent(run.result.log))
    else {
      const notes = run.result.log.split('\n').filter((line) => line.startsWith('[gitvan:'))
      if (notes.length > 0) lines.push(indent(notes.join('\n')))
    }
  }
  const skipped = verdict.runs.filter((run) => run.state === 'skipped').map((run) => run.job.id)
  if (skipped.length > 0) lines.push(`gitvan: ${verdict.hook}: not run after the failure: ${skipped.join(', ')}\n`)
  const operation = gitOperationOf(verdict.hook) ?? verdict.hook
  lines.push(
    `gitvan: the ${operation} was refused. Fix the problem and try again (to skip gitvan once: GITVAN=0 git ${operation} ...).\n`,
  )
  return lines.join('')
}
