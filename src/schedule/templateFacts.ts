/**
 * The commit metadata and tags a batch's templates see, read once for the whole batch: one
 * `git log` for every commit of the runs that render templates and one `for-each-ref` for the
 * tags, on the first render (a batch without templates reads nothing). A commit no run named
 * (a function job's `ctx.render` on another commit) is read when asked.
 */
import { commitInfos, readTags } from '../git/history.js'
import type { Repo } from '../git/repo.js'
import type { TemplateFacts } from '../job/input.js'
import type { CommitInfo } from '../types.js'
import type { PlannedRun } from './plan.js'

type Facts = Awaited<ReturnType<TemplateFacts>>

export function batchTemplateFacts(repo: Repo, runs: readonly PlannedRun[]): TemplateFacts | undefined {
  const wanted = runs.filter((run) => run.job.templates.length > 0).flatMap((run) => [run.commit, ...run.commits])
  if (wanted.length === 0) return undefined
  let all: Promise<Facts> | undefined
  return async (commits) => {
    all ??= Promise.all([commitInfos(repo, wanted), readTags(repo)]).then(([infos, tags]) => ({ commits: infos, tags }))
    const facts = await all
    const missing = commits.filter((oid) => !facts.commits.has(oid))
    if (missing.length === 0) return facts
    const more = await commitInfos(repo, missing)
    return { commits: new Map<string, CommitInfo>([...facts.commits, ...more]), tags: facts.tags }
  }
}
