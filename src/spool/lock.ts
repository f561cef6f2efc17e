/**
 * The runner's lock file, `<state>/runner.pid`: one line `<pid> <start>`, where `<start>` is the
 * owner's start time as the kernel reports it (`/proc/<pid>/stat`, field 22; `0` where there is no
 * /proc). Pid and start time together name one process: a recycled pid does not look alive.
 *
 * - acquire: write our line to a private file, then `link()` it to runner.pid. link fails if the
 *   name exists, so exactly one process wins, and readers never see a half-written line.
 * - a dead owner's lock (pid gone, zombie, or another start time) is taken over: rename it aside,
 *   check that what was moved is the stale line we judged (if a new owner slipped in between, put
 *   its lock back), then acquire as above.
 * - release: unlink runner.pid, only if it still holds our line.
 *
 * The lock avoids wasted work; correctness does not rest on it alone: claimed events live in a
 * directory named after their owner, and only a dead owner's directory is re-queued.
 *
 * `runner.starting` holds the pid of a runner on its way up (or, for a moment, of the process
 * starting it). Without it, every hook in the ~0.3 s before a new runner holds the lock would start
 * one more node. A hook that sees that pid alive leaves its event to that runner, which is why a
 * started runner never gives up: it waits for the lock as long as its holder lives, then looks at
 * the spool (see runner.ts).
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export type Owner = { readonly pid: number; readonly start: string }

export type Acquired = { readonly ok: true; readonly owner: Owner; readonly tookOver: Owner | undefined }
export type Held = { readonly ok: false; readonly holder: Owner }

export const lockFile = (stateDir: string): string => path.join(stateDir, 'runner.pid')
export const startingFile = (stateDir: string): string => path.join(stateDir, 'runner.starting')

export function writeStarting(stateDir: string, pid: number): void {
  try {
    writeFileSync(startingFile(stateDir), `${pid}\n`)
  } catch {
    // Without the marker a few more hooks start a runner each; they wait for the lock and leave.
  }
}

/** Removes runner.starting if it names `pid` (the runner holds the lock now, or exits). */
export function clearStarting(stateDir: string, pid: number): void {
  try {
    if (Number(readFileSync(startingFile(stateDir), 'utf8').trim()) === pid) unlinkSync(startingFile(stateDir))
  } catch {
    // no marker
  }
}

/** The kernel's start time of a process, or undefined where it cannot be read. */
export function processStart(pid: number): string | undefined {
  const stat = procStat(pid)
  return stat?.[19]
}

/** Fields of /proc/<pid>/stat after the command name (state first), or undefined. */
function procStat(pid: number): readonly string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(') ') + 2).trim().split(' ')
  } catch {
    return undefined
  }
}

export const selfOwner = (): Owner => ({ pid: process.pid, start: processStart(process.pid) ?? '0' })

export const formatOwner = (owner: Owner): string => `${owner.pid} ${owner.start}`

export function parseOwner(text: string): Owner | undefined {
  const [pid, start] = text.trim().split(/\s+/)
  const n = Number(pid)
  return Number.isSafeInteger(n) && n > 0 && start ? { pid: n, start } : undefined
}

/** Whether the process the owner names still runs (a zombie does not). */
export function isAlive(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const stat = procStat(owner.pid)
  if (stat === undefined) return true // no /proc: the pid is all we can check
  return stat[0] !== 'Z' && (owner.start === '0' || stat[19] === owner.start)
}

/** The current holder of the lock, alive or not, or undefined when there is no lock. */
export function readLock(stateDir: string): Owner | undefined {
  try {
    return parseOwner(readFileSync(lockFile(stateDir), 'utf8'))
  } catch {
    return undefined
  }
}

export function acquireLock(stateDir: string, owner: Owner = selfOwner()): Acquired | Held {
  const file = lockFile(stateDir)
  const mine = `${file}.${owner.pid}`
  writeFileSync(mine, `${formatOwner(owner)}\n`)
  try {
    let tookOver: Owner | undefined
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, file)
        return { ok: true, owner, tookOver }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch {
        continue // released between our link and our read: try again
      }
      const holder = parseOwner(text)
      if (holder && (holder.pid === owner.pid && holder.start === owner.start)) return { ok: true, owner, tookOver }
      if (holder && isAlive(holder)) return { ok: false, holder }
      // Stale (or unreadable garbage): move it aside and make sure we moved what we judged.
      const aside = `${file}.stale.${owner.pid}`
      try {
        renameSync(file, aside)
      } catch {
        continue // someone else moved it first
      }
      const moved = readFileSync(aside, 'utf8')
      if (moved !== text) {
        // A new owner's lock slipped in between our read and our rename: give it back.
        try {
          linkSync(aside, file)
        } catch {
          // Yet another process holds it now; the lock is taken either way.
        }
        unlinkSync(aside)
        const now = parseOwner(moved)
        if (now) return { ok: false, holder: now }
        continue
      }
      unlinkSync(aside)
      tookOver = holder
    }
    const holder = readLock(stateDir)
    return holder ? { ok: false, holder } : { ok: false, holder: { pid: 0, start: '0' } }
  } finally {
    try {
      unlinkSync(mine)
    } catch {
      // already gone
    }
  }
}

/** Whether runner.pid still names `owner` (a runner checks before each batch). */
export function holdsLock(stateDir: string, owner: Owner): boolean {
  const holder = readLock(stateDir)
  return holder !== undefined && holder.pid === owner.pid && holder.start === owner.start
}

/** Removes the lock if it is ours; returns whether it was. */
export function releaseLock(stateDir: string, owner: Owner): boolean {
  if (!holdsLock(stateDir, owner)) return false
  try {
    unlinkSync(lockFile(stateDir))
    return true
  } catch {
    return false
  }
}
