/**
 * The runner's lock file, `<state>/runner.pid`, taken with the one lock-file primitive
 * (src/lockFile.ts: `<pid> <start>`, link() to acquire, a dead owner's lock taken over safely,
 * released only by its owner). The runner's lock is re-entrant: a runner re-checks its own.
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
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  type Acquired,
  acquireLockFile,
  type Held,
  holdsLockFile,
  type Owner,
  readLockFile,
  releaseLockFile,
  selfOwner,
} from '../lockFile.js'

export {
  type Acquired,
  formatOwner,
  type Held,
  isAlive,
  type Owner,
  parseOwner,
  processStart,
  selfOwner,
} from '../lockFile.js'

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

/** The current holder of the runner lock, alive or not, or undefined when there is no lock. */
export const readLock = (stateDir: string): Owner | undefined => readLockFile(lockFile(stateDir))

export const acquireLock = (stateDir: string, owner: Owner = selfOwner()): Acquired | Held =>
  acquireLockFile(lockFile(stateDir), owner, { reentrant: true })

/** Whether runner.pid still names `owner` (a runner checks before each batch). */
export const holdsLock = (stateDir: string, owner: Owner): boolean => holdsLockFile(lockFile(stateDir), owner)

/** Removes the lock if it is ours; returns whether it was. */
export const releaseLock = (stateDir: string, owner: Owner): boolean => releaseLockFile(lockFile(stateDir), owner)
