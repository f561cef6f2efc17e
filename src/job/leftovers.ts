/**
 * What a command leaves behind when it ends: no process of a job outlives it.
 *
 * - Its process group. The program leads its own group, and everything it starts stays in it
 *   unless it asks otherwise. When the program has exited (ok or not), anything still in the group
 *   (`sleep 60 &`, a server a test script forgot) gets SIGTERM, then SIGKILL after LEFTOVER_MS.
 * - Its session, when it left the group. `setsid` (or `setpgid`) takes a process out of the group,
 *   where a group signal cannot reach it. Every command runs with a marker in its environment
 *   (GITVAN_EXEC_ID, unique per run), which its descendants inherit; when a job is ended for it
 *   (timeout, cancel), the processes carrying its marker are found through /proc and ended the
 *   same way. That search reads every process's environment (about 10 ms for 150 processes here),
 *   so it runs only for a job gitvan ends, not for one that exits by itself; it needs /proc
 *   (Linux), and a process that empties its environment (`env -i`) is not found.
 *
 * Dead processes that nobody reaped yet (zombies) count as gone: they run nothing.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { sleep } from '../sleep.js'

/** How long leftovers get between SIGTERM and SIGKILL. */
export const LEFTOVER_MS = 500
const POLL_MS = 20

export const EXEC_ID_VARIABLE = 'GITVAN_EXEC_ID'

let procSeen: boolean | undefined
/** Whether /proc lists processes here (Linux); looked at once, and only when a job left something. */
const hasProc = (): boolean => {
  if (procSeen === undefined) {
    try {
      readdirSync('/proc/self')
      procSeen = true
    } catch {
      procSeen = false
    }
  }
  return procSeen
}

const signal = (target: number, sig: NodeJS.Signals | 0): boolean => {
  try {
    process.kill(target, sig)
    return true
  } catch {
    return false
  }
}

/** The processes that are not zombies, with their process group. */
function processes(): { readonly pid: number; readonly pgrp: number }[] {
  const out: { pid: number; pgrp: number }[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // After the command name, which may hold spaces and parentheses: state ppid pgrp ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (state !== 'Z') out.push({ pid: Number(name), pgrp: Number(pgrp) })
    } catch {
      // gone since the listing
    }
  }
  return out
}

/** Whether any live process is in group `pgid`. */
function groupAlive(pgid: number): boolean {
  if (!signal(-pgid, 0)) return false
  // kill(-pgid, 0) also succeeds for zombies; /proc tells them apart where it exists.
  return !hasProc() || processes().some((p) => p.pgrp === pgid)
}

function isLive(pid: number): boolean {
  if (!signal(pid, 0)) return false
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** The live processes whose environment holds the marker. */
function marked(marker: string): number[] {
  if (!hasProc()) return []
  const needle = Buffer.from(`${EXEC_ID_VARIABLE}=${marker}\0`)
  const found: number[] = []
  for (const { pid } of processes()) {
    if (pid === process.pid) continue
    try {
      const environ = readFileSync(`/proc/${pid}/environ`)
      const at = environ.indexOf(needle)
      if (at === 0 || (at > 0 && environ[at - 1] === 0)) found.push(pid)
    } catch {
      // another user's process, or gone
    }
  }
  return found
}

/** How long a SIGKILLed leftover may take to be gone (the kernel ends it asynchronously). */
const KILLED_MS = 2000

/**
 * SIGTERM, then SIGKILL once `alive` says so after LEFTOVER_MS; returns when `alive` says no more
 * (a killed process is not gone the moment kill() returns), or after KILLED_MS at most.
 */
async function end(kill: (sig: NodeJS.Signals) => void, alive: () => boolean): Promise<void> {
  kill('SIGTERM')
  for (let waited = 0; waited < LEFTOVER_MS; waited += POLL_MS) {
    await sleep(POLL_MS)
    if (!alive()) return
  }
  kill('SIGKILL')
  for (let waited = 0; waited < KILLED_MS && alive(); waited += POLL_MS) await sleep(POLL_MS)
}

/**
 * Ends what is left of a command whose program has exited: its group always; when gitvan ended it
 * (`killed`), also every process carrying its marker.
 */
export async function endLeftovers(pgid: number, marker: string, killed: boolean): Promise<void> {
  if (groupAlive(pgid))
    await end(
      (sig) => signal(-pgid, sig),
      () => groupAlive(pgid),
    )
  if (!killed) return
  const pids = marked(marker)
  if (pids.length === 0) return
  await end(
    (sig) => {
      for (const pid of pids) signal(pid, sig)
    },
    () => pids.some(isLive),
  )
}
