/**
 * The resolved config: every default applied, every duration in ms, every trigger normalised.
 * This is what the rest of gitvan reads; only config/ sees the user's raw shape.
 */
import type { HookName } from '../hook/catalog.js'
import type { JobContext } from '../job/context.js'

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
  readonly cache: false | { readonly inputs: readonly string[] }
  readonly output: { readonly ref: string; readonly worktree: boolean }
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
   * sha256 (hex) of the config's source files, for trust and cache keys: the config file's bytes
   * (for package.json, its "gitvan" key), then each jobs/ file's path and bytes in path order (see
   * `hashConfigFiles` in load.ts).
   * Modules the config imports from elsewhere are not part of it.
   */
  readonly hash: string
  readonly jobs: readonly Job[]
  readonly debounce: { readonly waitMs: number; readonly maxWaitMs: number; readonly maxBatch: number }
  readonly concurrency: number
  readonly cache: { readonly enabled: boolean; readonly maxSizeBytes: number; readonly ttlMs: number }
  readonly runner: { readonly idleMs: number; readonly maxHeapMB: number }
}
