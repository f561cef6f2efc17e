/** What a job run is about: the facts a hook, the runner or `gitvan run` gathered for one job. */

export type JobInput = {
  /** The hook that triggered the run (`post-commit` for `gitvan run`). */
  readonly hook: string
  /** The hook's arguments as git passed them. */
  readonly args: readonly string[]
  /** What git wrote to the hook's standard input, or ''. Commands receive it on their stdin. */
  readonly stdin: string
  /** The commit the job runs for ('' in pre-commit on an unborn branch). */
  readonly commit: string
  /** Every commit of the batch (mode `batch`); otherwise just `commit`. */
  readonly commits: readonly string[]
  /** The matched paths, relative to `root`. */
  readonly files: readonly string[]
  /** The branch, or undefined on a detached HEAD. */
  readonly branch: string | undefined
  /** The repository's top-level directory; commands run there. */
  readonly root: string
  /** The environment commands start from. Default: this process's. */
  readonly env?: NodeJS.ProcessEnv
}
