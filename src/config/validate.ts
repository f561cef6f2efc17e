/**
 * Checks a config as the user wrote it, before anything runs: every problem at once, each a value
 * `{ path, message }` that names the option by its path and echoes what was received. Pure (no
 * file or process access): the loader hands over what it imported.
 *
 * An empty list means `resolveConfig` may take the config as a `GitvanConfig`.
 */
import { checkJob, checkJobId, checkOrder } from './jobSchema.js'
import {
  checkBoolean,
  checkDuration,
  checkKeys,
  checkNumber,
  checkRecord,
  checkSize,
  child,
  newProblems,
  type Problem,
  type Problems,
  report,
} from './problems.js'

export type { Problem } from './problems.js'

/** A job defined in its own file under `jobs/`. */
export type JobFile = {
  /** The id derived from the file's path (`jobs/docs/changelog.mjs` → `docs.changelog`). */
  readonly id: string
  /** Absolute path. */
  readonly file: string
  /** Path relative to the root, with `/` separators (`jobs/docs/changelog.mjs`). */
  readonly relative: string
  /** The file's default export. */
  readonly raw: unknown
}

const TOP_KEYS = ['jobs', 'debounce', 'concurrency', 'cache', 'runner', 'performance'] as const

function checkPerformance(problems: Problems, raw: unknown): void {
  const performance = checkRecord(problems, 'performance', raw)
  if (!performance) return
  checkKeys(problems, 'performance', performance, ['cache', 'concurrency', 'io'])
  const cache = checkRecord(problems, 'performance.cache', performance.cache)
  if (cache) {
    checkKeys(problems, 'performance.cache', cache, ['maxSize', 'ttl', 'diskCache'])
    checkSize(problems, 'performance.cache.maxSize', cache.maxSize)
    checkDuration(problems, 'performance.cache.ttl', cache.ttl, true)
    checkBoolean(problems, 'performance.cache.diskCache', cache.diskCache)
  }
  const concurrency = checkRecord(problems, 'performance.concurrency', performance.concurrency)
  if (concurrency) {
    checkKeys(problems, 'performance.concurrency', concurrency, ['hooks', 'gitOps', 'templates'])
    for (const key of ['hooks', 'gitOps', 'templates'])
      checkNumber(problems, `performance.concurrency.${key}`, concurrency[key], 'positiveInteger')
  }
  const io = checkRecord(problems, 'performance.io', performance.io)
  if (io) {
    checkKeys(problems, 'performance.io', io, ['batchSize', 'debounceMs'])
    checkNumber(problems, 'performance.io.batchSize', io.batchSize, 'positiveInteger')
    checkNumber(problems, 'performance.io.debounceMs', io.debounceMs, 'nonNegative')
  }
}

function checkSettings(problems: Problems, config: Record<string, unknown>): void {
  const debounce = checkRecord(problems, 'debounce', config.debounce)
  if (debounce) {
    checkKeys(problems, 'debounce', debounce, ['wait', 'maxWait', 'maxBatch'])
    checkNumber(problems, 'debounce.wait', debounce.wait, 'nonNegative')
    checkNumber(problems, 'debounce.maxWait', debounce.maxWait, 'nonNegative')
    checkNumber(problems, 'debounce.maxBatch', debounce.maxBatch, 'positiveInteger')
  }
  checkNumber(problems, 'concurrency', config.concurrency, 'positiveInteger')
  const cache = checkRecord(problems, 'cache', config.cache)
  if (cache) {
    checkKeys(problems, 'cache', cache, ['maxSize', 'ttl', 'enabled'])
    checkSize(problems, 'cache.maxSize', cache.maxSize)
    checkDuration(problems, 'cache.ttl', cache.ttl, true)
    checkBoolean(problems, 'cache.enabled', cache.enabled)
  }
  const runner = checkRecord(problems, 'runner', config.runner)
  if (runner) {
    checkKeys(problems, 'runner', runner, ['idle', 'maxHeapMB', 'keepWarm'])
    checkDuration(problems, 'runner.idle', runner.idle)
    checkDuration(problems, 'runner.keepWarm', runner.keepWarm)
    checkNumber(problems, 'runner.maxHeapMB', runner.maxHeapMB, 'positiveInteger')
  }
  checkPerformance(problems, config.performance)
}

function checkJobFiles(
  problems: Problems,
  jobFiles: readonly JobFile[],
  configJobs: Record<string, unknown> | undefined,
): void {
  const seen = new Map<string, string>()
  for (const job of jobFiles) {
    problems.file = job.relative
    const path = child('jobs', job.id)
    checkJobId(problems, path, job.id, true)
    const earlier = seen.get(job.id)
    if (configJobs !== undefined && Object.hasOwn(configJobs, job.id)) {
      report(
        problems,
        path,
        `job '${job.id}' is defined twice: in the config file and in ${job.relative}; remove one or rename it`,
      )
    } else if (earlier !== undefined) {
      report(
        problems,
        path,
        `job '${job.id}' is defined twice: in ${earlier} and in ${job.relative}; rename one of the files`,
      )
    }
    seen.set(job.id, job.relative)
    if (job.raw === undefined)
      report(
        problems,
        path,
        `${job.relative} has no default export: end it with 'export default defineJob({ on, run })'`,
      )
    else checkJob(problems, path, job.raw)
  }
  problems.file = undefined
}

/** Every problem of a config (the config file's default export, or `{}` when there is only jobs/), and of the jobs under jobs/. */
export function validateConfig(raw: unknown, jobFiles: readonly JobFile[] = []): readonly Problem[] {
  const problems = newProblems()
  const config =
    raw === undefined
      ? void report(
          problems,
          'config',
          "the file has no default export: end it with 'export default defineConfig({ jobs: { ... } })'",
        )
      : checkRecord(problems, 'config', raw, 'an object (export default defineConfig({ jobs: { ... } }))')
  let jobs: Record<string, unknown> | undefined
  if (config) {
    checkKeys(problems, '', config, TOP_KEYS)
    jobs = checkRecord(problems, 'jobs', config.jobs, 'an object of jobs by id')
    for (const [id, job] of Object.entries(jobs ?? {})) {
      checkJobId(problems, child('jobs', id), id, false)
      checkJob(problems, child('jobs', id), job)
    }
    checkSettings(problems, config)
  }
  checkJobFiles(problems, jobFiles, jobs)
  problems.file = undefined
  checkOrder(problems, new Map([...Object.entries(jobs ?? {}), ...jobFiles.map((job) => [job.id, job.raw] as const)]))
  return problems.list
}

/** One line per problem, as shown under "<file> has N problems:". */
export function formatProblem(problem: Problem): string {
  return problem.file === undefined
    ? `${problem.path}: ${problem.message}`
    : `${problem.file}: ${problem.path}: ${problem.message}`
}
