/**
 * What a template sees (DESIGN 3.2): the commit, the batch's commits, the files, the branch and
 * tag, the job, and what the job's `run` returned. Every top-level name is always defined (null
 * when there is nothing), so `{% if tag %}` works under strict variables. Pure.
 */
import type { CommitInfo } from '../types.js'

export type TemplateData = {
  readonly commit: CommitInfo
  /** Mode `batch`: every commit of the batch, oldest first; otherwise just `commit`. */
  readonly commits: readonly CommitInfo[]
  readonly files: readonly string[]
  readonly branch: string | null
  /** A tag on the commit (the first by name), or null. */
  readonly tag: string | null
  /** Every tag on the commit. */
  readonly tags: readonly string[]
  readonly job: string
  readonly hook: string
  /** What `run` returned, when the job has both; else null. */
  readonly data: unknown
}

/** The commit a template sees where there is none (pre-commit on an unborn branch). */
export const NO_COMMIT: CommitInfo = {
  oid: '',
  short: '',
  subject: '',
  body: '',
  author: { name: '', email: '' },
  date: '',
}
