/**
 * Claims in bulk: a process takes many (job, commit) lock refs (`refs/gitvan/locks/<job>/<commit>`,
 * the refs of locks.ts) in ONE `git update-ref --stdin` transaction per chunk, instead of a git
 * process per pair.
 *
 *     claimLocal(repo, pairs, { leaseMs }) → { won, held }  ─▶ run, publish ─▶  releaseLocal(repo, won)
 *
 * A transaction is all or nothing, so each attempt first lists the lock refs that exist and reads
 * their owners: a free pair is created (create-only), a pair whose lease ran out or whose holder is
 * a dead process of this host is taken over by compare-and-swap from the value read, a live one is
 * `held` and left alone. If another process created or took one of them in between, the whole
 * transaction is refused and the attempt starts again from a fresh listing (jittered backoff), so
 * of any number of racing processes exactly one wins each pair. Release deletes each ref with the
 * value this process wrote, so a claim that was taken over is never released by its old holder.
 *
 * A claim alone does not make a run exactly-once: a holder publishes its receipts BEFORE it
 * releases, so whoever wins a pair afterwards must look at the receipts again (schedule/claim.ts
 * does) before it runs anything.
 */
import { GitvanError } from '../errors.js'
import { withCatFile } from './catfile.js'
import { isExpired, LOCKS_PREFIX, lockRef, parseOwner, writeOwner } from './locks.js'
import { listRefs, type RefOutcome, type RefUpdate, updateRefs, withRetry } from './refs.js'
import type { Repo } from './repo.js'

export type Pair = { readonly job: string; readonly commit: string }

export type Claim = Pair & {
  readonly ref: string
  /** The owner blob the lock ref points at: release and renewal compare against it (renewal moves it). */
  oid: string
}

export type ClaimOutcome = {
  readonly won: readonly Claim[]
  /** Pairs a live holder has (nothing to do here for now). */
  readonly held: readonly Pair[]
  /** Of `won`, how many were taken over from an expired or dead holder. */
  readonly tookOver: number
}

/** Pairs per update-ref transaction. */
export const LOCAL_CHUNK = 1000

/** Reads the owners of these lock refs (ref → oid) in one cat-file session; expired: may be taken over. */
export async function expiredRefs(repo: Repo, refs: ReadonlyMap<string, string>): Promise<Set<string>> {
  const expired = new Set<string>()
  if (refs.size === 0) return expired
  await withCatFile(repo, async (cat) => {
    await Promise.all(
      [...refs].map(async ([ref, oid]) => {
        const object = await cat.read(oid)
        if (isExpired(object ? parseOwner(object.content.toString('utf8')) : undefined)) expired.add(ref)
      }),
    )
  })
  return expired
}

type Attempt =
  | { readonly done: true; readonly won: Claim[]; readonly held: Pair[]; readonly tookOver: number }
  | { readonly done: false; readonly outcome: RefOutcome }

/** Claims every pair it can for this process: one transaction per chunk of LOCAL_CHUNK pairs. */
export async function claimLocal(
  repo: Repo,
  pairs: readonly Pair[],
  options: { readonly leaseMs: number },
): Promise<ClaimOutcome> {
  if (pairs.length === 0) return { won: [], held: [], tookOver: 0 }
  const { oid } = await writeOwner(repo, options.leaseMs)
  const won: Claim[] = []
  const held: Pair[] = []
  let tookOver = 0
  for (let i = 0; i < pairs.length; i += LOCAL_CHUNK) {
    const chunk = pairs.slice(i, i + LOCAL_CHUNK).map((pair) => ({ ...pair, ref: lockRef(pair.job, pair.commit), oid }))
    const result = await claimChunk(repo, chunk)
    won.push(...result.won)
    held.push(...result.held)
    tookOver += result.tookOver
  }
  return { won, held, tookOver }
}

