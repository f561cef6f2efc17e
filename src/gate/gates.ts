/**
 * Runs the gate jobs of one blocking hook and returns the verdict as a value; the CLI prints it.
 *
 * Order of work: select the jobs whose trigger names this hook, gather only the facts they need
 * (gateFacts.ts), drop jobs whose filters do not match (a job with `paths` needs at least one
 * matching file), then run the rest: one gate directly, several through one p-queue (loaded only
 * then), `concurrency` at a time, higher `priority` first, config order within a priority. The first gate that does not pass clears the
 * queue, so gates that have not started never start (they are reported as skipped); gates already
 * running finish, so their output is complete. Aborting `signal` (Ctrl-C) cancels everything,
 * killing the commands' process groups.
 */

import { parseCommand } from '../job/command.js'
import type { JobInput } from '../job/input.js'
import type { JobResult } from '../job/result.js'
import { runJob } from '../job/run.js'
import { matchFiles, matchTrigger } from '../schedule/match.js'
import type { Config, Job } from '../types.js'
import { type GateCache, openGateCache } from './cache.js'
import type { checkoutFacts } from './checkoutFacts.js'
import { type GateFacts, type GateRequest, gatherFacts } from './facts.js'
import type { FixPreview, startFixPreview } from './fixPreview.js'
import type { StagingOutcome } from './staging.js'

export type { GateRequest } from './facts.js'

export type GateRun =
  | { readonly job: Job; readonly state: 'done'; readonly result: JobResult }
  /** Not started: an earlier gate failed, or the hook was interrupted. */
  | { readonly job: Job; readonly state: 'skipped' }

export type GateVerdict = {
  readonly hook: string
  /** Jobs whose trigger names the hook, before filters. */
  readonly candidates: number
  /** Jobs that passed the filters, in the order they were queued. */
  readonly runs: readonly GateRun[]
  readonly ok: boolean
  /** What partial staging and fix gates did, when they had anything to do. */
  readonly staging?: StagingOutcome
}

/** The jobs whose trigger names `hook`, in config order. */
export const jobsFor = (config: Pick<Config, 'jobs'>, hook: string): readonly Job[] =>
  config.jobs.filter((job) => (job.on.hooks as readonly string[]).includes(hook))

type Selected = { readonly job: Job; readonly files: readonly string[] }

/**
 * Whether a job reads the hook's paths: through `paths`, `ctx.files` (a function, which may read
 * it) or `{files}` in its command. A command that does neither never makes gitvan list them, which
 * saves a git process on every commit for gates like `npm test`.
 */
const needsFiles = (job: Job): boolean => {
  if (job.on.paths.length > 0 || typeof job.run !== 'string') return true
  const parsed = parseCommand(job.run)
  return !parsed.ok || parsed.usesFiles
}

async function select(jobs: readonly Job[], facts: GateFacts): Promise<Selected[]> {
  const selected: Selected[] = []
  for (const job of jobs) {
    if (!facts.triggers.some((trigger) => matchTrigger(job.on, trigger))) continue
    if (job.on.paths.length > 0) {
      const files = matchFiles(job.on.paths, await facts.files())
      if (files.length > 0) selected.push({ job, files })
    } else {
      selected.push({ job, files: facts.filesByDefault && needsFiles(job) ? await facts.files() : [] })
    }
  }
  return selected
}

/**
 * Runs one gate through the disk cache: a hit returns the cached passing result without running
 * anything; a miss runs the job. What is stored is decided once every gate is done (`settle`).
 */
