/**
 * Events + jobs + facts → the runs to do. Pure: facts about commits (message, author, changed
 * files, tags, which (job, commit) pairs already have a receipt) are gathered beforehand
 * (schedule/facts.ts), so the same plan comes out of the runner and of `gitvan run`.
 *
 *     planJobs(events, jobs, facts, { force }) → { runs, skipped, skippedByJob }
 *
 * Which commits an event concerns (`eventTargets`):
 * - post-commit, post-merge, post-applypatch: HEAD;
 * - post-checkout: the new HEAD (its second argument);
 * - post-rewrite: the new side of every `old new` pair on stdin. A rewritten commit is a new commit,
 *   so it triggers the jobs of `post-rewrite` AND of `post-commit`. Receipts of the old commits are
 *   NOT carried over: the new commit's tree, parents or message may differ from the old one's, so
 *   what a job found on the old commit says nothing certain about the new one; the jobs are planned
 *   again, and the job cache (jobCache.ts) answers those that would see the same as before.
 *   (A pick that git fast-forwarded keeps its oid, and so keeps its receipt.)
 * - reference-transaction (`committed` only): the new value of each updated branch or tag.
 *
 * Filters (`on`): hook, branch and tag globs (`!` negates; `tag` is the tag a reference-transaction
 * moved, or for other hooks any tag on the commit), paths (the commit's changed files;
 * `files` holds the matches), message and author regular expressions. A target whose commit has no
 * facts (it vanished, or is not a commit) is skipped.
 *
 * Modes: `each` one run per commit; `latest` one run per batch for the newest commit of each branch
 * (newest = latest event, and within an event the last commit git listed); `batch` one run per batch
 * carrying every matched commit in `commits`. Every run lists in `commits` the commits it covers:
 * one receipt is written per covered commit, and a covered commit that already has a receipt for the
 * job is dropped (the run too, when nothing is left) unless `force`.
 */

import { eventBranch, type HookEvent, rewrittenPairs } from '../event.js'
import type { HookName } from '../hooks.js'
import { branchOf, tagOf } from '../names.js'
import type { Job } from '../types.js'
import { matchFiles, matchTrigger } from './match.js'

export type CommitFacts = {
  /** The full commit message. */
  readonly message: string
  /** `Name <email>` of the author. */
  readonly author: string
  /** Paths changed against the first parent (every path of a root commit). */
  readonly files: readonly string[]
  /** Tags pointing at the commit (short names), when any job filters on tags. */
  readonly tags: readonly string[]
}

export type PlanFacts = {
  /** By commit oid. */
  readonly commits: ReadonlyMap<string, CommitFacts>
  /** Names that are not commit oids (an annotated tag's oid) → the commit they peel to. */
  readonly peeled?: ReadonlyMap<string, string>
  /** `receiptKey(job, commit)` of every pair whose latest receipt is `ok` (failed ones run again). */
  readonly done: ReadonlySet<string>
}

/** One (event, commit) pair and the hooks whose jobs it triggers. */
export type Target = {
  readonly commit: string
  /** The hook recorded in the receipt. */
  readonly hook: HookName
  /** Jobs listening to any of these run on this target. */
  readonly triggers: readonly HookName[]
  readonly branch: string | undefined
  readonly tag: string | undefined
  readonly event: HookEvent
}

export type PlannedRun = {
  readonly job: Job
  readonly hook: string
  /** The commit the job runs for (mode batch: the newest). */
  readonly commit: string
  /** Every commit this run covers; each gets a receipt. */
  readonly commits: readonly string[]
  /** Changed paths matching the job's `paths` (all changed paths when it has none). */
  readonly files: readonly string[]
  readonly branch: string | undefined
  readonly args: readonly string[]
  readonly stdin: string
}

export type Plan = {
  readonly runs: readonly PlannedRun[]
  /** (job, commit) pairs dropped because a receipt exists. */
  readonly skipped: number
  /** The same count by job id (jobs that skipped nothing are absent). */
  readonly skippedByJob: ReadonlyMap<string, number>
}

export const receiptKey = (job: string, commit: string): string => `${job}\u0000${commit}`

/**
 * The runs cut down to the commits `keep` says yes to (a run's own commit stays when kept, else
 * its newest kept one), runs left with none dropped.
 */
export function keepCommits(runs: readonly PlannedRun[], keep: (job: string, commit: string) => boolean): PlannedRun[] {
  const result: PlannedRun[] = []
  for (const run of runs) {
    const commits = run.commits.filter((commit) => keep(run.job.id, commit))
    if (commits.length === 0) continue
    result.push(
      commits.length === run.commits.length
        ? run
        : { ...run, commits, commit: commits.includes(run.commit) ? run.commit : (commits.at(-1) as string) },
    )
  }
  return result
}

const ZERO = /^0+$/

