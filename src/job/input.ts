/**
 * What a job run is about: the facts a hook, the runner or `gitvan run` gathered for one job. They
 * are the same facts a function job sees on its context (documented there, for users), plus the
 * environment commands start from.
 */
import type { JobContext } from '../types.js'

export type JobInput = Pick<
  JobContext,
  'hook' | 'args' | 'stdin' | 'commit' | 'commits' | 'files' | 'branch' | 'root'
> & {
  /** The environment commands start from. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv
}
