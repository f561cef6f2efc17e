/**
 * Runs one job once (with its retries) and returns a JobResult; never throws for anything the
 * job does, and never prints. The blocking gates, the async runner and `gitvan run` all call it.
 *
 * - A command is split without a shell (command.ts) and each invocation runs in its own process
 *   group (exec.ts); with `{files}` in several chunks, they all run, in order, and any failing
 *   chunk fails the attempt.
 * - A function gets a JobContext; what it returns becomes `data` and must be plain JSON; a throw
 *   is `failed` with the error's message and `code` (or `THREW`).
 * - Every attempt has the job's timeout: `timeout` when it expires (a command's whole process
 *   group is killed; a function's `ctx.signal` aborts), `cancelled` when the caller aborts.
 * - `failed` and `timeout` are retried `retries` times after 100 ms × 2^n plus up to 50% jitter;
 *   problems that would fail the same way again (a malformed command, data that is not JSON)
 *   are not. Cancellation is never retried.
 */

import { sleep as abortableSleep } from '../sleep.js'
import type { Job } from '../types.js'
import { expandCommand, parseCommand } from './command.js'
import { execArgv, TailBuffer } from './exec.js'
import type { JobInput } from './input.js'
import { jsonProblem } from './json.js'
import { makeContext } from './makeContext.js'
import type { JobError, JobResult, JobStatus } from './result.js'

export type { JobInput } from './input.js'

export type RunJobOptions = {
  /** Aborting cancels the job: running commands are killed, queued retries dropped. */
  readonly signal?: AbortSignal
  /** Waits between attempts; resolves early when `signal` aborts. Tests pass one that returns at once. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly now?: () => number
  /** 0 ≤ x < 1, for backoff jitter. */
  readonly random?: () => number
}

type Attempt = {
  readonly status: JobStatus
  readonly data?: unknown
  readonly error?: JobError
  /** Another attempt could go differently. */
  readonly retryable: boolean
}

const LOG_LIMIT = 1024 * 1024

/** Milliseconds to wait before retry `n` (0 for the first retry). */
export const backoffMs = (n: number, random: () => number): number => Math.round(100 * 2 ** n * (1 + random() / 2))

export const formatMs = (ms: number): string =>
  ms % 3_600_000 === 0
    ? `${ms / 3_600_000}h`
    : ms % 60_000 === 0
      ? `${ms / 60_000}m`
      : ms % 1000 === 0
        ? `${ms / 1000}s`
        : `${ms}ms`

const failed = (code: string, message: string, retryable = false): Attempt => ({
  status: 'failed',
  error: { code, message },
  retryable,
})

export async function runJob(job: Job, input: JobInput, options: RunJobOptions = {}): Promise<JobResult> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? abortableSleep
  const random = options.random ?? Math.random
  const started = now()
  const log = new TailBuffer(LOG_LIMIT)
  const maxAttempts = 1 + Math.max(0, job.retries)
  let attempt: Attempt = failed('CANCELLED', 'cancelled before it started')
  let attempts = 0
  while (attempts < maxAttempts) {
    if (options.signal?.aborted) {
      attempt = { status: 'cancelled', error: { code: 'CANCELLED', message: 'cancelled' }, retryable: false }
      break
    }
    if (attempts > 0)
      log.push(
        `[gitvan: attempt ${attempts + 1} of ${maxAttempts}, after: ${attempt.error?.message ?? attempt.status}]\n`,
      )
    attempts++
    attempt = await runAttempt(job, input, log, options.signal)
    if (attempt.status === 'ok' || !attempt.retryable || attempts >= maxAttempts) break
    await sleep(backoffMs(attempts - 1, random), options.signal)
  }
  return {
    job: job.id,
    status: attempt.status,
    ms: Math.max(0, now() - started),
    ...(attempt.data === undefined ? {} : { data: attempt.data }),
    ...(attempt.error === undefined ? {} : { error: attempt.error }),
    log: log.toString(),
    attempts,
    outputs: [],
  }
}

/** One attempt under the job's timeout and the caller's signal. */
async function runAttempt(
  job: Job,
  input: JobInput,
  log: TailBuffer,
  outer: AbortSignal | undefined,
): Promise<Attempt> {
  const controller = new AbortController()
  let timedOut = false
  const onAbort = () => controller.abort(outer?.reason)
  outer?.addEventListener('abort', onAbort, { once: true })
  const timer =
    job.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true
          controller.abort(new Error(`timed out after ${formatMs(job.timeoutMs)}`))
        }, job.timeoutMs)
      : undefined
  try {
    const attempt = await runBody(job, input, log, controller.signal)
    if (timedOut)
      return {
        status: 'timeout',
        error: { code: 'TIMEOUT', message: `timed out after ${formatMs(job.timeoutMs)}` },
        retryable: true,
      }
    if (controller.signal.aborted)
      return { status: 'cancelled', error: { code: 'CANCELLED', message: 'cancelled' }, retryable: false }
    return attempt
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onAbort)
  }
}

