/**
 * The per-clone shims behind husky lines: `<state dir>/shims/<hook>`, one per hook gitvan is
 * installed for, rendered from the same hooks/shim.sh as a normal install. The husky line runs
 * the shim when it is there, so a hook gets what it gets in a plain repository: the absolute path
 * of node, an async hook's event spooled in pure sh, a blocking hook answered by the cache probe
 * without node. The state dir is this clone's own (`<git-common-dir>/gitvan`, never committed),
 * so the shim may hold absolute paths; linked worktrees share it, as they share the spool.
 *
 * These shims chain nothing (husky runs the hook's other lines itself), and like every shim they
 * are written to a temporary name and renamed, and deleted only when they carry the shim marker.
 */
import { mkdirSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs'
import path from 'node:path'
import { type HookName, RUNNABLE_HOOKS } from '../hooks.js'
import type { HookChange } from './change.js'
import { readSlot, writeShim } from './hookFiles.js'
import { type Runtime, renderShim } from './shim.js'

export const huskyShimsDir = (stateDir: string): string => path.join(stateDir, 'shims')

/** Hooks whose husky line runs a per-clone shim: every one. */
export const shimmedHooks = (hooks: readonly HookName[]): HookName[] => [...hooks]

/** Writes (or rewrites) the per-clone shim of a hook. */
export function writeHuskyShim(stateDir: string, hook: HookName, runtime: Runtime): HookChange {
  mkdirSync(huskyShimsDir(stateDir), { recursive: true })
  const slot = readSlot(huskyShimsDir(stateDir), hook)
  const wrote = writeShim(slot.file, renderShim(hook, runtime, { chain: false }))
  const kind = !wrote ? 'unchanged' : slot.current === 'shim' ? 'updated' : 'installed'
  return { kind, hook, file: slot.file }
}

/**
 * Deletes the per-clone shims of `hooks` (all that are there when `hooks` is undefined), and the
 * shims directory once it is empty.
 */
export function removeHuskyShims(
  stateDir: string,
  hooks: readonly HookName[] | undefined,
  trace: (line: string) => void,
): HookChange[] {
  const dir = huskyShimsDir(stateDir)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  const changes: HookChange[] = []
  for (const hook of RUNNABLE_HOOKS.filter(
    (name) => names.includes(name) && (hooks === undefined || hooks.includes(name)),
  )) {
    const slot = readSlot(dir, hook)
    if (slot.current !== 'shim') continue
    unlinkSync(slot.file)
    trace(`${hook}: removed the per-clone shim ${slot.file}`)
    changes.push({ kind: 'removed', hook, file: slot.file, restored: false })
  }
  try {
    rmdirSync(dir)
  } catch {
    // not empty: shims of hooks still installed, or a file gitvan did not write
  }
  return changes
}
