/**
 * `gitvan hook <name> [args...]`: the entrypoint the shims call.
 *
 * A blocking hook runs its gates here and now, and the exit code is git's verdict: 0 lets the
 * operation go ahead, 1 refuses it (a gate failed), 2 is a usage or config error. This path is on
 * every commit, so it loads only what passing needs (config, install check, the gates) and prints
 * nothing unless something failed or GITVAN_DEBUG=1; the failure report is imported on failure.
 *
 * Async hooks go through `runAsyncHook`: the event goes to the spool, the work to the runner.
 */

import { loadInstalledConfig } from '../../config/load.js'
import { GitvanError } from '../../errors.js'
// Static: a blocking hook always needs the gates, and one chunk boundary fewer keeps the module
// loader's path work below what makes V8 optimise node's own path code (measured: 52 → 49 MB peak RSS).
import { runGates } from '../../gate/gates.js'
import { unfinishedBackups } from '../../gate/pending.js'
import type { StagingOutcome } from '../../gate/staging.js'
import { findRepo, type HookRepo, hookRepo } from '../../git/repo.js'
import {
  ASYNC_HOOKS,
  type AsyncHook,
  BLOCKING_HOOKS,
  hooksOf,
  isAsyncHook,
  isBlockingHook,
  STDIN_HOOKS,
  sameHooks,
} from '../../hooks.js'
import { readRecord } from '../../install/record.js'
import { isObjectId } from '../../names.js'
import type { Config } from '../../types.js'
import type { Command, Io } from '../command.js'

const USAGE = `gitvan hook <name> [args...]: run the jobs of a git hook (the installed shims call this)

Blocking hooks run their gate jobs now, highest priority first; if one fails, gitvan prints which
job failed and its output, and exits 1 so git refuses the operation:
  ${BLOCKING_HOOKS.join(', ')}
Async hooks hand their event to the background runner:
  ${ASYNC_HOOKS.join(', ')}

Arguments after <name> are the hook's own, as git passes them (commit-msg: the message file);
pre-push reads the pushed refs from standard input.

Environment:
  GITVAN=0, HUSKY=0   do nothing and exit 0
  GITVAN_DEBUG=1      say which jobs ran and how long they took

Exit codes: 0 passed (or nothing to run), 1 a gate failed, 2 usage or config error.
`

export const command: Command = {
  name: 'hook',
  summary: 'the entrypoint the shims call: gitvan hook <name> [args...]',
  usage: USAGE,
  run: async (args, io) => {
    if (io.env.GITVAN === '0' || io.env.HUSKY === '0') return 0
    const [name, ...hookArgs] = args
    if (name === undefined)
      throw new GitvanError('USAGE', 'hook: which hook? gitvan hook <name> [args...]', {
        details: ["Run 'gitvan hook --help' for the hooks gitvan runs."],
      })
    if (isAsyncHook(name)) return runAsyncHook(name, hookArgs, io)
    if (!isBlockingHook(name)) {
      const { suggest } = await import('../../config/suggest.js')
      const guess = suggest(name, [...BLOCKING_HOOKS, ...ASYNC_HOOKS])
      throw new GitvanError(
        'USAGE',
        `hook: '${name}' is not a hook gitvan runs jobs on${guess ? ` (did you mean '${guess}'?)` : ''}.`,
        {
          details: [`Blocking: ${BLOCKING_HOOKS.join(', ')}`, `Async: ${ASYNC_HOOKS.join(', ')}`],
        },
      )
    }
    return runBlockingHook(name, hookArgs, io)
  },
}

