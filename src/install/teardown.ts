/**
 * Taking an install away: the recorded shims and husky lines (with the per-clone shims behind the
 * husky lines of async hooks), then (for uninstall) any shim or husky line of gitvan's still found
 * in the current hooks directory and any per-clone shim, so a lost install.json does not strand
 * shims. Each step is a value in the report; a chained hook that cannot go back
 * because another file took its place is left where it is and reported as stranded.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { type HookName, isRunnableHook, RUNNABLE_HOOKS } from '../hooks.js'
import type { HookChange } from './change.js'
import { CHAINED_SUFFIX, removeShim } from './hookFiles.js'
import { huskyCall, huskyFile, isHuskyHooksDir, removeHuskyLine } from './husky.js'
import { removeHuskyShims } from './huskyShims.js'
import type { InstallRecord } from './record.js'

type Trace = (line: string) => void

function removeShims(hooksDir: string, hooks: readonly HookName[], trace: Trace): HookChange[] {
  const changes: HookChange[] = []
  for (const hook of hooks) {
    const file = path.join(hooksDir, hook)
    const result = removeShim(hooksDir, hook)
    if (result.removed || result.restored) {
      trace(`${hook}: removed the shim${result.restored ? `, restored the hook that was there before` : ''}`)
      changes.push({ kind: 'removed', hook, file, restored: result.restored })
    }
    if (result.stranded) {
      trace(`${hook}: ${file} is not gitvan's; leaving ${file}${CHAINED_SUFFIX} as it is`)
      changes.push({ kind: 'stranded', hook, file, chainedFile: file + CHAINED_SUFFIX })
    }
  }
  return changes
}

/** Hooks that have a shim or a chained file in `hooksDir` (shims are recognised by their marker later). */
function hooksIn(hooksDir: string): HookName[] {
  let names: string[]
  try {
    names = readdirSync(hooksDir)
  } catch {
    return []
  }
  const found = new Set(
    names
      .map((name) => (name.endsWith(CHAINED_SUFFIX) ? name.slice(0, -CHAINED_SUFFIX.length) : name))
      .filter(isRunnableHook),
  )
  return RUNNABLE_HOOKS.filter((hook) => found.has(hook))
}

function huskyLinesIn(hooksDir: string, trace: Trace): HookChange[] {
  const changes: HookChange[] = []
  for (const hook of RUNNABLE_HOOKS) {
    const file = huskyFile(hooksDir, hook)
    const call = existsSync(file) ? huskyCall(readFileSync(file, 'utf8'), hook) : undefined
    if (call !== 'current' && call !== 'older') continue
    // Without a record, a file left holding nothing but gitvan's line is taken to be gitvan's.
    const outcome = removeHuskyLine({ hook, file, created: true, newline: false })
    trace(`${hook}: removed gitvan's line from ${file}`)
    changes.push({ kind: 'husky-removed', hook, file, deleted: outcome === 'deleted' })
  }
  return changes
}

/**
 * Removes what `record` installed; with `scanDir`, also gitvan's shims (or husky lines) still found
 * there and every per-clone shim in `stateDir`. Husky files keep the user's edits; only gitvan's
 * line goes.
 */
export function tearDown(
  record: InstallRecord | undefined,
  trace: Trace,
  stateDir: string,
  scanDir?: string,
): HookChange[] {
  const changes: HookChange[] = []
  if (record?.mode === 'hooks') changes.push(...removeShims(record.hooksDir, record.hooks, trace))
  if (record?.mode === 'husky') {
    for (const edit of record.husky) {
      const outcome = removeHuskyLine(edit)
      if (outcome === 'missing') {
        trace(`${edit.hook}: gitvan's line is no longer in ${edit.file}`)
        continue
      }
      trace(`${edit.hook}: ${outcome === 'deleted' ? 'deleted' : "removed gitvan's line from"} ${edit.file}`)
      changes.push({ kind: 'husky-removed', hook: edit.hook, file: edit.file, deleted: outcome === 'deleted' })
    }
    changes.push(...removeHuskyShims(stateDir, record.hooks, trace))
  }
  if (scanDir !== undefined) {
    const found = isHuskyHooksDir(scanDir)
      ? huskyLinesIn(scanDir, trace)
      : removeShims(scanDir, hooksIn(scanDir), trace)
    for (const change of found) {
      if (!changes.some((seen) => seen.kind === change.kind && seen.file === change.file)) changes.push(change)
    }
    changes.push(...removeHuskyShims(stateDir, undefined, trace))
  }
  return changes
}
