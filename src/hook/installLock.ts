/**
 * One install at a time per repository. Two installs that both saw a user's hook would both
 * rename it to `<hook>.gitvan-chained`, and the second rename would replace it with the first
 * one's shim: the user's hook would be gone. So install, uninstall and the automatic re-install
 * all hold `<state dir>/install.lock` (created exclusively, holding the owner's pid).
 *
 * Outcomes: `acquired` (call release when done), `held` (a live process has it). A lock whose pid
 * is dead is stale: it is removed and taken. Installs take milliseconds, so a waiter polls.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export type LockOutcome = { readonly kind: 'acquired'; readonly release: () => void } | { readonly kind: 'held'; readonly pid: number; readonly file: string }

export const lockFile = (stateDir: string): string => path.join(stateDir, 'install.lock')

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** One attempt to take the lock. */
export function tryLock(stateDir: string): LockOutcome {
  mkdirSync(stateDir, { recursive: true })
  const file = lockFile(stateDir)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' })
      return {
        kind: 'acquired',
        release: () => {
          try {
            unlinkSync(file)
          } catch {
            // already gone: nothing to release
          }
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    let pid = Number.NaN
    try {
      pid = Number.parseInt(readFileSync(file, 'utf8'), 10)
    } catch {
      continue // released between our create and our read: try again
    }
    // A lock file still empty is being written by its owner right now.
    if (Number.isNaN(pid)) return { kind: 'held', pid: 0, file }
    if (alive(pid)) return { kind: 'held', pid, file }
    try {
      unlinkSync(file)
    } catch {
      // another process removed the stale lock first
    }
  }
  return { kind: 'held', pid: 0, file }
}

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Takes the lock, waiting up to `waitMs` for a live holder to finish. */
export function takeLock(stateDir: string, waitMs = 10_000): LockOutcome {
  const deadline = Date.now() + waitMs
  for (;;) {
    const outcome = tryLock(stateDir)
    if (outcome.kind === 'acquired' || Date.now() >= deadline) return outcome
    sleep(20 + Math.floor(Math.random() * 30))
  }
}
