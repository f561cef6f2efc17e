/**
 * The facts a plan needs, read from git in bulk: a fixed number of git processes per batch, however
 * many commits it holds (a 200-commit rebase costs the same few calls as one commit).
 *
 *     gatherFacts(repo, events, jobs) → PlanFacts   then   planJobs(events, jobs, facts)
 *
 * Objects that are gone (a commit garbage-collected before the batch ran) or are not commits simply
 * have no facts; the plan skips them. Annotated tags are peeled to their commit.
 */

import type { HookEvent } from '../event.js'
import { describeCommits, readTags } from '../git/history.js'
import { readReceipts } from '../git/notes.js'
import { objectTypes } from '../git/objects.js'
import type { Repo } from '../git/repo.js'
import { latestPerJob } from '../receipt.js'
import type { Job } from '../types.js'
import { type CommitFacts, eventTargets, type PlanFacts, receiptKey } from './plan.js'

/** Facts for every commit the events concern. */
export async function gatherFacts(repo: Repo, events: readonly HookEvent[], jobs: readonly Job[]): Promise<PlanFacts> {
  const names = [...new Set(events.flatMap(eventTargets).map((target) => target.commit))]
  return gatherCommitFacts(repo, names, jobs)
}

/** Facts for these object names (commit oids, or tag oids that peel to commits). */
export async function gatherCommitFacts(
  repo: Repo,
  names: readonly string[],
  jobs: readonly Job[],
): Promise<PlanFacts> {
  // Names are nearly always commit oids already (hooks and rev-list give those): the reads for
  // them start with the peel instead of after it, and are used only if the peel agrees. A tag, a
  // missing object or a non-commit makes them redo on the peeled oids.
  const unique = [...new Set(names)]
  const early = Promise.all([describeCommits(repo, unique), readDone(repo, unique)]).catch(() => undefined)
  const peeled = await peelToCommits(repo, names)
  const oids = [...new Set(peeled.values())]
  const agrees = oids.length === unique.length && [...peeled].every(([name, oid]) => name === oid)
  const reads = agrees ? await early : undefined
  const wantTags = jobs.some((job) => job.on.tag.length > 0)
  const [[described, done], tags] = await Promise.all([
    reads ?? Promise.all([describeCommits(repo, oids), readDone(repo, oids)]),
    wantTags ? readTags(repo) : Promise.resolve(new Map<string, string[]>()),
  ])
  const commits = new Map<string, CommitFacts>()
  for (const oid of oids) {
    const facts = described.get(oid)
    if (facts) commits.set(oid, { ...facts, tags: tags.get(oid) ?? [] })
  }
  const others = new Map([...peeled].filter(([name, oid]) => name !== oid))
  return { commits, done, ...(others.size > 0 ? { peeled: others } : {}) }
}

/** name → commit oid, for names that exist and peel to a commit. */
async function peelToCommits(repo: Repo, names: readonly string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>()
  const types = await objectTypes(
    repo,
    names.map((name) => `${name}^{commit}`),
  )
  names.forEach((name, index) => {
    const object = types[index]
    if (object?.type === 'commit') result.set(name, object.oid)
  })
  return result
}

/**
 * `receiptKey(job, commit)` of every pair whose latest receipt (DESIGN 3.3: per job, the line with
 * the latest `at` wins) is `ok`. A pair whose latest run failed, timed out or was cancelled is not
 * done: a re-run tries it again, so a CI run after a fix does not pass on a stale failure.
 */
async function readDone(repo: Repo, commits: readonly string[]): Promise<Set<string>> {
  const done = new Set<string>()
  for (const [commit, receipts] of await readReceipts(repo, commits)) {
    for (const receipt of latestPerJob(receipts)) if (receipt.status === 'ok') done.add(receiptKey(receipt.job, commit))
  }
  return done
}
