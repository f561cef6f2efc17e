/**
 * Runs one job once (with its retries) and returns a JobResult; never throws for anything the
 * job does, and never prints. The blocking gates, the async runner and `gitvan run` all call it.
 *
 * - A command is split without a shell (command.ts) and each invocation runs in its own process
 *   group (exec.ts); with `{files}` in several chunks, they all run, in order, and any failing
 *   chunk fails the attempt.
 * - Commands and `ctx.exec` run like npm scripts (workdir.ts): in the job's `cwd`, with the
 *   project's `node_modules/.bin` first on PATH and gitvan's node reachable. A `cwd` that is not
 *   a directory fails the job before anything runs (spawn would report it as a missing program).
 * - A function gets a JobContext; what it returns becomes `data` and must be plain JSON; a throw
 *   is `failed` with the error's message and `code` (or `THREW`).
 * - Templates render after `run` (if any) succeeded, with what it returned as `data`
 *   (job/templates.ts); their files and what `ctx.write` wrote are the attempt's `writes`, which the
 *   caller publishes onto the job's output ref. With `output.worktree` they are written into the
 *   work tree here instead (and listed in `outputs`). A template error or a refused path fails the
 *   attempt, and nothing of it is written.
 * - Every attempt has the job's timeout: `timeout` when it expires (a command's whole process
 *   group is killed; a function's `ctx.signal` aborts), `cancelled` when the caller aborts.
 * - `failed` and `timeout` are retried `retries` times after 100 ms × 2^n plus up to 50% jitter;
 *   problems that would fail the same way again (a malformed command, data that is not JSON)
 *   are not. Cancellation is never retried.
 */

import { statSync } from 'node:fs'
import path from 'node:path'
import { checkedOutAt } from '../git/outputs.js'
import { isBlockingHook } from '../hooks.js'
import type { Output } from '../receipt.js'
import { sleep as abortableSleep } from '../sleep.js'
import type { OutputWrite } from '../template/place.js'
import type { Job } from '../types.js'
import { expandCommand, parseCommand } from './command.js'
import { execArgv, TailBuffer } from './exec.js'
import type { JobInput } from './input.js'
import { jsonProblem } from './json.js'
import { makeContext, type TrackedField, type Written } from './makeContext.js'
import type { JobError, JobResult, JobStatus } from './result.js'
import { renderJobTemplates } from './templates.js'
import { binDirs, filesUnder, jobDir, withPath } from './workdir.js'
import { writeWorktreeOutputs } from './worktreeOutputs.js'

export type { JobInput } from './input.js'

export type RunJobOptions = {
  /** Aborting cancels the job: running commands are killed, queued retries dropped. */
  readonly signal?: AbortSignal
  /** Waits between attempts; resolves early when `signal` aborts. Tests pass one that returns at once. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly now?: () => number
  /** 0 ≤ x < 1, for backoff jitter. */
  readonly random?: () => number
  /** A command's output as it arrives (its log keeps it too). */
  readonly onOutput?: (chunk: Buffer) => void
  /** Each program started, by pid (it leads its own process group). */
  readonly onSpawn?: (pid: number) => void
  /** A function job's reads of its context are added here (the job cache keys by them). */
  readonly reads?: Set<TrackedField>
}

/** What a caller watches of a job's programs as they run. */
type Watch = Pick<RunJobOptions, 'onOutput' | 'onSpawn' | 'reads'>

type Attempt = {
  readonly status: JobStatus
  readonly data?: unknown
  readonly error?: JobError
  /** Another attempt could go differently. */
  readonly retryable: boolean
  /** Files for the job's output ref. */
  readonly writes?: readonly OutputWrite[]
  /** Files written into the work tree. */
  readonly outputs?: readonly Output[]
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
    attempt = await runAttempt(job, input, log, options.signal, options)
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
    outputs: attempt.status === 'ok' ? (attempt.outputs ?? []) : [],
    ...(attempt.status === 'ok' && attempt.writes && attempt.writes.length > 0 ? { writes: attempt.writes } : {}),
  }
}

