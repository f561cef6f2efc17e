/**
 * Where a job's programs run, the way npm runs a package's scripts: in the job's directory (its
 * `cwd`, under the repository root), with the project's `node_modules/.bin` first on PATH, and with
 * the node gitvan runs on reachable. Pure: paths are computed here, checked by the caller.
 *
 * - PATH: `<root>/<cwd>/node_modules/.bin`, then each parent's, up to `<root>/node_modules/.bin`
 *   (npm walks up from a package's directory the same way; gitvan stops at the root, since what
 *   lies above the repository is not the project's), then the PATH the hook was given, then the
 *   directory of gitvan's own node unless PATH already holds it. A GUI git client often runs hooks
 *   with a PATH that has no node, and a tool installed by npm starts with `#!/usr/bin/env node`;
 *   the shim already starts gitvan on an absolute node, and this makes the tools find one too.
 *   That node comes last, not first: a node on the user's PATH (nvm, volta, a CI image) stays the
 *   one their tools run on.
 * - Files: a job with a `cwd` gets as `{files}` only the files under that directory, relative to
 *   it, as lint-staged does for a package's own config in a monorepo (each package's tasks see that
 *   package's files, relative to it); a file elsewhere is another job's business. A function job's
 *   `ctx.files` stay relative to the root, like `ctx.root`.
 */
import path from 'node:path'

/** The absolute directory a job runs in; `cwd` is the resolved job's ('' for the root). */
export const jobDir = (root: string, cwd: string): string => (cwd === '' ? root : path.join(root, cwd))

/** `node_modules/.bin` of the job's directory and of each parent up to the root, nearest first. */
export function binDirs(root: string, cwd: string): string[] {
  const parts = cwd === '' ? [] : cwd.split('/')
  const dirs: string[] = []
  for (let n = parts.length; n >= 0; n--) dirs.push(path.join(root, ...parts.slice(0, n), 'node_modules', '.bin'))
  return dirs
}

/**
 * `env` with `first` before its PATH and `last` after it (unless PATH already holds `last`). The
 * variable keeps the name it has (`Path` on Windows).
 */
export function withPath(env: NodeJS.ProcessEnv, first: readonly string[], last: string): NodeJS.ProcessEnv {
  const key = Object.keys(env).find((name) => name.toUpperCase() === 'PATH') ?? 'PATH'
  const current = env[key]
  const entries = current === undefined || current === '' ? [] : current.split(path.delimiter)
  const value = [...first, ...(current === undefined || current === '' ? [] : [current])]
  if (!entries.includes(last)) value.push(last)
  return { ...env, [key]: value.join(path.delimiter) }
}

/** The files under `cwd`, relative to it; all of them, unchanged, for the root. */
export function filesUnder(files: readonly string[], cwd: string): readonly string[] {
  if (cwd === '') return files
  const prefix = `${cwd}/`
  return files.flatMap((file) => (file.startsWith(prefix) ? [file.slice(prefix.length)] : []))
}
