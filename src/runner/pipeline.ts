/**
 * Events → facts → plan → queue → job → publish: the one path of the runner's batches and of
 * `gitvan run` (DESIGN 2), so both plan, run and record the same way.
 *
 *     runEvents(repo, events, jobs, { concurrency, force, signal, env, onResult }) → { plan, planMs, execution }
 *
 * Facts are read from git in bulk (schedule/facts.ts), the plan is pure (schedule/plan.ts), and
 * executePlan claims the runs' (job, commit) pairs (with `claims`), queues every run by priority and
 * publishes all the receipts as one notes commit per chunk of claims.
 * A failure to read or publish throws: the caller keeps its events (the runner re-queues them) and
 * nothing was recorded.
 */

import type { HookEvent } from '../event.js'
import type { Repo } from '../git/repo.js'
import type { JobResult } from '../job/result.js'
import type { Claimer } from '../schedule/claim.js'
import { type Execution, executePlan } from '../schedule/execute.js'
import { gatherFacts } from '../schedule/facts.js'
import { openJobCache, type ReceiptLayer } from '../schedule/jobCache.js'
import { type Plan, type PlannedRun, planJobs } from '../schedule/plan.js'
import type { Config, Job } from '../types.js'

export type PipelineOptions = {
  /** How many jobs run at once. */
  readonly concurrency: number
  /** Run again where a receipt exists (`gitvan run --force`). */
  readonly force?: boolean
  readonly signal?: AbortSignal
  /** The environment commands start from. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv
  /** Called once the plan is made, before any job runs. */
  readonly onPlan?: (plan: Plan) => void
  /** Called as each run ends, in completion order. */
  readonly onResult?: (run: PlannedRun, result: JobResult) => void
  /**
   * The job cache: the config's limits and on/off switch, and the receipts layer shared across
   * batches. Absent, or `off` (`--no-cache`): nothing is looked up or stored.
   */
  readonly cache?: {
    readonly config: Pick<Config, 'cache' | 'hash'>
    readonly off?: boolean
    readonly receipts?: ReceiptLayer
  }
  /** Where (job, commit) pairs are claimed before they run (schedule/claim.ts). */
  readonly claims?: Claimer
}

export type PipelineOutcome = {
  readonly plan: Plan
  /** Reading the facts and planning, in whole ms. */
  readonly planMs: number
  readonly execution: Execution
}

export async function runEvents(
  repo: Repo,
  events: readonly HookEvent[],
  jobs: readonly Job[],
  options: PipelineOptions,
): Promise<PipelineOutcome> {
  const planStart = performance.now()
  const facts = await gatherFacts(repo, events, jobs)
  const plan = planJobs(events, jobs, facts, options.force ? { force: true } : {})
  const planMs = Math.round(performance.now() - planStart)
  options.onPlan?.(plan)
  const cache =
    options.cache && !options.cache.off
      ? openJobCache({
          repo,
          config: options.cache.config,
          env: options.env ?? process.env,
          ...(options.cache.receipts ? { receipts: options.cache.receipts } : {}),
        })
      : undefined
  const execution = await executePlan(plan.runs, {
    repo,
    ...(cache ? { cache } : {}),
    concurrency: options.concurrency,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.onResult ? { onResult: options.onResult } : {}),
    ...(options.claims ? { claims: options.claims } : {}),
    ...(options.force ? { force: true } : {}),
  })
  return { plan, planMs, execution }
}