async function runCached(
  job: Job,
  input: JobInput,
  cache: { readonly gate: GateCache; readonly facts: GateFacts } | undefined,
  options: GateOptions,
  preview?: FixPreview,
): Promise<JobResult> {
  const lookup = cache ? await cache.gate.lookup(job, input.files, cache.facts) : undefined
  const { signal, onOutput, onSpawn } = options
  const ran = async (): Promise<JobResult> => {
    const result = await runJob(job, input, {
      ...(signal ? { signal } : {}),
      ...(onOutput ? { onOutput: (chunk: Buffer) => onOutput(job, chunk) } : {}),
      ...(onSpawn ? { onSpawn } : {}),
    })
    return preview && job.fix ? preview.judge(input.files, result) : result
  }
  const result = lookup?.hit ?? (await ran())
  const marked: JobResult = lookup && !lookup.hit ? { ...result, cache: 'miss', key: lookup.key } : result
  cache?.gate.record(job, input.files, lookup, marked)
  return marked
}

/** Hooks whose gates see the staged content: the ones that commit the index. */
const STAGING_HOOKS: readonly string[] = ['pre-commit', 'pre-merge-commit']

export type GateOptions = {
  /** Aborting (Ctrl-C) cancels the gates, killing their process groups. */
  readonly signal?: AbortSignal
  /** Each gate's result as it ends. */
  readonly onResult?: (result: JobResult) => void
  /** A gate's output as it arrives. */
  readonly onOutput?: (job: Job, chunk: Buffer) => void
  /** Each program a gate starts (partial staging notes them, so a restore can stop them). */
  readonly onSpawn?: (pid: number) => void
  /**
   * Run every gate whatever fails (CI, to report every failure): `after` then only orders, since
   * nothing a gate before it did is kept for it to build on.
   */
  readonly keepGoing?: boolean
  /**
   * For a request over the checked-out tree (`checkout`, CI): how its facts are gathered and fix
   * gates previewed. Passed in by `gitvan run`, so a hook's bundle never holds that code.
   */
  readonly ci?: { readonly facts: typeof checkoutFacts; readonly preview: typeof startFixPreview }
}

function ciParts(options: GateOptions): NonNullable<GateOptions['ci']> {
  if (!options.ci) throw new Error('bug: a gate request over the checked-out tree without its ci parts')
  return options.ci
}

