/**
 * The shim: hooks/shim.sh rendered for one hook.
 *
 * Every value substituted into the template is single-quoted for sh, so paths with spaces,
 * quotes, `$` or newlines reach the shim unchanged. A rendered shim carries the marker line
 * `# gitvan-shim 1`; gitvan treats a hook file as its own only when that line is there, and
 * never overwrites or deletes a hook file without it.
 *
 * The template ships beside the CLI bundle: `<cli dir>/hooks/shim.sh` (the build copies it
 * there) or `<cli dir>/../hooks/shim.sh` (the package's own `hooks/`). The CLI file is found from
 * `process.argv[1]`, real-pathed, because a chunk's own URL says nothing about where the
 * entrypoint lives.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { GitvanError } from '../errors.js'
import { type HookName, isAsyncHook, STDIN_HOOKS } from '../hooks.js'

export const SHIM_MARKER = '# gitvan-shim 1'

/** What a rendered shim points at. */
export type Runtime = {
  /** Absolute path of the node binary (GUI git clients have no PATH or nvm). */
  readonly node: string
  /** Absolute, real path of the CLI entrypoint. */
  readonly cli: string
  /** The shim template. */
  readonly template: string
}

/** The runtime of this process: its node, its CLI file, and the template that ships with it. */
export function currentRuntime(): Runtime {
  const entry = process.argv[1]
  if (entry === undefined) throw new Error('process.argv[1] is not set: cannot locate the gitvan CLI')
  const cli = realpathSync(entry)
  const dir = path.dirname(cli)
  const candidates = [path.join(dir, 'hooks', 'shim.sh'), path.join(dir, '..', 'hooks', 'shim.sh')]
  const template = candidates.find((file) => existsSync(file))
  if (template === undefined) {
    throw new GitvanError('USAGE', 'The hook template hooks/shim.sh is missing from this gitvan installation.', {
      details: [`Looked in: ${candidates.join(', ')}`, 'Reinstall gitvan (npm install).'],
    })
  }
  return { node: process.execPath, cli, template }
}

/** Quotes a value for sh: the result is one word whatever the value holds. */
export const quoteSh = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

// The template's one line that finds the chained hook; a shim that must chain nothing empties it.
const CHAIN_LINE = 'chained="${0%/*}/$hook.gitvan-chained"'

export type ShimOptions = {
  /** Run `<hook>.gitvan-chained` next to the shim first (true); false for the shims behind husky lines. */
  readonly chain?: boolean
}

/** The shim for `hook`, as bytes to write. */
export function renderShim(hook: HookName, runtime: Runtime, options: ShimOptions = {}): string {
  // No repository's path is written in: a shim finds the repository git runs it in, so one
  // hooks directory (a global core.hooksPath, a committed .githooks) serves any number of them.
  const values: Record<string, string> = {
    HOOK: hook,
    KIND: isAsyncHook(hook) ? 'async' : 'blocking',
    NODE: runtime.node,
    CLI: runtime.cli,
    STDIN: STDIN_HOOKS.includes(hook) ? '1' : '0',
  }
  const template = readFileSync(runtime.template, 'utf8')
  if (!template.includes(SHIM_MARKER)) throw new Error(`${runtime.template} lacks the marker line '${SHIM_MARKER}'`)
  const shim = template.replace(/@([A-Z]+)@/g, (match, name: string) => {
    const value = values[name]
    return value === undefined ? match : quoteSh(value)
  })
  if (options.chain !== false) return shim
  if (!shim.includes(CHAIN_LINE)) throw new Error(`${runtime.template} lacks the line '${CHAIN_LINE}'`)
  return shim.replace(CHAIN_LINE, "chained=  # husky runs the hook's other lines itself")
}

/** True when `content` is a shim gitvan wrote (the marker sits in its first lines). */
export const isShim = (content: Buffer): boolean =>
  content.subarray(0, 256).toString('utf8').split('\n', 4).includes(SHIM_MARKER)
