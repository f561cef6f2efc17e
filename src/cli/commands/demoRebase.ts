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

/** Waits (at most ~30 s) until the spool is empty and the last batch is not `before`. */
async function settled(status: () => string, before: string | undefined): Promise<LastBatch | undefined> {
  const deadline = Date.now() + 30_000
  let batch: LastBatch | undefined
  while (Date.now() < deadline) {
    const text = status()
    batch = lastBatch(text)
    const spool = /"spool":(\d+)/.exec(text)?.[1] ?? '0'
    if (spool === '0' && batch !== undefined && batch.at !== before) return batch
    await sleep(100)
  }
  return batch
}

/** Makes COMMITS commits on a branch, then rebases them and shows the runner's batch: 0 when it ran one. */
export async function showRebaseStorm({ dir, step, git, show, stderr, status }: RebaseStep): Promise<number> {
  step(`A rebase storm: git runs post-commit once per replayed commit; the runner batches the events`)
  git('switch', '-q', '-c', 'topic')
  for (let i = 1; i <= COMMITS; i++) {
    writeFileSync(path.join(dir, `topic-${i}.txt`), `Step ${i}.\n`)
    git('add', `topic-${i}.txt`)
    git('commit', '-q', '--no-verify', '-m', `Topic step ${i}`)
  }
  const before = await settled(status, lastBatch(status())?.at)
  git('switch', '-q', 'main')
  git('commit', '-q', '--allow-empty', '--no-verify', '-m', 'Meanwhile on main')
  await settled(status, before?.at)
  const rebaseFrom = lastBatch(status())?.at
  git('switch', '-q', 'topic')
  git('rebase', '-q', '--autostash', 'main')
  const batch = await settled(status, rebaseFrom)
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
