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
 * - Files runs wrote for output refs are published in the same transaction (schedule/outputs.ts):
 *   one commit per output ref for the whole batch, and the receipts list them.
 * - `executePlan` returns after publishing; if publishing fails it throws (the caller keeps its
 *   events and tries again later) and nothing was recorded.
 * - With `claims` (schedule/claim.ts), runs go chunk by chunk: claim the chunk's (job, commit)
 *   pairs, drop what another runner holds or has done meanwhile, run what was won (through the job
 *   cache, as above), publish, then share and release the claims (also when publishing failed). A
 *   claimer that waits for held pairs (local) claims them again once their holder lets go, and
 *   runs what is still missing.
 */
import os from 'node:os'
import PQueue from 'p-queue'
import type { Claim, Pair } from '../git/claims.js'
import { publishReceipts, startPublish } from '../git/notes.js'
import type { Repo } from '../git/repo.js'
import type { JobInput } from '../job/input.js'
import type { JobResult } from '../job/result.js'
import { runJob } from '../job/run.js'
import { type Output, RECEIPT_SCHEMA, type Receipt } from '../receipt.js'
import { sleep } from '../sleep.js'
import { type Claimer, claimRuns } from './claim.js'
import { type JobCache, type Looked, reuseResult } from './jobCache.js'
import { hasWrites, outputsAlongside } from './outputs.js'
import { keepCommits, type PlannedRun, receiptKey } from './plan.js'
import { batchTemplateFacts } from './templateFacts.js'

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
  /** Claim each (job, commit) before running it (every runner process does; tests may not). */
  readonly claims?: Claimer
  /** Runs planned with `--force`: a pair won is run even if a receipt appeared meanwhile. */
  readonly force?: boolean
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
  /** Notes commits written (one per chunk that had receipts). */
  readonly notesCommits: number
  /** Pairs left to another runner (it held them, or did them while this one waited), by job id. */
  readonly held: ReadonlyMap<string, number>
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
  return options.claims ? executeClaimed(runs, options.claims, options) : executeRuns(runs, options)
}

const NO_HELD: ReadonlyMap<string, number> = new Map()

