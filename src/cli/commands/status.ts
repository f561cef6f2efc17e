/**
 * `gitvan status [--json]`: the async pipeline at a glance: events in the spool, the runner,
 * lock refs held, and the last batch. `--json` prints one object whose `spool` (events not yet
 * published: waiting plus claimed) and `runner` {alive, pid} keys are part of the contract.
 * It also warns when the config has jobs on hooks that are not installed (a fresh clone where
 * nobody ran `npm install` or `gitvan install`): nothing would run, and nothing else would say so.
 * A config that does not load is left to `gitvan doctor`.
 */

import { readFileSync } from 'node:fs'
import { loadConfig } from '../../config/load.js'
import { listLocks } from '../../git/locks.js'
import { findRepo, type Repo } from '../../git/repo.js'
import { type HookName, hooksOf } from '../../hooks.js'
import { installState } from '../../install/install.js'
import { warmPid } from '../../runner/warm/files.js'
import { spoolDepth } from '../../spool/depth.js'
import { isAlive, readLock } from '../../spool/lock.js'
import { readFailure, readLastBatch } from '../../spool/log.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'

const USAGE = `Usage: gitvan status [--json]

Shows the async pipeline: events waiting in the spool, whether the runner is alive, the lock refs
held (refs/gitvan/locks/), the last batch the runner finished, and a background job that failed
since you last looked (the line every hook prints until this command shows it).

It warns when the config has jobs on hooks that are not installed.

Options:
  --json   one JSON object: {"spool": <events not yet published>, "waiting", "claimed", "bad",
           "runner": {"alive", "pid", "warm", "rssMB"}, "locks": [...], "lastBatch": {...} | null,
           "hooks": {"installed": [...], "missing": [...]}, "unseenFailure": <that line> | null}
           (--json does not mark the failure seen)
`

/** The hooks installed, and those the config has jobs on that are not (none when it does not load). */
async function hookState(repo: Repo): Promise<{ installed: HookName[]; missing: HookName[] }> {
  const installed = [...(installState(repo)?.hooks ?? [])]
  let wanted: readonly HookName[] = []
  try {
    wanted = hooksOf(await loadConfig(repo.root))
  } catch {
    // no config, or a broken one: gitvan doctor says which
  }
  return { installed, missing: wanted.filter((hook) => !installed.includes(hook)) }
}

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
    const warm = alive && holder ? warmPid(repo.stateDir) === holder.pid : false
    const rssMB = alive && holder ? residentMB(holder.pid) : undefined
    const locks = await listLocks(repo)
    const lastBatch = readLastBatch(repo.stateDir) ?? null
    const hooks = await hookState(repo)
    // A person looking at the status has seen the failure: the hooks stop announcing it. --json is
    // for tools that poll, so it only reports it.
    const unseen = readFailure(repo.stateDir, values.json !== true) ?? null
    if (values.json) {
      const status = {
        spool: depth.waiting + depth.claimed,
        waiting: depth.waiting,
        claimed: depth.claimed,
        bad: depth.bad,
        runner: { alive, pid: alive && holder ? holder.pid : null, warm, rssMB: rssMB ?? null },
        locks: locks.map((lock) => ({
          job: lock.job,
          commit: lock.commit,
          owner: lock.owner?.owner ?? null,
          since: lock.owner?.time ?? null,
          expired: lock.expired,
        })),
        lastBatch,
        hooks,
        unseenFailure: unseen,
      }
      io.stdout(`${JSON.stringify(status)}\n`)
      return 0
    }
    const lines = [
      `spool:      ${depth.waiting} waiting${depth.claimed > 0 ? `, ${depth.claimed} in a batch` : ''}${depth.bad > 0 ? `, ${depth.bad} malformed in spool/bad/` : ''}`,
      `runner:     ${alive && holder ? `running (pid ${holder.pid}${warm ? ', warm: answers gates' : ''}${rssMB === undefined ? '' : `, ${rssMB} MB resident`})` : 'not running'}`,
      `locks:      ${locks.length === 0 ? 'none held' : `${locks.length} held`}`,
      ...locks.map(
        (lock) =>
          `  ${lock.job} on ${lock.commit.slice(0, 12)} by ${lock.owner?.owner ?? 'unknown'}${lock.expired ? ' (lease expired)' : ''}`,
      ),
      lastBatch
        ? `last batch: ${lastBatch.at}: ${lastBatch.events} event(s), ${lastBatch.runs} run(s), ${lastBatch.failed} not ok (waited ${lastBatch.stages.spoolWaitMs} ms, ran ${lastBatch.stages.runMs} ms, published in ${lastBatch.stages.publishMs} ms)`
        : 'last batch: none yet',
      ...(unseen ? [`failed:     ${unseen}`] : []),
      `hooks:      ${hooks.installed.length === 0 ? 'not installed' : `installed for ${hooks.installed.join(', ')}`}`,
      ...(hooks.missing.length === 0
        ? []
        : [
            `warning:    the config has jobs on ${hooks.missing.join(', ')}, but ${hooks.missing.length === 1 ? 'that hook is' : 'those hooks are'} not installed, so nothing runs there: run 'gitvan install' (npm install does, when package.json has "prepare": "gitvan install")`,
          ]),
    ]
    io.stdout(`${lines.join('\n')}\n`)
    return 0
  },
}

/** A process's resident memory in MB (Linux: /proc/<pid>/status), or undefined where it cannot be read. */
function residentMB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Math.round(Number(match[1]) / 1024) : undefined
  } catch {
    return undefined
  }
}
