/**
 * Receipts as git notes on `refs/notes/gitvan/results` (DESIGN 3.3), written in bulk and never lost.
 *
 * Publishing N receipts is one notes commit: read the notes tip, merge each commit's new lines with
 * the lines its note already has (the union, sorted by bytes and unique: git's `cat_sort_uniq`),
 * write the commit with fast-import on a per-process scratch ref, then move the notes ref from the
 * tip we read to the new commit by compare-and-swap. If another writer moved it first, start again
 * from its tip, after a jittered backoff: no line from either side is lost. `git notes add` on the
 * live ref is never used (it has no old-value check: racing writers drop each other's notes).
 *
 * Reading is one cat-file session for any number of commits, whatever the fanout; lines that are
 * not gitvan receipts (a note someone wrote by hand) are kept on write and skipped on read.
 */
import os from 'node:os'
import { GitvanError } from '../errors.js'
import { isObjectId } from '../names.js'
import { parseReceipts, type Receipt, toReceiptLine } from '../receipt.js'
import { withCatFile } from './catfile.js'
import { writeNotesCommit } from './fastImport.js'
import { isAlive } from './locks.js'
import { NoteTree } from './noteTree.js'
import {
  type RefOutcome,
  type RefUpdate,
  type RetryOptions,
  readRef,
  updateRef,
  updateRefs,
  withRetry,
} from './refs.js'
import type { Repo } from './repo.js'
import { git } from './spawn.js'

export const NOTES_REF = 'refs/notes/gitvan/results'
export const SCRATCH_PREFIX = 'refs/gitvan/scratch/'

const HOST = os.hostname().replace(/[^A-Za-z0-9_-]+/g, '_') || 'host'
let scratchCount = 0
/** Repositories (common dirs) whose leftover scratch refs this process has pruned. */
const pruned = new Set<string>()

/** Sorted by bytes (as git compares lines), unique, without empty lines, newline-terminated. */
export function unionLines(...texts: readonly string[]): string {
  const lines = new Set<string>()
  for (const text of texts) for (const line of text.split('\n')) if (line !== '') lines.add(line)
  const sorted = [...lines].map((line) => Buffer.from(line)).sort(Buffer.compare)
  return sorted.length === 0 ? '' : `${sorted.join('\n')}\n`
}

/** The receipts on each commit that has any, read in one cat-file session. */
export async function readReceipts(repo: Repo, commits: readonly string[]): Promise<Map<string, Receipt[]>> {
  const texts = await readNotes(repo, commits)
  const receipts = new Map<string, Receipt[]>()
  for (const [commit, text] of texts) {
    const parsed = parseReceipts(text)
    if (parsed.length > 0) receipts.set(commit, parsed)
  }
  return receipts
}

/** Whether `receipts` (from readReceipts) holds a line for `job` on `commit`. */
export const hasReceipt = (receipts: ReadonlyMap<string, readonly Receipt[]>, commit: string, job: string): boolean =>
  receipts.get(commit)?.some((receipt) => receipt.job === job) ?? false

/** The raw note text per commit on the notes ref (or the notes commit `tip`). */
export async function readNotes(repo: Repo, commits: readonly string[], tip?: string): Promise<Map<string, string>> {
  const at = tip ?? (await readRef(repo, NOTES_REF))
  if (at === undefined || commits.length === 0) return new Map()
  return withCatFile(repo, (cat) => new NoteTree(cat, at).readAll(commits))
}

/** The notes tip and the scratch refs (ref → oid), read by `startPublish`. */
export type PublishStart = Promise<ReadonlyMap<string, string>>

/**
 * Starts the first read of a publish ahead of time, e.g. before the jobs run: git starts faster
 * while the process is still small, and answers while the jobs run. The tip it reads may be stale
 * by the time the receipts are published; the compare-and-swap then fails and the publish retries
 * from a fresh read, as with any other writer.
 */
