/**
 * What a function job receives. Commands get the same facts through `{files}`, `{commit}` and
 * `{branch}` in their argv and GITVAN_* variables in their environment.
 */

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
  /** Changed paths (staged paths in pre-commit) that match the job's `paths`, relative to the root. */
  readonly files: readonly string[]
  /** The branch name (`main`), or undefined on a detached HEAD. */
  readonly branch: string | undefined
  /** The repository's top-level directory. */
  readonly root: string
  /** Read helpers. */
  readonly git: {
    /** Runs a read-only git command in the repository and returns its standard output. */
    readonly run: (args: readonly string[]) => Promise<string>
    /** Metadata of one commit. */
    readonly commit: (rev: string) => Promise<CommitInfo>
  }
  /** Runs a program (argv, no shell) in the repository root; aborted with the job. */
  readonly exec: (file: string, args?: readonly string[]) => Promise<ExecResult>
  /** Aborts when the job times out or is cancelled. */
  readonly signal: AbortSignal
  /** Writes a line to the job's log (shown when the job fails, and in the runner's log). */
  readonly log: (...parts: unknown[]) => void
}
