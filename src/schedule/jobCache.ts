/**
 * The disk cache for the jobs of the runner and `gitvan run` (DESIGN 4, "Job cache"): a job that
 * ran ok on what it can see is answered from the cache when it would see the same again, so a
 * reworded commit, a rebase that keeps trees or a cherry-pick re-runs nothing.
 *
 *     const cache = openJobCache(options)           // undefined: nothing is cached
 *     const looked = await cache.lookup(runs)       // one pass for the batch
 *     ... run the misses with looked[i].reads ...
 *     cache.store(runs, results, looked)            // one journal append
 *
 * - Keys (cache/jobKey.ts): the job's fingerprint, then for a command its expanded argv and the
 *   blob ids of its `{files}` at the commit (or the commit's tree); for a function, what `ctx`
 *   saw it read: the lookup tries each level a result could have been stored under.
 * - Two layers: the disk cache (CacheStore, `jobs/` entries), then the receipts on
 *   refs/notes/gitvan/results, read once per `ReceiptLayer`: a receipt whose key matches is a hit
 *   without a disk entry (fetched from CI or a teammate), and is copied to disk.
 * - A hit becomes the run's result: `cache: 'hit'`, the stored data and outputs, `ms` the
 *   lookup's share. A miss runs; an `ok` result is stored, anything else is not (it runs again).
 * - What cannot be keyed safely is not cached (`cache: 'off'`): a declared input or template that
 *   cannot be read, a tree or blob git did not give, a command that does not parse, `cache: false`,
 *   `cache: { enabled: false }`, `--no-cache`. A failure of the cache never fails a run.
 */
import {
  commandKey,
  functionKey,
  jobEntryPath,
  LEVELS,
  levelOf,
  type ReadField,
  type RunFacts,
} from '../cache/jobKey.js'
import { CacheStore, cacheDirOf } from '../cache/store.js'
import { readAllReceipts } from '../git/allReceipts.js'
import type { Repo } from '../git/repo.js'
import { readRunObjects } from '../git/runObjects.js'
import { expandCommand, parseCommand } from '../job/command.js'
import type { JobResult } from '../job/result.js'
import { filesUnder } from '../job/workdir.js'
import type { Receipt } from '../receipt.js'
import type { Config, Job } from '../types.js'
import { fingerprint } from './jobFingerprint.js'
import type { PlannedRun } from './plan.js'

/** The receipts read once and shared by the batches that use it (one `gitvan run`, one runner batch). */
export type ReceiptLayer = { index?: Promise<ReadonlyMap<string, Receipt>> }

export type JobCacheOptions = {
  readonly repo: Repo
  readonly config: Pick<Config, 'cache' | 'hash'>
  readonly env: NodeJS.ProcessEnv
  /** Shared across batches; a fresh one per call when absent. */
  readonly receipts?: ReceiptLayer
}

/** What the lookup found for one run. */
export type Looked =
  /** Not cached: the run's receipt says `cache: 'off'`. */
  | { readonly kind: 'off' }
  | { readonly kind: 'hit'; readonly result: JobResult }
  /** Run it; `reads` collects a function's reads of ctx, then `store` keys the result by them. */
  | {
      readonly kind: 'miss'
      readonly print: string
      readonly facts: RunFacts
      readonly byCommit: boolean
      readonly reads: Set<ReadField> | undefined
      /** Every key a result for it may be under. */
      readonly candidates: readonly string[]
      /**
       * Earlier misses of the batch that share a candidate key (a revert, a commit whose tree an
       * earlier one had): wait for them, and reuse a result stored under one of `candidates`.
       */
      readonly leaders: readonly number[]
    }

export type JobCache = {
  readonly lookup: (runs: readonly PlannedRun[]) => Promise<readonly Looked[]>
  /** The key of a missed run's result (known once a function ran), or undefined. */
  readonly keyOf: (looked: Looked) => string | undefined
  /** Stores the `ok` results of missed runs, in one journal append. */
  readonly store: (looked: readonly Looked[], results: readonly (JobResult | undefined)[]) => void
}