export async function runGates(
  config: Pick<Config, 'jobs' | 'concurrency' | 'cache' | 'hash' | 'file' | 'root'>,
  request: GateRequest,
  options: GateOptions = {},
): Promise<GateVerdict> {
  const jobs = jobsFor(config, request.hook)
  if (jobs.length === 0) return { hook: request.hook, candidates: 0, runs: [], ok: true }
  // The cache's git processes run alongside the facts'. Imported statically: measured, a dynamic
  // import() of its chunk raised the hook's peak RSS by about 4 MB (52 against 48 MB).
  const gate = openGateCache(config, request)
  const needs = { author: jobs.some((job) => job.on.author !== undefined), files: jobs.some(needsFiles) }
  const ci = request.checkout ? ciParts(options) : undefined
  const facts =
    ci && request.checkout ? await ci.facts(request, request.checkout, needs) : await gatherFacts(request, needs)
  const selected = await select(jobs, facts)
  const cache = gate && { gate, facts }

  const results = new Map<Job, JobResult>()
  const toInput = (files: readonly string[]): JobInput => ({
    hook: request.hook,
    args: request.args,
    stdin: request.stdin,
    commit: facts.commit,
    commits: facts.commit ? [facts.commit] : [],
    files,
    branch: facts.branch,
    root: request.root,
    env: request.env,
  })
  // Partial staging's code loads only for a hook whose gates take files: measured, loading it
  // on every hook raised the hook's peak RSS by about 4 MB (48 → 52 MB).
  const files = {
    all: [...new Set(selected.flatMap((s) => s.files))],
    fix: [...new Set(selected.filter((s) => s.job.fix).flatMap((s) => s.files))],
  }
  // CI over the checked-out tree: nothing is staged, and fix gates only say what they would change.
  const preview = ci && files.fix.length > 0 ? await ci.preview(request, files.fix) : undefined
  const staging =
    !request.checkout && STAGING_HOOKS.includes(request.hook) && files.all.length > 0
      ? await (await import('./staging.js')).startStaging(
          request,
          files,
          async () => (await facts.stagedBlobs?.()) ?? new Map(),
        )
      : undefined
  let outcome: StagingOutcome | undefined
  // What partial staging finished as: a verdict that passed after it put everything back (an
  // interrupt between the last gate and finishing) is no pass.
  let finishedAs: boolean | undefined
  // The programs gates start while partial staging has the work tree go into its marker: a hook
  // killed meanwhile leaves them running (each leads its own process group), and restore stops them.
  const keeper = staging ?? preview
  const watched: GateOptions = keeper ? { ...options, onSpawn: (pid) => keeper.noteProgram(pid) } : options
  try {
    const only = selected.length === 1 ? selected[0] : undefined
    if (only) {
      // One gate (the common case) needs no queue: nothing to order and nothing to skip, so p-queue
      // is not even loaded.
      const result = await runCached(only.job, toInput(only.files), cache, watched, preview)
      results.set(only.job, result)
      options.onResult?.(result)
    } else if (selected.length > 1) {
      await runOrdered(selected, config.concurrency, toInput, results, watched, (job, input) =>
        runCached(job, input, cache, watched, preview),
      )
    }
  } finally {
    await preview?.finish()
    // Whatever happened, the work tree and index go back (refused, interrupted, or a bug).
    if (staging) {
      const passed = !options.signal?.aborted && selected.every(({ job }) => results.get(job)?.status === 'ok')
      if (cache && !options.signal?.aborted) await cache.gate.settle(jobs, passed, staging.untouched())
      finishedAs = passed
      outcome = await staging.finish(passed)
      if (passed && cache && outcome.fixed.length > 0 && verdictHoldsAfterFixes(selected, outcome.fixed))
        await storeFixedVerdict(config, request, jobs, selected, results, staging.hidden)
    }
  }

  const runs = selected.map(({ job }): GateRun => {
    const result = results.get(job)
    return result ? { job, state: 'done', result } : { job, state: 'skipped' }
  })
  // Report in the order the gates ran: finished first (by priority), then what was skipped.
  const order = (run: GateRun) => (run.state === 'done' ? 0 : 1)
  runs.sort((a, b) => order(a) - order(b) || b.job.priority - a.job.priority)
  const ok = runs.every((run) => run.state === 'done' && run.result.status === 'ok') && finishedAs !== false
  if (cache && !staging && !options.signal?.aborted) await cache.gate.settle(jobs, ok, preview?.saved)
  return { hook: request.hook, candidates: jobs.length, runs, ok, ...(outcome ? { staging: outcome } : {}) }
}

/**
 * Whether the gates' passing verdict also holds for the content as fixed: every check that was
 * given a fixed file ran after every fix gate that could change it (fix gates themselves passed
 * on what they produced).
 */
function verdictHoldsAfterFixes(selected: readonly Selected[], fixed: readonly string[]): boolean {
  const order = gateOrder(selected)
  const waits = new Map(order.map((o) => [o.job, o.waitsFor]))
  const before = (job: Job): Set<Job> => {
    const all = new Set<Job>()
    const visit = (j: Job) => {
      for (const w of waits.get(j) ?? []) {
        if (all.has(w)) continue
        all.add(w)
        visit(w)
      }
    }
    visit(job)
    return all
  }
  const fixedSet = new Set(fixed)
  return selected.every((check) => {
    if (check.job.fix) return true
    const touched = check.files.filter((file) => fixedSet.has(file))
    if (touched.length === 0) return true
    const earlier = before(check.job)
    return selected.every((fix) => !fix.job.fix || !fix.files.some((f) => touched.includes(f)) || earlier.has(fix.job))
  })
}

/**
 * After fix gates re-staged, the verdict is stored again under the fixed content, so committing
 * that content again (a retry, an amend, a reset and re-commit) is answered from the cache.
 */
