/**
 * A job's outcome is a value, never an exception: a job that throws, exits non-zero, hangs past
 * its timeout or is cancelled yields a JobResult with that status. Receipts (DESIGN 3.3) are the
 * JobResults of the runner and `gitvan run`, written into git notes.
 */

export type JobStatus = 'ok' | 'failed' | 'timeout' | 'cancelled'

export type JobError = { readonly message: string; readonly code: string }

export type Output = { readonly ref: string; readonly path: string; readonly oid: string }

export type JobResult = {
  readonly job: string
  readonly status: JobStatus
  /** Wall time of the run (all attempts), in ms. */
  readonly ms: number
  /** What a function job returned (JSON-serialisable), or undefined. */
  readonly data?: unknown
  readonly error?: JobError
  /** What the job printed (stdout and stderr interleaved) and logged, for showing on failure. */
  readonly log: string
  /** How many attempts ran (1 + retries used). */
  readonly attempts: number
  readonly outputs: readonly Output[]
  /** Whether the disk cache answered (`hit`, nothing ran), was asked (`miss`), or not (`off`, or unset). */
  readonly cache?: 'hit' | 'miss' | 'off'
  /** `sha256:<hex>` cache key, when the cache was asked. */
  readonly key?: string
}

export const RECEIPT_SCHEMA = 'gitvan.receipt.v1'

/** One line of a note on refs/notes/gitvan/results. */
export type Receipt = {
  readonly schema: typeof RECEIPT_SCHEMA
  readonly job: string
  readonly commit: string
  readonly hook: string
  readonly status: JobStatus
  /** ISO 8601 time the run finished. */
  readonly at: string
  readonly ms: number
  readonly cache: 'hit' | 'miss' | 'off'
  /** `sha256:<hex>` cache key, when the job is cached. */
  readonly key?: string
  readonly data?: unknown
  readonly error?: JobError
  readonly outputs: readonly Output[]
  /** `host:pid` of the process that ran the job. */
  readonly runner: string
}

/** A receipt as one JSON line, keys in the contract's order. */
export const toReceiptLine = (receipt: Receipt): string =>
  JSON.stringify({
    schema: receipt.schema,
    job: receipt.job,
    commit: receipt.commit,
    hook: receipt.hook,
    status: receipt.status,
    at: receipt.at,
    ms: receipt.ms,
    cache: receipt.cache,
    ...(receipt.key === undefined ? {} : { key: receipt.key }),
    ...(receipt.data === undefined ? {} : { data: receipt.data }),
    ...(receipt.error === undefined ? {} : { error: receipt.error }),
    outputs: receipt.outputs,
    runner: receipt.runner,
  })
