/**
 * A blocking hook's gates, run and reported: what `gitvan hook <name>` prints and the exit code it
 * returns once the config is loaded. The cold hook (a node per hook) and the warm runner (a request
 * from the shim) both call `answerHook`, so a gate refuses and accepts, prints and caches the same
 * way whichever process runs it.
 *
 * Exit codes: 0 passed, 1 a gate refused, 130 interrupted (`signal` aborted before every gate passed).
 */
import type { HookRepo } from '../git/repo.js'
import type { Config } from '../types.js'
// Static: a blocking hook always needs the gates, and one chunk boundary fewer keeps the module
// loader's path work below what makes V8 optimise node's own path code (measured: 52 → 49 MB peak RSS).
import { runGates } from './gates.js'
import { unfinishedBackups } from './pending.js'
import type { StagingOutcome } from './staging.js'

/** Where a hook's answer goes, and what the hook was given. */
export type HookIo = {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly stderr: (text: string) => void
  /** Whether git's standard error is a terminal. */
  readonly stderrIsTTY?: boolean
}

export type HookAsk = {
  readonly hook: string
  readonly args: readonly string[]
  readonly stdin: string
  /** What the pre-commit shim already asked git: the index's tree, and HEAD's ('none' when unborn). */
  readonly shim?: { readonly tree: string; readonly base: string }
  /** Aborting cancels the gates (their process groups are killed) and puts the work tree back. */
  readonly signal: AbortSignal
  /** GITVAN_DEBUG=1: the last line of the trace, with the caller's own timings. */
  readonly trace?: (matched: number, candidates: number) => string
}

export async function answerHook(config: Config, repo: HookRepo, ask: HookAsk, io: HookIo): Promise<number> {
  const { hook, signal } = ask
  const debug = io.env.GITVAN_DEBUG === '1'
  noticeUnfinished(repo.commonDir, repo.root, io)
  // Tools keep their colours when git's terminal is one (they see a pipe otherwise).
  const env =
    io.stderrIsTTY && io.env.FORCE_COLOR === undefined && io.env.NO_COLOR === undefined
      ? { ...io.env, FORCE_COLOR: '1' }
      : io.env
  const output = liveOutput(io)
  const verdict = await runGates(
    config,
    {
      hook,
      args: ask.args,
      stdin: ask.stdin,
      root: repo.root,
      gitDir: repo.gitDir,
      commonDir: repo.commonDir,
      cwd: io.cwd,
      env,
      ...(ask.shim ? { shim: ask.shim } : {}),
    },
    {
      signal,
      onOutput: output.write,
      // On a terminal (or with GITVAN_DEBUG=1) one line per gate as it ends; silent otherwise.
      ...(debug || io.stderrIsTTY
        ? {
            onResult: (r) => {
              output.flush(r.job)
              io.stderr(
                `gitvan: ${hook}: job '${r.job}': ${r.cache === 'hit' ? 'ok (cached)' : r.status} in ${Math.round(r.ms)} ms\n`,
              )
            },
          }
        : { onResult: (r) => output.flush(r.job) }),
    },
  )
  // Interrupted while gates ran: refused. Once every gate has passed (partial staging was putting
  // the work tree back), the verdict stands, so index and work tree match the commit git makes.
  if (signal.aborted && !verdict.ok) {
    io.stderr(`gitvan: ${hook}: interrupted; the jobs were stopped.\n`)
    return 130
  }
  if (debug && ask.trace) io.stderr(ask.trace(verdict.runs.length, verdict.candidates))
  if (verdict.staging) io.stderr(formatStaging(hook, verdict.staging))
  if (verdict.ok) return 0
  const { formatVerdict } = await import('./report.js')
  io.stderr(formatVerdict(verdict, repo.root, output.shown))
  return 1
}

/**
 * Gates' output, shown as it comes: whole lines, each prefixed with its job (several gates may run
 * at once), so two gates' lines never mix within a line. `shown` is the jobs that printed anything:
 * the failure report does not repeat their output.
 */
function liveOutput(io: HookIo): {
  readonly write: (job: { readonly id: string }, chunk: Buffer) => void
  readonly flush: (id: string) => void
  readonly shown: ReadonlySet<string>
} {
  const partial = new Map<string, string>()
  const shown = new Set<string>()
  const emit = (id: string, text: string) => io.stderr(text.replace(/^(?=.)/gm, `[${id}] `))
  return {
    shown,
    write: (job, chunk) => {
      shown.add(job.id)
      const text = (partial.get(job.id) ?? '') + chunk.toString('utf8')
      const end = text.lastIndexOf('\n') + 1
      if (end > 0) emit(job.id, text.slice(0, end))
      partial.set(job.id, text.slice(end))
    },
    flush: (id) => {
      const rest = partial.get(id)
      if (rest) emit(id, `${rest}\n`)
      partial.delete(id)
    },
  }
}

/** A hook that was stopped while partial staging had the work tree: say where the work is saved. */
export function noticeUnfinished(commonDir: string, root: string, io: Pick<HookIo, 'stderr'>): void {
  for (const unfinished of unfinishedBackups(commonDir, root))
    io.stderr(
      `gitvan: a commit was stopped while its gates ran; what it saved is on ${unfinished.ref}.\n  Run 'gitvan restore' to put that work tree and index back ('gitvan restore --list' shows every backup).\n`,
    )
}

/** What fix gates re-staged, and where an unstaged part could not be merged back: always said. */
function formatStaging(hook: string, staging: StagingOutcome): string {
  const lines: string[] = []
  if (staging.fixed.length > 0)
    lines.push(
      `gitvan: ${hook}: fix gates changed and re-staged ${staging.fixed.length} file(s): ${staging.fixed.join(', ')}\n`,
    )
  if (staging.conflicts.length > 0)
    lines.push(
      `gitvan: ${hook}: the fix is committed, but your unstaged changes to ${staging.conflicts.join(', ')} could not be merged with it; the work tree keeps your version as it was (also saved on ${staging.backup}).\n`,
    )
  if (staging.unstaged.length > 0)
    lines.push(
      hook === 'pre-merge-commit'
        ? `gitvan: ${hook}: a fix gate changed ${staging.unstaged.join(', ')}, but git writes a merge commit's tree before this hook runs, so the fix cannot be in it: the file is as it was (run the fixer and commit after the merge).\n`
        : `gitvan: ${hook}: a fix gate changed ${staging.unstaged.join(', ')}, but that fix was not staged (the fixer deleted the file, the file has unstaged changes during a merge, or git keeps it skip-worktree or assume-unchanged): the commit holds the staged content unfixed, and the file is as it was.\n`,
    )
  return lines.join('')
}
