/**
 * The demo's step for batching: a rebase replays commits and git runs post-commit once per
 * replayed commit; the shims only spool those events, and the runner takes them as one batch.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { sleep } from '../../sleep.js'

export type RebaseStep = {
  /** The demo repository's work tree. */
  readonly dir: string
  readonly step: (title: string) => void
  readonly git: (...argv: string[]) => string
  readonly show: (text: string) => void
  readonly stderr: (text: string) => void
  /** `gitvan status --json`'s output. */
  readonly status: () => string
  /** `CI` is set: no background runner, each hook runs its jobs at once, so nothing is batched. */
  readonly ci: boolean
}

const COMMITS = 10

type LastBatch = {
  readonly at: string
  readonly events: number
  readonly runs: number
  readonly cache?: { hit: number }
}

const lastBatch = (status: string): LastBatch | undefined => {
  try {
    return (JSON.parse(status) as { lastBatch?: LastBatch }).lastBatch ?? undefined
  } catch {
    return undefined
  }
}

/** Waits (at most ~30 s) until HEAD carries a receipt, so the runner has taken its event. */
async function receipted(git: (...argv: string[]) => string): Promise<boolean> {
  const head = git('rev-parse', 'HEAD')
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const notes = git('notes', '--ref=gitvan/results', 'list')
    if (notes.split('\n').some((line) => line.endsWith(` ${head}`))) return true
    await sleep(100)
  }
  return false
}

/** Makes COMMITS commits on a branch, then rebases them and shows the runner's batch: 0 when it ran one. */
export async function showRebaseStorm({ dir, step, git, show, stderr, status, ci }: RebaseStep): Promise<number> {
  step(`A rebase storm: git runs post-commit once per replayed commit; the runner batches the events`)
  if (ci) {
    show('skipped: with CI set there is no background runner; each hook runs its jobs at once, unbatched')
    return 0
  }
  git('switch', '-q', '-c', 'topic')
  for (let i = 1; i <= COMMITS; i++) {
    writeFileSync(path.join(dir, `topic-${i}.txt`), `Step ${i}.\n`)
    git('add', `topic-${i}.txt`)
    git('commit', '-q', '--no-verify', '-m', `Topic step ${i}`)
  }
  await receipted(git)
  git('switch', '-q', 'main')
  git('commit', '-q', '--allow-empty', '--no-verify', '-m', 'Meanwhile on main')
  await receipted(git)
  git('switch', '-q', 'topic')
  const rebasedAt = new Date().toISOString()
  git('rebase', '-q', '--autostash', 'main')
  // The runner records its batch summary just after publishing the receipts: wait (briefly) for
  // the summary of a batch recorded after the rebase began that holds more than one event.
  let batch = (await receipted(git)) ? lastBatch(status()) : undefined
  for (let i = 0; i < 100 && batch !== undefined && !(batch.at > rebasedAt && batch.events > 1); i++) {
    await sleep(100)
    batch = lastBatch(status())
  }
  show(`$ git rebase main   (replays ${COMMITS} commits; git runs post-commit for each)`)
  show(
    batch === undefined
      ? 'no batch recorded'
      : `the runner's last batch: ${batch.events} events, ${batch.runs} runs (${batch.cache?.hit ?? 0} answered from the cache)`,
  )
  git('switch', '-q', 'main')
  if (batch === undefined) {
    stderr(`gitvan demo: the runner recorded no batch for the rebase's post-commit events; see 'gitvan log'.\n`)
    return 1
  }
  return 0
}
