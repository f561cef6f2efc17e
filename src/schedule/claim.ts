/**
 * Exactly once: before a run starts, its (job, commit) pairs are claimed, so of every runner process
 * working on a repository (the detached runner, any number of `gitvan run`) or on one remote
 * (`gitvan run --remote`), one runs each pair.
 *
 *     claimRuns(repo, runs, claimer) → { runs: what this process won and nobody did yet, claims, held }
 *
 * The order that makes it exactly once: a holder publishes its receipts, THEN releases its claims;
 * a winner claims, THEN reads the receipts again (after `refresh`, which for a remote fetches and
 * merges the remote's notes) and drops every pair that has an ok receipt by now. So a pair is run
 * again only when the first run's receipt never reached the place the claims live, which happens
 * only when its runner died before publishing (its claim then expires, or its process is gone).
 *
 * A `Claimer` is where claims live: this repository's lock refs (`localClaimer`: one update-ref
 * transaction per chunk; pairs a live process holds are waited for) or a remote's
 * (`remoteClaimer`: one push per chunk; pairs another runner holds are left to it, and receipts go
 * to the remote before the claims are released).
 */

import { parseDuration } from '../config/units.js'
import { GitvanError } from '../errors.js'
import {
  type Claim,
  type ClaimOutcome,
  claimLocal,
  LOCAL_CHUNK,
  type Pair,
  releaseLocal,
  renewLocal,
} from '../git/claims.js'
import { readReceipts } from '../git/notes.js'
import { claimRemote, type LockSnapshot, releaseRemote, renewRemote } from '../git/remoteClaims.js'
import {
  type ExchangeCounts,
  ownNotes,
  pullReceipts,
  pushReceipts,
  readTrackedReceipts,
  shareReceipts,
} from '../git/remoteNotes.js'
import type { Repo } from '../git/repo.js'
import { latestPerJob, type Receipt } from '../receipt.js'
import { keepCommits, type PlannedRun, receiptKey } from './plan.js'

export type Claimer = {
  /** Where the claims live, for messages: `local`, or the remote's name. */
  readonly where: string
  /** Pairs claimed at once (runs are done chunk after chunk): `first`, doubling up to `max` while uncontested. */
  readonly chunk: { readonly first: number; readonly max: number }
  /** Whether pairs a live holder has are waited for (local) or left to it (remote). */
  readonly waitForHeld: boolean
  /** Whether each runner starts at a random chunk, so runners on one range spread out. */
  readonly spread: boolean
  /**
   * How long claims whose receipts are published here may wait to be shared and released, so
   * several chunks share one `finish` (0: after each chunk). Others skip them meanwhile.
   */
  readonly shareEveryMs: number
  claim(pairs: readonly Pair[]): Promise<ClaimOutcome>
  /** Before planning: what other runners published, into the local notes ref the plan reads. */
  prepare(): Promise<void>
  /** After claiming, before receipts are read again: bring in what other runners published. */
  refresh(): Promise<void>
  /** `receiptKey(job, commit)` of the pairs whose latest receipt is ok, here or where the claims live. */
  done(commits: readonly string[]): Promise<Set<string>>
  /** After the local publish (or its failure): share the receipts, then release the claims. */
  finish(claims: readonly Claim[], published: boolean): Promise<void>
  /** Once every chunk is done: the receipts shared along the way merged into their final place (remote). */
  close(): Promise<void>
  /** How long a claim holds unless renewed; claims held longer than a third of it are renewed. */
  readonly leaseMs: number
  /** Moves the claims to a fresh time, so work that outlasts a lease keeps them. */
  renew(claims: readonly Claim[]): Promise<void>
  /** Network operations made (remote); `fetches` also says when there is news to look at. */
  readonly counts: ExchangeCounts
}

/** How long a claim holds when its holder stops renewing it (dies on another machine): GITVAN_LEASE or 10 minutes. */
export function leaseMs(env: NodeJS.ProcessEnv = process.env): number {
  if (!env.GITVAN_LEASE) return 10 * 60_000
  const parsed = parseDuration(env.GITVAN_LEASE)
  if (parsed === undefined || parsed < 1000)
    throw new GitvanError('USAGE', `GITVAN_LEASE='${env.GITVAN_LEASE}' is not a duration of at least 1s`, {
      details: ["Give it as '10m', '90s' or a number of ms, or unset it for the default (10m)."],
    })
  return parsed
}

export function localClaimer(repo: Repo, lease: number): Claimer {
  return {
    where: 'local',
    chunk: { first: LOCAL_CHUNK, max: LOCAL_CHUNK },
    waitForHeld: true,
    spread: false,
    shareEveryMs: 0,
    claim: (pairs) => claimLocal(repo, pairs, { leaseMs: lease }),
    prepare: async () => {},
    refresh: async () => {},
    done: async (commits) => toDone(await readReceipts(repo, commits)),
    finish: async (claims) => {
      await releaseLocal(repo, claims)
    },
    close: async () => {},
    leaseMs: lease,
    renew: async (claims) => {
      await renewLocal(repo, claims, lease)
    },
    counts: { pushes: 0, fetches: 0 },
  }
}

