/**
 * Lock refs: `refs/gitvan/locks/<job>/<commit>` claims one (job, commit) for one process.
 *
 * Acquire = create the ref create-only, pointing at a blob that says who holds it (owner, pid,
 * host, time, lease): of any number of racing processes, exactly one create succeeds. Release =
 * delete it with the value we wrote, so a lock that was taken over is never released by its old
 * owner. A lock whose lease ran out, or whose owner is a dead process on this host, is taken over
 * by compare-and-swap from the value we read: again exactly one taker wins. Refs live in the
 * common dir, so linked worktrees share locks.
 */
import os from 'node:os'
import { GitvanError } from '../errors.js'
import { isAlive as isProcessAlive } from '../lockFile.js'
import { isObjectId } from '../names.js'
import { withCatFile } from './catfile.js'
import { checkRefComponent } from './refname.js'
import { listRefs, type RefOutcome, readRef, updateRef, withRetry } from './refs.js'
import type { Repo } from './repo.js'
import { git } from './spawn.js'

export const LOCKS_PREFIX = 'refs/gitvan/locks/'

export type LockOwner = {
  /** `host:pid` */
  readonly owner: string
  readonly pid: number
  readonly host: string
  /** ISO 8601 time the lock was taken. */
  readonly time: string
  /** Lease in ms from `time`; after it, anyone may take the lock over. */
  readonly lease: number
}

export type Lock = {
  readonly ref: string
  readonly oid: string
  readonly job: string
  readonly commit: string
  readonly owner: LockOwner
}

export type AcquireResult =
  | { readonly ok: true; readonly lock: Lock; readonly tookOver?: LockOwner }
  | { readonly ok: false; readonly reason: 'held'; readonly owner: LockOwner | undefined }

export const lockRef = (job: string, commit: string): string => {
  const problem = checkRefComponent(job)
  if (problem) throw new GitvanError('USAGE', `Job id '${job}' cannot name a lock ref: it ${problem}.`)
  if (!isObjectId(commit)) throw new Error(`bug: lock on '${commit}', not a full commit id`)
  return `${LOCKS_PREFIX}${job}/${commit}`
}

export function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>
    if (
      typeof value.pid !== 'number' ||
      typeof value.host !== 'string' ||
      typeof value.time !== 'string' ||
      typeof value.lease !== 'number'
    )
      return undefined
    return {
      owner: `${value.host}:${value.pid}`,
      pid: value.pid,
      host: value.host,
      time: value.time,
      lease: value.lease,
    }
  } catch {
    return undefined
  }
}

/** Whether the lease ran out or the owner is a process of this host that no longer exists. */
export function isExpired(owner: LockOwner | undefined, now = Date.now()): boolean {
  if (!owner) return true // unreadable: nobody can ever release it
  if (Date.parse(owner.time) + owner.lease <= now) return true
  return owner.host === os.hostname() && !isAlive(owner.pid)
}

/** Whether a process of this host with that pid still runs (the one liveness check: src/lockFile.ts). */
export const isAlive = (pid: number): boolean => isProcessAlive({ pid, start: '0' })

/** Writes the blob a claim points at: who holds it, since when, for how long. */
export async function writeOwner(repo: Repo, leaseMs: number): Promise<{ oid: string; owner: LockOwner }> {
  const host = os.hostname()
  const owner: LockOwner = {
    owner: `${host}:${process.pid}`,
    pid: process.pid,
    host,
    time: new Date().toISOString(),
    lease: leaseMs,
  }
  const result = await git(['hash-object', '-w', '--stdin'], { cwd: repo.root, input: `${JSON.stringify(owner)}\n` })
  if (!result.ok) throw new GitvanError('GIT_FAILED', `git hash-object failed in ${repo.root}: ${result.stderr.trim()}`)
  return { oid: result.stdout.trim(), owner }
}

async function readOwner(repo: Repo, oid: string): Promise<LockOwner | undefined> {
  const result = await git(['cat-file', 'blob', oid], { cwd: repo.root })
  return result.ok ? parseOwner(result.stdout) : undefined
}

type Step =
  | { readonly done: true; readonly result: AcquireResult }
  | { readonly done: false; readonly outcome: RefOutcome | undefined }

/** Claims (job, commit) for this process, taking over an expired lock. */
export async function acquireLock(
  repo: Repo,
  options: { readonly job: string; readonly commit: string; readonly leaseMs: number },
): Promise<AcquireResult> {
  const ref = lockRef(options.job, options.commit)
  const mine = await writeOwner(repo, options.leaseMs)
  const lock: Lock = { ref, oid: mine.oid, job: options.job, commit: options.commit, owner: mine.owner }

  const { value } = await withRetry<Step>(
    async () => {
      const created = await updateRef(repo, { ref, newOid: mine.oid, oldOid: undefined })
      if (created.ok) return { done: true, result: { ok: true, lock } }
      if (created.reason !== 'exists') return { done: false, outcome: created }
      const current = await readRef(repo, ref)
      if (current === undefined) return { done: false, outcome: undefined } // released meanwhile: create again
      const owner = await readOwner(repo, current)
      if (!isExpired(owner)) return { done: true, result: { ok: false, reason: 'held', owner } }
      const taken = await updateRef(repo, { ref, newOid: mine.oid, oldOid: current })
      if (taken.ok) return { done: true, result: owner ? { ok: true, lock, tookOver: owner } : { ok: true, lock } }
      return { done: false, outcome: taken } // another taker won or it was released: look again
    },
    (step) => !step.done,
    { attempts: 12, baseMs: 5, maxMs: 200 },
  )
  if (value.done) return value.result
  const detail = value.outcome && !value.outcome.ok ? value.outcome.detail : 'it kept changing'
  throw new GitvanError(
    value.outcome && !value.outcome.ok && value.outcome.reason === 'locked' ? 'LOCKED' : 'REF_CONFLICT',
    `Could not claim ${ref}.`,
    {
      details: [detail],
    },
  )
}

/** Releases a lock we hold; `stale` when it was taken over after our lease ran out. */
export function releaseLock(repo: Repo, lock: Lock): Promise<RefOutcome> {
  return updateRef(repo, { ref: lock.ref, newOid: null, oldOid: lock.oid })
}

export type HeldLock = {
  readonly ref: string
  readonly job: string
  readonly commit: string
  readonly owner: LockOwner | undefined
  readonly expired: boolean
}

/** Every lock ref with its owner (for `gitvan status`). */
export async function listLocks(repo: Repo): Promise<HeldLock[]> {
  const refs = await listRefs(repo, LOCKS_PREFIX)
  if (refs.size === 0) return []
  return withCatFile(repo, async (cat) =>
    Promise.all(
      [...refs].map(async ([ref, oid]) => {
        const [job = '', commit = ''] = ref.slice(LOCKS_PREFIX.length).split('/')
        const object = await cat.read(oid)
        const owner = object ? parseOwner(object.content.toString('utf8')) : undefined
        return { ref, job, commit, owner, expired: isExpired(owner) }
      }),
    ),
  )
}
