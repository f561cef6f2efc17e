/**
 * A batch's outputs, published with its receipts (DESIGN 2, "publish"): the files every run wrote
 * become ONE commit per output ref (a job's runs over 300 commits are one commit), and those refs
 * move in the same `update-ref --stdin` transaction as the notes ref, so a batch's receipts and
 * outputs appear together or not at all.
 *
 * Runs are applied in plan order; a later run's file sees what an earlier run made of it (an
 * injection into a file another run of the batch created works). Each attempt of the publish
 * rebuilds the commits from the refs' current tips, so when another runner moved an output ref
 * first, its files stay and ours are placed on top (template/place.ts decides against the file's
 * current text). Receipts list the files a run left on the ref as `{ref, path, oid}`; a file that
 * was not written (`force` not set and another text there, an injection whose marker is missing)
 * is not listed.
 */
import { type Alongside, scratchRef } from '../git/notes.js'
import { buildOutputCommits, type EditOutcome, type OutputCommitSpec, type OutputEdit } from '../git/outputs.js'
import type { Repo } from '../git/repo.js'
import type { JobResult } from '../job/result.js'
import type { Output, Receipt } from '../receipt.js'
import { type OutputWrite, place } from '../template/place.js'
import type { PlannedRun } from './plan.js'

type RunOutcome = { readonly run: PlannedRun; readonly result: JobResult }

const applyWrite =
  (write: OutputWrite) =>
  (existing: Buffer | undefined): EditOutcome => {
    const placed = place(existing?.toString('utf8'), write)
    if (placed.kind === 'skip') return 'skipped'
    if (placed.kind === 'same') return 'unchanged'
    return { content: Buffer.from(placed.content, 'utf8') }
  }

/** Whether any run of the batch has files for an output ref. */
export const hasWrites = (settled: readonly RunOutcome[]): boolean =>
  settled.some(({ result }) => result.status === 'ok' && (result.writes?.length ?? 0) > 0)

/**
 * The output commits of `settled` as an `alongside` step for publishReceipts; `receipts` makes the
 * receipts once each run's ref outputs are known (they are rebuilt with each attempt).
 */
export function outputsAlongside(
  repo: Repo,
  settled: readonly RunOutcome[],
  runner: string,
  receipts: (outputs: ReadonlyMap<number, readonly Output[]>) => readonly Receipt[],
): Alongside {
  const specs = new Map<
    string,
    { edits: OutputEdit[]; replace: boolean; jobs: Set<string>; owners: number[]; commits: number }
  >()
  settled.forEach(({ run, result }, index) => {
    if (result.status !== 'ok' || !result.writes || result.writes.length === 0) return
    const ref = run.job.output.ref
    const spec = specs.get(ref) ?? { edits: [], replace: false, jobs: new Set<string>(), owners: [], commits: 0 }
    spec.replace ||= run.job.output.replace
    spec.jobs.add(run.job.id)
    spec.commits += run.commits.length
    for (const write of result.writes) {
      spec.edits.push({ path: write.path, apply: applyWrite(write) })
      spec.owners.push(index)
    }
    specs.set(ref, spec)
  })
  const list = [...specs]
  const commitSpecs: OutputCommitSpec[] = list.map(([ref, spec]) => ({
    ref,
    edits: spec.edits,
    replace: spec.replace,
    message: `gitvan: ${[...spec.jobs].join(', ')}: ${spec.edits.length} file${spec.edits.length === 1 ? '' : 's'} for ${spec.commits} commit${spec.commits === 1 ? '' : 's'}\n\nRunner: ${runner}\n`,
  }))
  return async () => {
    const built = await buildOutputCommits(repo, commitSpecs, scratchRef)
    const perRun = new Map<number, Output[]>()
    list.forEach(([ref, spec], s) => {
      const oids = built.oids[s] ?? []
      spec.edits.forEach((edit, e) => {
        const oid = oids[e]
        const owner = spec.owners[e] as number
        if (oid === undefined) return
        const outputs = perRun.get(owner) ?? []
        // A run that wrote one path twice lists it once, with what the ref holds.
        if (!outputs.some((output) => output.ref === ref && output.path === edit.path))
          outputs.push({ ref, path: edit.path, oid })
        perRun.set(owner, outputs)
      })
    })
    return { updates: built.updates, receipts: receipts(perRun), cleanup: built.cleanup }
  }
}