/**
 * Pairs per claim push: first a few rounds of the queue (`concurrency` runs at once), so runners
 * sharing a range each get chunks to do; doubling while uncontested, so a runner alone makes few
 * network calls (a chunk costs a claim push, a fetch, and its share of one atomic push of receipts
 * and releases per second).
 */
export const remoteChunk = (concurrency: number): { first: number; max: number } => ({
  first: Math.min(100, Math.max(8, concurrency * 4)),
  max: 256,
})

export function remoteClaimer(
  repo: Repo,
  remote: string,
  lease: number,
  chunk: { readonly first: number; readonly max: number },
): Claimer {
  const counts: ExchangeCounts = { pushes: 0, fetches: 0 }
  const snapshot: LockSnapshot = {}
  const own = ownNotes()
  return {
    where: remote,
    chunk,
    waitForHeld: false,
    spread: true,
    shareEveryMs: 1000,
    counts,
    claim: (pairs) => claimRemote(repo, remote, pairs, { leaseMs: lease, counts, snapshot }),
    prepare: async () => {
      await pullReceipts(repo, remote, counts)
    },
    // Only fetched, not merged: reading the fetched refs answers what is done without a git
    // notes merge per runner per chunk; everything is merged once, in close.
    refresh: async () => {
      await pullReceipts(repo, remote, counts, { merge: false })
    },
    done: async (commits) => {
      const [local, remoteReceipts] = await Promise.all([
        readReceipts(repo, commits),
        readTrackedReceipts(repo, remote, commits),
      ])
      for (const [commit, receipts] of remoteReceipts) local.set(commit, [...(local.get(commit) ?? []), ...receipts])
      return toDone(local)
    },
    finish: (claims, published) =>
      published ? shareReceipts(repo, remote, claims, own, counts) : releaseRemote(repo, remote, claims, counts),
    close: () => pushReceipts(repo, remote, [], own, counts),
    leaseMs: lease,
    renew: async (claims) => {
      await renewRemote(repo, remote, claims, lease, counts)
    },
  }
}

/** Pairs whose latest receipt (DESIGN 3.3) is ok: failed ones run again. */
function toDone(receipts: ReadonlyMap<string, readonly Receipt[]>): Set<string> {
  const done = new Set<string>()
  for (const [commit, lines] of receipts)
    for (const receipt of latestPerJob(lines)) if (receipt.status === 'ok') done.add(receiptKey(receipt.job, commit))
  return done
}

export type ClaimedRuns = {
  /** The runs to do here, each cut down to the commits this process won that have no ok receipt. */
  readonly runs: readonly PlannedRun[]
  /** Every claim won (release them all, run or not). */
  readonly claims: readonly Claim[]
  /** Pairs another runner holds. */
  readonly held: readonly Pair[]
  /** Pairs another runner did since the plan was made (found before or after claiming). */
  readonly doneElsewhere: readonly Pair[]
}

/** The distinct (job, commit) pairs the runs cover, in run order. */
export function pairsOf(runs: readonly PlannedRun[]): Pair[] {
  const seen = new Set<string>()
  const pairs: Pair[] = []
  for (const run of runs) {
    for (const commit of run.commits) {
      const key = receiptKey(run.job.id, commit)
      if (seen.has(key)) continue
      seen.add(key)
      pairs.push({ job: run.job.id, commit })
    }
  }
  return pairs
}

export async function claimRuns(
  runs: readonly PlannedRun[],
  claimer: Claimer,
  /** `checked`: the caller has just dropped what claimer.done() reports, for these and more runs. */
  options: { readonly force?: boolean; readonly checked?: boolean } = {},
): Promise<ClaimedRuns> {
  let pairs = pairsOf(runs)
  const doneElsewhere: Pair[] = []
  const isDone = (done: ReadonlySet<string>) => (pair: Pair) => {
    if (!done.has(receiptKey(pair.job, pair.commit))) return false
    doneElsewhere.push({ job: pair.job, commit: pair.commit })
    return true
  }
  // Receipts that came in since the plan (a remote's, merged by the last chunk's exchange) spare a
  // claim: no network call for what is done already.
  if (!options.force && !options.checked) {
    const done = await claimer.done([...new Set(pairs.map((pair) => pair.commit))])
    pairs = pairs.filter((pair) => !isDone(done)(pair))
  }
  const outcome = await claimer.claim(pairs)
  const open = new Set(outcome.won.map((claim) => receiptKey(claim.job, claim.commit)))
  if (outcome.won.length > 0 && !options.force) {
    try {
      await claimer.refresh()
      const done = await claimer.done([...new Set(outcome.won.map((claim) => claim.commit))])
      for (const claim of outcome.won) if (isDone(done)(claim)) open.delete(receiptKey(claim.job, claim.commit))
    } catch (error) {
      await claimer.finish(outcome.won, false).catch(() => undefined)
      throw error
    }
  }
  const mine = keepCommits(runs, (job, commit) => open.has(receiptKey(job, commit)))
  return { runs: mine, claims: outcome.won, held: outcome.held, doneElsewhere }
}
