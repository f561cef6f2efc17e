/**
 * What `gitvan run` tells the user: counts per job, the failures with their logs, one summary line
 * (pretty), one JSON document (`--reporter json`), JUnit XML (`junit`: a suite per job, a case per
 * run) or GitHub workflow commands (`github`: an `::error` per failure). Pure: run.ts prints.
 */

import type { JobError, JobResult, JobStatus } from '../job/result.js'
import type { PlannedRun } from '../schedule/plan.js'
import type { Job } from '../types.js'

export type JobCounts = {
  runs: number
  ok: number
  failed: number
  timeout: number
  cancelled: number
  skipped: number
}

export type Failure = {
  readonly job: string
  readonly commit: string
  readonly commits: readonly string[]
  readonly status: JobStatus
  readonly error?: JobError
  /** The end of what the job printed and logged. */
  readonly log: string
}

/** One finished run, for the JUnit report. */
export type Outcome = { readonly job: string; readonly commit: string; readonly status: JobStatus; readonly ms: number }

export type Tally = {
  planned: number
  done: number
  failed: number
  skipped: number
  receipts: number
  notesCommits: number
  readonly jobs: Map<string, JobCounts>
  readonly failures: Failure[]
  readonly outcomes: Outcome[]
}

export type RunFacts = { readonly range: string; readonly hook: string; readonly commits: number; readonly ms: number }

const LOG_TAIL = 4000

export const emptyTally = (jobs: readonly Job[]): Tally => ({
  planned: 0,
  done: 0,
  failed: 0,
  skipped: 0,
  receipts: 0,
  notesCommits: 0,
  jobs: new Map(jobs.map((job) => [job.id, { runs: 0, ok: 0, failed: 0, timeout: 0, cancelled: 0, skipped: 0 }])),
  failures: [],
  outcomes: [],
})

/** Counts one finished run; for a run that was not ok, returns the text to show. */
export function recordResult(tally: Tally, run: PlannedRun, result: JobResult): string | undefined {
  tally.done++
  tally.outcomes.push({ job: run.job.id, commit: run.commit, status: result.status, ms: result.ms })
  const counts = tally.jobs.get(run.job.id)
  if (counts) {
    counts.runs++
    counts[result.status]++
  }
  if (result.status === 'ok') return undefined
  tally.failed++
  const log = result.log.length > LOG_TAIL ? `…${result.log.slice(-LOG_TAIL)}` : result.log
  tally.failures.push({
    job: run.job.id,
    commit: run.commit,
    commits: run.commits,
    status: result.status,
    ...(result.error ? { error: result.error } : {}),
    log,
  })
  const why = result.error ? `: ${result.error.message}` : ''
  const body = log.trimEnd() ? `\n${log.trimEnd().replace(/^/gm, '  ')}` : ''
  return `gitvan: ${run.job.id} ${result.status === 'failed' ? 'failed' : `ended ${result.status}`} on ${run.commit.slice(0, 12)}${why}${body}\n`
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

export function formatSummary(tally: Tally, facts: RunFacts): string {
  const where = `${facts.range === 'all' ? 'all commits' : facts.range} (${plural(facts.commits, 'commit')}, ${facts.hook})`
  if (tally.jobs.size === 0) return `gitvan run: no job runs on ${facts.hook}; nothing to do for ${where}`
  const ok = tally.done - tally.failed
  const seconds = (facts.ms / 1000).toFixed(1)
  return (
    `gitvan run: ${where}: ${plural(tally.done, 'run')}, ${ok} ok, ${tally.failed} failed, ` +
    `${tally.skipped} skipped (receipt exists); ${plural(tally.receipts, 'receipt')} in ${plural(tally.notesCommits, 'notes commit')}, ${seconds} s`
  )
}

export function toJsonReport(tally: Tally, facts: RunFacts) {
  return {
    range: facts.range,
    hook: facts.hook,
    commits: facts.commits,
    runs: tally.done,
    ok: tally.done - tally.failed,
    failed: tally.failed,
    skipped: tally.skipped,
    receipts: tally.receipts,
    notesCommits: tally.notesCommits,
    ms: Math.round(facts.ms),
    jobs: Object.fromEntries(tally.jobs),
    failures: tally.failures,
  }
}

const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g
const xml = (text: string): string =>
  text
    .replace(XML_INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')

export function toJunit(tally: Tally, facts: RunFacts): string {
  const failures = new Map(tally.failures.map((failure) => [`${failure.job}\u0000${failure.commit}`, failure]))
  const suites = [...tally.jobs].map(([job, counts]) => {
    const cases = tally.outcomes
      .filter((outcome) => outcome.job === job)
      .map((outcome) => {
        const attrs = `classname="${xml(job)}" name="${xml(outcome.commit)}" time="${(outcome.ms / 1000).toFixed(3)}"`
        const failure = outcome.status === 'ok' ? undefined : failures.get(`${job}\u0000${outcome.commit}`)
        if (!failure) return `    <testcase ${attrs}/>`
        const message = failure.error?.message ?? failure.status
        return `    <testcase ${attrs}>\n      <failure type="${failure.status}" message="${xml(message)}">${xml(failure.log)}</failure>\n    </testcase>`
      })
    const head = `  <testsuite name="${xml(job)}" tests="${counts.runs}" failures="${counts.runs - counts.ok}" skipped="${counts.skipped}">`
    return [head, ...cases, '  </testsuite>'].join('\n')
  })
  const top = `<testsuites name="gitvan run ${xml(facts.range)}" tests="${tally.done}" failures="${tally.failed}" time="${(facts.ms / 1000).toFixed(3)}">`
  return ['<?xml version="1.0" encoding="UTF-8"?>', top, ...suites, '</testsuites>', ''].join('\n')
}

/** GitHub Actions workflow commands: data escaped as the runner expects (%, CR, LF). */
const workflowData = (text: string): string => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')

export function toGithub(tally: Tally, facts: RunFacts): string {
  const lines = tally.failures.map((failure) => {
    const title = workflowData(`gitvan ${failure.job}`).replace(/,/g, '%2C').replace(/:/g, '%3A')
    const message = `${failure.job} ${failure.status} on ${failure.commit}${failure.error ? `: ${failure.error.message}` : ''}${failure.log.trim() ? `\n${failure.log.trimEnd()}` : ''}`
    return `::error title=${title}::${workflowData(message)}`
  })
  return [...lines, formatSummary(tally, facts), ''].join('\n')
}
