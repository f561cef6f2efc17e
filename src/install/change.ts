/**
 * One thing install or uninstall did (or found) for one hook: a value, so install, uninstall and
 * the husky shims can report it and describe.ts can put it in words.
 */
import type { HookName } from '../hooks.js'

export type HookChange =
  /** A new shim; `updated`: a shim rewritten (new node or CLI path); `unchanged`: already right. */
  | { readonly kind: 'installed' | 'updated' | 'unchanged'; readonly hook: HookName; readonly file: string }
  /** A new shim in front of the hook that was there, now `chainedFile`. */
  | { readonly kind: 'chained'; readonly hook: HookName; readonly file: string; readonly chainedFile: string }
  /** Not installed: `chainedFile` is not ours (only ensureInstalled skips instead of refusing). */
  | { readonly kind: 'conflict'; readonly hook: HookName; readonly file: string; readonly chainedFile: string }
  /** `runs`: husky has a wrapper for this hook in `.husky/_`, so the line will run. */
  | {
      readonly kind: 'husky-added'
      readonly hook: HookName
      readonly file: string
      readonly created: boolean
      readonly runs: boolean
    }
  /** The husky file already calls `gitvan hook`; `ours`: with gitvan's marker. */
  | {
      readonly kind: 'husky-present'
      readonly hook: HookName
      readonly file: string
      readonly ours: boolean
      readonly runs: boolean
    }
  /** The husky file held the line an older gitvan wrote; it now holds the current one. */
  | { readonly kind: 'husky-updated'; readonly hook: HookName; readonly file: string; readonly runs: boolean }
  /** A shim removed; `restored`: the chained hook is back in its place. */
  | { readonly kind: 'removed'; readonly hook: HookName; readonly file: string; readonly restored: boolean }
  /** A chained hook left as `chainedFile` because another file now sits at `file`. */
  | { readonly kind: 'stranded'; readonly hook: HookName; readonly file: string; readonly chainedFile: string }
  /** gitvan's line taken out of a husky file; `deleted`: install had created the file. */
  | { readonly kind: 'husky-removed'; readonly hook: HookName; readonly file: string; readonly deleted: boolean }
