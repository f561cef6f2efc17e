/**
 * The spool on disk: `<state>/spool/`.
 *
 *     spool/<hook>-<head>-<pid>[-<n>].event   waiting events (complete once their `end` line is written)
 *     spool/claimed/<pid>-<start>/             a runner's current batch (claimed by rename)
 *     spool/bad/                               what is not an event, with a `.reason` beside each
 *
 * Life of an event: written by the shim (or `writeEvent`) → claimed by rename into the owner's
 * directory (a file is claimed by exactly one runner: rename is atomic) → deleted after the batch
 * is published (`finish`), or moved back (`requeue`) when it could not be. A runner that died
 * leaves its directory behind; the next runner moves those files back (`requeueOrphans`), so a
 * batch a kill -9 interrupted is planned again, and receipts already published drop what was done.
 * Only regular files of bounded size are ever read; anything else is set aside (entry.ts).
 */
import { lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { formatEvent, type HookEvent, parseEvent } from '../event.js'
import { badDir, inspect, MAX_EVENT_BYTES, readEvent, setAside } from './entry.js'
import { isAlive, type Owner, parseOwner } from './lock.js'

export const spoolDir = (stateDir: string): string => path.join(stateDir, 'spool')
const claimedRoot = (stateDir: string): string => path.join(spoolDir(stateDir), 'claimed')
export const claimDir = (stateDir: string, owner: Owner): string =>
  path.join(claimedRoot(stateDir), `${owner.pid}-${owner.start}`)

const isEvent = (name: string): boolean => name.endsWith('.event') && !name.startsWith('.')

let written = 0

/** Writes one event atomically; returns the file's path. */
export function writeEvent(stateDir: string, event: HookEvent): string {
  const dir = spoolDir(stateDir)
  mkdirSync(dir, { recursive: true })
  const tmp = path.join(dir, `.${process.pid}-node.tmp`)
  const file = path.join(dir, `${event.hook}-${event.head || 'none'}-${process.pid}-${++written}.event`)
  writeFileSync(tmp, formatEvent(event))
  renameSync(tmp, file)
  return file
}

/** Names of the waiting events (not yet claimed). */
export function listWaiting(stateDir: string): string[] {
  try {
    return readdirSync(spoolDir(stateDir)).filter(isEvent)
  } catch {
    return []
  }
}

export type Claimed = {
  /** The file's path inside the claim directory. */
  readonly file: string
  readonly name: string
  /** mtime in ms: when the event was written. */
  readonly mtimeMs: number
}

/** Something set aside in spool/bad/ (`moved: false` when even that failed: it stays where it was). */
export type Bad = { readonly name: string; readonly reason: string; readonly moved: boolean }

/** The bytes one batch reads at most (one file over it still makes a batch of its own). */
export const BATCH_BYTES = 4 * MAX_EVENT_BYTES

const aside = (stateDir: string, file: string, name: string, reason: string): Bad => {
  const moved = setAside(stateDir, file, name, reason)
  return moved.ok
    ? { name, reason, moved: true }
    : { name, reason: `${reason}; moving it to spool/bad/ failed: ${moved.error}`, moved: false }
}

/**
 * Claims up to `max` waiting events (and BATCH_BYTES), oldest first, by renaming them into the
 * owner's directory. A file another process claimed or removed first is simply not ours; a name
 * that is not a regular file of bounded size is set aside, never claimed.
 */
export function claim(
  stateDir: string,
  owner: Owner,
  max: number,
): { readonly claimed: Claimed[]; readonly bad: Bad[] } {
  const dir = spoolDir(stateDir)
  const waiting: { name: string; mtimeMs: number; size: number }[] = []
  const bad: Bad[] = []
  for (const name of listWaiting(stateDir)) {
    const file = path.join(dir, name)
    const seen = inspect(file)
    if (seen.kind === 'event') waiting.push({ name, mtimeMs: seen.mtimeMs, size: seen.size })
    else if (seen.kind === 'poison') bad.push(aside(stateDir, file, name, seen.reason))
  }
  waiting.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name))
  const target = claimDir(stateDir, owner)
  mkdirSync(target, { recursive: true })
  const claimed: Claimed[] = []
  let bytes = 0
  for (const { name, mtimeMs, size } of waiting.slice(0, Math.max(1, max))) {
    if (claimed.length > 0 && bytes + size > BATCH_BYTES) break
    const file = path.join(target, name)
    try {
      renameSync(path.join(dir, name), file)
      claimed.push({ file, name, mtimeMs })
      bytes += size
    } catch {
      // claimed by someone else
    }
  }
  return { claimed, bad }
}