export function startPublish(repo: Repo): PublishStart {
  const start = listRefs(repo, [NOTES_REF, SCRATCH_PREFIX])
  start.catch(() => undefined) // a failure surfaces in the publish that uses it
  return start
}

/**
 * What else a publish commits in its transaction: built again on each attempt (after a conflict,
 * from the refs' new tips), with the receipts to record, which may depend on what it built.
 */
export type Alongside = () => Promise<{
  /** Moved with the notes ref, all or none. */
  readonly updates: readonly RefUpdate[]
  readonly receipts: readonly Receipt[]
  /** Scratch refs to delete once the transaction is done (or failed). */
  readonly cleanup: readonly RefUpdate[]
}>

export type PublishOptions = {
  /** Other refs (output commits) moved in the same transaction as the notes. */
  readonly alongside?: Alongside
  /** From startPublish: the first attempt uses it instead of reading the refs itself. */
  readonly start?: PublishStart
  readonly retry?: RetryOptions
  /** How many tries in a row a `.lock` may be in the way before giving up (default 8). */
  readonly lockedAttempts?: number
}

/**
 * Adds every receipt to the notes ref in one notes commit. Throws GitvanError REF_CONFLICT (the
 * ref kept moving) or LOCKED (a `.lock` stayed in the way) when retries run out.
 */
export async function publishReceipts(
  repo: Repo,
  receipts: readonly Receipt[],
  options: PublishOptions = {},
): Promise<{ notesCommits: number; attempts: number }> {
  if (receipts.length === 0) return { notesCommits: 0, attempts: 0 }
  // The first publish in a repository also prunes leftover scratch refs: the one for-each-ref that
  // lists them reads the notes tip too.
  const prune = !pruned.has(repo.commonDir)
  pruned.add(repo.commonDir)
  const lockedAttempts = options.lockedAttempts ?? 8
  let locked = 0

  const { value: outcome, attempts } = await withRetry<RefOutcome>(
    async (n) => {
      const step = options.alongside ? await options.alongside() : undefined
      const now = step?.receipts ?? receipts
      const fresh = groupLines(now)
      const first = {
        listing:
          n > 1 ? undefined : (options.start ?? (prune ? listRefs(repo, [NOTES_REF, SCRATCH_PREFIX]) : undefined)),
        prune: prune && n === 1,
      }
      return publishOnce(repo, [...fresh.keys()], fresh, now.length, first, step)
    },
    (outcome) => {
      if (outcome.ok) return false
      // A lock that stays through several tries in a row is left over; one that comes and goes is traffic.
      if (outcome.reason === 'locked') return ++locked < lockedAttempts
      locked = 0
      return true
    },
    { attempts: 40, baseMs: 5, maxMs: 500, ...options.retry },
  )
  if (outcome.ok) return { notesCommits: 1, attempts }
  const what = options.alongside ? ' and the outputs' : ''
  if (outcome.reason === 'locked') {
    throw new GitvanError(
      'LOCKED',
      `Could not publish ${receipts.length} receipts${what}: ${options.alongside ? 'a ref' : NOTES_REF} is locked.`,
      {
        details: [
          outcome.detail,
          'Nothing was published: once the lock is gone, run again (jobs without a receipt run again).',
        ],
      },
    )
  }
  throw new GitvanError(
    'REF_CONFLICT',
    `Could not publish ${receipts.length} receipts${what}: ${options.alongside ? 'the refs' : NOTES_REF} kept moving (${attempts} attempts).`,
    {
      details: [
        outcome.detail,
        'Other writers were publishing at the same time. Nothing was published: run again (jobs without a receipt run again).',
      ],
    },
  )
}

/** Receipt lines by commit. */
function groupLines(receipts: readonly Receipt[]): Map<string, string[]> {
  const fresh = new Map<string, string[]>()
  for (const receipt of receipts) {
    if (!isObjectId(receipt.commit)) throw new Error(`bug: receipt for '${receipt.commit}' is not a full commit id`)
    const lines = fresh.get(receipt.commit) ?? []
    lines.push(toReceiptLine(receipt))
    fresh.set(receipt.commit, lines)
  }
  return fresh
}