/** The environment a job's programs start from: the caller's, plus GITVAN_*. */
const jobEnv = (job: Job, input: JobInput): NodeJS.ProcessEnv => ({
  ...(input.env ?? process.env),
  GITVAN_JOB: job.id,
  GITVAN_HOOK: input.hook,
  GITVAN_COMMIT: input.commit,
  GITVAN_BRANCH: input.branch ?? '',
})

function runBody(job: Job, input: JobInput, log: TailBuffer, signal: AbortSignal): Promise<Attempt> | Attempt {
  if (job.templates.length > 0) {
    return failed(
      'NO_RENDERER',
      `job '${job.id}' names template ${job.templates.map((t) => `'${t}'`).join(', ')}, but template rendering is not available in this version of gitvan; use 'run' instead`,
    )
  }
  if (typeof job.run === 'string') return runCommand(job, job.run, input, jobEnv(job, input), log, signal)
  if (typeof job.run === 'function') {
    // Copying process.env costs tens of microseconds (each variable is a call into the runtime):
    // a function job that runs no program, the common case, should not pay it on every run.
    let env: NodeJS.ProcessEnv | undefined
    return runFunction(job, job.run, input, () => (env ??= jobEnv(job, input)), log, signal)
  }
  return failed('NOTHING_TO_RUN', `job '${job.id}' has neither 'run' nor 'template' (in ${job.source})`)
}

async function runCommand(
  job: Job,
  command: string,
  input: JobInput,
  env: NodeJS.ProcessEnv,
  log: TailBuffer,
  signal: AbortSignal,
): Promise<Attempt> {
  const parsed = parseCommand(command)
  if (!parsed.ok) return failed('BAD_COMMAND', `job '${job.id}': ${parsed.problem} (in ${job.source})`)
  const invocations = expandCommand(parsed.words, { files: input.files, commit: input.commit, branch: input.branch })
  if (invocations.length === 0) {
    log.push(`[gitvan: no files to pass as {files}; '${command}' was not run]\n`)
    return { status: 'ok', retryable: false }
  }
  // Every chunk runs even after one failed, so a linter reports on every file, not just the
  // first chunk's; the attempt fails with the first failure, saying how many chunks failed.
  let first: Attempt | undefined
  let failures = 0
  for (const [index, argv] of invocations.entries()) {
    const outcome = await execArgv(argv, {
      cwd: input.root,
      env,
      ...(input.stdin ? { stdin: input.stdin } : {}),
      signal,
      logLimit: LOG_LIMIT,
    })
    log.push(outcome.log)
    if (outcome.aborted) return { status: 'cancelled', retryable: false } // runAttempt names it timeout or cancelled
    const where =
      invocations.length > 1 ? ` (invocation ${index + 1} of ${invocations.length}, split to fit {files} in argv)` : ''
    const program = `'${argv[0] ?? ''}'`
    if (outcome.error) return failed(outcome.error.code, `${outcome.error.message}${where}`) // the next chunk would fail alike
    const failure = outcome.signal
      ? failed('SIGNAL', `${program} was killed by ${outcome.signal}${where}`, true)
      : outcome.code !== 0
        ? failed('EXIT', `${program} exited with code ${outcome.code ?? 'unknown'}${where}`, true)
        : undefined
    if (failure) {
      failures++
      first ??= failure
    }
  }
  if (!first?.error) return { status: 'ok', retryable: false }
  if (failures < 2) return first
  return {
    ...first,
    error: {
      ...first.error,
      message: `${first.error.message}; ${failures} of ${invocations.length} invocations failed`,
    },
  }
}

async function runFunction(
  job: Job,
  fn: (ctx: ReturnType<typeof makeContext>) => unknown,
  input: JobInput,
  env: () => NodeJS.ProcessEnv,
  log: TailBuffer,
  signal: AbortSignal,
): Promise<Attempt> {
  const ctx = makeContext({ job: job.id, input, env, signal, log })
  // A function that ignores ctx.signal cannot be stopped, but the run does not wait for it.
  let stopWaiting: () => void = () => {}
  const aborted = new Promise<'aborted'>((resolve) => {
    stopWaiting = () => signal.removeEventListener('abort', onAbort)
    const onAbort = () => resolve('aborted')
    if (signal.aborted) resolve('aborted')
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    const value = await Promise.race([Promise.resolve().then(() => fn(ctx)), aborted])
    if (signal.aborted) return { status: 'cancelled', retryable: false }
    if (value === undefined) return { status: 'ok', retryable: false }
    const problem = jsonProblem(value)
    if (problem) return failed('NOT_JSON', `job '${job.id}' returned a value that is not JSON-serialisable: ${problem}`)
    return { status: 'ok', data: value, retryable: false }
  } catch (error) {
    if (signal.aborted) return { status: 'cancelled', retryable: false }
    const message = error instanceof Error ? error.message : String(error)
    const code =
      typeof (error as { code?: unknown } | null)?.code === 'string' ? (error as { code: string }).code : 'THREW'
    if (error instanceof Error && error.stack) log.push(`${error.stack}\n`)
    return failed(code, message || 'threw an error without a message', true)
  } finally {
    stopWaiting()
  }
}
