/**
 * The runner: the one drainer of a repository's spool.
 *
 *     acquire runner.pid (waiting while a live runner holds it) ─▶ re-queue what dead runners left ─▶ loop:
 *         look at the spool ─▶ debounce ─▶ claim a batch (rename) ─▶ load config ─▶ facts ─▶ plan
 *         ─▶ execute (queue, jobs, ONE notes commit) ─▶ delete the claimed files ─▶ metrics
 *     idle for `runner.idleMs` (mode serve) or nothing waiting (mode drain) ─▶ release the lock
 *     ─▶ look at the spool again: anything there? acquire again and go on, else exit.
 *
 * Why no event is stranded: a shim writes its event BEFORE it looks at the lock; the runner
 * removes the lock BEFORE its last look at the spool. So either the runner's last look sees the
 * event, or the shim sees no lock and starts a new runner (or finds one on its way up in
 * runner.starting: a started runner never leaves before it has held the lock and looked).
 *
 * Failure handling: a batch that cannot be published (ref conflict, config error, a bug) puts its
 * files back in the spool and the runner backs off; after several failures in a row it exits and
 * the events wait for the next runner. A signal cancels running jobs; what finished is published,
 * and the batch's files go back to the spool (receipts keep done work from running twice).
 */
import { type LoadOptions, loadConfig } from '../config/load.js'
import type { Repo } from '../git/repo.js'
import { afterFlush, type DebounceSettings, decide, EMPTY, observe } from '../schedule/debounce.js'
import { sleep } from '../sleep.js'
import { acquireLock, clearStarting, holdsLock, type Owner, releaseLock, selfOwner } from '../spool/lock.js'
import type { Log } from '../spool/log.js'
import { listWaiting, requeueOrphans } from '../spool/spool.js'
import type { Config } from '../types.js'
import { type BatchOutcome, claimBatch, describeError, releaseBatch, runClaimed } from './batch.js'
import { recordHeapMB } from './heap.js'
import { startWarm, type Warm } from './warm/server.js'

export type RunnerMode =
  /** Detached: debounce, and stay until idle. */
  | 'serve'
  /** In the calling process (CI, --foreground): process what waits now, batch after batch, then exit. */
  | 'drain'

export type RunnerOptions = {
  readonly repo: Repo
  readonly mode: RunnerMode
  readonly log: Log
  readonly env?: NodeJS.ProcessEnv
  readonly signal?: AbortSignal
  /** Where a run that did not end ok is reported, besides the log (the terminal, in the foreground). */
  readonly report?: (text: string) => void
  /**
   * A pause between dropping the lock and the last look at the spool. Only tests set it
   * (GITVAN_RUNNER_STOP_DELAY_MS), to write an event inside that window on purpose.
   */
  readonly stopDelayMs?: number
  /** Mode drain: how long to wait for a runner that holds the lock (default 10 minutes). */
  readonly lockWaitMs?: number
}

export type RunnerExit = {
  /** memory: the warm runner went above runner.maxHeapMB; the next hook starts one cold. */
  readonly reason: 'idle' | 'locked' | 'lost-lock' | 'config' | 'failing' | 'signal' | 'memory'
  readonly batches: number
  /** Runs that did not end `ok`. */
  readonly failed: number
}

/**
 * The config the runner runs: the approved one (a changed config leaves every event in the spool
 * until 'gitvan trust'), or with CI set the checked-out one.
 */
const loadOptions = (options: RunnerOptions): LoadOptions => ({
  stateDir: options.repo.stateDir,
  trust: options.env?.CI ? 'ignore' : 'check',
})

const POLL_MS = 25
const IDLE_POLL_MS = 100
const MAX_FAILURES = 5

export async function runRunner(options: RunnerOptions): Promise<RunnerExit> {
  const { repo, log, signal } = options
  const stateDir = repo.stateDir
  const acquired = await acquire(options)
  clearStarting(stateDir, process.pid)
  if (!acquired) return { reason: 'locked', batches: 0, failed: 0 }
  const { owner, waited } = acquired
  let config: Config
  try {
    config = await loadConfig(repo.root, loadOptions(options))
  } catch (error) {
    releaseLock(stateDir, owner)
    log.info(`cannot load the config, events stay in the spool: ${describeError(error)}`)
    return { reason: 'config', batches: 0, failed: 0 }
  }
  recordHeapMB(stateDir, config.runner.maxHeapMB)
  log.info(`runner started (${options.mode}) in ${repo.root}`)
  const totals = { batches: 0, failed: 0 }
  // The config read here serves the first batch; every later batch reads it again (serve), so an
  // edit takes effect with the next batch, and the runner owns the one it is using.
  let first = true
  // Warm gates are answered only while this runner holds the lock (one answering runner per repository).
  let warm = options.mode === 'serve' ? startWarm({ repo, log, config, env: options.env ?? process.env }) : undefined
  for (;;) {
    const orphans = requeueOrphans(stateDir, owner)
    if (orphans > 0) log.info(`re-queued ${orphans} event(s) a stopped runner had claimed`)
    // A runner that waited for another one to finish has nothing to idle for: that one drained.
    const reason = await serve(options, owner, config, totals, waited, first, warm)
    first = false
    await warm?.stop()
    warm = undefined
    releaseLock(stateDir, owner)
    if (reason !== 'idle' || signal?.aborted) {
      log.info(`runner stops: ${reason}`)
      return { reason: signal?.aborted ? 'signal' : reason, ...totals }
    }
    // The lock is gone: an event that arrives from now on starts a runner. One that came just
    // before may have seen our lock, so look once more.
    if (options.stopDelayMs) await sleep(options.stopDelayMs)
    if (listWaiting(stateDir).length === 0) {
      log.info(`runner exits: idle (${totals.batches} batch(es))`)
      return { reason: 'idle', ...totals }
    }
    const again = acquireLock(stateDir, owner)
    if (!again.ok) {
      log.info(`events arrived while stopping; runner ${again.holder.pid} has them`)
      return { reason: 'idle', ...totals }
    }
    log.info('events arrived while stopping; going on')
  }
}

