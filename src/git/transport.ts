/**
 * Fetch and push for a named remote: the two network operations multi-runner coordination is made of.
 *
 * `pushRefs` sends every update in ONE `git push --porcelain`, each with
 * `--force-with-lease=<ref>:<expected>` (empty: the ref must not exist), so the remote's own ref
 * transaction decides: of runners pushing the same ref from the same expected value, exactly one is
 * accepted. Each ref's outcome is a value: `ok` (written; `=` up to date counts, it already holds
 * our value), `rejected` (the lease did not hold: someone else moved it, before the remote
 * advertised its refs or between that and its ref transaction), or `refused` (the remote said no
 * for another reason, e.g. a hook, with what it said). `atomic` makes the push all or nothing.
 *
 * `fetchRefs` fetches refspecs into local refs; glob refspecs that match nothing are not an error,
 * which is why callers fetch `refs/notes/gitvan/*` rather than the one notes ref. Both name the
 * remote as the user configured it and fail with a GitvanError that says which remote and why.
 */
import { GitvanError } from '../errors.js'
import { checkRefComponent } from './refname.js'
import type { Repo } from './repo.js'
import { git } from './spawn.js'

export type PushUpdate = {
  readonly ref: string
  /** The value to write; null deletes. */
  readonly newOid: string | null
  /** The value the remote ref must have now; null: it must not exist. */
  readonly expect: string | null
}

export type PushStatus =
  | { readonly status: 'ok' }
  | { readonly status: 'rejected'; readonly detail: string }
  | { readonly status: 'refused'; readonly detail: string }

/** Options for git itself on every network call: no maintenance, no prompts, no submodules. */
const NET = ['-c', 'maintenance.auto=false', '-c', 'gc.auto=0', '-c', 'fetch.recurseSubmodules=false']

/** Checks that `remote` is a configured remote of the repository (its name goes into tracking refs). */
export async function checkRemote(repo: Repo, remote: string): Promise<void> {
  const problem = checkRefComponent(remote)
  const url = problem ? undefined : await git(['config', '--get', `remote.${remote}.url`], { cwd: repo.root })
  if (!url?.ok || url.stdout.trim() === '') {
    const listed = await git(['remote'], { cwd: repo.root })
    const names = listed.stdout.split('\n').filter(Boolean)
    throw new GitvanError('USAGE', `'${remote}' is not a remote of ${repo.root}.`, {
      details: [
        names.length > 0 ? `Remotes: ${names.join(', ')}.` : 'This repository has no remote.',
        'Add it with `git remote add <name> <url>`, or name one that exists.',
      ],
    })
  }
}

/** Fetches refspecs from the remote (forced into their local destinations, pruned there when `prune`). */
export async function fetchRefs(
  repo: Repo,
  remote: string,
  refspecs: readonly string[],
  options: { readonly prune?: boolean } = {},
): Promise<void> {
  const result = await git(
    [
      ...NET,
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      ...(options.prune ? ['--prune'] : []),
      '--end-of-options',
      remote,
      ...refspecs,
    ],
    { cwd: repo.root },
  )
  if (!result.ok) {
    throw new GitvanError('GIT_FAILED', `git fetch from '${remote}' failed: ${firstLines(result.stderr)}`, {
      details: ['Check that the remote is reachable (`git fetch` by hand shows the same).'],
    })
  }
}

/** Pushes every update in one push; the outcome per ref. */
export async function pushRefs(
  repo: Repo,
  remote: string,
  updates: readonly PushUpdate[],
  options: { readonly atomic?: boolean } = {},
): Promise<Map<string, PushStatus>> {
  const outcomes = new Map<string, PushStatus>()
  if (updates.length === 0) return outcomes
  const leases = updates.map((u) => `--force-with-lease=${u.ref}:${u.expect ?? ''}`)
  const specs = updates.map((u) => `${u.newOid ?? ''}:${u.ref}`)
  const result = await git(
    [
      ...NET,
      'push',
      '--porcelain',
      '--no-verify',
      ...(options.atomic ? ['--atomic'] : []),
      ...leases,
      '--end-of-options',
      remote,
      ...specs,
    ],
    { cwd: repo.root },
  )
  for (const line of result.stdout.split('\n')) {
    const match = /^(.)\t([^\t]*)\t(.*)$/.exec(line)
    if (!match) continue
    const [, flag, spec = '', summary = ''] = match
    const ref = spec.slice(spec.indexOf(':') + 1)
    if (flag !== '!') outcomes.set(ref, { status: 'ok' })
    // The lease is checked against the refs the remote advertised, then again by the remote's own
    // ref transaction: a ref another push created in between fails there ("failed to update ref").
    else if (
      /stale info|fetch first|non-fast-forward|already exists|atomic push failed|atomic transaction failed|failed to update ref|failed to lock|cannot lock ref|incorrect old value/.test(
        summary,
      )
    )
      outcomes.set(ref, { status: 'rejected', detail: summary })
    else outcomes.set(ref, { status: 'refused', detail: summary })
  }
  if (outcomes.size === 0) {
    throw new GitvanError('GIT_FAILED', `git push to '${remote}' failed: ${firstLines(result.stderr)}`, {
      details: ['Check that the remote is reachable and accepts pushes (`git push` by hand shows the same).'],
    })
  }
  for (const update of updates)
    if (!outcomes.has(update.ref))
      outcomes.set(update.ref, { status: 'refused', detail: firstLines(result.stderr) || 'git push did not report it' })
  return outcomes
}

const firstLines = (text: string): string =>
  text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 3)
    .join('; ')
