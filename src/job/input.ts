/**
 * What a job run is about: the facts a hook, the runner or `gitvan run` gathered for one job. They
 * are the same facts a function job sees on its context (documented there, for users), plus the
 * environment commands start from.
 */
import type { CommitInfo, JobContext } from '../types.js'

/** The metadata and tags of commits, as templates see them. */
export type TemplateFacts = (commits: readonly string[]) => Promise<{
  readonly commits: ReadonlyMap<string, CommitInfo>
  /** commit oid → tag names on it. */
  readonly tags: ReadonlyMap<string, readonly string[]>
}>

export type JobInput = Pick<
  JobContext,
  'hook' | 'args' | 'stdin' | 'commit' | 'commits' | 'files' | 'branch' | 'root'
> & {
  /** The environment commands start from. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv
  /** Commit metadata read ahead for a whole batch; without it, a template run reads its own. */
  readonly templateFacts?: TemplateFacts
}