/** One attempt under the job's timeout and the caller's signal. */
async function runAttempt(
  job: Job,
  input: JobInput,
  log: TailBuffer,
  outer: AbortSignal | undefined,
  watch: Watch,
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
    const attempt = await runBody(job, input, log, controller.signal, watch)
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

/**
 * The environment a job's programs start from: the caller's, plus GITVAN_*, with the project's
 * `node_modules/.bin` directories before PATH and gitvan's node after it.
 */
const jobEnv = (job: Job, input: JobInput): NodeJS.ProcessEnv =>
  withPath(
    {
      ...(input.env ?? process.env),
      GITVAN_JOB: job.id,
      GITVAN_HOOK: input.hook,
      GITVAN_COMMIT: input.commit,
      GITVAN_BRANCH: input.branch ?? '',
      GITVAN_ROOT: input.root,
    },
    binDirs(input.root, job.cwd),
    path.dirname(process.execPath),
  )

/** Why the job's directory cannot be run in, or undefined when it is a directory. */
function missingDir(job: Job, dir: string): Attempt | undefined {
  let what: string
  try {
    if (statSync(dir).isDirectory()) return undefined
    what = 'is not a directory'
  } catch (error) {
    what = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${String(error)})`
  }
  return failed(
    'NO_CWD',
    `job '${job.id}' runs in cwd '${job.cwd}', but ${dir} ${what}: create it, or fix 'cwd' (a directory relative to the repository root) in ${job.source}`,
  )
}

async function runBody(
  job: Job,
  input: JobInput,
  log: TailBuffer,
  signal: AbortSignal,
  watch: Watch,
): Promise<Attempt> {
  const dir = jobDir(input.root, job.cwd)
  if (job.cwd !== '') {
    const missing = missingDir(job, dir)
    if (missing) return missing
  }
  const written: Written = { writes: [] }
  let attempt: Attempt
  if (typeof job.run === 'string')
    attempt = await runCommand(job, job.run, input, dir, jobEnv(job, input), log, signal, watch)
  else if (typeof job.run === 'function') {
    // Copying process.env costs tens of microseconds (each variable is a call into the runtime):
    // a function job that runs no program, the common case, should not pay it on every run.
    let env: NodeJS.ProcessEnv | undefined
    attempt = await runFunction(
      job,
      job.run,
      input,
      dir,
      () => (env ??= jobEnv(job, input)),
      log,
      signal,
      written,
      watch.reads,
    )
  } else if (job.templates.length > 0) attempt = { status: 'ok', retryable: false }
  else return failed('NOTHING_TO_RUN', `job '${job.id}' has neither 'run' nor 'template' (in ${job.source})`)
  if (attempt.status !== 'ok' || signal.aborted) return attempt
  if (written.refused) return failed(written.refused.code, written.refused.message)
  if (job.templates.length === 0 && written.writes.length === 0) return attempt
  try {
    return await withOutputs(job, input, attempt, written.writes, log)
  } catch (error) {
    // A read or write that failed (git gone, a full disk): the job fails and says so; nothing of it is published.
    const code =
      typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'OUTPUT_FAILED'
    return failed(code, `job '${job.id}': its outputs could not be made: ${(error as Error).message}`)
  }
}

/** Renders the job's templates and places every file: in the work tree, or for the output ref. */
async function withOutputs(
  job: Job,
  input: JobInput,
  attempt: Attempt,
  fromContext: readonly OutputWrite[],
  log: TailBuffer,
): Promise<Attempt> {
  let writes = fromContext
  if (job.templates.length > 0) {
    const rendered = await renderJobTemplates(job, input, attempt.data)
    if (!rendered.ok) return failed(rendered.code, rendered.message)
    for (const skipped of rendered.skipped) log.push(`[gitvan: no output from ${skipped}]\n`)
    writes = [...writes, ...rendered.writes]
  }
  if (writes.length === 0) return attempt
  if (job.output.worktree) {
    const placed = await writeWorktreeOutputs(input.root, writes, {
      stage: job.output.stage,
      ...(input.env ? { env: input.env } : {}),
    })
    if (!placed.ok) return failed(placed.code, `job '${job.id}' ${placed.message}`)
    for (const skipped of placed.skipped) log.push(`[gitvan: nothing written from ${skipped}]\n`)
    return { ...attempt, outputs: placed.outputs }
  }
  if (isBlockingHook(input.hook))
    return failed(
      'NO_OUTPUT_REF',
      `job '${job.id}' writes ${writes.length} file${writes.length === 1 ? '' : 's'} for ${job.output.ref}, but in ${input.hook} a job writes only into the work tree: set output: { worktree: true } (and stage: true to commit them) in ${job.source}, or run it on post-commit`,
    )
  const checkout = await checkedOutAt({ root: input.root }, job.output.ref)
  if (checkout !== undefined)
    return failed(
      'OUTPUT_CHECKED_OUT',
      `job '${job.id}' writes onto ${job.output.ref}, which is checked out in ${checkout}: gitvan does not move a branch under its work tree; check out another branch there, or set another output.ref in ${job.source}`,
    )
  return { ...attempt, writes }
}

/** For a program not found: the project directories that were searched before PATH. */
const notFoundHint = (code: string, root: string, cwd: string): string =>
  code === 'ENOENT'
    ? ` (gitvan looked in ${binDirs(root, cwd)
        .map((dir) => path.relative(root, dir))
        .join(', ')} first: a tool the project installs with npm lands there)`
    : ''

async function runCommand(
  job: Job,
  command: string,
  input: JobInput,
  dir: string,
  env: NodeJS.ProcessEnv,
  log: TailBuffer,
  signal: AbortSignal,
  watch: Watch,
): Promise<Attempt> {
  const parsed = parseCommand(command)
  if (!parsed.ok) return failed('BAD_COMMAND', `job '${job.id}': ${parsed.problem} (in ${job.source})`)
  const invocations = expandCommand(parsed.words, {
    files: filesUnder(input.files, job.cwd),
    args: input.args,
    commit: input.commit,
    branch: input.branch,
    root: input.root,
  })
  if (invocations.length === 0) {
    const where = job.cwd === '' ? '' : ` under its cwd '${job.cwd}'`
    log.push(`[gitvan: no files${where} to pass as {files}; '${command}' was not run]\n`)
    return { status: 'ok', retryable: false }
  }
  // Every chunk runs even after one failed, so a linter reports on every file, not just the
  // first chunk's; the attempt fails with the first failure, saying how many chunks failed.
  let first: Attempt | undefined
  let failures = 0
  for (const [index, argv] of invocations.entries()) {
    const outcome = await execArgv(argv, {
      cwd: dir,
      env,
      ...(input.stdin ? { stdin: input.stdin } : {}),
      signal,
      logLimit: LOG_LIMIT,
      ...(watch.onOutput ? { onOutput: watch.onOutput } : {}),
      ...(watch.onSpawn ? { onSpawn: watch.onSpawn } : {}),
    })
    log.push(outcome.log)
    if (outcome.aborted) return { status: 'cancelled', retryable: false } // runAttempt names it timeout or cancelled
    const where =
      invocations.length > 1 ? ` (invocation ${index + 1} of ${invocations.length}, split to fit {files} in argv)` : ''
    const program = `'${argv[0] ?? ''}'`
    if (outcome.error)
      return failed(
        outcome.error.code,
        `${outcome.error.message}${notFoundHint(outcome.error.code, input.root, job.cwd)}${where}`,
      ) // the next chunk would fail alike
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
  dir: string,
  env: () => NodeJS.ProcessEnv,
  log: TailBuffer,
  signal: AbortSignal,
  written: Written,
  reads: Set<TrackedField> | undefined,
): Promise<Attempt> {
  const ctx = makeContext({ job: job.id, input, dir, env, signal, log, written, ...(reads ? { reads } : {}) })
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
