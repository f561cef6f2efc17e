/**
 * `gitvan stats [--json] [--last N]`: where the runner's time goes. The runner appends one JSON line
 * per published batch to `<git-common-dir>/gitvan/metrics.jsonl`:
 *
 *   {"at": ISO, "events": n, "runs": n,
 *    "stages": {"spoolWaitMs", "planMs", "queueMs", "runMs", "publishMs"}, "cache": {"hit": n, "miss": n}}
 *
 * This command reads the most recent batches and prints p50/p95/p99 of each stage and the cache hit
 * rate. Reading never fails on the file's content: a torn last line (a runner killed mid-write) or
 * a line from another version is skipped and counted, so stats stay available after a crash.
 * No metrics yet is an answer, not an error (exit 0).
 *
 * The batches report the runner's own lookups of the job cache (either layer: disk or receipts).
 * The hit rate adds the disk cache's count of gate lookups (its journal's hits and misses outside
 * jobs/: gates in blocking hooks, and the shim's probe hits, which never reach node), so it is
 * real for a repository whose only jobs are gates; the journal's job lookups are the runner's and
 * `gitvan run`'s, already counted by the batches or not the runner's. The journal's count is not
 * limited by --last.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { replayJournal } from '../../cache/format.js'
import { cacheDirOf } from '../../cache/store.js'
import { GitvanError } from '../../errors.js'
import { findRepo } from '../../git/repo.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'

export const STAGES = ['spoolWaitMs', 'planMs', 'queueMs', 'runMs', 'publishMs'] as const
export type Stage = (typeof STAGES)[number]

const STAGE_LABELS: Record<Stage, string> = {
  spoolWaitMs: 'spool wait',
  planMs: 'plan',
  queueMs: 'queue',
  runMs: 'run',
  publishMs: 'publish',
}

export type Quantiles = { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number }

export type MetricsSummary = {
  readonly file: string
  readonly batches: number
  readonly from: string | null
  readonly to: string | null
  readonly events: number
  readonly runs: number
  /** null for a stage no batch reported. */
  readonly stages: Readonly<Record<Stage, Quantiles | null>>
  /** hitRate is null when no batch looked anything up in the cache. */
  readonly cache: { readonly hit: number; readonly miss: number; readonly hitRate: number | null }
  /** 1-based line numbers of lines that were not a batch record. */
  readonly skippedLines: readonly number[]
  /** Where `cache` came from: the runner's batches and the disk cache's journal (present once read). */
  readonly cacheSources?: {
    readonly batches: { readonly hit: number; readonly miss: number }
    readonly journal: { readonly file: string; readonly hit: number; readonly miss: number }
  }
}

type Batch = {
  readonly at: string | null
  readonly events: number
  readonly runs: number
  readonly stages: Partial<Record<Stage, number>>
  readonly hit: number
  readonly miss: number
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0

/** One line of metrics.jsonl as a batch, or undefined when the line is not one. */
export function toBatch(line: string): Batch | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return undefined
  }
  if (!isRecord(value) || !isRecord(value.stages)) return undefined
  const stages: Partial<Record<Stage, number>> = {}
  for (const stage of STAGES) {
    const ms = value.stages[stage]
    if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) stages[stage] = ms
  }
  const cache = isRecord(value.cache) ? value.cache : {}
  return {
    at: typeof value.at === 'string' ? value.at : null,
    events: count(value.events),
    runs: count(value.runs),
    stages,
    hit: count(cache.hit),
    miss: count(cache.miss),
  }
}

/** Nearest-rank quantile of sorted values (the value below which a fraction p of the samples lie). */
const quantile = (sorted: readonly number[], p: number): number =>
  sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0

export function quantiles(values: readonly number[]): Quantiles | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return {
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? 0,
  }
}

/** Summarises the last `last` batch records of a metrics file's text. Pure: no IO. */
export function summarizeMetrics(file: string, text: string, last: number): MetricsSummary {
  const skippedLines: number[] = []
  const batches: Batch[] = []
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return
    const batch = toBatch(line)
    if (batch) batches.push(batch)
    else skippedLines.push(index + 1)
  })
  const recent = batches.slice(-last)
  const stages = Object.fromEntries(
    STAGES.map((stage) => [
      stage,
      quantiles(recent.flatMap((b) => (b.stages[stage] === undefined ? [] : [b.stages[stage]]))),
    ]),
  ) as Record<Stage, Quantiles | null>
  const hit = recent.reduce((sum, b) => sum + b.hit, 0)
  const miss = recent.reduce((sum, b) => sum + b.miss, 0)
  const times = recent.flatMap((b) => (b.at === null ? [] : [b.at])).sort()
  return {
    file,
    batches: recent.length,
    from: times[0] ?? null,
    to: times[times.length - 1] ?? null,
    events: recent.reduce((sum, b) => sum + b.events, 0),
    runs: recent.reduce((sum, b) => sum + b.runs, 0),
    stages,
    cache: { hit, miss, hitRate: hit + miss === 0 ? null : hit / (hit + miss) },
    skippedLines,
  }
}

