/**
 * `gitvan runner`: the async runner's entrypoint (internal; the shims and `gitvan hook` start it).
 *
 *     gitvan runner              serve: debounce batches until idle (what a detached start runs)
 *     gitvan runner --spawn      start a detached runner unless one is alive, then return at once
 *     gitvan runner --foreground process what waits in the spool now, in this process, then exit
 *
 * Exit codes: 0, or 1 in --foreground when a job did not end ok.
 */

import { findRepo } from '../../git/repo.js'
import { runRunner } from '../../runner/lifecycle.js'
import { ensureRunner, runnerEnv } from '../../runner/start.js'
import { openLog } from '../../spool/log.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'

const USAGE = `Usage: gitvan runner [--spawn | --foreground]

The async runner: claims spooled hook events, batches them, runs the jobs and publishes receipts.
Hooks start it; there is no need to run it by hand.

Options:
  --spawn        start a detached runner unless one is alive, and return
  --foreground   process what waits in the spool now, in this process, then exit
                 (exit code 1 when a job did not end ok)

Its log is <git-common-dir>/gitvan/runner.log ('gitvan log'); GITVAN_DEBUG=1 makes it verbose.
`

const STOP_GRACE_MS = 5000

export const command: Command = {
  name: 'runner',
  summary: 'the async runner (started by the hooks)',
  usage: USAGE,
  run: async (args, io) => {
    const { values } = parseCommandArgs(
      'runner',
      args,
      { spawn: { type: 'boolean' }, foreground: { type: 'boolean' } },
      false,
    )
    const repo = findRepo(io.cwd)
    if (values.spawn) {
      // The shim already found no live runner, and other hooks now count on the runner this
      // starts (runner.starting), so it starts one without asking again.
      await ensureRunner(repo, io.env, { always: true })
      return 0
    }
    const controller = new AbortController()
    const stop = () => {
      controller.abort()
      // A function job that ignores ctx.signal must not keep the runner alive: after a grace
      // period it goes anyway. Its claimed events stay claimed, and the next runner re-queues
      // them as a dead runner's (the same path as kill -9).
      setTimeout(() => process.exit(143), STOP_GRACE_MS).unref()
    }
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, stop)
    const log = openLog(repo.stateDir, io.env.GITVAN_DEBUG === '1')
    const exit = await runRunner({
      repo,
      mode: values.foreground ? 'drain' : 'serve',
      log,
      env: runnerEnv(io.env),
      signal: controller.signal,
      ...(values.foreground ? { report: io.stderr } : {}),
      ...(io.env.GITVAN_RUNNER_STOP_DELAY_MS ? { stopDelayMs: Number(io.env.GITVAN_RUNNER_STOP_DELAY_MS) } : {}),
    })
    // A config that could not be loaded may hold node open (a load that timed out keeps its
    // timers): the events are back in the spool and the log says why, so nothing is left to wait for.
    if (exit.reason === 'config') process.exit(values.foreground && exit.failed > 0 ? 1 : 0)
    return values.foreground && exit.failed > 0 ? 1 : 0
  },
}
