/**
 * What `gitvan run` tells the user: counts per job, the failures with their logs, one summary line
 * (pretty), one JSON document (`--reporter json`), JUnit XML (`junit`: a suite per job, a case per
 * run; github.ts has the GitHub workflow commands). Pure: the CLI prints.
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
  /** Runs answered by the job cache (counted in `runs` and `ok` too): nothing ran. */
  cached: number
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

/** One finished run, for the json and JUnit reports. */
export type Outcome = {
  readonly job: string
  readonly commit: string
  readonly status: JobStatus
  readonly ms: number
  readonly cache: 'hit' | 'miss' | 'off'
  readonly error?: JobError
}

/** What a report needs of a run: which job, on which commit (and the commits a batch run covered). */
export type RunRef = Pick<PlannedRun, 'job' | 'commit' | 'commits'>

export type Tally = {
  planned: number
  done: number
  failed: number
  skipped: number
  /** Runs answered by the job cache. */
  cached: number
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
  cached: 0,
  receipts: 0,
  notesCommits: 0,
  jobs: new Map(
    jobs.map((job) => [job.id, { runs: 0, ok: 0, failed: 0, timeout: 0, cancelled: 0, skipped: 0, cached: 0 }]),
  ),
  failures: [],
  outcomes: [],
})

/** Counts one finished run; for a run that was not ok, returns the text to show. */
export function recordResult(tally: Tally, run: RunRef, result: JobResult): string | undefined {
  tally.done++
  tally.outcomes.push({
    job: run.job.id,
    commit: run.commit,
    status: result.status,
    ms: result.ms,
    cache: result.cache ?? 'off',
    ...(result.error ? { error: result.error } : {}),
  })
  const counts = tally.jobs.get(run.job.id)
  if (counts) {
    counts.runs++
    counts[result.status]++
  }
  if (result.cache === 'hit') {
    tally.cached++
    if (counts) counts.cached++
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
    `gitvan run: ${where}: ${plural(tally.done, 'run')}, ${ok} ok${tally.cached > 0 ? ` (${tally.cached} from the cache)` : ''}, ${tally.failed} failed, ` +
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
    cached: tally.cached,
    receipts: tally.receipts,
    notesCommits: tally.notesCommits,
    ms: Math.round(facts.ms),
    jobs: Object.fromEntries(tally.jobs),
    /** Every run: per job and commit, its status, duration, cache use and error. */
    results: tally.outcomes.map((outcome) => ({ ...outcome, ms: Math.round(outcome.ms) })),
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

/** What a JUnit report names beyond the tally: commit subjects, the host, when the run started. */
export type JunitFacts = {
  readonly subjects: ReadonlyMap<string, string>
  readonly hostname: string
  /** ISO 8601, when the run started. */
  readonly timestamp: string
}

/**
 * JUnit XML as CI servers read it: a suite per job, a case per job and commit named
 * `<job> @ <short sha> <subject>`, a failure holding the error and the job's output. Every
 * element and attribute the common schemas require is there (Ant's JUnit.xsd: `properties`,
 * `system-out` and `system-err` in each suite; `id`, `package`, `hostname`, `timestamp`, `time`,
 * `errors`), so strict parsers accept it too.
 */
export function toJunit(tally: Tally, facts: RunFacts, junit: JunitFacts): string {
  const failures = new Map(tally.failures.map((failure) => [`${failure.job}\u0000${failure.commit}`, failure]))
  const timestamp = junit.timestamp.replace(/\.\d+Z$|Z$/, '')
  const suites = [...tally.jobs].map(([job, counts], index) => {
    const outcomes = tally.outcomes.filter((outcome) => outcome.job === job)
    const ms = outcomes.reduce((sum, outcome) => sum + outcome.ms, 0)
    const cases = outcomes.map((outcome) => {
      const subject = junit.subjects.get(outcome.commit)
      const name = `${job} @ ${outcome.commit.slice(0, 12)}${subject ? ` ${subject}` : ''}`
      const attrs = `name="${xml(name)}" classname="${xml(job)}" time="${(outcome.ms / 1000).toFixed(3)}"`
      const failure = outcome.status === 'ok' ? undefined : failures.get(`${job}\u0000${outcome.commit}`)
      if (!failure) return `    <testcase ${attrs}/>`
      const message = failure.error?.message ?? failure.status
      return `    <testcase ${attrs}>\n      <failure type="${xml(failure.status)}" message="${xml(message)}">${xml(failure.log)}</failure>\n    </testcase>`
    })
    const head =
      `  <testsuite name="${xml(job)}" id="${index}" package="gitvan" hostname="${xml(junit.hostname)}" timestamp="${timestamp}" ` +
      `tests="${counts.runs}" failures="${counts.runs - counts.ok}" errors="0" skipped="${counts.skipped}" time="${(ms / 1000).toFixed(3)}">`
    return [head, '    <properties/>', ...cases, '    <system-out/>', '    <system-err/>', '  </testsuite>'].join('\n')
  })
  const top = `<testsuites name="gitvan run ${xml(facts.range)}" tests="${tally.done}" failures="${tally.failed}" errors="0" time="${(facts.ms / 1000).toFixed(3)}">`
  return ['<?xml version="1.0" encoding="UTF-8"?>', top, ...suites, '</testsuites>', ''].join('\n')
}
