/**
 * Receipts through a remote (DESIGN 4, "Multi-runner"): fetch → `git notes merge -s cat_sort_uniq`
 * → push with a lease on the fetched value, again with jittered backoff while other runners win the
 * race. A push whose lease held replaced exactly what was fetched, and what was fetched is part of
 * what was pushed (the merge), so no runner's receipts are ever lost.
 *
 *     pullReceipts(repo, remote)                 every receipt the remote has, merged into ours
 *     shareReceipts(repo, remote, release, own)  ours onto this runner's own notes ref there, and
 *                                                `release` deleted, in one atomic push
 *     pushReceipts(repo, remote, release, own)   ours merged into the remote's refs/notes/gitvan/results
 *
 * Why a runner's own ref: runners sharing a range publish after every chunk of claims, and one ref
 * that all of them move is a queue (measured: 4 runners spent most of their time re-fetching,
 * re-merging and re-pushing refs/notes/gitvan/results). Each runner instead pushes its receipts to
 * `refs/notes/gitvan/runners/<host>-<pid>-<n>` (nobody else writes it, so the push needs no fetch
 * and never loses a race), and merges everything into `refs/notes/gitvan/results` once, at the end
 * (pushReceipts), deleting its own ref, and any other runner ref it merged, in the same atomic push
 * (each with a lease on the value merged). Readers fetch `refs/notes/gitvan/*` and merge all of it,
 * so a receipt counts wherever it is. A runner killed before the end leaves its ref, whose receipts
 * the next runner or `gitvan sync` merges in and deletes.
 *
 * Claims deleted in the same atomic push as the receipts they guarded: the remote applies the ref
 * updates before the deletions, so a claim never goes before its receipts are readable.
 *
 * The remote's notes are fetched into `refs/notes/gitvan-remotes/<remote>/` (a glob refspec over
 * `refs/notes/gitvan/*`, so a remote without receipts yet is not an error), explicitly: a CI
 * checkout without a notes refspec, or a shallow clone, works the same.
 */
import os from 'node:os'
import { GitvanError } from '../errors.js'
import { parseReceipts, type Receipt } from '../receipt.js'
import type { Claim } from './claims.js'
import { NOTES_REF, readNotes } from './notes.js'
import { mergeNotes } from './notesMerge.js'
import { listRefs, readRef, withRetry } from './refs.js'
import type { Repo } from './repo.js'
import { fetchRefs, type PushUpdate, pushRefs } from './transport.js'

const TRACKING = 'refs/notes/gitvan-remotes/'
const RUNNERS = 'refs/notes/gitvan/runners/'

export const trackingNotesRef = (remote: string): string => `${TRACKING}${remote}/results`

export const notesRefspec = (remote: string): string => `+refs/notes/gitvan/*:${TRACKING}${remote}/*`

export type ExchangeCounts = { pushes: number; fetches: number }

/** This runner's notes ref on a remote, and the value it last pushed there. */
export type OwnNotes = { readonly ref: string; pushed: string | undefined }

const HOST = os.hostname().replace(/[^A-Za-z0-9_-]+/g, '_') || 'host'
let owned = 0
export const ownNotes = (): OwnNotes => ({
  ref: `${RUNNERS}${HOST}-${process.pid}-${++owned}-${Math.random().toString(36).slice(2, 8)}`,
  pushed: undefined,
})

/** Tracking ref → the oid last merged from it, per repository: an unchanged ref is not merged again. */
const mergedFrom = new Map<string, string>()

/** Merges every tracking ref under `prefix` that changed since this process last merged it. */
async function mergeTracking(repo: Repo, prefix: string): Promise<Map<string, string>> {
  const refs = await listRefs(repo, prefix)
  for (const [ref, oid] of refs) {
    const key = `${repo.commonDir}\u0000${ref}`
    if (mergedFrom.get(key) === oid) continue
    await mergeNotes(repo, oid)
    mergedFrom.set(key, oid)
  }
  return refs
}

/**
 * Merges what a plain `git fetch` brought into the tracking refs (with the refspec `gitvan install
 * --notes-refspec` adds) into the local notes ref. One for-each-ref when there is none.
 */
export async function mergeFetchedReceipts(repo: Repo): Promise<void> {
  await mergeTracking(repo, TRACKING)
}

/**
 * Fetches the remote's receipts (every runner's) and, unless `merge` is false, merges them into
 * the local notes ref (a `git notes merge` per ref that changed: readTrackedReceipts reads them
 * without merging, for a runner that only needs to know what is done).
 */
export async function pullReceipts(
  repo: Repo,
  remote: string,
  counts?: ExchangeCounts,
  options: { readonly merge?: boolean } = {},
): Promise<{ readonly results: string | undefined; readonly runners: ReadonlyMap<string, string> }> {
  await fetchRefs(repo, remote, [notesRefspec(remote)], { prune: true })
  if (counts) counts.fetches++
  const prefix = `${TRACKING}${remote}/`
  const refs = options.merge === false ? await listRefs(repo, prefix) : await mergeTracking(repo, prefix)
  const runners = new Map<string, string>()
  for (const [ref, oid] of refs)
    if (ref.startsWith(`${prefix}runners/`)) runners.set(`${RUNNERS}${ref.slice(`${prefix}runners/`.length)}`, oid)
  return { results: refs.get(trackingNotesRef(remote)), runners }
}

