/**
 * Pending markers: `<git-common-dir>/gitvan/backups/<backup>.pending`, written by partial staging
 * once its backup exists and before it touches anything, removed once everything is back. A
 * marker whose process is gone names a backup to restore. Small on purpose: every blocking hook
 * looks for markers, and only hooks that stage load the staging code.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { isAlive, parseOwner } from '../lockFile.js'

/** The marker file of a backup ref. */
export const pendingMarker = (commonDir: string, ref: string): string =>
  path.join(commonDir, 'gitvan', 'backups', `${path.basename(ref)}.pending`)

/**
 * Backups of this work tree (`root`) whose hook died before it finished: the marker is there and
 * its process is gone. Oldest first (the names start with the time): the oldest holds what the
 * user had before the first stopped hook hid anything.
 */
export function unfinishedBackups(commonDir: string, root: string): { readonly ref: string; readonly pid: number }[] {
  const dir = path.join(commonDir, 'gitvan', 'backups')
  let names: string[]
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.pending'))
  } catch {
    return []
  }
  const found: { ref: string; pid: number }[] = []
  for (const name of names) {
    try {
      const [ref = '', holder = '', where = ''] = readFileSync(path.join(dir, name), 'utf8').split('\n')
      const owner = parseOwner(holder)
      if (where !== root) continue
      if (ref.startsWith('refs/') && (!owner || !isAlive(owner))) found.push({ ref, pid: owner?.pid ?? 0 })
    } catch {
      // removed meanwhile: finished
    }
  }
  return found.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
}

/**
 * Stops what the stopped hook's gates left running (each program leads its own process group,
 * so killing the hook did not reach them): a formatter that outlived the hook would otherwise
 * write over what a restore puts back. A pid that now names another process is left alone.
 */
export function stopPrograms(commonDir: string, ref: string): number {
  let text: string
  try {
    text = readFileSync(pendingMarker(commonDir, ref), 'utf8')
  } catch {
    return 0
  }
  let stopped = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith('program ')) continue
    const owner = parseOwner(line.slice('program '.length))
    if (!owner || !isAlive(owner)) continue
    try {
      process.kill(-owner.pid, 'SIGKILL')
      stopped++
    } catch {
      // gone meanwhile
    }
  }
  return stopped
}

/** Removes the pending marker of a backup (restored by hand, or finished). */
export function clearPending(commonDir: string, ref: string): void {
  rmSync(pendingMarker(commonDir, ref), { force: true })
}