async function publishOnce(
  repo: Repo,
  commits: readonly string[],
  fresh: ReadonlyMap<string, readonly string[]>,
  count: number,
  first: { readonly listing: PublishStart | undefined; readonly prune: boolean },
  step?: Awaited<ReturnType<Alongside>>,
): Promise<RefOutcome> {
  const listed = first.listing ? await first.listing : undefined
  const tip = listed ? listed.get(NOTES_REF) : await readRef(repo, NOTES_REF)
  const existing = tip === undefined ? new Map<string, string>() : await readNotes(repo, commits, tip)
  if (listed && first.prune) await deleteDeadScratch(repo, listed)
  const notes = new Map<string, string>()
  for (const [commit, lines] of fresh) {
    const before = existing.get(commit)
    // A new note of one line (the common case: one job on a commit that had none) is its own union.
    const only = before === undefined && lines.length === 1 ? lines[0] : undefined
    notes.set(
      commit,
      only !== undefined && only !== '' && !only.includes('\n')
        ? `${only}\n`
        : unionLines(before ?? '', lines.join('\n')),
    )
  }
  const scratch = scratchRef()
  const message = `Notes added by 'gitvan': ${count} receipt${count === 1 ? '' : 's'} on ${commits.length} commit${commits.length === 1 ? '' : 's'}\n`
  const oid = await writeNotesCommit(repo, { ref: scratch, parent: tip, notes, message })
  const scratches = [{ ref: scratch, newOid: null, oldOid: oid }, ...(step?.cleanup ?? [])]
  try {
    return await updateRefs(repo, [{ ref: NOTES_REF, newOid: oid, oldOid: tip }, ...(step?.updates ?? [])])
  } finally {
    // The scratch refs only named the commits for fast-import; the live refs hold them now (or
    // nothing does). If they cannot go now (packed-refs locked), pruneScratchRefs removes them once
    // we are gone.
    await updateRefs(repo, scratches).catch(() => undefined)
  }
}

/** A scratch ref name of this process, never used twice (pruned once the process is gone). */
export const scratchRef = (): string => `${SCRATCH_PREFIX}${HOST}-${process.pid}-${++scratchCount}`

/** Deletes scratch refs that processes on this host left behind when they were killed. */
export const pruneScratchRefs = async (repo: Repo): Promise<number> =>
  deleteDeadScratch(repo, await listRefs(repo, [SCRATCH_PREFIX]))

/** Of `refs` (ref → oid), deletes the scratch refs of dead processes on this host. */
async function deleteDeadScratch(repo: Repo, refs: ReadonlyMap<string, string>): Promise<number> {
  let deleted = 0
  for (const [ref, oid] of refs) {
    if (!ref.startsWith(SCRATCH_PREFIX)) continue
    const match = /^(.*)-(\d+)-\d+$/.exec(ref.slice(SCRATCH_PREFIX.length))
    if (!match || match[1] !== HOST || isAlive(Number(match[2]))) continue
    const outcome = await updateRef(repo, { ref, newOid: null, oldOid: oid })
    if (outcome.ok) deleted++
  }
  return deleted
}

/**
 * Refs matching any pattern (a full ref name, or a prefix ending in `/`), with their oids. One
 * for-each-ref for several patterns, where refs.ts's listRefs takes one prefix.
 */
async function listRefs(repo: Repo, patterns: readonly string[]): Promise<Map<string, string>> {
  const result = await git(['for-each-ref', '--format=%(objectname) %(refname)', ...patterns], { cwd: repo.root })
  if (!result.ok)
    throw new GitvanError('GIT_FAILED', `git for-each-ref ${patterns.join(' ')} failed: ${result.stderr.trim()}`)
  const refs = new Map<string, string>()
  for (const line of result.stdout.split('\n')) {
    const space = line.indexOf(' ')
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space))
  }
  return refs
}