/** The commits an event concerns, in the order git gave them. */
export function eventTargets(event: HookEvent): readonly Target[] {
  const branch = eventBranch(event)
  const one = (commit: string | undefined, triggers: readonly HookName[] = [event.hook]): readonly Target[] =>
    commit && !ZERO.test(commit) ? [{ commit, hook: event.hook, triggers, branch, tag: undefined, event }] : []
  switch (event.hook) {
    case 'post-checkout':
      return one(event.args[1] ?? event.head)
    case 'post-rewrite': {
      const seen = new Set<string>()
      const targets: Target[] = []
      for (const pair of rewrittenPairs(event.stdin)) {
        if (seen.has(pair.new)) continue
        seen.add(pair.new)
        targets.push(...one(pair.new, ['post-rewrite', 'post-commit']))
      }
      return targets
    }
    case 'reference-transaction': {
      if (event.args[0] !== 'committed') return []
      const targets: Target[] = []
      for (const line of event.stdin.split('\n')) {
        const [, newOid, ref] = line.split(' ')
        if (!newOid || !ref || ZERO.test(newOid)) continue
        const onBranch = branchOf(ref)
        const tag = tagOf(ref)
        if (onBranch === undefined && tag === undefined) continue
        targets.push({ commit: newOid, hook: event.hook, triggers: [event.hook], branch: onBranch, tag, event })
      }
      return targets
    }
    default:
      return one(event.head)
  }
}

/** Synthetic events for `gitvan run`: each commit as if `hook` had just run for it, oldest first. */
export function commitEvents(
  commits: readonly string[],
  hook: HookEvent['hook'] = 'post-commit',
  ref = 'HEAD',
): readonly HookEvent[] {
  return commits.map((head, index) => ({ hook, head, ref, cwd: '', args: [], stdin: '', time: index }))
}

type JobFilter = (target: Target, facts: CommitFacts) => readonly string[] | undefined

/** The job's `on` as one function: undefined when the target does not match, else the matched files. */
function jobFilter(job: Job): JobFilter {
  const { on } = job
  return (target, facts) => {
    // A reference-transaction is about the ref it moved: its tag, if any. Other events are about a
    // commit, which may carry several tags; and a target may have several trigger hooks.
    const known =
      target.event.hook === 'reference-transaction' ? (target.tag === undefined ? [] : [target.tag]) : facts.tags
    const tags = on.tag.length === 0 ? [undefined] : known
    const fires = target.triggers.some((hook) =>
      tags.some((tag) =>
        matchTrigger(on, { hook, branch: target.branch, tag, message: facts.message, author: facts.author }),
      ),
    )
    if (!fires) return undefined
    const files = matchFiles(on.paths, facts.files)
    return on.paths.length > 0 && files.length === 0 ? undefined : files
  }
}

type Match = { readonly target: Target; readonly files: readonly string[] }

export function planJobs(
  events: readonly HookEvent[],
  jobs: readonly Job[],
  facts: PlanFacts,
  options: { readonly force?: boolean } = {},
): Plan {
  const ordered = [...events].sort((a, b) => a.time - b.time)
  const targets = ordered.flatMap(eventTargets)
  const runs: PlannedRun[] = []
  let skipped = 0
  const skippedByJob = new Map<string, number>()
  const isDone = (job: Job, commit: string): boolean => {
    if (options.force || !facts.done.has(receiptKey(job.id, commit))) return false
    skipped++
    skippedByJob.set(job.id, (skippedByJob.get(job.id) ?? 0) + 1)
    return true
  }
  for (const job of jobs) {
    const filter = jobFilter(job)
    const matches: Match[] = []
    const seen = new Set<string>()
    for (const named of targets) {
      const peeled = facts.peeled?.get(named.commit)
      const target = peeled === undefined ? named : { ...named, commit: peeled }
      const commitFacts = facts.commits.get(target.commit)
      if (!commitFacts) continue
      const files = filter(target, commitFacts)
      if (!files) continue
      // The first event that names a commit speaks for it; later ones would only repeat the run.
      if (job.mode !== 'latest' && seen.has(target.commit)) continue
      seen.add(target.commit)
      matches.push({ target, files })
    }
    if (job.mode === 'each') {
      for (const match of matches)
        if (!isDone(job, match.target.commit)) runs.push(toRun(job, match, [match.target.commit]))
    } else if (job.mode === 'latest') {
      const newest = new Map<string, Match>()
      for (const match of matches) newest.set(match.target.branch ?? '', match)
      const picked = new Set<string>()
      for (const match of newest.values()) {
        if (picked.has(match.target.commit)) continue
        picked.add(match.target.commit)
        if (!isDone(job, match.target.commit)) runs.push(toRun(job, match, [match.target.commit]))
      }
    } else {
      const open = matches.filter((match) => !isDone(job, match.target.commit))
      const last = open.at(-1)
      if (last) {
        const files = [...new Set(open.flatMap((match) => match.files))]
        runs.push(
          toRun(
            job,
            { target: last.target, files },
            open.map((match) => match.target.commit),
          ),
        )
      }
    }
  }
  return { runs, skipped, skippedByJob }
}

const toRun = (job: Job, match: Match, commits: readonly string[]): PlannedRun => ({
  job,
  hook: match.target.hook,
  commit: match.target.commit,
  commits,
  files: match.files,
  branch: match.target.branch,
  args: match.target.event.args,
  stdin: match.target.event.stdin,
})