async function runBlockingHook(hook: string, args: readonly string[], io: Io): Promise<number> {
  const debug = io.env.GITVAN_DEBUG === '1'
  const started = performance.now()
  const repo = hookRepo(io.cwd, io.env) ?? findRepo(io.cwd)
  // The config file install recorded, imported without a search (cosmiconfig never loads here).
  const { config, notice } = await loadInstalledConfig(repo.root, repo.stateDir, readRecord(repo.stateDir)?.config)
  if (notice !== undefined) io.stderr(`gitvan: ${notice}\n`)
  const loaded = performance.now()
  await syncShims(repo, config, io)
  if (!config.jobs.some((job) => (job.on.hooks as readonly string[]).includes(hook))) {
    if (debug) io.stderr(`gitvan: ${hook}: no jobs\n`)
    return 0
  }
  const stdin = STDIN_HOOKS.includes(hook) ? await io.readStdin() : ''
  noticeUnfinished(repo.commonDir, repo.root, io)

  // Ctrl-C reaches git, the shim and gitvan, but not the jobs: each runs in its own process
  // group. Aborting kills those groups, so nothing outlives the interrupted hook.
  const controller = new AbortController()
  const interrupt = () => controller.abort()
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
  for (const signal of signals) process.on(signal, interrupt)
  try {
    const { env: hookEnv, shim } = shimFacts(io.env)
    // Tools keep their colours when git's terminal is one (they see a pipe otherwise).
    const env =
      io.stderrIsTTY && hookEnv.FORCE_COLOR === undefined && hookEnv.NO_COLOR === undefined
        ? { ...hookEnv, FORCE_COLOR: '1' }
        : hookEnv
    const output = liveOutput(io)
    const verdict = await runGates(
      config,
      {
        hook,
        args,
        stdin,
        root: repo.root,
        gitDir: repo.gitDir,
        commonDir: repo.commonDir,
        cwd: io.cwd,
        env,
        ...(shim ? { shim } : {}),
      },
      {
        signal: controller.signal,
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
    if (controller.signal.aborted && !verdict.ok) {
      io.stderr(`gitvan: ${hook}: interrupted; the jobs were stopped.\n`)
      return 130
    }
    if (debug) {
      const ms = (from: number, to = performance.now()) => `${Math.round(to - from)} ms`
      io.stderr(
        `gitvan: ${hook}: ${verdict.runs.length} of ${verdict.candidates} jobs matched; ${ms(started)} in the hook (repo and config: ${ms(started, loaded)}), after ${ms(0, started)} of node start-up\n`,
      )
    }
    if (verdict.staging) io.stderr(formatStaging(hook, verdict.staging))
    if (verdict.ok) return 0
    const { formatVerdict } = await import('../../gate/report.js')
    io.stderr(formatVerdict(verdict, repo.root, output.shown))
    return 1
  } finally {
    for (const signal of signals) process.off(signal, interrupt)
  }
}

/**
 * Gates' output, shown as it comes: whole lines, each prefixed with its job (several gates may run
 * at once), so two gates' lines never mix within a line. `shown` is the jobs that printed anything:
 * the failure report does not repeat their output.
 */
function liveOutput(io: Io): {
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
function noticeUnfinished(commonDir: string, root: string, io: Io): void {
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

/**
 * The trees the pre-commit shim handed over (GITVAN_SHIM_TREE: the index's, GITVAN_SHIM_BASE:
 * HEAD's or 'none'), taken only when they were meant for this process: the shim execs node, so
 * node's pid is the shim's `$$`. They never reach the jobs.
 */
function shimFacts(env: NodeJS.ProcessEnv): {
  readonly env: NodeJS.ProcessEnv
  readonly shim: { readonly tree: string; readonly base: string } | undefined
} {
  const { GITVAN_SHIM_TREE: tree, GITVAN_SHIM_BASE: base, GITVAN_SHIM_PID: pid, ...rest } = env
  if (tree === undefined && base === undefined && pid === undefined) return { env, shim: undefined }
  const mine =
    pid === String(process.pid) &&
    tree !== undefined &&
    isObjectId(tree) &&
    base !== undefined &&
    (base === 'none' || isObjectId(base))
  return { env: rest, shim: mine ? { tree, base } : undefined }
}

/**
 * Keeps the installed shims in step with the config; a problem here never blocks the hook. The
 * install code loads only when the installed hooks differ from the config's (rarely).
 */
async function syncShims(repo: HookRepo, config: Config, io: Io): Promise<void> {
  try {
    const record = readRecord(repo.stateDir)
    if (!record || sameHooks(record.hooks, hooksOf(config))) return
    const { ensureInstalled } = await import('../../install/install.js')
    const report = ensureInstalled(findRepo(io.cwd), config)
    if (!report?.changed) return
    const { describeChange } = await import('../../install/describe.js')
    for (const change of report.changes) {
      if (change.kind === 'unchanged' || change.kind === 'husky-present') continue
      io.stderr(`gitvan: the config changed the hooks: ${describeChange(change, io.cwd)}\n`)
    }
  } catch (error) {
    io.stderr(
      `gitvan: could not update the hook shims (${error instanceof Error ? error.message : String(error)}); run 'gitvan install'.\n`,
    )
  }
}

/**
 * Async hooks (post-commit, post-merge, ...) reach node only from a husky line in a clone without
 * gitvan's shim, or with CI set. Node writes the same event file the shim writes, then makes sure a
 * runner will see it: a detached one, or with CI set this process drains the spool itself.
 */
async function runAsyncHook(hook: AsyncHook, hookArgs: readonly string[], io: Io): Promise<number> {
  const { spoolHookEvent } = await import('../../runner/start.js')
  const repo = findRepo(io.cwd)
  const stdin = STDIN_HOOKS.includes(hook) ? await io.readStdin() : ''
  noticeUnfinished(repo.commonDir, repo.root, io)
  const foreground = Boolean(io.env.CI)
  const { runner } = await spoolHookEvent(repo, hook, hookArgs, stdin, {
    env: io.env,
    foreground,
    cwd: io.cwd,
    report: io.stderr,
  })
  return typeof runner === 'object' && runner.failed > 0 ? 1 : 0
}