/** The receipts on these commits in the remote's notes as last fetched (every runner's ref), by commit. */
export async function readTrackedReceipts(
  repo: Repo,
  remote: string,
  commits: readonly string[],
): Promise<Map<string, Receipt[]>> {
  const receipts = new Map<string, Receipt[]>()
  const tips = new Set((await listRefs(repo, `${TRACKING}${remote}/`)).values())
  for (const tip of tips) {
    for (const [commit, text] of await readNotes(repo, commits, tip)) {
      const parsed = parseReceipts(text)
      if (parsed.length > 0) receipts.set(commit, [...(receipts.get(commit) ?? []), ...parsed])
    }
  }
  return receipts
}

/**
 * Pushes the local receipts to this runner's own ref on the remote and deletes `release` there,
 * atomically: one push, no fetch. If the ref is not as we left it (a consolidating runner merged
 * and deleted it), the receipts go the long way, into refs/notes/gitvan/results.
 */
export async function shareReceipts(
  repo: Repo,
  remote: string,
  release: readonly Claim[],
  own: OwnNotes,
  counts?: ExchangeCounts,
): Promise<void> {
  const tip = await readRef(repo, NOTES_REF)
  const updates: PushUpdate[] = release.map((claim) => ({ ref: claim.ref, newOid: null, expect: claim.oid }))
  if (tip !== undefined && tip !== own.pushed)
    updates.unshift({ ref: own.ref, newOid: tip, expect: own.pushed ?? null })
  if (updates.length === 0) return
  const outcomes = await pushRefs(repo, remote, updates, { atomic: true })
  if (counts) counts.pushes++
  if ([...outcomes.values()].every((o) => o.status === 'ok')) {
    own.pushed = tip
    return
  }
  const refused = [...outcomes].find(([, o]) => o.status === 'refused')
  if (refused) throw refusedBy(remote, refused[0], refused[1].status === 'refused' ? refused[1].detail : '')
  own.pushed = undefined
  return pushReceipts(repo, remote, release, own, counts)
}

/**
 * Merges the local receipts into the remote's refs/notes/gitvan/results and deletes `release`,
 * this runner's own ref and the runner refs merged, in one atomic push per attempt. A claim that
 * is no longer ours (taken over after its lease ran out) is not deleted.
 */
export async function pushReceipts(
  repo: Repo,
  remote: string,
  release: readonly Claim[] = [],
  own?: OwnNotes,
  counts?: ExchangeCounts,
): Promise<void> {
  let releasing = [...release]
  let last = ''
  const { value: done } = await withRetry<boolean>(
    async () => {
      const fetched = await pullReceipts(repo, remote, counts)
      const tip = await readRef(repo, NOTES_REF)
      const updates: PushUpdate[] = []
      if (tip !== undefined && tip !== fetched.results)
        updates.push({ ref: NOTES_REF, newOid: tip, expect: fetched.results ?? null })
      // Runner refs are merged into `tip` by now (pullReceipts): they can go, each if unchanged.
      for (const [ref, oid] of fetched.runners) updates.push({ ref, newOid: null, expect: oid })
      for (const claim of releasing) updates.push({ ref: claim.ref, newOid: null, expect: claim.oid })
      if (updates.length === 0) return true
      const outcomes = await pushRefs(repo, remote, updates, { atomic: true })
      if (counts) counts.pushes++
      if ([...outcomes.values()].every((o) => o.status === 'ok')) {
        if (own) own.pushed = undefined
        return true
      }
      for (const [ref, outcome] of outcomes) {
        if (outcome.status === 'refused') throw refusedBy(remote, ref, outcome.detail)
        if (outcome.status === 'rejected' && !/atomic/.test(outcome.detail)) last = `${ref}: ${outcome.detail}`
      }
      // Claims whose own lease failed are someone else's now: leave them.
      const stale = new Set(
        [...outcomes]
          .filter(([ref, o]) => ref.startsWith('refs/gitvan/') && o.status === 'rejected' && !/atomic/.test(o.detail))
          .map(([ref]) => ref),
      )
      releasing = releasing.filter((claim) => !stale.has(claim.ref))
      return false
    },
    (ok) => !ok,
    // A round (fetch, merge, push) takes some 100 ms: backoff on that scale spreads the runners.
    { attempts: 25, baseMs: 100, maxMs: 2000 },
  )
  if (done) return
  throw new GitvanError('REF_CONFLICT', `Could not push receipts to '${remote}': ${NOTES_REF} kept moving there.`, {
    details: [
      last || 'other runners kept pushing',
      'The receipts are in the local notes ref: `gitvan sync` pushes them later.',
    ],
  })
}

const refusedBy = (remote: string, ref: string, detail: string): GitvanError =>
  new GitvanError('GIT_FAILED', `'${remote}' refused ${ref}: ${detail}`, {
    details: ['The receipts are safe in the local notes ref; `gitvan sync` pushes them once the remote accepts.'],
  })
