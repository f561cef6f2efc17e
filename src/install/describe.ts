/**
 * One line per hook for what install, uninstall or the automatic re-install did, with paths
 * relative to where the user stands. Pure: the CLI prints these.
 */
import path from 'node:path'
import { type HookName, isAsyncHook } from '../hooks.js'
import type { HookChange } from './change.js'

const relative = (from: string, file: string): string => {
  const rel = path.relative(from, file)
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel
}

export function describeChange(change: HookChange, cwd: string): string {
  const rel = (file: string) => relative(cwd, file)
  const { hook } = change
  switch (change.kind) {
    case 'installed':
      return `${hook}: installed ${rel(change.file)}`
    case 'updated':
      return `${hook}: updated ${rel(change.file)}`
    case 'unchanged':
      return `${hook}: already installed ${rel(change.file)}`
    case 'chained':
      return `${hook}: installed ${rel(change.file)}; chained the existing hook, kept as ${rel(change.chainedFile)} (it runs first)`
    case 'conflict':
      return `${hook}: not installed: ${rel(change.chainedFile)} is not gitvan's (move it away, or run 'gitvan install --force')`
    case 'husky-added':
      return `${hook}: added ${lineName(hook)} to ${rel(change.file)}${change.created ? ' (new file)' : ''}${change.runs ? '' : notRun(hook)}`
    case 'husky-updated':
      return `${hook}: replaced the line of an older gitvan in ${rel(change.file)}${change.runs ? '' : notRun(hook)}`
    case 'husky-present':
      return `${hook}: ${rel(change.file)} already has ${lineName(hook)}${change.runs ? '' : notRun(hook)}`
    case 'removed':
      return `${hook}: removed ${rel(change.file)}${change.restored ? '; restored the hook that was there before' : ''}`
    case 'stranded':
      return `${hook}: left ${rel(change.chainedFile)} in place: ${rel(change.file)} is not gitvan's (keep the one you want as ${rel(change.file)})`
    case 'husky-removed':
      return change.deleted
        ? `${hook}: deleted ${rel(change.file)} (gitvan had created it)`
        : `${hook}: removed gitvan's line from ${rel(change.file)}`
  }
}

/** Every hook gets a line that runs this clone's sh shim, and `gitvan hook <name>` where gitvan is not installed. */
const lineName = (hook: HookName): string =>
  `a line that runs the sh shim in ${'$'}(git rev-parse --git-common-dir)/gitvan/shims/${hook} (${isAsyncHook(hook) ? 'no node' : 'node by its absolute path, and not at all when the cache answers'}; 'gitvan hook ${hook}' where gitvan is not installed)`

const notRun = (hook: string): string =>
  ` (warning: .husky/_/${hook} is missing, so git will not run it; 'npx husky' sets husky up)`
