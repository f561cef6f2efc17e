/**
 * The files in git's hooks directory: gitvan's shims and the hooks they chain.
 *
 * A hook file that was there before gitvan is renamed to `<hook>.gitvan-chained` (a rename keeps
 * its bytes, mode and, for a symlink, the link itself) and the shim runs it first. Removing a shim
 * renames the chained hook back. A shim is written to a temporary name and renamed into place, so
 * git never runs half a shim. gitvan deletes or overwrites only files that carry the shim marker.
 */
import { chmodSync, lstatSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { HookName } from '../hooks.js'
import { isShim } from './shim.js'

export const CHAINED_SUFFIX = '.gitvan-chained'

/** What sits at `<hooks dir>/<hook>`. */
export type HookFile = 'absent' | 'shim' | 'foreign'

export type HookSlot = {
  readonly hook: HookName
  readonly file: string
  readonly chainedFile: string
  readonly current: HookFile
  readonly chained: boolean
}

const exists = (file: string): boolean => {
  try {
    lstatSync(file)
    return true
  } catch {
    return false
  }
}

export function readSlot(hooksDir: string, hook: HookName): HookSlot {
  const file = path.join(hooksDir, hook)
  const chainedFile = file + CHAINED_SUFFIX
  let current: HookFile = 'absent'
  if (exists(file)) {
    try {
      current = isShim(readFileSync(file)) ? 'shim' : 'foreign'
    } catch {
      current = 'foreign' // a dangling symlink or a directory: not ours, so keep it
    }
  }
  return { hook, file, chainedFile, current, chained: exists(chainedFile) }
}

/** Writes the shim unless the same bytes are there; true when it wrote. */
export function writeShim(file: string, content: string): boolean {
  try {
    const before = readFileSync(file)
    if (before.equals(Buffer.from(content)) && (lstatSync(file).mode & 0o777) === 0o755) return false
  } catch {
    // absent: write it
  }
  const tmp = `${file}.gitvan-tmp-${process.pid}`
  writeFileSync(tmp, content, { mode: 0o755 })
  chmodSync(tmp, 0o755) // the umask may have taken bits away
  renameSync(tmp, file)
  return true
}

/** Moves the hook that is there aside so the shim can chain it (replacing an old chained file). */
export const chainExisting = (slot: HookSlot): void => renameSync(slot.file, slot.chainedFile)

export type ShimRemoval = {
  /** The shim was there and is gone. */
  readonly removed: boolean
  /** The chained hook is back at `<hook>`. */
  readonly restored: boolean
  /** A chained hook that could not go back, because another file now sits at `<hook>`. */
  readonly stranded: boolean
}

/** Deletes the shim (only if it is ours) and puts the chained hook back when its place is free. */
export function removeShim(hooksDir: string, hook: HookName): ShimRemoval {
  const slot = readSlot(hooksDir, hook)
  const removed = slot.current === 'shim'
  if (removed) unlinkSync(slot.file)
  if (!slot.chained) return { removed, restored: false, stranded: false }
  if (exists(slot.file)) return { removed, restored: false, stranded: true }
  renameSync(slot.chainedFile, slot.file)
  return { removed, restored: true, stranded: false }
}
