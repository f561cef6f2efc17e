/**
 * What a job run can see of its commit, by object id: the commit's tree and the blob id of each of
 * the run's files there, for a whole batch in one `git cat-file --batch-check`.
 */
import { isObjectId } from '../names.js'
import { objectTypes } from './objects.js'
import type { Repo } from './repo.js'

export type RunObjects = {
  /** The commit's tree, or undefined when git did not give it. */
  readonly tree: string | undefined
  /** Each file with its blob id (null: not in the commit), sorted by path; undefined when one could not be named. */
  readonly files: readonly (readonly [path: string, oid: string | null])[] | undefined
}

/**
 * For each `{commit, files}`, its tree and blobs, in order; a commit or path git was not asked
 * about (a name with a newline) or did not answer cleanly leaves `tree` or `files` undefined.
 * Undefined as a whole when git could not be run.
 */
export async function readRunObjects(
  repo: Repo,
  runs: readonly { readonly commit: string; readonly files: readonly string[] }[],
): Promise<RunObjects[] | undefined> {
  const out: RunObjects[] = []
  if (runs.length === 0) return out
  const names: string[] = []
  const slot = new Map<string, number>()
  const ask = (name: string): number | undefined => {
    if (name.includes('\n') || name.includes('\r')) return undefined
    let at = slot.get(name)
    if (at === undefined) {
      at = names.length
      names.push(name)
      slot.set(name, at)
    }
    return at
  }
  const plans = runs.map((run) => ({
    tree: ask(`${run.commit}^{tree}`),
    files: [...run.files].sort().map((file) => [file, ask(`${run.commit}:${file}`)] as const),
  }))
  let types: Awaited<ReturnType<typeof objectTypes>>
  try {
    types = await objectTypes(repo, names)
  } catch {
    return undefined
  }
  const oidAt = (at: number | undefined): string | null | undefined => {
    if (at === undefined) return undefined
    const found = types[at]
    if (found === undefined) return null
    return isObjectId(found.oid) ? found.oid : undefined
  }
  for (const plan of plans) {
    const tree = oidAt(plan.tree) ?? undefined
    const files: [string, string | null][] = []
    let complete = true
    for (const [file, at] of plan.files) {
      const oid = oidAt(at)
      if (oid === undefined) complete = false
      else files.push([file, oid])
    }
    out.push({ tree, files: complete ? files : undefined })
  }
  return out
}
