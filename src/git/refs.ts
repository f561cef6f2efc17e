/**
 * Refs with compare-and-swap, on git's own ref backend (loose files and packed-refs, with git's
 * `.lock` files), never by writing files ourselves.
 *
 * Every write names the value it expects: `oldOid: undefined` means the ref must not exist
 * (create-only), a null or all-zero `newOid` deletes. Several updates go through one
 * `git update-ref --stdin` transaction: all of them happen or none. A refused write is a value from
 * a closed set: `exists` (create-only, but the ref is there), `stale` (the ref moved, or is gone),
 * `locked` (a `.lock` file is in the way: another writer, `git pack-refs`, or a crashed process;
 * the detail names the file and its age). Anything else git says is a bug or a broken repository
 * and throws.
 *
 * `withRetry` repeats an attempt with jittered exponential backoff while the caller says so, so
 * racing writers spread out instead of colliding again in lockstep.
 */
import { statSync } from 'node:fs'
import { GitvanError } from '../errors.js'
import { isObjectId } from '../names.js'
import { sleep } from '../sleep.js'
import { checkRefName } from './refname.js'
import type { Repo } from './repo.js'
import { git } from './spawn.js'

export type RefUpdate = {
  readonly ref: string
  /** The value to write; null (or all zeros) deletes the ref. */
  readonly newOid: string | null
  /** The value the ref must have now; undefined: the ref must not exist. */
  readonly oldOid: string | undefined
}

export type RefRefusal = 'exists' | 'stale' | 'locked'

export type RefOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false
      readonly reason: RefRefusal
      /** What git said, with the lock file and its age for `locked`. */
      readonly detail: string
      /** The `.lock` file in the way, for `locked`. */
      readonly lockFile?: string
      /** How old that lock file is, in ms, when it could still be seen. */
      readonly lockAgeMs?: number
    }

const isZero = (oid: string | null): boolean => oid === null || /^0+$/.test(oid)

function assertRef(ref: string): void {
  if (ref === 'HEAD') return
  const problem = checkRefName(ref)
  if (problem) throw new GitvanError('USAGE', `'${ref}' is not a valid ref name: it ${problem}.`)
}

function assertOid(oid: string, ref: string): void {
  if (!isObjectId(oid)) throw new Error(`bug: '${oid}' for ${ref} is not a full object id`)
}

/** The oid a ref points at (loose or packed, symbolic refs followed), or undefined. */
export async function readRef(repo: Repo, ref: string): Promise<string | undefined> {
  assertRef(ref)
  const result = await git(['show-ref', '--verify', '--hash', ref], { cwd: repo.root })
  if (!result.ok) return undefined
  return result.stdout.trim() || undefined
}

/** Every ref under `prefix` (e.g. `refs/gitvan/locks/`), with its oid. */
export async function listRefs(repo: Repo, prefix: string): Promise<Map<string, string>> {
  const result = await git(['for-each-ref', '--format=%(objectname) %(refname)', prefix], { cwd: repo.root })
  if (!result.ok) throw new GitvanError('GIT_FAILED', `git for-each-ref ${prefix} failed: ${result.stderr.trim()}`)
  const refs = new Map<string, string>()
  for (const line of result.stdout.split('\n')) {
    const space = line.indexOf(' ')
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space))
  }
  return refs
}

function toInstruction(update: RefUpdate): string {
  assertRef(update.ref)
  if (isZero(update.newOid)) {
    if (update.oldOid === undefined) throw new Error(`bug: deleting ${update.ref} needs the value it must have`)
    assertOid(update.oldOid, update.ref)
    return `delete ${update.ref} ${update.oldOid}\n`
  }
  const newOid = update.newOid as string
  assertOid(newOid, update.ref)
  if (update.oldOid === undefined) return `create ${update.ref} ${newOid}\n`
  assertOid(update.oldOid, update.ref)
  return `update ${update.ref} ${newOid} ${update.oldOid}\n`
}

/** Moves one ref from `oldOid` to `newOid`, or says why not. */
export function updateRef(repo: Repo, update: RefUpdate): Promise<RefOutcome> {
  return updateRefs(repo, [update])
}

/** Applies every update in one transaction: all or none. */
export async function updateRefs(repo: Repo, updates: readonly RefUpdate[]): Promise<RefOutcome> {
  if (updates.length === 0) return { ok: true }
  const input = updates.map(toInstruction).join('')
  // core.warnAmbiguousRefs=false: otherwise parsing each full oid looks it up as a ref name too,
  // which loads packed-refs before the ref is locked. If `git pack-refs --all --prune` then
  // replaces packed-refs and prunes the loose ref, git 2.39 can still trust that early snapshot
  // (its stat check misses a same-size file in the same second on a recycled inode) and accept a
  // stale old value: measured here as lost updates among 6 racing writers. Without the early
  // lookup, packed-refs is read only after the loose ref is locked, and none were lost.
  const result = await git(['-c', 'core.warnAmbiguousRefs=false', 'update-ref', '--stdin'], { cwd: repo.root, input })
  if (result.ok) return { ok: true }
  return classify(result.stderr, repo)
}

const firstLine = (text: string): string => text.trim().split('\n')[0] ?? ''

function classify(stderr: string, repo: Repo): RefOutcome {
  const lock = /Unable to create '([^']+\.lock)': File exists/.exec(stderr)
  if (lock) {
    const lockFile = lock[1] as string
    let age: number | undefined
    try {
      age = Math.max(0, Date.now() - statSync(lockFile).mtimeMs)
    } catch {
      age = undefined // gone already: the writer that held it has finished
    }
    const detail =
      age === undefined
        ? `${lockFile} was held by another writer`
        : `${lockFile} exists and is ${formatAge(age)} old; if no git process is running in ${repo.root}, a crashed process left it: remove the file`
    return { ok: false, reason: 'locked', detail, lockFile, ...(age === undefined ? {} : { lockAgeMs: age }) }
  }
  if (/reference already exists|' exists; cannot create '/.test(stderr))
    return { ok: false, reason: 'exists', detail: firstLine(stderr) }
  if (
    /is at [0-9a-f]+ but expected|unable to resolve reference|reference is missing but expected|but expected [0-9a-f]+/.test(
      stderr,
    )
  ) {
    return { ok: false, reason: 'stale', detail: firstLine(stderr) }
  }
  throw new GitvanError('GIT_FAILED', `git update-ref failed in ${repo.root}: ${firstLine(stderr)}`, {
    details: ['Run `git fsck` to check the repository.'],
  })
}

export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`
  return `${Math.round(ms / 3_600_000)} h`
}

export type RetryOptions = {
  /** Attempts in all, the first included. */
  readonly attempts?: number
  /** The first backoff ceiling, in ms; it doubles per attempt up to `maxMs`. */
  readonly baseMs?: number
  readonly maxMs?: number
}

/**
 * Runs `attempt` until `shouldRetry` says no or the attempts are used up, sleeping a random time
 * in [0, min(maxMs, baseMs * 2^n)] between tries ("full jitter"). Returns the last value.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  shouldRetry: (value: T, n: number) => boolean,
  options: RetryOptions = {},
): Promise<{ readonly value: T; readonly attempts: number }> {
  const attempts = options.attempts ?? 25
  const base = options.baseMs ?? 5
  const max = options.maxMs ?? 400
  for (let n = 1; ; n++) {
    const value = await attempt(n)
    if (n >= attempts || !shouldRetry(value, n)) return { value, attempts: n }
    await sleep(Math.random() * Math.min(max, base * 2 ** n))
  }
}
