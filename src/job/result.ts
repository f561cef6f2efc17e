/**
 * A job's outcome is a value, never an exception: a job that throws, exits non-zero, hangs past
 * its timeout or is cancelled yields a JobResult with that status. Receipts (DESIGN 3.3) are the
 * JobResults of the runner and `gitvan run`, written into git notes.
 */

import type { JobError, JobStatus, Output } from '../receipt.js'
import type { OutputWrite } from '../template/place.js'

export type { JobError, JobStatus, Output } from '../receipt.js'

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
  /** Files written (into the work tree, or onto the output ref once published). */
  readonly outputs: readonly Output[]
  /** Files for the job's output ref, still to be published (schedule/outputs.ts). */
  readonly writes?: readonly OutputWrite[]
  /** Whether the disk cache answered (`hit`, nothing ran), was asked (`miss`), or not (`off`, or unset). */
  readonly cache?: 'hit' | 'miss' | 'off'
  /** `sha256:<hex>` cache key, when the cache was asked. */
  readonly key?: string
}
