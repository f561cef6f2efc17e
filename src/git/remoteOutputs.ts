/**
 * Outputs through a remote: every `refs/gitvan/outputs/*` ref (whatever job wrote it) brought level
 * with the remote's, by fast-forward only, never by overwriting.
 *
 *     syncOutputs(repo, remote) → { pushed, pulled, diverged }
 *
 * The remote's refs are fetched into `refs/gitvan/remotes/<remote>/outputs/`; then for each name:
 * only here, or the remote's is an ancestor of ours → pushed with a lease on the fetched value; only
 * there, or ours is an ancestor of theirs → the local ref is moved by compare-and-swap; both moved
 * apart → `diverged`, left as they are for the user to decide (output trees have no merge rule).
 * A push or a local move that loses a race is tried again from a fresh fetch.
 */
import { GitvanError } from '../errors.js'
import { listRefs, updateRef, withRetry } from './refs.js'
import type { Repo } from './repo.js'
import { git } from './spawn.js'
import { fetchRefs, type PushUpdate, pushRefs } from './transport.js'

export const OUTPUTS_PREFIX = 'refs/gitvan/outputs/'
const tracking = (remote: string): string => `refs/gitvan/remotes/${remote}/outputs/`

export type OutputsSync = {
  /** Refs the remote got from here. */
  readonly pushed: readonly string[]
  /** Refs moved here to the remote's value. */
  readonly pulled: readonly string[]
  /** Refs that both sides moved apart: left alone. */
  readonly diverged: readonly string[]
}

const isAncestor = async (repo: Repo, ancestor: string, of: string): Promise<boolean> =>
  (await git(['merge-base', '--is-ancestor', ancestor, of], { cwd: repo.root })).code === 0

export async function syncOutputs(
  repo: Repo,
  remote: string,
  counts?: { pushes: number; fetches: number },
): Promise<OutputsSync> {
  const pushed = new Set<string>()
  const pulled = new Set<string>()
  let diverged: string[] = []
  const { value: settled } = await withRetry<boolean>(
    async () => {
      await fetchRefs(repo, remote, [`+${OUTPUTS_PREFIX}*:${tracking(remote)}*`], { prune: true })
      if (counts) counts.fetches++
      const local = await listRefs(repo, OUTPUTS_PREFIX)
      const theirs = new Map(
        [...(await listRefs(repo, tracking(remote)))].map(([ref, oid]) => [
          `${OUTPUTS_PREFIX}${ref.slice(tracking(remote).length)}`,
          oid,
        ]),
      )
      const updates: PushUpdate[] = []
      let raced = false
      diverged = []
      for (const ref of new Set([...local.keys(), ...theirs.keys()])) {
        const ours = local.get(ref)
        const them = theirs.get(ref)
        if (ours === them) continue
        if (them === undefined || (ours !== undefined && (await isAncestor(repo, them, ours)))) {
          updates.push({ ref, newOid: ours as string, expect: them ?? null })
        } else if (ours === undefined || (await isAncestor(repo, ours, them))) {
          const moved = await updateRef(repo, { ref, newOid: them, oldOid: ours })
          if (moved.ok) pulled.add(ref)
          else raced = true
        } else diverged.push(ref)
      }
      if (updates.length > 0) {
        const outcomes = await pushRefs(repo, remote, updates)
        if (counts) counts.pushes++
        for (const [ref, outcome] of outcomes) {
          if (outcome.status === 'ok') pushed.add(ref)
          else if (outcome.status === 'rejected') raced = true
          else
            throw new GitvanError('GIT_FAILED', `'${remote}' refused ${ref}: ${outcome.detail}`, {
              details: ['gitvan sync needs a remote that accepts pushes of refs/gitvan/outputs/*.'],
            })
        }
      }
      return !raced
    },
    (done) => !done,
    { attempts: 12, baseMs: 20, maxMs: 1000 },
  )
  if (!settled) {
    throw new GitvanError(
      'REF_CONFLICT',
      `Could not bring ${OUTPUTS_PREFIX}* level with '${remote}': they kept moving.`,
      {
        details: ['Other runners were pushing outputs at the same time. Run `gitvan sync` again.'],
      },
    )
  }
  return { pushed: [...pushed], pulled: [...pulled], diverged }
}
