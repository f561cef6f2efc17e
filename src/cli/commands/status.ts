/**
 * `gitvan status [--json]`: the async pipeline at a glance: events in the spool, the runner,
 * lock refs held, and the last batch. `--json` prints one object whose `spool` (events not yet
 * published: waiting plus claimed) and `runner` {alive, pid} keys are part of the contract.
 */

import { listLocks } from '../../git/locks.js'
import { findRepo } from '../../git/repo.js'
import { spoolDepth } from '../../spool/depth.js'
import { isAlive, readLock } from '../../spool/lock.js'
import { readLastBatch } from '../../spool/log.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'

const USAGE = `Usage: gitvan status [--json]

Shows the async pipeline: events waiting in the spool, whether the runner is alive, the lock refs
held (refs/gitvan/locks/), and the last batch the runner finished.

Options:
  --json   one JSON object: {"spool": <events not yet published>, "waiting", "claimed", "bad",
           "runner": {"alive", "pid"}, "locks": [...], "lastBatch": {...} | null}
`

export const command: Command = {
  name: 'status',
  summary: 'spool depth, runner, locks held, last batch',
  usage: USAGE,
  run: async (args, io) => {
    const { values } = parseCommandArgs('status', args, { json: { type: 'boolean' } }, false)
    const repo = findRepo(io.cwd)
    const depth = spoolDepth(repo.stateDir)
    const holder = readLock(repo.stateDir)
    const alive = holder !== undefined && isAlive(holder)
    const locks = await listLocks(repo)
    const lastBatch = readLastBatch(repo.stateDir) ?? null
    if (values.json) {
      const status = {
        spool: depth.waiting + depth.claimed,
        waiting: depth.waiting,
        claimed: depth.claimed,
        bad: depth.bad,
        runner: { alive, pid: alive && holder ? holder.pid : null },
        locks: locks.map((lock) => ({
          job: lock.job,
          commit: lock.commit,
          owner: lock.owner?.owner ?? null,
          since: lock.owner?.time ?? null,
          expired: lock.expired,
        })),
        lastBatch,
      }
      io.stdout(`${JSON.stringify(status)}\n`)
      return 0
    }
    const lines = [
      `spool:      ${depth.waiting} waiting${depth.claimed > 0 ? `, ${depth.claimed} in a batch` : ''}${depth.bad > 0 ? `, ${depth.bad} malformed in spool/bad/` : ''}`,
      `runner:     ${alive && holder ? `running (pid ${holder.pid})` : 'not running'}`,
      `locks:      ${locks.length === 0 ? 'none held' : `${locks.length} held`}`,
      ...locks.map(
        (lock) =>
          `  ${lock.job} on ${lock.commit.slice(0, 12)} by ${lock.owner?.owner ?? 'unknown'}${lock.expired ? ' (lease expired)' : ''}`,
      ),
      lastBatch
        ? `last batch: ${lastBatch.at}: ${lastBatch.events} event(s), ${lastBatch.runs} run(s), ${lastBatch.failed} not ok (waited ${lastBatch.stages.spoolWaitMs} ms, ran ${lastBatch.stages.runMs} ms, published in ${lastBatch.stages.publishMs} ms)`
        : 'last batch: none yet',
    ]
    io.stdout(`${lines.join('\n')}\n`)
    return 0
  },
}
