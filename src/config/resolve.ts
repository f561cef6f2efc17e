/**
 * Defaults applied, units turned into numbers, triggers normalised: the user's `GitvanConfig` in,
 * the `Config` the rest of gitvan reads out. Pure, and total on a config that `validateConfig`
 * accepted (the CPU count comes in as a parameter for that reason).
 *
 * GitVan v2's `performance` block is mapped onto the keys it tunes; a key set at the top level wins.
 * `performance.concurrency.gitOps` and `.templates` are accepted but not separately tunable: one
 * queue runs every job, bounded by `concurrency`.
 */
import type { HookName } from '../hooks.js'
import type { Config, Job, Trigger } from '../types.js'
import type { GitvanConfig, Globs, JobConfig, JobTrigger } from './define.js'
import { parseDuration, parseSize } from './units.js'
import type { JobFile } from './validate.js'

export const DEFAULTS = {
  priority: 0,
  timeoutMs: 5 * 60_000,
  retries: 0,
  mode: 'each',
  debounce: { waitMs: 200, maxWaitMs: 2000, maxBatch: 1000 },
  maxConcurrency: 4,
  cache: { enabled: true, maxSizeBytes: 256 * 1024 ** 2, ttlMs: 30 * 86_400_000 },
  runner: { idleMs: 10_000, maxHeapMB: 512, keepWarmMs: 600_000 },
} as const

export type ResolveInput = {
  /** The config file's default export (validated), or `{}` when there is only jobs/. */
  readonly raw: GitvanConfig
  /** Jobs from files under jobs/ (validated). */
  readonly jobFiles?: readonly JobFile[]
  /** The repository's top level. */
  readonly root: string
  /** Absolute path of the config file (or package.json, or the jobs/ directory). */
  readonly file: string
  readonly hash: () => string
  /** The number of CPUs (`os.availableParallelism()`), for the default concurrency. */
  readonly cpus: number
}

export const outputRef = (id: string): string => `refs/gitvan/outputs/${id}`

const toList = (globs: Globs | undefined): readonly string[] =>
  globs === undefined ? [] : typeof globs === 'string' ? [globs] : [...globs]

const toRegExp = (pattern: string | RegExp | undefined): RegExp | undefined =>
  pattern === undefined ? undefined : typeof pattern === 'string' ? new RegExp(pattern) : pattern

export function resolveTrigger(on: JobTrigger): Trigger {
  const spec =
    typeof on === 'string' || Array.isArray(on)
      ? { hook: on as HookName | readonly HookName[] }
      : (on as Exclude<JobTrigger, string | readonly string[]>)
  const hooks = typeof spec.hook === 'string' ? [spec.hook] : [...new Set(spec.hook)]
  return {
    hooks,
    branch: toList(spec.branch),
    tag: toList(spec.tag),
    paths: toList(spec.paths),
    message: toRegExp(spec.message),
    author: toRegExp(spec.author),
  }
}

/** `packages/app/` and `./packages/app` → `packages/app`; the root is ''. */
const normaliseCwd = (cwd: string | undefined): string =>
  (cwd ?? '')
    .split(/[\\/]+/)
    .filter((part) => part !== '' && part !== '.')
    .join('/')

export function resolveJob(id: string, job: JobConfig, source: string): Job {
  const templates = [...(job.template === undefined ? [] : [job.template]), ...(job.templates ?? [])]
  return {
    id,
    on: resolveTrigger(job.on),
    run: job.run,
    templates,
    mode: job.mode ?? DEFAULTS.mode,
    priority: job.priority ?? DEFAULTS.priority,
    timeoutMs: parseDuration(job.timeout) ?? DEFAULTS.timeoutMs,
    retries: job.retries ?? DEFAULTS.retries,
    cache:
      job.cache === false
        ? false
        : {
            inputs: [...((typeof job.cache === 'object' ? job.cache.inputs : undefined) ?? [])],
            by: typeof job.cache === 'object' && job.cache.by === 'commit' ? 'commit' : 'content',
            ...(typeof job.cache === 'object' && job.cache.scope !== undefined ? { scope: job.cache.scope } : {}),
          },
    output: {
      ref: job.output?.ref ?? outputRef(id),
      worktree: job.output?.worktree ?? false,
      stage: job.output?.stage ?? false,
      replace: job.output?.replace ?? false,
    },
    fix: job.fix ?? false,
    after: [...(job.after ?? [])],
    cwd: normaliseCwd(job.cwd),
    description: job.description,
    source,
  }
}

export function resolveConfig(input: ResolveInput): Config {
  const { raw } = input
  const perf = raw.performance
  const jobs = [
    ...Object.entries(raw.jobs ?? {}).map(([id, job]) => resolveJob(id, job, input.file)),
    ...(input.jobFiles ?? []).map((file) => resolveJob(file.id, file.raw as JobConfig, file.file)),
  ]
  return {
    file: input.file,
    root: input.root,
    hash: input.hash,
    jobs,
    debounce: {
      waitMs: raw.debounce?.wait ?? perf?.io?.debounceMs ?? DEFAULTS.debounce.waitMs,
      maxWaitMs: raw.debounce?.maxWait ?? DEFAULTS.debounce.maxWaitMs,
      maxBatch: raw.debounce?.maxBatch ?? perf?.io?.batchSize ?? DEFAULTS.debounce.maxBatch,
    },
    concurrency:
      raw.concurrency ?? perf?.concurrency?.hooks ?? Math.max(1, Math.min(DEFAULTS.maxConcurrency, input.cpus)),
    cache: {
      enabled: raw.cache?.enabled ?? perf?.cache?.diskCache ?? DEFAULTS.cache.enabled,
      maxSizeBytes: parseSize(raw.cache?.maxSize ?? perf?.cache?.maxSize) ?? DEFAULTS.cache.maxSizeBytes,
      ttlMs: parseDuration(raw.cache?.ttl ?? perf?.cache?.ttl) ?? DEFAULTS.cache.ttlMs,
    },
    runner: {
      idleMs: parseDuration(raw.runner?.idle) ?? DEFAULTS.runner.idleMs,
      maxHeapMB: raw.runner?.maxHeapMB ?? DEFAULTS.runner.maxHeapMB,
      keepWarmMs: parseDuration(raw.runner?.keepWarm) ?? DEFAULTS.runner.keepWarmMs,
    },
  }
}