async function storeFixedVerdict(
  config: Pick<Config, 'jobs' | 'concurrency' | 'cache' | 'hash' | 'file' | 'root'>,
  request: GateRequest,
  jobs: readonly Job[],
  selected: readonly Selected[],
  results: ReadonlyMap<Job, JobResult>,
  hidden: readonly string[],
): Promise<void> {
  const { shim: _before, ...fresh } = request // the shim's trees name the content before the fixes
  const gate = openGateCache(config, fresh)
  if (!gate) return
  const facts = await gatherFacts(fresh, {
    author: jobs.some((job) => job.on.author !== undefined),
    files: jobs.some(needsFiles),
  })
  for (const { job, files } of selected) {
    const result = results.get(job)
    if (!result) return
    const lookup = await gate.lookup(job, files, facts)
    gate.record(job, files, lookup && { ...lookup, hit: undefined }, result)
  }
  await gate.settle(jobs, true, hidden)
}

/**
 * The order gates start in: higher priority first, config order within a priority, except that a
 * job waits for the jobs its `after` names. Fix gates that share a file also wait for each other,
 * in this order, so two never write one file at once; checks of other files still run alongside.
 */
export function gateOrder(selected: readonly Selected[]): { readonly job: Job; readonly waitsFor: readonly Job[] }[] {
  const base = [...selected].sort((a, b) => b.job.priority - a.job.priority)
  const byId = new Map(base.map((s) => [s.job.id, s]))
  const placed: Selected[] = []
  const done = new Set<string>()
  while (placed.length < base.length) {
    // The first job (in base order) whose `after` jobs are all placed; `after` has no cycles
    // (config validation), so one always is.
    const next =
      base.find((s) => !done.has(s.job.id) && s.job.after.every((id) => !byId.has(id) || done.has(id))) ??
      (base.find((s) => !done.has(s.job.id)) as Selected)
    placed.push(next)
    done.add(next.job.id)
  }
  return placed.map((s, i) => {
    const files = new Set(s.files)
    const waitsFor = placed
      .slice(0, i)
      .filter(
        (earlier) =>
          s.job.after.includes(earlier.job.id) ||
          (s.job.fix && earlier.job.fix && earlier.files.some((file) => files.has(file))),
      )
    return { job: s.job, waitsFor: waitsFor.map((w) => w.job) }
  })
}

/**
 * Several gates: `concurrency` at a time, in `gateOrder`; a job enters the queue once the jobs it
 * waits for have passed. The first gate that does not pass stops the rest (those not started are
 * skipped), and aborting `signal` does too.
 */
async function runOrdered(
  selected: readonly Selected[],
  concurrency: number,
  toInput: (files: readonly string[]) => JobInput,
  results: Map<Job, JobResult>,
  options: GateOptions,
  runOne: (job: Job, input: JobInput) => Promise<JobResult>,
): Promise<void> {
  const { default: PQueue } = await import('p-queue')
  const queue = new PQueue({ concurrency: Math.max(1, concurrency), autoStart: false })
  let stopped = false
  const stop = () => {
    stopped = true
  }
  options.signal?.addEventListener('abort', stop, { once: true })
  const filesOf = new Map(selected.map((s) => [s.job, s.files]))
  const passed = new Map<Job, Promise<boolean>>()
  for (const { job, waitsFor } of gateOrder(selected)) {
    const input = toInput(filesOf.get(job) ?? [])
    const waits = waitsFor.map((other) => passed.get(other) ?? Promise.resolve(false))
    const run = async (): Promise<boolean> => {
      if (stopped) return false
      const result = await runOne(job, input)
      results.set(job, result)
      options.onResult?.(result)
      if (result.status !== 'ok' && !options.keepGoing) stop()
      return result.status === 'ok'
    }
    passed.set(
      job,
      waits.length === 0
        ? queue.add(run, { priority: job.priority })
        : Promise.all(waits).then((oks) =>
            (oks.every(Boolean) || options.keepGoing) && !stopped ? queue.add(run, { priority: job.priority }) : false,
          ),
    )
  }
  queue.start()
  await Promise.all(passed.values())
  options.signal?.removeEventListener('abort', stop)
}
