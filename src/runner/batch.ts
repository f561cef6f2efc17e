/**
 * One batch of the runner: claim → parse → load config → facts → plan → execute (one notes
 * commit) → delete the claimed files → metrics. Whatever goes wrong before publishing puts the
 * files back in the spool; nothing is deleted that was not published. Malformed files go to
 * spool/bad/, files still being written back to the spool.
 */
import { loadConfig } from '../config/load.js'
import { GitvanError } from '../errors.js'
import { executePlan } from '../schedule/execute.js'
import { gatherFacts } from '../schedule/facts.js'
import { planJobs } from '../schedule/plan.js'
import type { Owner } from '../spool/lock.js'
import { recordBatch } from '../spool/log.js'
import { claim, finish, loadClaimed, requeue } from '../spool/spool.js'
import type { Config } from '../types.js'
import type { RunnerExit, RunnerOptions } from './lifecycle.js'

export type BatchOutcome = {
  readonly ok: boolean
  readonly claimed: number
  readonly failed: number
  readonly config?: Config
  readonly fatal?: RunnerExit['reason']
}

export async function runBatch(options: RunnerOptions, owner: Owner, take: number): Promise<BatchOutcome> {
  const { repo, log, signal } = options
  const stateDir = repo.stateDir
  const claimStart = Date.now()
  const claimed = claim(stateDir, owner, take)
  if (claimed.length === 0) return { ok: true, claimed: 0, failed: 0 }
  const oldest = Math.min(...claimed.map((item) => item.mtimeMs))
  const spoolWaitMs = Math.max(0, Math.round(claimStart - oldest))
  const { events, bad, incomplete } = loadClaimed(stateDir, claimed)
  for (const item of bad) log.info(`malformed event ${item.name} moved to spool/bad/: ${item.reason}`)
  if (incomplete > 0) log.debug(`${incomplete} event file(s) still being written; left for the next batch`)
  if (events.length === 0) return { ok: true, claimed: claimed.length, failed: 0 }
  let config: Config
  try {
    config = await loadConfig(repo.root)
  } catch (error) {
    requeue(stateDir, claimed)
    log.info(`cannot load the config, events stay in the spool: ${describeError(error)}`)
    return { ok: false, claimed: claimed.length, failed: 0, fatal: 'config' }
  }
  try {
    const planStart = performance.now()
    const facts = await gatherFacts(repo, events, config.jobs)
    const plan = planJobs(events, config.jobs, facts)
    const planMs = Math.round(performance.now() - planStart)
    log.debug(`planned ${plan.runs.length} run(s) for ${events.length} event(s); ${plan.skipped} already had receipts`)
    const execution = await executePlan(plan.runs, {
      repo,
      concurrency: config.concurrency,
      ...(signal ? { signal } : {}),
      ...(options.env ? { env: options.env } : {}),
      onResult: (run, result) => {
        const line = `${run.job.id} on ${run.commit.slice(0, 12)} (${run.hook}): ${result.status} in ${Math.round(result.ms)} ms`
        if (result.status === 'ok') return log.debug(line)
        const text = `${line}${result.error ? `: ${result.error.message}` : ''}${result.log ? `\n${result.log.trimEnd()}` : ''}`
        log.info(text)
        options.report?.(`gitvan: ${text}\n`)
      },
    })
    if (signal?.aborted) {
      requeue(stateDir, claimed)
      log.info(
        `stopped by a signal: ${execution.receipts.length} receipt(s) published, ${claimed.length} event(s) back in the spool`,
      )
      return { ok: true, claimed: claimed.length, failed: execution.failed, config }
    }
    finish(claimed)
    const runs = plan.runs.length
    recordBatch(stateDir, {
      at: new Date().toISOString(),
      events: events.length,
      runs,
      stages: { spoolWaitMs, planMs, ...execution.stages },
      cache: { hit: 0, miss: 0 },
      failed: execution.failed,
      receipts: execution.receipts.length,
      skipped: plan.skipped,
      bad: bad.length,
      runner: owner.pid,
    })
    log.info(
      `batch: ${events.length} event(s), ${runs} run(s), ${execution.failed} not ok, ${execution.receipts.length} receipt(s) published`,
    )
    return { ok: true, claimed: claimed.length, failed: execution.failed, config }
  } catch (error) {
    requeue(stateDir, claimed)
    log.info(`batch of ${claimed.length} event(s) not done: ${describeError(error)}`)
    return { ok: false, claimed: claimed.length, failed: 0, config }
  }
}

export const describeError = (error: unknown): string =>
  error instanceof GitvanError
    ? [error.message, ...error.details].join('\n')
    : error instanceof Error
      ? (error.stack ?? error.message)
      : String(error)
