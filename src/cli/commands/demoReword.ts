/**
 * The demo's step for the results cache: rewording the last commit makes a new commit with the
 * same tree, and the runner answers its post-commit job from the disk cache instead of running it.
 */
import { sleep } from '../../sleep.js'

export type RewordStep = {
  readonly step: (title: string) => void
  readonly git: (...argv: string[]) => string
  readonly show: (text: string) => void
  readonly stderr: (text: string) => void
}

/** Rewords HEAD, waits (at most ~30 s) for its receipt, shows it; 0 when it says `cache: hit`. */
export async function showRewordHit({ step, git, show, stderr }: RewordStep): Promise<number> {
  step('Reword the last commit: same tree, new commit; its receipt comes from the cache')
  git('commit', '-q', '--amend', '-m', 'Add more notes (reworded)')
  const head = git('rev-parse', 'HEAD')
  const deadline = Date.now() + 30_000
  let note = ''
  while (Date.now() < deadline) {
    const noted = git('notes', '--ref=gitvan/results', 'list')
      .split('\n')
      .some((line) => line.endsWith(` ${head}`))
    note = noted ? git('notes', '--ref=gitvan/results', 'show', head) : ''
    if (note !== '') break
    await sleep(100)
  }
  show(`$ git commit --amend -m 'Add more notes (reworded)'\n$ git notes --ref=gitvan/results show HEAD\n${note}`)
  if (!note.includes('"cache":"hit"')) {
    stderr(`gitvan demo: the reworded commit's receipt should say "cache":"hit"; it is: ${note || '(none)'}\n`)
    return 1
  }
  return 0
}