/**
 * Takes the lock, waiting while a live holder has it: a hook may have left its event to this
 * runner (runner.starting), so it must not leave before it has had a look at the spool. Mode drain
 * gives up after `lockWaitMs`.
 */
async function acquire(
  options: RunnerOptions,
): Promise<{ readonly owner: Owner; readonly waited: boolean } | undefined> {
  const self = selfOwner()
  const deadline = options.mode === 'drain' ? Date.now() + (options.lockWaitMs ?? 600_000) : Number.POSITIVE_INFINITY
  let waited = false
  for (;;) {
    const result = acquireLock(options.repo.stateDir, self)
    if (result.ok) {
      if (result.tookOver)
        options.log.info(`took over the lock of runner ${result.tookOver.pid} (not running any more)`)
      return { owner: self, waited }
    }
    waited = true
    if (Date.now() >= deadline || options.signal?.aborted) {
      options.log.debug(`runner ${result.holder.pid} holds the lock; leaving the spool to it`)
      return undefined
    }
    await sleep(100, options.signal)
  }
}

type Totals = { batches: number; failed: number }

/** Batches until idle; returns why it stopped. */
async function serve(
  options: RunnerOptions,
  owner: Owner,
  initial: Config,
  totals: Totals,
  waited: boolean,
  fresh: boolean,
  warm: Warm | undefined,
): Promise<RunnerExit['reason']> {
  const { repo, log, signal } = options
  let config = initial
  let state = EMPTY
  let lastWork = waited ? Date.now() - config.runner.idleMs : Date.now()
  let failures = 0
  while (!signal?.aborted) {
    const now = Date.now()
    const waiting = listWaiting(repo.stateDir).length
    state = observe(state, waiting, now)
    const settings: DebounceSettings = config.debounce
    const decision =
      options.mode === 'drain'
        ? waiting > 0
          ? { kind: 'flush' as const, take: Math.max(1, settings.maxBatch), reason: 'quiet' as const }
          : { kind: 'idle' as const }
        : decide(state, now, settings)
    if (decision.kind === 'wait') {
      await sleep(Math.min(decision.ms, POLL_MS), signal)
      continue
    }
    if (decision.kind === 'idle') {
      if (warm?.overLimit()) return 'memory'
      // Warm, the runner stays for gate requests as long as `runner.keepWarm` says.
      const idleMs = warm?.answering() ? Math.max(config.runner.idleMs, warm.keepMs()) : config.runner.idleMs
      const last = Math.max(lastWork, warm?.lastActive() ?? 0)
      if (options.mode === 'drain' || now - last >= idleMs) return 'idle'
      await sleep(Math.min(IDLE_POLL_MS, idleMs - (now - last)), signal)
      continue
    }
    if (!holdsLock(repo.stateDir, owner)) return 'lost-lock'
    log.debug(`batch: ${waiting} waiting, taking up to ${decision.take} (${decision.reason})`)
    const batch = claimBatch(options, owner, decision.take)
    let outcome: BatchOutcome = { ok: true, claimed: batch.claimed.length, failed: 0 }
    if (batch.events.length > 0) {
      if (!fresh) {
        try {
          config = await loadConfig(repo.root, loadOptions(options))
        } catch (error) {
          releaseBatch(options, batch)
          log.info(`cannot load the config, events stay in the spool: ${describeError(error)}`)
          return 'config'
        }
      }
      fresh = false
      recordHeapMB(repo.stateDir, config.runner.maxHeapMB)
      outcome = await runClaimed(options, owner, batch, config)
    }
    state = afterFlush(state, outcome.claimed, Date.now())
    lastWork = Date.now()
    // Nothing to run (files still being written went back, or what was there was not an event):
    // look again after a pause, never in a tight loop.
    if (batch.events.length === 0) await sleep(POLL_MS, signal)
    if (outcome.ok) {
      failures = 0
      totals.batches++
      totals.failed += outcome.failed
      continue
    }
    failures++
    if (failures >= MAX_FAILURES) return 'failing'
    const backoff = Math.min(30_000, 500 * 2 ** failures)
    log.info(`batch failed (${failures} in a row); events back in the spool, next try in ${backoff} ms`)
    await sleep(backoff, signal)
  }
  return 'signal'
}
