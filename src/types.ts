/**
 * Types shared by config/ and job/, so neither imports the other: the resolved config (every
 * default applied, every duration in ms, every trigger normalised: what the rest of gitvan reads;
 * only config/ sees the user's raw shape), and what a function job receives. Commands get the same
 * facts through `{files}`, `{args}`, `{commit}`, `{branch}` and `{root}` in their argv and GITVAN_*
 * variables in their environment. Types only: nothing here runs.
 */
import type { HookName } from './hooks.js'

export type JobMode = 'each' | 'latest' | 'batch'

export type Trigger = {
  readonly hooks: readonly HookName[]
  /** Globs; empty means any. A leading `!` negates. */
  readonly branch: readonly string[]
  readonly tag: readonly string[]
  readonly paths: readonly string[]
  readonly message: RegExp | undefined
  readonly author: RegExp | undefined
}

export type Job = {
  readonly id: string
  readonly on: Trigger
  readonly run: string | ((ctx: JobContext) => unknown) | undefined
  readonly templates: readonly string[]
  readonly mode: JobMode
  readonly priority: number
  readonly timeoutMs: number
  readonly retries: number
  /**
   * `by: 'commit'`: a runner job's result is keyed by the commit as well as by what it sees;
   * `scope`: what a gate's verdict is keyed by (see define.ts); absent: 'tree'.
   */
  readonly cache:
    | false
    | { readonly inputs: readonly string[]; readonly by: 'content' | 'commit'; readonly scope?: 'tree' | 'files' }
  readonly output: {
    readonly ref: string
    readonly worktree: boolean
    /** With `worktree`: also stage the files written. */
    readonly stage: boolean
    /** The output commit's tree holds only what this batch wrote (default: the tree is updated). */
    readonly replace: boolean
  }
  /** Re-stage what the gate changed in its files (formatters). */
  readonly fix: boolean
  /** Jobs of the same hook this one waits for. */
  readonly after: readonly string[]
  /** Where the job runs, relative to the root ('' for the root itself). */
  readonly cwd: string
  readonly description: string | undefined
  /** The file that defined the job (config file, or its file under jobs/). */
  readonly source: string
}

export type Config = {
  /**
   * Absolute path of the config file, or of package.json when the config is its "gitvan" key, or
   * of the jobs/ directory when that is all there is.
   */
  readonly file: string
  /** The repository's top-level directory. */
  readonly root: string
  /**
   * sha256 (hex) of the config's files, for trust and cache keys: the config file (for
   * package.json, its "gitvan" key), each jobs/ file, and each file of the repository the config
   * imported when it was approved, by path and content (see `trustHash` in config/trust.ts).
   */
  readonly hash: () => string
  /** What evaluating the config read (set by the loader). */
  readonly evaluation?: ConfigEvaluation
  readonly jobs: readonly Job[]
  readonly debounce: { readonly waitMs: number; readonly maxWaitMs: number; readonly maxBatch: number }
  readonly concurrency: number
  readonly cache: { readonly enabled: boolean; readonly maxSizeBytes: number; readonly ttlMs: number }
  /** keepWarmMs: how long the runner stays warm for gate requests after its last work (0: off). */
  readonly runner: { readonly idleMs: number; readonly maxHeapMB: number; readonly keepWarmMs: number }
}

/** What a config's evaluation depended on beyond its own files. */
export type ConfigEvaluation = {
  /** Environment variables read, sorted by name, each with its value (undefined: unset); 'all' when it enumerated them. */
  readonly env: readonly (readonly [name: string, value: string | undefined])[] | 'all'
  /** Files of the repository it imports (paths under the top level), as the trust record names them. */
  readonly imports: readonly string[]
  /**
   * Files it read (paths under the top level, or absolute outside it), by how: a file's bytes (or
   * its existence) can be checked again, a directory listing or a read through a descriptor cannot.
   */
  readonly reads?: readonly { readonly path: string; readonly kind: 'file' | 'dir' | 'opaque' }[]
}

/** One commit's metadata, as `ctx.git.commit()` and templates see it. */
export type CommitInfo = {
  readonly oid: string
  readonly short: string
  readonly subject: string
  readonly body: string
  readonly author: { readonly name: string; readonly email: string }
  /** Author date, ISO 8601. */
  readonly date: string
}

export type ExecResult = {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export type JobContext = {
  /** The job's id. */
  readonly job: string
  /** The hook that triggered this run (`post-commit` for `gitvan run`). */
  readonly hook: string
  /** The hook's arguments as git passed them (commit-msg: the message file). */
  readonly args: readonly string[]
  /** What git wrote to the hook's standard input (pre-push: the pushed refs), or ''. */
  readonly stdin: string
  /** The commit the job runs for; in pre-commit, the HEAD the commit will sit on ('' on an unborn branch). */
  readonly commit: string
  /** Every commit of the batch (mode `batch`); otherwise just this one. */
  readonly commits: readonly string[]
  /**
   * Changed paths (staged paths in pre-commit) that match the job's `paths`, relative to the root
   * (also when the job has a `cwd`: a command's `{files}` are relative to the cwd instead).
   */
  readonly files: readonly string[]
  /** The branch name (`main`), or undefined on a detached HEAD. */
  readonly branch: string | undefined
  /** The repository's top-level directory. */
  readonly root: string
  /** The directory the job runs in (absolute): `root`, or the job's `cwd` under it. `exec` runs here. */
  readonly cwd: string
  /** Read helpers. */
  readonly git: {
    /** Runs a read-only git command in the repository and returns its standard output. */
    readonly run: (args: readonly string[]) => Promise<string>
    /** Metadata of one commit. */
    readonly commit: (rev: string) => Promise<CommitInfo>
  }
  /**
   * Runs a program (argv, no shell) in `cwd`, found as npm scripts find it (the project's
   * `node_modules/.bin` first, then PATH); aborted with the job.
   */
  readonly exec: (file: string, args?: readonly string[]) => Promise<ExecResult>
  /** Aborts when the job times out or is cancelled. */
  readonly signal: AbortSignal
  /** Writes a line to the job's log (shown when the job fails, and in the runner's log). */
  readonly log: (...parts: unknown[]) => void
  /**
   * Renders Liquid text with the data templates see (`commit`, `commits`, `files`, `branch`, `tag`,
   * `job`), plus `data`'s keys, in strict mode (an undefined variable or filter throws).
   */
  readonly render: (template: string, data?: Readonly<Record<string, unknown>>) => Promise<string>
  /**
   * Writes a file into the job's output: the tree committed onto its output ref (or the work tree
   * with `output.worktree`), once the job has succeeded. The path is relative to the output tree;
   * an unsafe one (`..`, `.git`, absolute) throws and fails the job.
   */
  readonly write: (path: string, content: string) => void
}