export function openJobCache(options: JobCacheOptions): JobCache | undefined {
  const { repo, config } = options
  if (!config.cache.enabled) return undefined
  const store = new CacheStore(cacheDirOf(repo, options.env), {
    maxSizeBytes: config.cache.maxSizeBytes,
    ttlMs: config.cache.ttlMs,
  })
  const layer = options.receipts ?? {}
  const prints = new Map<Job, string | undefined>()

  const printOf = (job: Job): string | undefined => {
    if (!prints.has(job)) prints.set(job, fingerprint(job, repo.root, config))
    return prints.get(job)
  }

  async function lookup(runs: readonly PlannedRun[]): Promise<readonly Looked[]> {
    const started = performance.now()
    const wanted = runs.map((run) => (run.job.cache === false ? undefined : printOf(run.job)))
    const facts = await readFacts(
      repo,
      runs.filter((_, i) => wanted[i] !== undefined),
    )
    const looked: Looked[] = []
    const groups: string[][] = []
    const where: number[] = []
    const firstWith = new Map<string, number>()
    runs.forEach((run, i) => {
      const print = wanted[i]
      const runFacts = facts.get(run)
      if (print === undefined || runFacts === undefined || run.job.cache === false) {
        looked.push({ kind: 'off' })
        return
      }
      const byCommit = run.job.cache.by === 'commit' || run.job.templates.length > 0
      const candidates = candidateKeys(run, print, runFacts, byCommit)
      if (candidates === undefined || candidates.keys.length === 0) {
        looked.push({ kind: 'off' })
        return
      }
      const leaders = new Set<number>()
      for (const key of candidates.keys) {
        const leader = firstWith.get(key)
        if (leader === undefined) firstWith.set(key, i)
        else leaders.add(leader)
      }
      looked.push({
        kind: 'miss',
        print,
        facts: runFacts,
        byCommit,
        reads: typeof run.job.run === 'function' ? new Set() : undefined,
        candidates: candidates.keys,
        leaders: [...leaders],
      })
      groups.push(candidates.keys)
      where.push(i)
    })
    if (groups.length === 0) return looked
    const found = store.getMany(groups, jobEntryPath)
    const missed: number[] = []
    const copied: Parameters<CacheStore['putMany']>[0][number][] = []
    let index: ReadonlyMap<string, Receipt> | undefined
    for (const [g, i] of where.entries()) {
      const hit = found[g]
      if (hit) looked[i] = { kind: 'hit', result: hitResult(runs[i] as PlannedRun, hit.key, hit.data, hit.outputs) }
      else missed.push(g)
    }
    if (missed.length > 0) {
      index = await receiptIndex(repo, layer)
      for (const g of missed) {
        const i = where[g] as number
        const receipt = (groups[g] as string[]).map((key) => index?.get(key)).find((r) => r !== undefined)
        if (!receipt?.key) continue
        const run = runs[i] as PlannedRun
        looked[i] = { kind: 'hit', result: hitResult(run, receipt.key, receipt.data, receipt.outputs) }
        copied.push({
          key: receipt.key,
          job: run.job.id,
          hook: run.hook,
          at: receipt.at,
          ms: receipt.ms,
          ...(receipt.data === undefined ? {} : { data: receipt.data }),
          outputs: receipt.outputs,
        })
      }
      if (copied.length > 0) store.putMany(copied, jobEntryPath)
    }
    const share = Math.round((performance.now() - started) / Math.max(1, groups.length))
    for (const [i, entry] of looked.entries())
      if (entry.kind === 'hit') looked[i] = { kind: 'hit', result: { ...entry.result, ms: share } }
    return looked
  }

  function keyOf(entry: Looked): string | undefined {
    if (entry.kind !== 'miss') return entry.kind === 'hit' ? entry.result.key : undefined
    // A command has exactly one key: what it was given decides it, nothing it reads.
    if (entry.reads === undefined) return entry.candidates[0]
    return functionKey(entry.print, levelOf(entry.reads), entry.facts, entry.byCommit)
  }

  function storeAll(looked: readonly Looked[], results: readonly (JobResult | undefined)[]): void {
    const fresh: Parameters<CacheStore['putMany']>[0][number][] = []
    looked.forEach((entry, i) => {
      const result = results[i]
      // A result reused from an earlier run of the batch is stored under that run's key already.
      if (entry.kind !== 'miss' || result?.status !== 'ok' || result.cache === 'hit' || result.cache === 'off') return
      const key = keyOf(entry)
      if (key === undefined) return
      fresh.push({
        key,
        job: result.job,
        hook: '',
        at: new Date().toISOString(),
        ms: Math.round(result.ms),
        ...(result.data === undefined ? {} : { data: result.data }),
        outputs: result.outputs,
      })
    })
    if (fresh.length > 0) store.putMany(fresh, jobEntryPath)
  }

  return { lookup, keyOf, store: storeAll }
}