export type Loaded = {
  readonly events: readonly HookEvent[]
  /** The claimed files whose events are in `events` (finish these after publishing). */
  readonly loaded: readonly Claimed[]
  /** Files that are not events: already moved to spool/bad/ (unless `moved` says otherwise). */
  readonly bad: readonly Bad[]
  /** Files still being written: already back in the spool. */
  readonly incomplete: number
}

/** A file without its `end` line this long after it was last written, its writer is gone. */
export const INCOMPLETE_MS = 30_000

/**
 * Parses claimed files. A file still being written goes back to the spool; a malformed one (or one
 * left incomplete for INCOMPLETE_MS) is moved aside to spool/bad/ with its reason, never deleted.
 */
export function loadClaimed(stateDir: string, claimed: readonly Claimed[], now = Date.now()): Loaded {
  const events: HookEvent[] = []
  const loaded: Claimed[] = []
  const bad: Bad[] = []
  let incomplete = 0
  for (const item of claimed) {
    const read = readEvent(item.file)
    if (read.kind === 'gone') continue
    if (read.kind === 'poison') {
      bad.push(aside(stateDir, item.file, item.name, read.reason))
      continue
    }
    const parsed = parseEvent(read.text, item.mtimeMs)
    if (parsed.ok) {
      events.push(parsed.event)
      loaded.push(item)
      continue
    }
    if (parsed.kind === 'incomplete' && now - item.mtimeMs < INCOMPLETE_MS) {
      requeue(stateDir, [item])
      incomplete++
      continue
    }
    bad.push(aside(stateDir, item.file, item.name, parsed.reason))
  }
  return { events, loaded, bad, incomplete }
}

/** Deletes claimed files once their batch is published. */
export function finish(claimed: readonly Claimed[]): void {
  for (const item of claimed) {
    try {
      unlinkSync(item.file)
    } catch {
      // moved to bad/, or already gone
    }
  }
}

/** Moves claimed files back into the spool, to be planned again. */
export function requeue(stateDir: string, claimed: readonly Claimed[]): void {
  for (const item of claimed) {
    try {
      renameSync(item.file, path.join(spoolDir(stateDir), item.name))
    } catch {
      // moved to bad/, or already gone
    }
  }
}

/** Moves back every file of claim directories whose owner is dead; returns how many. */
export function requeueOrphans(stateDir: string, self: Owner): number {
  let moved = 0
  let dirs: string[]
  try {
    dirs = readdirSync(claimedRoot(stateDir))
  } catch {
    return 0
  }
  for (const name of dirs) {
    const owner = parseOwner(name.replace('-', ' '))
    const mine = owner !== undefined && owner.pid === self.pid && owner.start === self.start
    if (mine || (owner !== undefined && isAlive(owner))) continue
    const dir = path.join(claimedRoot(stateDir), name)
    // Only a real directory is a claim; its files are looked at again when claimed (a link to a
    // directory elsewhere must not pull that directory's files into the spool).
    if (!isDirectory(dir)) {
      setAside(stateDir, dir, `claimed-${name}`, 'not a claim directory (spool/claimed/ holds only directories)')
      continue
    }
    for (const file of safeList(dir)) {
      try {
        renameSync(path.join(dir, file), path.join(spoolDir(stateDir), file))
        moved++
      } catch {
        // another runner took it back first
      }
    }
    try {
      rmdirSync(dir)
    } catch {
      // not empty yet, or gone
    }
  }
  return moved
}

/** Names in spool/bad/ (the files, not their reasons). */
export const listBad = (stateDir: string): string[] =>
  safeList(badDir(stateDir)).filter((name) => !name.endsWith('.reason'))

function isDirectory(file: string): boolean {
  try {
    return lstatSync(file).isDirectory()
  } catch {
    return false
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}
