/**
 * Merges another notes commit (receipts fetched from a remote) into `refs/notes/gitvan/results`
 * with `git notes merge -s cat_sort_uniq`: the union of both sides' lines per commit, so nothing
 * either side wrote is lost (DESIGN 3.3).
 *
 * `git notes merge` moves its target ref without an old value, so it never merges into the real
 * notes ref: it merges into a per-process scratch ref under `refs/notes/` (where it insists its
 * target be), set to the tip just read, and the real ref is then moved from that tip by
 * compare-and-swap. A local writer that published meanwhile makes the swap fail, and the merge is
 * done again from the new tip, with jittered backoff.
 */
import os from 'node:os'
import { GitvanError } from '../errors.js'
import { NOTES_REF } from './notes.js'
import { readRef, updateRef, withRetry } from './refs.js'
import type { Repo } from './repo.js'
import { git } from './spawn.js'

export const NOTES_SCRATCH_PREFIX = 'refs/notes/gitvan-scratch/'

const HOST = os.hostname().replace(/[^A-Za-z0-9_-]+/g, '_') || 'host'
let scratchCount = 0

/** The notes merge commit is gitvan's, like the notes commits fast-import writes. */
const IDENTITY: NodeJS.ProcessEnv = {
  GIT_AUTHOR_NAME: 'gitvan',
  GIT_AUTHOR_EMAIL: 'gitvan@localhost',
  GIT_COMMITTER_NAME: 'gitvan',
  GIT_COMMITTER_EMAIL: 'gitvan@localhost',
}

export type MergeOutcome = {
  /** The notes ref's value after the merge (undefined: neither side has receipts). */
  readonly tip: string | undefined
  /** Whether the notes ref moved. */
  readonly changed: boolean
}

/** Merges the notes commit `other` into the local notes ref. */
export async function mergeNotes(repo: Repo, other: string | undefined): Promise<MergeOutcome> {
  if (other === undefined) return { tip: await readRef(repo, NOTES_REF), changed: false }
  const { value } = await withRetry<MergeOutcome | undefined>(
    async () => {
      const tip = await readRef(repo, NOTES_REF)
      if (tip === other) return { tip, changed: false }
      const merged = tip === undefined ? other : await mergeCommits(repo, tip, other)
      if (merged === tip) return { tip, changed: false }
      const moved = await updateRef(repo, { ref: NOTES_REF, newOid: merged, oldOid: tip })
      return moved.ok ? { tip: merged, changed: true } : undefined
    },
    (outcome) => outcome === undefined,
    { attempts: 30, baseMs: 5, maxMs: 400 },
  )
  if (value) return value
  throw new GitvanError('REF_CONFLICT', `Could not merge fetched receipts into ${NOTES_REF}: it kept moving.`, {
    details: ['Other writers were publishing at the same time. Nothing was lost: run `gitvan sync` again.'],
  })
}

/** The cat_sort_uniq merge of two notes commits, written as a new commit (or one of them, when it holds the other). */
async function mergeCommits(repo: Repo, tip: string, other: string): Promise<string> {
  const scratch = `${NOTES_SCRATCH_PREFIX}${HOST}-${process.pid}-${++scratchCount}`
  const created = await updateRef(repo, { ref: scratch, newOid: tip, oldOid: undefined })
  if (!created.ok) throw new Error(`bug: scratch ref ${scratch} exists`)
  try {
    const result = await git(['notes', `--ref=${scratch}`, 'merge', '--quiet', '-s', 'cat_sort_uniq', other], {
      cwd: repo.root,
      env: IDENTITY,
    })
    if (!result.ok) {
      throw new GitvanError(
        'GIT_FAILED',
        `git notes merge of ${other} failed: ${result.stderr.trim().split('\n')[0]}`,
        {
          details: ['Run `git fsck` to check the repository.'],
        },
      )
    }
    const merged = await readRef(repo, scratch)
    if (merged === undefined) throw new Error(`bug: ${scratch} vanished during git notes merge`)
    return merged
  } finally {
    const now = await readRef(repo, scratch)
    if (now !== undefined) await updateRef(repo, { ref: scratch, newOid: null, oldOid: now }).catch(() => undefined)
  }
}
