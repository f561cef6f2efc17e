/**
 * Plan → queue → job → publish: the one path the async runner and `gitvan run` share.
 *
 *     const { runs } = planJobs(events, config.jobs, await gatherFacts(repo, events, config.jobs))
 *     const execution = await executePlan(runs, { repo, concurrency: config.concurrency })
 *
 * - Every run goes into one p-queue before the queue starts, so priorities order the whole batch
 *   (higher first; FIFO, i.e. plan order, within a priority), with at most `concurrency` at once.
 * - Each run goes through `runJob`, which owns timeouts and retries with backoff; a run's outcome
 *   is a value, so one failing job never stops the others.
 * - Receipts (DESIGN 3.3) are built per covered commit (a `batch` run covers several) and published
 *   with ONE `publishReceipts` call for the whole batch: one notes commit, moved by compare-and-swap.
 *   Cancelled runs get no receipt, so the next batch does them again.
 * - With a job cache (jobCache.ts), the batch is looked up in one pass before the queue starts: a
 *   hit is the run's result and runs nothing; the misses' `ok` results are stored in one pass
 *   after the queue drained. Receipts say `cache: hit | miss | off` and carry the key.
 * - `executePlan` returns after publishing; if publishing fails it throws (the caller keeps its
 *   events and tries again later) and nothing was recorded.
 */
import os from 'node:os'
import PQueue from 'p-queue'
import { publishReceipts, startPublish } from '../git/notes.js'
import type { Repo } from '../git/repo.js'
import type { JobInput } from '../job/input.js'
import type { JobResult } from '../job/result.js'
import { runJob } from '../job/run.js'
import { RECEIPT_SCHEMA, type Receipt } from '../receipt.js'
import { type JobCache, type Looked, reuseResult } from './jobCache.js'
import type { PlannedRun } from './plan.js'

export type ExecuteOptions = {
  readonly repo: Repo
  /** How many jobs run at once (at least 1). */
  readonly concurrency: number
  /** Aborting cancels running jobs and drops queued ones (they end `cancelled`, without receipt). */
  readonly signal?: AbortSignal
  /** The environment commands start from. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv
  /** Called as each run ends, in completion order (progress, logs). */
  readonly onResult?: (run: PlannedRun, result: JobResult) => void
  /** Default true; `false` runs the jobs and returns the receipts without writing them. */
  readonly publish?: boolean
  /** The job cache (jobCache.ts); without one every receipt says `cache: 'off'`. */
  readonly cache?: JobCache
}

export type RunOutcome = { readonly run: PlannedRun; readonly result: JobResult }

export type Execution = {
  /** One per planned run, in plan order. */
  readonly outcomes: readonly RunOutcome[]
  /** What was published (or would have been, with `publish: false`). */
  readonly receipts: readonly Receipt[]
  /** Runs whose status is not `ok` (cancelled ones included). */
  readonly failed: number
  /** Runs the job cache answered, and runs it was asked about and could not. */
  readonly cache: { readonly hit: number; readonly miss: number }
  readonly stages: {
    /** The longest any run waited in the queue before it started. */
    readonly queueMs: number
    /** From the first run's start until the queue drained. */
    readonly runMs: number
    readonly publishMs: number
  }
}

/** `host:pid` of this process, as receipts name their runner. */
export const runnerName = (): string => `${os.hostname()}:${process.pid}`

