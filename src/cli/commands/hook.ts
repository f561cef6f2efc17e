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
import { answerHook, noticeUnfinished } from '../../gate/answer.js'
import { dropIdle, writeIdle } from '../../gate/idle.js'
import { loadRefusal } from '../../gate/refusal.js'
import { findRepo, type HookRepo, hookRepo } from '../../git/repo.js'
import { ASYNC_HOOKS, type AsyncHook, BLOCKING_HOOKS, isAsyncHook, isBlockingHook, STDIN_HOOKS } from '../../hooks.js'
import { readRecord } from '../../install/record.js'
import { syncShims } from '../../install/sync.js'
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
  GITVAN_WARM=0       run the gates here, not in a warm runner (runner.keepWarm: 0 in the config)
  CI set (non-empty)  async hooks run their jobs now, in the foreground; no warm runner

Exit codes: 0 passed (or nothing to run), 1 a gate failed, 2 usage or config error, 130 interrupted.
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
  const started = performance.now()
  const repo = hookRepo(io.cwd, io.env) ?? findRepo(io.cwd)
  // The config file install recorded, imported without a search (cosmiconfig never loads here),
  // and only when it is the config the user approved (with CI set: the checked-out one).
  const { config, notice } = await loadInstalledConfig(
    repo.root,
    repo.stateDir,
    readRecord(repo.stateDir)?.config,
    io.env.CI ? 'ignore' : 'check',
  ).catch((error: unknown) => {
    throw loadRefusal(hook, error)
  })
  if (notice !== undefined) io.stderr(`gitvan: ${notice}\n`)
  const loaded = performance.now()
  await syncShims(repo, config, io)
  const place = { root: repo.root, commonDir: repo.commonDir, env: io.env }
  if (!config.jobs.some((job) => (job.on.hooks as readonly string[]).includes(hook))) {
    if (io.env.GITVAN_DEBUG === '1') io.stderr(`gitvan: ${hook}: no jobs\n`)
    // The shim answers the next time without node (a shim is kept for the branches whose config has jobs).
    writeIdle(config, hook, place)
    return 0
  }
  dropIdle(config, hook, place)
  const stdin = STDIN_HOOKS.includes(hook) ? await io.readStdin() : ''

  // Ctrl-C reaches git, the shim and gitvan, but not the jobs: each runs in its own process
  // group. Aborting kills those groups, so nothing outlives the interrupted hook.
  const controller = new AbortController()
  const interrupt = () => controller.abort()
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
  for (const signal of signals) process.on(signal, interrupt)
  try {
    const { env, shim } = shimFacts(io.env)
    const ms = (from: number, to = performance.now()) => `${Math.round(to - from)} ms`
    const code = await answerHook(
      config,
      repo,
      {
        hook,
        args,
        stdin,
        signal: controller.signal,
        ...(shim ? { shim } : {}),
        trace: (matched, candidates) =>
          `gitvan: ${hook}: ${matched} of ${candidates} jobs matched; ${ms(started)} in the hook (repo and config: ${ms(started, loaded)}), after ${ms(0, started)} of node start-up\n`,
      },
      { ...io, env },
    )
    await warmUp(repo, config, io)
    return code
  } finally {
    for (const signal of signals) process.off(signal, interrupt)
  }
}

/**
 * Cold start: this hook started node, so the next one should not. A runner is started (detached)
 * to stay warm for the next gates, unless one is alive, warm gates are off (`runner.keepWarm: 0`,
 * GITVAN_WARM=0, not Linux) or CI runs (no detached runner there). Never fails the hook.
 */
async function warmUp(repo: HookRepo, config: Config, io: Io): Promise<void> {
  // Warm gates read the hook's environment from /proc: elsewhere a runner would only idle.
  if (config.runner.keepWarmMs <= 0 || io.env.GITVAN_WARM === '0' || io.env.CI || process.platform !== 'linux') return
  try {
    const { readLock, isAlive } = await import('../../spool/lock.js')
    const holder = readLock(repo.stateDir)
    if (holder && isAlive(holder)) return
    const { ensureRunner } = await import('../../runner/start.js')
    await ensureRunner(findRepo(repo.root), io.env)
  } catch {
    // No warm runner: the next hook starts node, as this one did.
  }
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
