/**
 * The one lock-file primitive, and the one answer to "does that process still run?". The runner's
 * `runner.pid` and install's `install.lock` both use it; lock refs use `isAlive` for owners on
 * this host.
 *
 * A lock file holds one line `<pid> <start>`, where `<start>` is the owner's start time as the
 * kernel reports it (`/proc/<pid>/stat`, field 22; `0` where there is no /proc). Pid and start time
 * together name one process: a recycled pid does not look alive, nor does a zombie.
 *
 * - acquire: write our line to a private file, then `link()` it to the lock's name. link fails if
 *   the name exists, so exactly one process wins, and readers never see a half-written line.
 * - a dead owner's lock (pid gone, zombie, or another start time) is taken over: holding the
 *   breaker `<file>.break` (taken the same way, by link), re-read the lock and remove it only if it
 *   still holds the stale line we judged; then acquire as above. Only a breaker removes a lock, and
 *   only one breaker works at a time, so no process ever removes a live lock: two processes that
 *   judge the same lock stale cannot both take it (moving it aside instead could move a new
 *   owner's lock, and a third process could link in before it was put back: two winners). A
 *   breaker that died holding `.break` is itself stale and is moved aside and checked, as above.
 * - release: unlink the lock, only if it still holds our line.
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'

export type Owner = { readonly pid: number; readonly start: string }

export type Acquired = { readonly ok: true; readonly owner: Owner; readonly tookOver: Owner | undefined }
export type Held = { readonly ok: false; readonly holder: Owner }

/** Fields of /proc/<pid>/stat after the command name (state first), or undefined. */
function procStat(pid: number): readonly string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text
      .slice(text.lastIndexOf(') ') + 2)
      .trim()
      .split(' ')
  } catch {
    return undefined
  }
}

/** The kernel's start time of a process, or undefined where it cannot be read. */
export const processStart = (pid: number): string | undefined => procStat(pid)?.[19]

export const selfOwner = (): Owner => ({ pid: process.pid, start: processStart(process.pid) ?? '0' })

export const formatOwner = (owner: Owner): string => `${owner.pid} ${owner.start}`

export function parseOwner(text: string): Owner | undefined {
  const [pid, start] = text.trim().split(/\s+/)
  const n = Number(pid)
  return Number.isSafeInteger(n) && n > 0 && start ? { pid: n, start } : undefined
}

const sameOwner = (a: Owner, b: Owner): boolean => a.pid === b.pid && a.start === b.start

/**
 * Whether the process the owner names still runs (a zombie does not). A start time of `0` checks
 * the pid alone, for owners recorded where the start time was not known.
 */
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

/** The current holder of the lock at `file`, alive or not, or undefined when there is none. */
export function readLockFile(file: string): Owner | undefined {
  try {
    return parseOwner(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * One attempt to take the lock at `file`. With `reentrant`, a lock `owner` already holds counts
 * as acquired (the runner re-checks its own lock); without, it is held like any other.
 */
export function acquireLockFile(
  file: string,
  owner: Owner = selfOwner(),
  options: { readonly reentrant?: boolean } = {},
): Acquired | Held {
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
      if (holder && sameOwner(holder, owner))
        return options.reentrant ? { ok: true, owner, tookOver } : { ok: false, holder }
      if (holder && isAlive(holder)) return { ok: false, holder }
      // Stale (or unreadable garbage): remove it while holding the breaker, if it is still what we judged.
      if (breakStale(file, mine, owner, text)) tookOver = holder
    }
    return { ok: false, holder: readLockFile(file) ?? { pid: 0, start: '0' } }
  } finally {
    try {
      unlinkSync(mine)
    } catch {
      // already gone
    }
  }
}

/**
 * Removes the lock at `file` if it still holds `text`, while holding `<file>.break`; false when
 * another breaker is at work (the caller looks again) or the lock changed.
 */
function breakStale(file: string, mine: string, owner: Owner, text: string): boolean {
  const breaker = `${file}.break`
  try {
    linkSync(mine, breaker)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    clearDeadBreaker(breaker, owner)
    return false
  }
  try {
    let now: string | undefined
    try {
      now = readFileSync(file, 'utf8')
    } catch {
      return false // gone already
    }
    if (now !== text) return false // a new owner, or another breaker's work: look again
    unlinkSync(file)
    return true
  } finally {
    if (readLockFile(breaker) !== undefined && sameOwner(readLockFile(breaker) as Owner, owner)) unlinkSync(breaker)
  }
}

/** A breaker whose holder died (inside a few syscalls) is moved aside and checked before it goes. */
function clearDeadBreaker(breaker: string, owner: Owner): void {
  let text: string
  try {
    text = readFileSync(breaker, 'utf8')
  } catch {
    return
  }
  const holder = parseOwner(text)
  if (holder && isAlive(holder)) return
  const aside = `${breaker}.stale.${owner.pid}`
  try {
    renameSync(breaker, aside)
  } catch {
    return
  }
  const moved = readFileSync(aside, 'utf8')
  if (moved !== text) {
    try {
      linkSync(aside, breaker) // a live breaker's: give it back
    } catch {
      // yet another breaker holds it now
    }
  }
  unlinkSync(aside)
}

/** Whether the lock at `file` still names `owner`. */
export function holdsLockFile(file: string, owner: Owner): boolean {
  const holder = readLockFile(file)
  return holder !== undefined && sameOwner(holder, owner)
}

/** Removes the lock at `file` if it is `owner`'s; returns whether it was. */
export function releaseLockFile(file: string, owner: Owner): boolean {
  if (!holdsLockFile(file, owner)) return false
  try {
    unlinkSync(file)
    return true
  } catch {
    return false
  }
}