async function executeRuns(runs: readonly PlannedRun[], options: ExecuteOptions): Promise<Execution> {
  // The publish's first git read starts now, before the jobs grow the heap (a process start then
  // costs several times more) and while they run.
  const start = options.publish !== false && runs.length > 0 ? startPublish(options.repo) : undefined
  const queue = new PQueue({ concurrency: Math.max(1, Math.floor(options.concurrency)), autoStart: false })
  const looked: readonly Looked[] | undefined = options.cache ? await options.cache.lookup(runs) : undefined
  const enqueuedAt = performance.now()
  let firstStart: number | undefined
  let queueMs = 0
  const templateFacts = batchTemplateFacts(options.repo, runs)
  const inputOptions = templateFacts ? { ...options, templateFacts } : options
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
          const ran = await runJob(run.job, toInput(run, inputOptions), {
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
  const at = new Date().toISOString()
  const receiptsWith = (outputs: ReadonlyMap<number, readonly Output[]>): Receipt[] =>
    settled.flatMap(({ run, result }, index) => {
      if (result.status === 'cancelled') return []
      const onRef = outputs.get(index)
      return toReceipts(run, onRef ? { ...result, outputs: [...result.outputs, ...onRef] } : result, runner, at)
    })
  let receipts: readonly Receipt[] = receiptsWith(new Map())
  const publishStart = performance.now()
  const publishing = options.publish !== false && receipts.length > 0
  if (publishing) {
    const alongside = hasWrites(settled)
      ? outputsAlongside(options.repo, settled, runner, (outputs) => (receipts = receiptsWith(outputs)))
      : undefined
    await publishReceipts(options.repo, receipts, { ...(start ? { start } : {}), ...(alongside ? { alongside } : {}) })
  }
  const publishMs = performance.now() - publishStart
  return {
    outcomes: settled,
    receipts,
    failed: settled.filter(({ result }) => result.status !== 'ok').length,
    cache: {
      hit: settled.filter(({ result }) => result.cache === 'hit').length,
      miss: settled.filter(({ result }) => result.cache === 'miss').length,
    },
    notesCommits: publishing ? 1 : 0,
    held: NO_HELD,
    stages: { queueMs: round(queueMs), runMs: round(runMs), publishMs: round(publishMs) },
  }
}

/** The runs from a random place on, then those before it. */
function rotate(runs: readonly PlannedRun[]): PlannedRun[] {
  const offset = Math.floor(Math.random() * runs.length)
  return [...runs.slice(offset), ...runs.slice(0, offset)]
}

/** Takes runs from the front of `queue` until they cover about `size` pairs (at least one run). */
function takeChunk(queue: PlannedRun[], size: number): PlannedRun[] {
  const chunk: PlannedRun[] = []
  let pairs = 0
  while (queue.length > 0) {
    const next = queue[0] as PlannedRun
    if (pairs > 0 && pairs + next.commits.length > size) break
    chunk.push(next)
    pairs += next.commits.length
    queue.shift()
  }
  return chunk
}

const WAIT_MS = { first: 50, max: 1000 }

async function executeClaimed(
  runs: readonly PlannedRun[],
  claimer: Claimer,
  options: ExecuteOptions,
): Promise<Execution> {
  const outcomes: RunOutcome[] = []
  const receipts: Receipt[] = []
  const held = new Map<string, number>()
  const cache = { hit: 0, miss: 0 }
  const stages = { queueMs: 0, runMs: 0, publishMs: 0 }
  let failed = 0
  let notesCommits = 0
  let queue = claimer.spread ? rotate(runs) : [...runs]
  // A chunk doubles while its claims go uncontested (a runner alone makes few calls) and halves
  // when another runner is met, so runners that meet share what is left in smaller pieces.
  let size = claimer.chunk.first
  let seenFetches = claimer.counts.fetches
  let wait = WAIT_MS.first
  // Claims whose runs are published here but not yet shared (a remote's receipts push is the one
  // contended step: several chunks share one).
  let unshared: Claim[] = []
  let sharedAt = performance.now()
  const share = async (force: boolean): Promise<void> => {
    if (unshared.length === 0 || (!force && performance.now() - sharedAt < claimer.shareEveryMs)) return
    const claims = unshared
    unshared = []
    sharedAt = performance.now()
    await claimer.finish(claims, true)
  }
  while (queue.length > 0 && !options.signal?.aborted) {
    const waiting: PlannedRun[] = []
    let progressed = false
    while (queue.length > 0) {
      if (options.signal?.aborted) break
      // After each fetch, the whole rest of the range is checked at once against what others have
      // done (one read), so a runner passes over their part without a claim per chunk.
      let checked = false
      if (!options.force && claimer.counts.fetches !== seenFetches) {
        seenFetches = claimer.counts.fetches
        const done = await claimer.done([...new Set(queue.flatMap((run) => run.commits))])
        queue = dropDone(queue, done, held)
        checked = true
        if (queue.length === 0) break
      }
      const chunk = takeChunk(queue, size)
      const claimed = await claimRuns(chunk, claimer, { ...(options.force ? { force: true } : {}), checked })
      if (claimed.claims.length > 0) progressed = true
      const contested = claimed.held.length > 0 || claimed.doneElsewhere.length > 0
      size = contested ? Math.max(claimer.chunk.first, Math.floor(size / 2)) : Math.min(claimer.chunk.max, size * 2)
      // Met another runner: it works forward from here, so following it would meet it at every
      // chunk. Go on from another random place instead.
      if (contested && claimer.spread) queue = rotate(queue)
      let execution: Execution | undefined
      // Work that outlasts a third of the lease renews what it holds, so nobody takes it over.
      const renewing = setInterval(
        () => void claimer.renew([...unshared, ...claimed.claims]).catch(() => undefined),
        Math.max(1000, claimer.leaseMs / 3),
      )
      try {
        if (claimed.runs.length > 0) execution = await executeRuns(claimed.runs, options)
      } catch (error) {
        await claimer.finish(claimed.claims, false).catch(() => undefined)
        await share(true).catch(() => undefined)
        throw error
      } finally {
        clearInterval(renewing)
      }
      unshared.push(...claimed.claims)
      await share(queue.length === 0)
      if (execution) {
        outcomes.push(...execution.outcomes)
        receipts.push(...execution.receipts)
        failed += execution.failed
        notesCommits += execution.notesCommits
        cache.hit += execution.cache.hit
        cache.miss += execution.cache.miss
        stages.queueMs = Math.max(stages.queueMs, execution.stages.queueMs)
        stages.runMs = round(stages.runMs + execution.stages.runMs)
        stages.publishMs = round(stages.publishMs + execution.stages.publishMs)
      }
      for (const pair of claimed.doneElsewhere) count(held, pair.job)
      if (claimer.waitForHeld) waiting.push(...restrict(chunk, claimed.held))
      else for (const pair of claimed.held) count(held, pair.job)
    }
    await share(true)
    queue = waiting
    if (queue.length === 0) break
    // Another process has these: it publishes before it lets go, so the next claim finds its receipts.
    if (progressed) wait = WAIT_MS.first
    await sleep(wait, options.signal)
    wait = Math.min(WAIT_MS.max, wait * 2)
  }
  await share(true)
  return { outcomes, receipts, failed, cache, notesCommits, held, stages }
}

/** The runs without the pairs in `done` (counted in `held`), runs left with none dropped. */
function dropDone(runs: readonly PlannedRun[], done: ReadonlySet<string>, held: Map<string, number>): PlannedRun[] {
  return keepCommits(runs, (job, commit) => {
    if (!done.has(receiptKey(job, commit))) return true
    count(held, job)
    return false
  })
}

const count = (counts: Map<string, number>, job: string): void => {
  counts.set(job, (counts.get(job) ?? 0) + 1)
}

/** The runs cut down to the held pairs. */
function restrict(runs: readonly PlannedRun[], heldPairs: readonly Pair[]): PlannedRun[] {
  if (heldPairs.length === 0) return []
  const wanted = new Set(heldPairs.map((pair) => receiptKey(pair.job, pair.commit)))
  return keepCommits(runs, (job, commit) => wanted.has(receiptKey(job, commit)))
}

/** A run's result as the cache saw it: `miss` with the key it is stored under, or `off`. */
function withCache(result: JobResult, entry: Looked, cache: JobCache): JobResult {
  // Files for an output ref are published from the run itself: a hit, which runs nothing, could not
  // put them back (after `output.replace`, a deleted ref, a forced re-run), so such a run is not cached.
  if (entry.kind !== 'miss' || (result.writes?.length ?? 0) > 0) return { ...result, cache: 'off' }
  const key = cache.keyOf(entry)
  return key === undefined ? { ...result, cache: 'off' } : { ...result, cache: 'miss', key }
}

const round = (ms: number): number => Math.round(ms * 10) / 10

const toInput = (run: PlannedRun, options: ExecuteOptions & Pick<JobInput, 'templateFacts'>): JobInput => ({
  hook: run.hook,
  args: run.args,
  stdin: run.stdin,
  commit: run.commit,
  commits: run.commits,
  files: run.files,
  branch: run.branch,
  root: options.repo.root,
  ...(options.env ? { env: options.env } : {}),
  ...(options.templateFacts ? { templateFacts: options.templateFacts } : {}),
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