/**
 * For a miss that waited for an earlier run of its batch: that run's result as this run's hit,
 * when it ran ok and was keyed under one of this run's candidate keys.
 */
export function reuseResult(run: PlannedRun, entry: Looked, leader: JobResult | undefined): JobResult | undefined {
  if (entry.kind !== 'miss' || leader?.status !== 'ok' || leader.cache === 'off' || leader.key === undefined)
    return undefined
  if (!entry.candidates.includes(leader.key)) return undefined
  return hitResult(run, leader.key, leader.data, leader.outputs)
}

const hitResult = (
  run: PlannedRun,
  key: string,
  data: unknown,
  outputs: JobResult['outputs'] | undefined,
): JobResult => ({
  job: run.job.id,
  status: 'ok',
  ms: 0,
  ...(data === undefined ? {} : { data }),
  log: '',
  attempts: 0,
  outputs: outputs ?? [],
  cache: 'hit',
  key,
})

/** Every key the run's result may be under: one for a command, one per level for a function. */
function candidateKeys(
  run: PlannedRun,
  print: string,
  facts: RunFacts,
  byCommit: boolean,
): { readonly keys: string[] } | undefined {
  const job = run.job
  if (typeof job.run === 'function') {
    const levels = byCommit ? (['commit'] as const) : LEVELS
    return { keys: levels.flatMap((level) => functionKey(print, level, facts, byCommit) ?? []) }
  }
  if (typeof job.run !== 'string') return undefined // a template-only job: its renderer keys nothing yet
  const parsed = parseCommand(job.run)
  if (!parsed.ok) return undefined
  const argv = expandCommand(parsed.words, {
    files: filesUnder(run.files, job.cwd),
    args: run.args,
    commit: run.commit,
    branch: run.branch,
    root: '{root}', // the clone's path is not what the job computes on; a second clone shares results
  })
  const usesFiles = parsed.usesFiles
  const own = usesFiles ? filesOf(facts, job.cwd) : facts
  const key = commandKey(print, argv, usesFiles, own, byCommit)
  return key === undefined ? undefined : { keys: [key] }
}

/** The facts with only the files a command's `{files}` gets (those under its cwd). */
function filesOf(facts: RunFacts, cwd: string): RunFacts {
  if (cwd === '' || facts.files === undefined) return facts
  const prefix = `${cwd}/`
  return { ...facts, files: facts.files.filter(([file]) => file.startsWith(prefix)) }
}

/** The facts of each run a key may hold; a run git could not describe is left out (not cached). */
async function readFacts(repo: Repo, runs: readonly PlannedRun[]): Promise<Map<PlannedRun, RunFacts>> {
  const out = new Map<PlannedRun, RunFacts>()
  const objects = await readRunObjects(repo, runs)
  if (objects === undefined) return out
  runs.forEach((run, i) => {
    const seen = objects[i]
    if (seen === undefined) return
    out.set(run, {
      tree: seen.tree,
      files: seen.files,
      commit: run.commit,
      commits: run.commits,
      branch: run.branch ?? null,
      hook: run.hook,
      args: run.args,
      stdin: run.stdin,
    })
  })
  return out
}

/** The receipts by key (latest ok one per key), read once per layer; empty when they cannot be read. */
function receiptIndex(repo: Repo, layer: ReceiptLayer): Promise<ReadonlyMap<string, Receipt>> {
  layer.index ??= readAllReceipts(repo)
    .then((receipts) => {
      const byKey = new Map<string, Receipt>()
      for (const receipt of receipts) {
        if (receipt.status !== 'ok' || typeof receipt.key !== 'string' || receipt.cache === 'off') continue
        const seen = byKey.get(receipt.key)
        if (!seen || receipt.at > seen.at) byKey.set(receipt.key, receipt)
      }
      return byKey
    })
    .catch(() => new Map())
  return layer.index
}
