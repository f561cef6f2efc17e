/**
 * The config a user writes. `defineConfig` and `defineJob` are identity functions that exist for
 * editor types; a plain object works the same. Defaults are applied by `resolveConfig`.
 */
import type { HookName } from '../hooks.js'
import type { JobContext } from '../types.js'

/** A glob, or a list of globs; a leading `!` negates. */
export type Globs = string | readonly string[]

/** When a job runs. */
export type JobTrigger =
  | HookName
  | readonly HookName[]
  | {
      /** The hook or hooks that trigger the job. */
      readonly hook: HookName | readonly HookName[]
      /** Only on these branches (globs, `!` negates), e.g. `'main'` or `['release/*', '!release/old']`. */
      readonly branch?: Globs
      /** Only for these tags (globs). */
      readonly tag?: Globs
      /** Only when a changed (or, in pre-commit, staged) path matches; `ctx.files` holds the matches. */
      readonly paths?: Globs
      /** Only when the commit message matches this regular expression. */
      readonly message?: string | RegExp
      /** Only when the author (`Name <email>`) matches this regular expression. */
      readonly author?: string | RegExp
    }

/** A duration in milliseconds, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'30d'`. */
export type Duration = number | string

/** A size in bytes, or a string such as `'512KB'`, `'256MB'`, `'1GB'` (binary units: 1KB = 1024 bytes). */
export type Size = number | string

export type JobConfig = {
  /** The hook(s) and filters that trigger this job. */
  readonly on: JobTrigger
  /**
   * What the job does: a command or a function whose return value lands in the receipt's `data`.
   * A command is split into argv (no shell) and runs like an npm script: the project's
   * `node_modules/.bin` comes first on PATH. Placeholders: `{files}` (the matched files, one
   * argument each), `{args}` (the hook's own arguments, one each: commit-msg's message file),
   * `{commit}`, `{branch}`, `{root}` (the repository's top-level directory). A placeholder is a
   * value, never code: it stands as a whole argument or an option's value (`--ref={branch}`), and
   * `{root}` may start a plain path (`{root}/scripts/x.mjs`); inside other text, or in a shell's
   * `-c` script, use the environment (`sh -c 'echo "$GITVAN_BRANCH"'`).
   * A command that exits non-zero fails the job; in a blocking hook that refuses the git operation.
   */
  readonly run?: string | ((ctx: JobContext) => unknown)
  /** A template file to render (front matter `to:` names the output path). */
  readonly template?: string
  /** Several template files. */
  readonly templates?: readonly string[]
  /** `each` (default): once per commit; `latest`: once per batch for the newest commit of each branch; `batch`: once per batch with every event. */
  readonly mode?: 'each' | 'latest' | 'batch'
  /** Higher runs first. Default 0. */
  readonly priority?: number
  /** The job is killed (its whole process group) after this long. Default `'5m'`. */
  readonly timeout?: Duration
  /** Runs again this many times after a failure, with exponential backoff. Default 0. */
  readonly retries?: number
  /**
   * `false` turns the result cache off for this job (a job with side effects: deploy, notify,
   * upload). `inputs` adds files whose content is part of the key. `by: 'commit'` keys a runner
   * job's result by the commit too (a command that reads `GITVAN_COMMIT`, `GITVAN_BRANCH`,
   * `GITVAN_HOOK` or its standard input must say so); by default it is keyed by what it sees
   * (its argv and files, or the commit's tree), so rewording or rebasing re-runs nothing.
   *
   * `scope` (gates): what a passing verdict is keyed by. `'tree'` (the default): the whole staged
   * tree and HEAD's tree, so any change anywhere (a linter's own config file too) runs the gate
   * again. `'files'`: only the staged content of the files the command is given as `{files}` (and
   * `inputs`): a gate that reads nothing else, such as a formatter check, then keeps its verdict
   * while other files change. Only for a command that uses `{files}`.
   */
  readonly cache?:
    | false
    | { readonly inputs?: readonly string[]; readonly by?: 'content' | 'commit'; readonly scope?: 'tree' | 'files' }
  /** Where rendered files go: a ref (default `refs/gitvan/outputs/<job>`), or the working tree. */
  readonly output?: {
    /** The ref the output commits go onto (default `refs/gitvan/outputs/<job>`). */
    readonly ref?: string
    /** Write into the work tree instead of onto a ref (generators in pre-commit). */
    readonly worktree?: boolean
    /** With `worktree: true`: also stage what was written. */
    readonly stage?: boolean
    /**
     * The output commit's tree holds only the files this batch wrote (default false: files that
     * are not rendered again stay).
     */
    readonly replace?: boolean
  }
  /**
   * A gate that may rewrite the files it is given (a formatter, `eslint --fix`): what it changes in
   * them is re-staged, and unstaged changes are kept aside and put back. Default false.
   */
  readonly fix?: boolean
  /** Ids of jobs of the same hook this job waits for (`after: ['fmt']`). */
  readonly after?: readonly string[]
  /**
   * The directory the job runs in, relative to the repository root (`'packages/app'`). `{files}`
   * are then only the matched files under it, relative to it; its `node_modules/.bin` comes
   * before the root's on PATH. `paths` globs stay relative to the root.
   */
  readonly cwd?: string
  /** A short description, shown by `gitvan doctor`. */
  readonly description?: string
}

