/**
 * A warm request as the shim wrote it, read back. The shim writes fields separated by NUL (the one
 * byte no argument, path or variable can hold), with builtins only:
 *
 *     gitvan-warm 1 \0 hook \0 cwd \0 index tree \0 HEAD tree \0 tty \0 argc \0 arg... \0 stdin
 *
 * (the trees are the cache probe's, empty when it did not run; tty is 1 when git's stderr is a
 * terminal). The environment git gave the hook is not copied by the shim: it is the shim's own,
 * read from /proc/<pid>/environ while the shim waits, byte for byte. Parsing is pure: a torn or
 * foreign file is `undefined`, and the shim goes on with node.
 */
import path from 'node:path'
import { isBlockingHook } from '../../hooks.js'
import { isObjectId } from '../../names.js'

export type WarmRequest = {
  readonly hook: string
  readonly cwd: string
  readonly args: readonly string[]
  readonly stdin: string
  readonly tty: boolean
  readonly shim?: { readonly tree: string; readonly base: string }
  readonly env: NodeJS.ProcessEnv
}

const MAGIC = 'gitvan-warm 1'

/** Git's path variables, relative to the hook's directory when git gives them relative. */
const PATH_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY']

export function parseRequest(bytes: Buffer, environ: Buffer): WarmRequest | undefined {
  const fields = bytes.toString('utf8').split('\0')
  const [magic, hook, cwd, tree, base, tty, argc] = fields
  if (magic !== MAGIC || hook === undefined || !isBlockingHook(hook) || !cwd || !path.isAbsolute(cwd)) return undefined
  const count = Number(argc)
  if (!Number.isInteger(count) || count < 0 || fields.length < 7 + count) return undefined
  const args = fields.slice(7, 7 + count)
  const stdin = fields.slice(7 + count).join('\0')
  const env: NodeJS.ProcessEnv = {}
  for (const entry of environ.toString('utf8').split('\0')) {
    const eq = entry.indexOf('=')
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  for (const name of PATH_VARIABLES) {
    const value = env[name]
    if (value) env[name] = path.resolve(cwd, value)
  }
  const shim = tree && base && isObjectId(tree) && (base === 'none' || isObjectId(base)) ? { shim: { tree, base } } : {}
  return { hook, cwd, args, stdin, tty: tty === '1', env, ...shim }
}
