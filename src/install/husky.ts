/**
 * husky 9 support. A repository whose core.hooksPath is `.husky/_` belongs to husky: gitvan leaves
 * core.hooksPath and `.husky/_` alone and adds one line to `.husky/<hook>`, which husky's wrapper
 * runs with `sh -e` from the top of the working tree, with node_modules/.bin on PATH.
 *
 * What install adds is exactly `[\n]<line>\n` at the end of the file (the leading newline only when
 * the file did not end with one), or the whole file when there was none. Removing it takes away
 * exactly those bytes, so an untouched file comes back byte for byte; a file the user edited since
 * keeps their edits.
 *
 * `.husky/<hook>` is committed, so the line holds no path of this clone. It runs the per-clone shim
 * `<git-common-dir>/gitvan/shims/<hook>` when this clone has one: the same shim a plain repository
 * gets, with the absolute path of node and of the CLI (GUI git clients and nvm leave node off
 * PATH), the cache probe of a blocking hook, and pure-sh spooling for an async one. Where this
 * clone has no shim (only husky was set up here), it runs `gitvan hook <hook>` from PATH (husky
 * puts node_modules/.bin first). Exactly one of the two runs, so a hook's standard input reaches
 * exactly one. An older gitvan wrote only the `gitvan hook` line; install replaces it in place,
 * and uninstall recognises both.
 */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { HookName } from '../hooks.js'

/** One `.husky/<hook>` file install changed. */
export type HuskyEdit = {
  readonly hook: HookName
  /** Absolute path of `.husky/<hook>`. */
  readonly file: string
  /** Install created the file (uninstall deletes it). */
  readonly created: boolean
  /** Install added a newline before its line because the file did not end with one. */
  readonly newline: boolean
}

export type HuskyAdd =
  | { readonly kind: 'added'; readonly edit: HuskyEdit }
  /** The file already calls `gitvan hook <hook>`: the current line of ours, or one the user wrote. */
  | { readonly kind: 'present'; readonly ours: boolean }
  /** The file held the line an older gitvan wrote; it now holds the current one, in the same place. */
  | { readonly kind: 'upgraded'; readonly file: string }

export type HuskyRemove = 'removed' | 'deleted' | 'missing'

/** True when git's hooks directory is husky 9's `.husky/_` (relative or absolute core.hooksPath). */
export const isHuskyHooksDir = (hooksDir: string): boolean =>
  path.basename(hooksDir) === '_' && path.basename(path.dirname(hooksDir)) === '.husky'

const nodeLine = (hook: HookName): string => `gitvan hook ${hook} "$@" # gitvan`

// `if` keeps a failing test away from `sh -e`, and the shim's exit status (or gitvan's) is the
// line's. git prints the common dir relative to the top of the working tree, where husky runs.
const shimLine = (hook: HookName): string =>
  `if gitvan_shim=$(git rev-parse --git-common-dir)/gitvan/shims/${hook} && [ -f "$gitvan_shim" ]; then sh "$gitvan_shim" "$@"; else gitvan hook ${hook} "$@"; fi # gitvan`

/** The line install writes into `.husky/<hook>`. */
export const huskyLine = (hook: HookName): string => shimLine(hook)

/** Every line a gitvan install ever wrote for `hook`, the current one first. */
export const huskyLines = (hook: HookName): readonly string[] => [shimLine(hook), nodeLine(hook)]

/** `.husky/<hook>` for the husky hooks dir `.husky/_`. */
export const huskyFile = (hooksDir: string, hook: HookName): string => path.join(path.dirname(hooksDir), hook)

/** husky writes a wrapper in `.husky/_` for each hook it runs; a hook without one never reaches `.husky/<hook>`. */
export const huskyRunsHook = (hooksDir: string, hook: HookName): boolean => existsSync(path.join(hooksDir, hook))

/** How `content` calls gitvan for `hook`: with the current line, an older line of ours, a line of the user's, or not at all. */
export function huskyCall(content: string, hook: HookName): 'current' | 'older' | 'user' | undefined {
  const lines = content.split('\n')
  const [current, ...older] = huskyLines(hook)
  if (lines.includes(current as string)) return 'current'
  if (older.some((line) => lines.includes(line))) return 'older'
  const pattern = new RegExp(`^\\s*(?:(?:npx|bunx|pnpm(?:\\s+exec)?|yarn)\\s+)?gitvan\\s+hook\\s+${hook}(?:\\s|$)`)
  return lines.some((line) => pattern.test(line)) ? 'user' : undefined
}

export function addHuskyLine(hooksDir: string, hook: HookName): HuskyAdd {
  const file = huskyFile(hooksDir, hook)
  if (!existsSync(file)) {
    writeFileSync(file, `${huskyLine(hook)}\n`, { mode: 0o755 })
    return { kind: 'added', edit: { hook, file, created: true, newline: false } }
  }
  const content = readFileSync(file, 'utf8')
  const call = huskyCall(content, hook)
  if (call === 'older') {
    const older = new Set(huskyLines(hook).slice(1))
    writeFileSync(
      file,
      content
        .split('\n')
        .map((line) => (older.has(line) ? huskyLine(hook) : line))
        .join('\n'),
    )
    return { kind: 'upgraded', file }
  }
  if (call !== undefined) return { kind: 'present', ours: call === 'current' }
  const newline = content.length > 0 && !content.endsWith('\n')
  writeFileSync(file, `${content}${newline ? '\n' : ''}${huskyLine(hook)}\n`)
  return { kind: 'added', edit: { hook, file, created: false, newline } }
}

/** `content` without gitvan's `line`, as `addHuskyLine` added it; undefined when the line is not there. */
function without(content: string, line: string, edit: HuskyEdit): string | undefined {
  const added = `${edit.newline ? '\n' : ''}${line}\n`
  if (content.endsWith(added)) return content.slice(0, content.length - added.length)
  if (content.includes(`${line}\n`)) return content.replace(`${line}\n`, '')
  if (content.endsWith(line)) return content.slice(0, content.length - line.length)
  return undefined
}

/** Takes away what `addHuskyLine` added (in any form gitvan wrote it); deletes the file when install created it and nothing else is left. */
export function removeHuskyLine(edit: HuskyEdit): HuskyRemove {
  if (!existsSync(edit.file)) return 'missing'
  const content = readFileSync(edit.file, 'utf8')
  const rest = huskyLines(edit.hook)
    .map((line) => without(content, line, edit))
    .find((left) => left !== undefined)
  if (rest === undefined) return 'missing'
  if (edit.created && rest.trim() === '') {
    unlinkSync(edit.file)
    return 'deleted'
  }
  writeFileSync(edit.file, rest)
  return 'removed'
}
