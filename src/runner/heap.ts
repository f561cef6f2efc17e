/**
 * The runner's heap limit, kept in the state directory between runners: the starter reads it
 * there instead of importing the config (a hook must not load the user's code to start a runner).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export const DEFAULT_HEAP_MB = 512

/**
 * The runner's heap limit (`runner.maxHeapMB`) as the last runner that loaded the config recorded
 * it in `runner.heap`, so starting a runner never imports the user's config; the default when no
 * runner has recorded one yet. A changed limit applies from the runner after the one that read it.
 */
export function readHeapMB(stateDir: string): number {
  try {
    const value = Number(readFileSync(path.join(stateDir, HEAP_FILE), 'utf8').trim())
    return Number.isInteger(value) && value > 0 ? value : DEFAULT_HEAP_MB
  } catch {
    return DEFAULT_HEAP_MB
  }
}

/** Records the heap limit for the next start (temp + rename: a reader sees old or new). */
export function recordHeapMB(stateDir: string, heapMB: number): void {
  if (readHeapMB(stateDir) === heapMB) return
  const file = path.join(stateDir, HEAP_FILE)
  const temp = `${file}.${process.pid}.tmp`
  try {
    writeFileSync(temp, `${heapMB}\n`)
    renameSync(temp, file)
  } catch {
    // The state dir is not writable: the next runner starts with the default limit.
  }
}

const HEAP_FILE = 'runner.heap'
