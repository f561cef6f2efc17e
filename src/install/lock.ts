/**
 * One install at a time per repository. Two installs that both saw a user's hook would both
 * rename it to `<hook>.gitvan-chained`, and the second rename would replace it with the first
 * one's shim: the user's hook would be gone. So install, uninstall and the automatic re-install
 * all hold `<state dir>/install.lock`, taken with the one lock-file primitive (src/lockFile.ts):
 * a dead owner's lock is taken over, and two processes that judge it dead cannot both take it.
 *
 * Outcomes: `acquired` (call release when done), `held` (a live process has it, this one too:
 * the lock is not re-entrant). Installs take milliseconds, so a waiter polls.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { acquireLockFile, releaseLockFile, selfOwner } from '../lockFile.js'

export type LockOutcome =
  | { readonly kind: 'acquired'; readonly release: () => void }
  | { readonly kind: 'held'; readonly pid: number; readonly file: string }

export const lockFile = (stateDir: string): string => path.join(stateDir, 'install.lock')

/** One attempt to take the lock. */
export function tryLock(stateDir: string): LockOutcome {
  mkdirSync(stateDir, { recursive: true })
  const file = lockFile(stateDir)
  const owner = selfOwner()
  const outcome = acquireLockFile(file, owner)
  if (!outcome.ok) return { kind: 'held', pid: outcome.holder.pid, file }
  return { kind: 'acquired', release: () => void releaseLockFile(file, owner) }
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
