/**
 * One batch of the runner, in two steps the runner calls in order:
 *
 *     claimBatch (rename spool files into the runner's own directory, parse them)
 *     ─▶ the runner loads its config ─▶ runClaimed (facts → plan → queue → job → publish, one notes
 *     commit) ─▶ delete the claimed files ─▶ metrics
 *
 * Whatever goes wrong before publishing puts the files back in the spool; nothing is deleted that
 * was not published. Malformed files go to spool/bad/, files still being written back to the spool.
 */
import { GitvanError } from '../errors.js'
import type { HookEvent } from '../event.js'
import type { Repo } from '../git/repo.js'
import { leaseMs, localClaimer } from '../schedule/claim.js'
import type { Owner } from '../spool/lock.js'
import { type Log, noteFailure, recordBatch } from '../spool/log.js'
import { type Bad, type Claimed, claim, finish, loadClaimed, requeue } from '../spool/spool.js'
import type { Config } from '../types.js'
import { runEvents } from './pipeline.js'

export type BatchOptions = {
  readonly repo: Repo
  readonly log: Log
  readonly env?: NodeJS.ProcessEnv
  readonly signal?: AbortSignal
  /** Where a run that did not end ok is reported, besides the log. */
  readonly report?: (text: string) => void
}

export type ClaimedBatch = {
  readonly claimed: readonly Claimed[]
  readonly events: readonly HookEvent[]
  readonly bad: number
  /** How long the oldest claimed event waited in the spool, in ms. */
  readonly spoolWaitMs: number
}

export type BatchOutcome = {
  readonly ok: boolean
  readonly claimed: number
  readonly failed: number
}

/**
 * Claims up to `take` events; what is not an event (malformed, not a regular file, too large) goes
 * to spool/bad/ and is logged once, incomplete ones stay for later.
 */
export function claimBatch(options: BatchOptions, owner: Owner, take: number): ClaimedBatch {
  const { repo, log } = options
  const claimStart = Date.now()
  const { claimed, bad: poison } = claim(repo.stateDir, owner, take)
  logBad(log, poison)
  if (claimed.length === 0) return { claimed, events: [], bad: poison.length, spoolWaitMs: 0 }
  const oldest = Math.min(...claimed.map((item) => item.mtimeMs))
  const spoolWaitMs = Math.max(0, Math.round(claimStart - oldest))
  const { events, bad, incomplete } = loadClaimed(repo.stateDir, claimed)
  logBad(log, bad)
  if (incomplete > 0) log.debug(`${incomplete} event file(s) still being written; left for the next batch`)
  return { claimed, events, bad: poison.length + bad.length, spoolWaitMs }
}

const logBad = (log: Log, bad: readonly Bad[]): void => {
  for (const item of bad)
    log.info(
      item.moved
        ? `malformed event ${item.name} moved to spool/bad/: ${item.reason}`
        : `malformed event ${item.name} left in place: ${item.reason}`,
    )
}

/** Puts a claimed batch back in the spool (the config could not be loaded). */
export const releaseBatch = (options: BatchOptions, batch: ClaimedBatch): void =>
  requeue(options.repo.stateDir, batch.claimed)

/** Runs a claimed batch with the config the runner loaded for it. */
export async function runClaimed(
  options: BatchOptions,
  owner: Owner,
  batch: ClaimedBatch,
  config: Config,
): Promise<BatchOutcome> {
  const { repo, log, signal } = options
  const stateDir = repo.stateDir
  const { claimed, events } = batch
  try {
    const { plan, planMs, execution } = await runEvents(repo, events, config.jobs, {
      concurrency: config.concurrency,
      cache: { config },
      // `gitvan run` may be doing the same commits: each (job, commit) is claimed, so one runs it.
      claims: localClaimer(repo, leaseMs(options.env ?? process.env)),
      ...(signal ? { signal } : {}),
      ...(options.env ? { env: options.env } : {}),
      onPlan: (plan) =>
        log.debug(
          `planned ${plan.runs.length} run(s) for ${events.length} event(s); ${plan.skipped} already had receipts`,
        ),
      onResult: (run, result) => {
        const line = `${run.job.id} on ${run.commit.slice(0, 12)} (${run.hook}): ${result.status} in ${Math.round(result.ms)} ms`
        if (result.status === 'ok') return log.debug(line)
        // In the background nobody sees the log: the next hook says so (a terminal was told already).
        if (!options.report)
          noteFailure(
            stateDir,
            `background job '${run.job.id}' ${result.status === 'failed' ? 'failed' : `ended ${result.status}`} on ${run.commit.slice(0, 12)} (${run.hook}): 'gitvan log' shows why`,
          )
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
      return { ok: true, claimed: claimed.length, failed: execution.failed }
    }
    finish(claimed)
    const runs = plan.runs.length
    recordBatch(stateDir, {
      at: new Date().toISOString(),
      events: events.length,
      runs,
      stages: { spoolWaitMs: batch.spoolWaitMs, planMs, ...execution.stages },
      cache: execution.cache,
      failed: execution.failed,
      receipts: execution.receipts.length,
      skipped: plan.skipped,
      bad: batch.bad,
      runner: owner.pid,
    })
    const held = [...execution.held.values()].reduce((a, b) => a + b, 0)
    log.info(
      `batch: ${events.length} event(s), ${runs} run(s), ${execution.failed} not ok, ${execution.receipts.length} receipt(s) published${held > 0 ? `, ${held} left to another runner` : ''}`,
    )
    return { ok: true, claimed: claimed.length, failed: execution.failed }
  } catch (error) {
    requeue(stateDir, claimed)
    log.info(`batch of ${claimed.length} event(s) not done: ${describeError(error)}`)
    return { ok: false, claimed: claimed.length, failed: 0 }
  }
}

export const describeError = (error: unknown): string =>
  error instanceof GitvanError
    ? [error.message, ...error.details].join('\n')
    : error instanceof Error
      ? (error.stack ?? error.message)
      : String(error)