export async function executePlan(runs: readonly PlannedRun[], options: ExecuteOptions): Promise<Execution> {
  // The publish's first git read starts now, before the jobs grow the heap (a process start then
  // costs several times more) and while they run.
  const start = options.publish !== false && runs.length > 0 ? startPublish(options.repo) : undefined
  const queue = new PQueue({ concurrency: Math.max(1, Math.floor(options.concurrency)), autoStart: false })
  const looked: readonly Looked[] | undefined = options.cache ? await options.cache.lookup(runs) : undefined
  const enqueuedAt = performance.now()
  let firstStart: number | undefined
  let queueMs = 0
  const outcomes: Promise<RunOutcome>[] = []
  for (const [i, run] of runs.entries()) {
    const entry = looked?.[i]
    if (entry?.kind === 'hit') {
      options.onResult?.(run, entry.result)
      outcomes.push(Promise.resolve({ run, result: entry.result }))
      continue
    }
    outcomes.push(
      queue.add(
        async (): Promise<RunOutcome> => {
          const start = performance.now()
          firstStart ??= start
          queueMs = Math.max(queueMs, start - enqueuedAt)
          // An earlier run of the same job in this batch may produce this one's result (same key):
          // it started first (same priority, plan order), so waiting for it cannot hold the queue.
          for (const leader of entry?.kind === 'miss' ? entry.leaders : []) {
            const reused = reuseResult(run, entry as Looked, (await outcomes[leader])?.result)
            if (reused) {
              options.onResult?.(run, reused)
              return { run, result: reused }
            }
          }
          const reads = entry?.kind === 'miss' ? entry.reads : undefined
          const ran = await runJob(run.job, toInput(run, options), {
            ...(options.signal ? { signal: options.signal } : {}),
            ...(reads ? { reads } : {}),
          })
          const result = entry && options.cache ? withCache(ran, entry, options.cache) : ran
          options.onResult?.(run, result)
          return { run, result }
        },
        { priority: run.job.priority },
      ),
    )
  }
  queue.start()
  const settled = await Promise.all(outcomes)
  const runMs = firstStart === undefined ? 0 : performance.now() - firstStart
  if (looked && options.cache)
    options.cache.store(
      looked,
      settled.map(({ result }) => result),
    )

  const runner = runnerName()
  const receipts = settled.flatMap(({ run, result }) =>
    result.status === 'cancelled' ? [] : toReceipts(run, result, runner),
  )
  const publishStart = performance.now()
  if (options.publish !== false && receipts.length > 0)
    await publishReceipts(options.repo, receipts, start ? { start } : {})
  const publishMs = performance.now() - publishStart
  return {
    outcomes: settled,
    receipts,
    failed: settled.filter(({ result }) => result.status !== 'ok').length,
    cache: {
      hit: settled.filter(({ result }) => result.cache === 'hit').length,
      miss: settled.filter(({ result }) => result.cache === 'miss').length,
    },
    stages: { queueMs: round(queueMs), runMs: round(runMs), publishMs: round(publishMs) },
  }
}

/** A run's result as the cache saw it: `miss` with the key it is stored under, or `off`. */
function withCache(result: JobResult, entry: Looked, cache: JobCache): JobResult {
  if (entry.kind !== 'miss') return { ...result, cache: 'off' }
  const key = cache.keyOf(entry)
  return key === undefined ? { ...result, cache: 'off' } : { ...result, cache: 'miss', key }
}

const round = (ms: number): number => Math.round(ms * 10) / 10

const toInput = (run: PlannedRun, options: ExecuteOptions): JobInput => ({
  hook: run.hook,
  args: run.args,
  stdin: run.stdin,
  commit: run.commit,
  commits: run.commits,
  files: run.files,
  branch: run.branch,
  root: options.repo.root,
  ...(options.env ? { env: options.env } : {}),
})

/** One receipt per commit the run covered. */
export function toReceipts(
  run: PlannedRun,
  result: JobResult,
  runner: string,
  at = new Date().toISOString(),
): readonly Receipt[] {
  return run.commits.map((commit) => ({
    schema: RECEIPT_SCHEMA,
    job: run.job.id,
    commit,
    hook: run.hook,
    status: result.status,
    at,
    ms: Math.round(result.ms),
    cache: result.cache ?? 'off',
    ...(result.key === undefined || result.cache === 'off' || result.cache === undefined ? {} : { key: result.key }),
    ...(result.data === undefined ? {} : { data: result.data }),
    ...(result.error === undefined ? {} : { error: result.error }),
    outputs: result.outputs,
    runner,
  }))
}
