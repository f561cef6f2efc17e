/**
 * Claims on a remote: the lock refs of claims.ts, taken by a create-only push
 * (`--force-with-lease=<ref>:`) of the owner blob, one push per chunk. The remote's ref transaction
 * accepts each ref for exactly one of the runners pushing it.
 *
 *     claimRemote(repo, remote, pairs, { leaseMs }) → { won, held }
 *
 * The first push creates every pair; for those refused because a claim exists, the remote's lock
 * refs are fetched (into `refs/gitvan/remotes/<remote>/locks/`) and their owners read: a claim
 * whose lease ran out, or whose holder is a dead process of this host, is taken over by a push with
 * a lease on the value fetched (again exactly one taker wins); a live one is `held`. A claim that
 * was released between the two looks is created again. Claims are released by pushReceipts
 * (remoteNotes.ts), in the same atomic push as the receipts, or by releaseRemote.
 */
import { GitvanError } from '../errors.js'
import type { Claim, ClaimOutcome, Pair } from './claims.js'
import { expiredRefs } from './claims.js'
import { LOCKS_PREFIX, lockRef, writeOwner } from './locks.js'
import { listRefs } from './refs.js'
import type { Repo } from './repo.js'
import { fetchRefs, type PushStatus, pushRefs } from './transport.js'

const trackingLocks = (remote: string): string => `refs/gitvan/remotes/${remote}/locks/`

export type RemoteCounts = { pushes: number; fetches: number }

/**
 * The remote's claims as last fetched: lock ref → oid, and which of them may be taken over. Pairs it
 * shows held by a live runner are left without a push; it may be stale, which costs nothing in
 * safety: every push carries a lease the remote checks.
 */
export type LockSnapshot = {
  value?: { readonly locks: ReadonlyMap<string, string>; readonly expired: ReadonlySet<string> }
}

/** Claims the pairs on the remote, in one push (plus, when some exist already, one fetch and one more push). */
export async function claimRemote(
  repo: Repo,
  remote: string,
  pairs: readonly Pair[],
  options: { readonly leaseMs: number; readonly counts?: RemoteCounts; readonly snapshot?: LockSnapshot },
): Promise<ClaimOutcome> {
  if (pairs.length === 0) return { won: [], held: [], tookOver: 0 }
  const snapshot = options.snapshot ?? {}
  const refs = pairs.map((pair) => ({ ...pair, ref: lockRef(pair.job, pair.commit) }))
  const won: Claim[] = []
  let tookOver = 0
  let expect = new Map<string, string | null>()
  const wanted = refs.filter((claim) => {
    const known = snapshot.value?.locks.get(claim.ref)
    if (known !== undefined && !snapshot.value?.expired.has(claim.ref)) return false
    expect.set(claim.ref, known ?? null)
    return true
  })
  // Everything held by others as last seen: no push, and no owner blob to write.
  const { oid } = wanted.length > 0 ? await writeOwner(repo, options.leaseMs) : { oid: '' }
  const claims: Claim[] = refs.map((claim) => ({ ...claim, oid }))
  let open: Claim[] = claims.filter((claim) => expect.has(claim.ref))
  for (let round = 0; round < 4 && open.length > 0; round++) {
    const outcomes = await pushClaims(repo, remote, open, expect, options.counts)
    const refused = open.filter((claim) => outcomes.get(claim.ref)?.status === 'refused')
    if (refused.length > 0) {
      const first = refused[0] as Claim
      const outcome = outcomes.get(first.ref) as PushStatus & { detail: string }
      throw new GitvanError('GIT_FAILED', `'${remote}' refused the claim ${first.ref}: ${outcome.detail}`, {
        details: ['gitvan --remote needs a remote that accepts pushes of refs/gitvan/locks/*.'],
      })
    }
    for (const claim of open) {
      if (outcomes.get(claim.ref)?.status !== 'ok') continue
      won.push(claim)
      if (expect.get(claim.ref)) tookOver++
    }
    const lost = open.filter((claim) => outcomes.get(claim.ref)?.status !== 'ok')
    if (lost.length === 0) break
    // Who holds them, and since when: the remote's claims, fetched with their owner blobs.
    await fetchRefs(repo, remote, [`+${LOCKS_PREFIX}*:${trackingLocks(remote)}*`], { prune: true })
    if (options.counts) options.counts.fetches++
    const remoteLocks = await listRefs(repo, trackingLocks(remote))
    const locks = new Map<string, string>()
    for (const [ref, value] of remoteLocks)
      locks.set(`${LOCKS_PREFIX}${ref.slice(trackingLocks(remote).length)}`, value)
    const expired = await expiredRefs(repo, locks)
    snapshot.value = { locks, expired }
    expect = new Map()
    open = []
    for (const claim of lost) {
      const value = locks.get(claim.ref)
      if (value === undefined) {
        open.push(claim) // released meanwhile: create it again
        expect.set(claim.ref, null)
      } else if (expired.has(claim.ref)) {
        open.push(claim)
        expect.set(claim.ref, value)
      }
    }
    if (open.length === 0) break
  }
  const mine = new Set(won.map((claim) => claim.ref))
  const held = claims.filter((claim) => !mine.has(claim.ref)).map(({ job, commit }) => ({ job, commit }))
  return { won, held, tookOver }
}

function pushClaims(
  repo: Repo,
  remote: string,
  claims: readonly Claim[],
  expect: ReadonlyMap<string, string | null>,
  counts: RemoteCounts | undefined,
): Promise<Map<string, PushStatus>> {
  if (counts) counts.pushes++
  return pushRefs(
    repo,
    remote,
    claims.map((claim) => ({ ref: claim.ref, newOid: claim.oid, expect: expect.get(claim.ref) ?? null })),
  )
}

/** Renews our claims on the remote (one push, each with a lease on the value we hold); how many are still ours. */
export async function renewRemote(
  repo: Repo,
  remote: string,
  claims: readonly Claim[],
  leaseMs: number,
  counts?: RemoteCounts,
): Promise<number> {
  if (claims.length === 0) return 0
  const { oid } = await writeOwner(repo, leaseMs)
  if (counts) counts.pushes++
  const outcomes = await pushRefs(
    repo,
    remote,
    claims.map((claim) => ({ ref: claim.ref, newOid: oid, expect: claim.oid })),
  )
  let kept = 0
  for (const claim of claims) {
    if (outcomes.get(claim.ref)?.status !== 'ok') continue
    claim.oid = oid
    kept++
  }
  return kept
}

/** Deletes our claims on the remote (a claim taken over since is left alone). */
export async function releaseRemote(
  repo: Repo,
  remote: string,
  claims: readonly Claim[],
  counts?: RemoteCounts,
): Promise<void> {
  if (claims.length === 0) return
  if (counts) counts.pushes++
  await pushRefs(
    repo,
    remote,
    claims.map((claim) => ({ ref: claim.ref, newOid: null, expect: claim.oid })),
  )
}
