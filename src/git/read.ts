/**
 * The one way git/ runs a read whose failure is an error: `git <args>` in `where.root`, stdout on
 * success, GIT_FAILED with git's own message otherwise (not a repository, a broken index).
 */
import { GitvanError } from '../errors.js'
import { git } from './spawn.js'

/** Where a read runs: the work tree's top level, and the environment git gave the hook (if any). */
export type GitPlace = { readonly root: string; readonly env?: NodeJS.ProcessEnv }

export async function readGit(where: GitPlace, args: readonly string[], input?: string): Promise<string> {
  const result = await git(args, {
    cwd: where.root,
    ...(where.env ? { env: where.env } : {}),
    ...(input === undefined ? {} : { input }),
  })
  if (!result.ok)
    throw new GitvanError('GIT_FAILED', `git ${args.join(' ')} failed (exit ${result.code}) in ${where.root}.`, {
      details: [result.stderr.trim()].filter(Boolean),
    })
  return result.stdout
}

/** `git <args>`'s stdout, or undefined when git fails: for reads whose failure only means "unknown". */
export async function tryGit(where: GitPlace, args: readonly string[]): Promise<string | undefined> {
  const result = await git(args, { cwd: where.root, ...(where.env ? { env: where.env } : {}) })
  return result.ok ? result.stdout : undefined
}

/** Splits git's `-z` output; never on newlines, which paths may hold. */
export const splitZ = (text: string): string[] => text.split('\0').filter((name) => name !== '')
