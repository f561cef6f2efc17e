/**
 * Where a repository keeps things. One git call answers all of it; linked worktrees share the
 * common dir, so they share hooks, the spool, the cache and the runner.
 */
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
  const result = gitSync(['rev-parse', '--show-toplevel', '--git-dir', '--git-common-dir', '--git-path', 'hooks'], { cwd, keepHooksPath: true })
  if (!result.ok) {
    throw new GitvanError('NOT_A_REPO', `${cwd} is not inside a git working tree.`, {
      details: [result.stderr.trim(), "Run gitvan inside a repository (or 'git init' one first)."].filter(Boolean),
    })
  }
  const [root, gitDir, commonDir, hooksDir] = result.stdout.split('\n') as [string, string, string, string]
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