const ms = (value: number): string => value.toFixed(1).padStart(9)

export function formatSummary(summary: MetricsSummary): string {
  const skipped =
    summary.skippedLines.length === 0
      ? ''
      : `skipped ${summary.skippedLines.length} line(s) of ${summary.file} that are not batch records (line ${summary.skippedLines.slice(0, 5).join(', ')}${summary.skippedLines.length > 5 ? ', …' : ''})\n`
  const cacheLines = [
    summary.cache.hitRate === null
      ? 'cache: no lookups'
      : `cache: ${(summary.cache.hitRate * 100).toFixed(1)}% hit rate (${summary.cache.hit} hits, ${summary.cache.miss} misses)`,
    ...(summary.cacheSources && summary.cache.hitRate !== null
      ? [
          `  gates (disk cache journal): ${summary.cacheSources.journal.hit} hits, ${summary.cacheSources.journal.miss} misses; runner batches: ${summary.cacheSources.batches.hit} hits, ${summary.cacheSources.batches.miss} misses`,
        ]
      : []),
  ]
  if (summary.batches === 0) {
    const noMetrics = `${skipped}No metrics yet: ${summary.file} has no batch records. The runner adds one line per batch it publishes.\n`
    return summary.cache.hitRate === null ? noMetrics : `${noMetrics}\n${cacheLines.join('\n')}\n`
  }
  const span = summary.from && summary.to ? `, ${summary.from} to ${summary.to}` : ''
  const lines = [
    `${summary.batches} batch${summary.batches === 1 ? '' : 'es'}${span}: ${summary.events} events, ${summary.runs} job runs`,
    '',
    `${'stage'.padEnd(12)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}`,
    ...STAGES.map((stage) => {
      const q = summary.stages[stage]
      const label = STAGE_LABELS[stage].padEnd(12)
      return q
        ? `${label}${ms(q.p50)}${ms(q.p95)}${ms(q.p99)}${ms(q.max)}`
        : `${label}${'-'.padStart(9)}  (no batch reported it)`
    }),
    '',
    ...cacheLines,
  ]
  return `${skipped}${lines.join('\n')}\n`
}

/** Adds the disk cache journal's hits and misses to the batches' count. Pure. */
export function withJournal(
  summary: MetricsSummary,
  journal: { readonly file: string; readonly hits: number; readonly misses: number },
): MetricsSummary {
  const hit = summary.cache.hit + journal.hits
  const miss = summary.cache.miss + journal.misses
  return {
    ...summary,
    cache: { hit, miss, hitRate: hit + miss === 0 ? null : hit / (hit + miss) },
    cacheSources: {
      batches: { hit: summary.cache.hit, miss: summary.cache.miss },
      journal: { file: journal.file, hit: journal.hits, miss: journal.misses },
    },
  }
}

/** The disk cache journal's text; '' when there is none or it cannot be read (stats never fail on the cache). */
function readJournal(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function readMetrics(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw new GitvanError('USAGE', `cannot read ${file}: ${(error as Error).message}`, {
      details: ['Check the file permissions, or delete the file: the runner starts a new one.'],
    })
  }
}

const USAGE = `Usage: gitvan stats [--json] [--last N]

Where the runner's time goes, per stage (spool wait, plan, queue, run, publish), as p50/p95/p99
over the most recent batches, and the cache hit rate. Read from <git-common-dir>/gitvan/metrics.jsonl,
which the runner appends one line to per batch. The hit rate is the runner's jobs' (hits of the disk
cache or of receipts, from the batches) and the gates' (blocking hooks, from the cache's journal;
see 'gitvan cache stats', which also counts gitvan run's job lookups).

Options:
  --json      print one JSON document
  --last N    how many recent batches to summarise (default 1000)
`

export const command: Command = {
  name: 'stats',
  summary: 'per-stage runner timings (p50/p95/p99) and the cache hit rate',
  usage: USAGE,
  run: async (args, io) => {
    const { values } = parseCommandArgs('stats', args, { json: { type: 'boolean' }, last: { type: 'string' } }, false)
    const last = values.last === undefined ? 1000 : Number(values.last)
    if (!Number.isInteger(last) || last < 1) {
      throw new GitvanError('USAGE', `stats: --last expects a whole number of batches >= 1, got '${values.last}'.`, {
        details: ["Run 'gitvan stats --help' for usage."],
      })
    }
    const repo = findRepo(io.cwd)
    const file = path.join(repo.stateDir, 'metrics.jsonl')
    const journalFile = path.join(cacheDirOf(repo, io.env), 'journal')
    const journal = replayJournal(readJournal(journalFile))
    const summary = withJournal(summarizeMetrics(file, readMetrics(file), last), {
      file: journalFile,
      hits: journal.hits - journal.jobHits,
      misses: journal.misses - journal.jobMisses,
    })
    io.stdout(values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary))
    return 0
  },
}
