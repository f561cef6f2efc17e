/**
 * What the spool holds right now, for `gitvan status`: events waiting, events a runner has claimed
 * and not yet published (a batch in progress, or one a dead runner left), and files set aside as
 * malformed. Read-only: looking never claims or moves anything.
 */
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { listBad, listWaiting, spoolDir } from './spool.js'

export type SpoolDepth = {
  readonly waiting: number
  readonly claimed: number
  readonly bad: number
}

export function spoolDepth(stateDir: string): SpoolDepth {
  const root = path.join(spoolDir(stateDir), 'claimed')
  let claimed = 0
  for (const dir of list(root)) claimed += list(path.join(root, dir)).filter((name) => name.endsWith('.event')).length
  return { waiting: listWaiting(stateDir).length, claimed, bad: listBad(stateDir).length }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}
