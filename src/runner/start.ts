/**
 * Starting a runner, and the node side of an async hook.
 *
 * `ensureRunner` starts a detached runner unless a live one holds the lock: `node
 * --max-old-space-size=<runner.maxHeapMB, as recorded in runner.heap> <cli> runner`, in its own session (detached), stdio
 * closed, so the user's terminal is neither held nor able to kill it with ^C. Git's per-command
 * variables (GIT_DIR, GIT_INDEX_FILE, `-c` parameters...) are dropped from its environment: they
 * describe the git command that ran the hook, which is over by the time the runner works.
 *
 * `spoolHookEvent` is what `gitvan hook <async-hook>` does when node runs the hook (a husky line,
 * or `CI` set): write the same event file the shim writes, then start a runner, or with `CI` run
 * the batch in this process.
 */
import { spawn } from 'node:child_process'
import type { HookEvent } from '../event.js'
import { readHead } from '../git/head.js'
import type { Repo } from '../git/repo.js'
import type { AsyncHook } from '../hooks.js'
import { isAlive, readLock, writeStarting } from '../spool/lock.js'
import { openLog } from '../spool/log.js'
import { writeEvent } from '../spool/spool.js'
import { readHeapMB } from './heap.js'
import { type RunnerExit, runRunner } from './lifecycle.js'

/** `git rev-parse --local-env-vars` plus the variables git sets for one command's hooks. */
const COMMAND_VARIABLES = new Set([
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_OBJECT_DIRECTORY',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_GRAFT_FILE',
  'GIT_INDEX_FILE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_REPLACE_REF_BASE',
  'GIT_PREFIX',
  'GIT_SHALLOW_FILE',
  'GIT_COMMON_DIR',
  'GIT_REFLOG_ACTION',
  'GIT_EDITOR',
])

export function runnerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(env)) {
    if (COMMAND_VARIABLES.has(key) || /^GIT_CONFIG_(KEY|VALUE)_\d+$/.test(key)) continue
    clean[key] = value
  }
  return clean
}

export type Started = 'running' | 'started'

/**
 * Starts a detached runner unless a live one holds the lock (`always`: even then; the shim's
 * start, see startingFile). The new runner's pid goes into runner.starting.
 */
export async function ensureRunner(
  repo: Repo,
  env: NodeJS.ProcessEnv,
  options: { readonly always?: boolean; readonly cli?: string } = {},
): Promise<Started> {
  const holder = readLock(repo.stateDir)
  if (!options.always && holder && isAlive(holder)) return 'running'
  const cli = options.cli ?? process.argv[1]
  if (cli === undefined) throw new Error('process.argv[1] is not set: cannot locate the gitvan CLI')
  const heapMB = readHeapMB(repo.stateDir)
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMB}`, cli, 'runner'], {
    cwd: repo.root,
    env: runnerEnv(env),
    detached: true,
    stdio: 'ignore',
  })
  const log = openLog(repo.stateDir, false)
  child.on('error', (error) => log.info(`could not start a runner: ${error.message}`))
  if (child.pid !== undefined) {
    writeStarting(repo.stateDir, child.pid)
    log.info(`starting a runner (pid ${child.pid})`)
  }
  child.unref()
  return 'started'
}

export type SpoolOutcome = { readonly file: string; readonly runner: Started | RunnerExit }

/** Spools one async hook event; then starts a runner, or in `foreground` drains here. */
export async function spoolHookEvent(
  repo: Repo,
  hook: AsyncHook,
  args: readonly string[],
  stdin: string,
  options: {
    readonly env: NodeJS.ProcessEnv
    readonly foreground: boolean
    readonly cwd: string
    /** Foreground: where a job that did not end ok is reported (the log has it too). */
    readonly report?: (text: string) => void
  },
): Promise<SpoolOutcome> {
  const { commit: head, ref } = await readHead({ ...repo, env: options.env }, { followRebase: true })
  const event: HookEvent = { hook, head, ref: ref || 'HEAD', cwd: options.cwd, args, stdin, time: Date.now() }
  const file = writeEvent(repo.stateDir, event)
  if (!options.foreground) return { file, runner: await ensureRunner(repo, options.env) }
  const log = openLog(repo.stateDir, options.env.GITVAN_DEBUG === '1')
  const report = options.report ? { report: options.report } : {}
  return { file, runner: await runRunner({ repo, mode: 'drain', log, env: runnerEnv(options.env), ...report }) }
}
