/**
 * Where a repository keeps things. One git call answers all of it; linked worktrees share the
 * common dir, so they share hooks, the spool, the cache and the runner.
 *
 * Inside a hook, `hookRepo` answers most of it from files instead, saving a git process on every
 * commit: git runs hooks from the top of the working tree, where `.git` is the git dir or a
 * gitfile, and sets GIT_DIR when it is elsewhere. Anything it does not recognise is left to git.
 *
 * A repository whose paths hold a newline is refused, with a message that says so: git prints
 * these paths one per line, and the hook shims name the repository on one line too, so such a
 * path would be cut short somewhere. Renaming the directory is the fix.
 */
import { readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { GitvanError } from '../errors.js'
import { gitSync } from './spawn.js'

export type Repo = {
  /** Top-level directory of the working tree (the linked worktree's own, in a worktree). */
  readonly root: string
  /** This worktree's git dir (`.git`, or `.git/worktrees/<name>`). */
  readonly gitDir: string
  /** The git dir shared by all worktrees. */
  readonly commonDir: string
  /** Where git looks for hooks (honours core.hooksPath). */
  readonly hooksDir: string
  /** `<common dir>/gitvan`: spool, cache, runner pid and log, trust. */
  readonly stateDir: string
}

export function findRepo(cwd: string): Repo {
  const result = gitSync(['rev-parse', '--show-toplevel', '--git-dir', '--git-common-dir', '--git-path', 'hooks'], {
    cwd,
    keepHooksPath: true,
  })
  if (!result.ok) {
    throw new GitvanError('NOT_A_REPO', `${cwd} is not inside a git working tree.`, {
      details: [result.stderr.trim(), "Run gitvan inside a repository (or 'git init' one first)."].filter(Boolean),
    })
  }
  const lines = result.stdout.split('\n')
  if (lines.at(-1) === '') lines.pop()
  if (lines.length !== 4) throw newlineInPath(cwd, result.stdout)
  const [root, gitDir, commonDir, hooksDir] = lines as [string, string, string, string]
  const abs = (p: string) => path.resolve(cwd, p)
  const common = abs(commonDir)
  return {
    root,
    gitDir: abs(gitDir),
    commonDir: common,
    hooksDir: abs(hooksDir),
    stateDir: path.join(common, 'gitvan'),
  }
}

function newlineInPath(cwd: string, printed: string): GitvanError {
  const where = cwd.includes('\n')
    ? `the repository's path holds a newline: ${JSON.stringify(cwd)}`
    : `a path of this repository holds a newline (its git directory, or core.hooksPath): git printed ${JSON.stringify(printed)}`
  return new GitvanError('UNSUPPORTED_PATH', `gitvan cannot work here: ${where}.`, {
    details: [
      'git prints repository paths one per line and hooks name the repository on one line, so a newline would cut it short.',
      'Rename the directory (or core.hooksPath) without the newline, then run the command again.',
    ],
  })
}

/** A repository as a hook sees it: everything but the hooks dir, which only install needs. */
export type HookRepo = Omit<Repo, 'hooksDir'>

/**
 * The repository of a hook that git is running in `cwd`, read from files; undefined when `cwd` is
 * not the top of a working tree or the layout is unusual (GIT_WORK_TREE or GIT_COMMON_DIR set,
 * a gitfile that cannot be read): then ask git with `findRepo`.
 */
export function hookRepo(cwd: string, env: NodeJS.ProcessEnv): HookRepo | undefined {
  // A newline anywhere: findRepo says what is wrong.
  if (env.GIT_WORK_TREE || env.GIT_COMMON_DIR || cwd.includes('\n') || env.GIT_DIR?.includes('\n')) return undefined
  const dotGit = path.join(cwd, '.git')
  let gitDir: string
  try {
    const stat = statSync(dotGit)
    if (stat.isDirectory()) gitDir = dotGit
    else {
      const line = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]
      if (!line) return undefined
      gitDir = path.resolve(cwd, line)
    }
  } catch {
    return undefined // not the top of a working tree: a user running `gitvan hook` by hand
  }
  if (env.GIT_DIR) gitDir = path.resolve(cwd, env.GIT_DIR)
  let commonDir = gitDir
  try {
    commonDir = path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim())
  } catch {
    // no commondir file: this git dir is the common dir
  }
  try {
    if (!statSync(path.join(commonDir, 'objects')).isDirectory()) return undefined
  } catch {
    return undefined
  }
  if (commonDir.includes('\n')) return undefined
  return { root: cwd, gitDir, commonDir, stateDir: path.join(commonDir, 'gitvan') }
}