export type GitvanConfig = {
  /**
   * Jobs by id. An id names refs, so it must be a valid single ref component (`lint`, `docs.changelog`).
   * Jobs may also live one per file under `jobs/` (`jobs/docs/changelog.mjs` → `docs.changelog`).
   */
  readonly jobs?: Readonly<Record<string, JobConfig>>
  /** How the runner groups async events into batches. */
  readonly debounce?: {
    /** Quiet window in ms before a batch starts. Default 200. */
    readonly wait?: number
    /** A batch starts at the latest this many ms after its first event. Default 2000. */
    readonly maxWait?: number
    /** At most this many events per batch. Default 1000. */
    readonly maxBatch?: number
  }
  /** How many jobs run at once. Default: the number of CPUs, at most 4. */
  readonly concurrency?: number
  /** The disk cache of job results. */
  readonly cache?: {
    /** Evict least-recently-used entries above this size. Default `'256MB'`. */
    readonly maxSize?: Size
    /** Entries older than this are misses. Default `'30d'`. */
    readonly ttl?: Duration
    /** `false` turns the disk cache off. */
    readonly enabled?: boolean
  }
  /** The async runner. */
  readonly runner?: {
    /** The runner exits after this long with nothing to do. Default `'10s'`. */
    readonly idle?: Duration
    /** V8 heap limit of the runner process, in MB. Default 512. */
    readonly maxHeapMB?: number
    /**
     * Warm gates: how long the runner stays up after its last request or batch, answering the
     * blocking hooks' gates in its warm process instead of a new node per commit. Default `'10m'`;
     * `0` turns warm gates off (every gate starts node, as without a runner). Above `maxHeapMB` of
     * resident memory the runner leaves, and the next commit starts one cold.
     */
    readonly keepWarm?: Duration
  }
  /**
   * GitVan v2's tuning block, mapped onto `cache`, `concurrency` and `debounce`:
   * `cache.{maxSize, ttl}` → `cache.{maxSize, ttl}`, `cache.diskCache` → `cache.enabled`,
   * `concurrency.hooks` → `concurrency`, `io.batchSize` → `debounce.maxBatch`,
   * `io.debounceMs` → `debounce.wait`. `concurrency.gitOps` and `concurrency.templates` are accepted
   * but not separately tunable (one queue runs every job). A key set outside this block wins.
   */
  readonly performance?: {
    readonly cache?: { readonly maxSize?: Size; readonly ttl?: Duration; readonly diskCache?: boolean }
    readonly concurrency?: { readonly hooks?: number; readonly gitOps?: number; readonly templates?: number }
    readonly io?: { readonly batchSize?: number; readonly debounceMs?: number }
  }
}

/** Types a gitvan config; returns it unchanged. */
export const defineConfig = <const T extends GitvanConfig>(config: T): T => config

/** Types one job file under `jobs/`; returns it unchanged. */
export const defineJob = <const T extends JobConfig>(job: T): T => job
