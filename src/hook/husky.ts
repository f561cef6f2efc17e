/**
 * husky 9 support. A repository whose core.hooksPath is `.husky/_` belongs to husky: gitvan leaves
 * core.hooksPath and `.husky/_` alone and adds one line to `.husky/<hook>`, which husky's wrapper
 * runs with `sh -e` and node_modules/.bin on PATH.
 *
 * What install adds is exactly `[\n]gitvan hook <hook> "$@" # gitvan\n` at the end of the file
 * (the leading newline only when the file did not end with one), or the whole file when there was
 * none. Removing it takes away exactly those bytes, so an untouched file comes back byte for byte;
 * a file the user edited since keeps their edits.
 */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { HookName } from './catalog.js'

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
  /** The file already calls `gitvan hook <hook>`: a line of ours, or one the user wrote. */
  | { readonly kind: 'present'; readonly ours: boolean }

export type HuskyRemove = 'removed' | 'deleted' | 'missing'

/** True when git's hooks directory is husky 9's `.husky/_` (relative or absolute core.hooksPath). */
export const isHuskyHooksDir = (hooksDir: string): boolean =>
  path.basename(hooksDir) === '_' && path.basename(path.dirname(hooksDir)) === '.husky'

export const huskyLine = (hook: HookName): string => `gitvan hook ${hook} "$@" # gitvan`

/** `.husky/<hook>` for the husky hooks dir `.husky/_`. */
export const huskyFile = (hooksDir: string, hook: HookName): string => path.join(path.dirname(hooksDir), hook)

/** husky writes a wrapper in `.husky/_` for each hook it runs; a hook without one never reaches `.husky/<hook>`. */
export const huskyRunsHook = (hooksDir: string, hook: HookName): boolean => existsSync(path.join(hooksDir, hook))

const callsGitvan = (content: string, hook: HookName): { ours: boolean } | undefined => {
  const pattern = new RegExp(`^\\s*(?:(?:npx|bunx|pnpm(?:\\s+exec)?|yarn)\\s+)?gitvan\\s+hook\\s+${hook}(?:\\s|$)`)
  const lines = content.split('\n')
  if (lines.includes(huskyLine(hook))) return { ours: true }
  return lines.some((line) => pattern.test(line)) ? { ours: false } : undefined
}

export function addHuskyLine(hooksDir: string, hook: HookName): HuskyAdd {
  const file = huskyFile(hooksDir, hook)
  if (!existsSync(file)) {
    writeFileSync(file, `${huskyLine(hook)}\n`, { mode: 0o755 })
    return { kind: 'added', edit: { hook, file, created: true, newline: false } }
  }
  const content = readFileSync(file, 'utf8')
  const present = callsGitvan(content, hook)
  if (present) return { kind: 'present', ours: present.ours }
  const newline = content.length > 0 && !content.endsWith('\n')
  writeFileSync(file, `${content}${newline ? '\n' : ''}${huskyLine(hook)}\n`)
  return { kind: 'added', edit: { hook, file, created: false, newline } }
}

/** Takes away what `addHuskyLine` added; deletes the file when install created it and nothing else is left. */
export function removeHuskyLine(edit: HuskyEdit): HuskyRemove {
  if (!existsSync(edit.file)) return 'missing'
  const content = readFileSync(edit.file, 'utf8')
  const line = `${huskyLine(edit.hook)}\n`
  const added = `${edit.newline ? '\n' : ''}${line}`
  let rest: string
  if (content.endsWith(added)) rest = content.slice(0, content.length - added.length)
  else if (content.includes(line)) rest = content.replace(line, '')
  else if (content.endsWith(huskyLine(edit.hook))) rest = content.slice(0, content.length - huskyLine(edit.hook).length)
  else return 'missing'
  if (edit.created && rest.trim() === '') {
    unlinkSync(edit.file)
    return 'deleted'
  }
  writeFileSync(edit.file, rest)
  return 'removed'
}