async function claimChunk(repo: Repo, chunk: readonly Claim[]): Promise<Attempt & { done: true }> {
  let locked = 0
  const { value } = await withRetry<Attempt>(
    async () => {
      const existing = await listRefs(repo, LOCKS_PREFIX)
      const present = new Map(
        chunk.filter((c) => existing.has(c.ref)).map((c) => [c.ref, existing.get(c.ref) as string]),
      )
      const expired = await expiredRefs(repo, present)
      const won: Claim[] = []
      const held: Pair[] = []
      const updates: RefUpdate[] = []
      for (const claim of chunk) {
        const current = present.get(claim.ref)
        if (current === claim.oid)
          won.push(claim) // a retry after a transaction git did commit
        else if (current === undefined || expired.has(claim.ref)) {
          won.push(claim)
          updates.push({ ref: claim.ref, newOid: claim.oid, oldOid: current })
        } else held.push({ job: claim.job, commit: claim.commit })
      }
      const outcome = await updateRefs(repo, updates)
      if (outcome.ok) return { done: true, won, held, tookOver: updates.filter((u) => u.oldOid !== undefined).length }
      return { done: false, outcome }
    },
    (attempt) => {
      if (attempt.done) return false
      // A `.lock` that stays through several tries in a row is left over; one that comes and goes is traffic.
      if (!attempt.outcome.ok && attempt.outcome.reason === 'locked') return ++locked < 8
      locked = 0
      return true
    },
    { attempts: 30, baseMs: 5, maxMs: 250 },
  )
  if (value.done) return value
  const refusal = value.outcome.ok ? undefined : value.outcome
  throw new GitvanError(
    refusal?.reason === 'locked' ? 'LOCKED' : 'REF_CONFLICT',
    `Could not claim ${chunk.length} (job, commit) pair(s) under ${LOCKS_PREFIX}: ${refusal?.reason === 'locked' ? "a '.lock' file stayed in the way" : 'other runners kept changing them'}.`,
    {
      details: [
        refusal?.detail ?? 'the lock refs kept changing',
        'Nothing ran. Run again: pairs that have a receipt by then are skipped.',
      ],
    },
  )
}

/**
 * Renews our claims: each lock ref moved by compare-and-swap to a fresh owner blob (a new time),
 * so a holder whose work outlasts one lease keeps what it holds. One transaction for all; if one
 * was taken over meanwhile (our lease had run out), the others are renewed one by one. Returns how
 * many are still ours.
 */
export async function renewLocal(repo: Repo, claims: readonly Claim[], leaseMs: number): Promise<number> {
  if (claims.length === 0) return 0
  const { oid } = await writeOwner(repo, leaseMs)
  const all = await updateRefs(
    repo,
    claims.map((claim) => ({ ref: claim.ref, newOid: oid, oldOid: claim.oid })),
  )
  if (all.ok) {
    for (const claim of claims) claim.oid = oid
    return claims.length
  }
  let kept = 0
  for (const claim of claims) {
    const one = await updateRefs(repo, [{ ref: claim.ref, newOid: oid, oldOid: claim.oid }])
    if (!one.ok) continue
    claim.oid = oid
    kept++
  }
  return kept
}

/**
 * Deletes our claims (one transaction per chunk); a ref that moved since (taken over after our
 * lease ran out) is left to its new holder. Returns how many were deleted.
 */
export async function releaseLocal(repo: Repo, claims: readonly Claim[]): Promise<number> {
  let released = 0
  for (let i = 0; i < claims.length; i += LOCAL_CHUNK) {
    const chunk = claims.slice(i, i + LOCAL_CHUNK)
    const all = await updateRefs(
      repo,
      chunk.map((claim) => ({ ref: claim.ref, newOid: null, oldOid: claim.oid })),
    )
    if (all.ok) {
      released += chunk.length
      continue
    }
    // Some ref is no longer ours (or a `.lock` was in the way): one by one, so the rest still go.
    for (const claim of chunk) {
      const one = await updateRefs(repo, [{ ref: claim.ref, newOid: null, oldOid: claim.oid }])
      if (one.ok) released++
    }
  }
  return released
}
