/**
 * Which commits a range names, oldest first.
 *
 * A range is what `gitvan run` takes: `all` (every commit reachable from HEAD), anything with `..`
 * or a leading `^` (`A..B`, `A...B`, `A..`), handed to `git rev-list`; or a single revision, which
 * means just that commit. Lists are oldest first (parents before children),
 * the order a hook storm would have fired in. A range git cannot resolve is a usage error that
 * says which.
 */
import { GitvanError } from '../errors.js'
import type { Repo } from './repo.js'
import { git } from './spawn.js'

/** The commits of `range`, oldest first. */
export async function revList(repo: Repo, range: string): Promise<string[]> {
  if (range.startsWith('-'))
    throw new GitvanError('USAGE', `'${range}' is not a revision or range.`, {
      details: ["Pass a range like 'main~10..main', a commit, or --all."],
    })
  if (range === 'all') {
    const head = await git(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: repo.root })
    if (!head.ok) return [] // unborn branch: no commits yet
    return lines((await listOrFail(repo, ['rev-list', '--reverse', '--topo-order', 'HEAD'], 'HEAD')).stdout)
  }
  if (range.includes('..') || range.startsWith('^')) {
    return lines(
      (await listOrFail(repo, ['rev-list', '--reverse', '--topo-order', '--end-of-options', range, '--'], range))
        .stdout,
    )
  }
  const one = await git(['rev-parse', '-q', '--verify', `${range}^{commit}`], { cwd: repo.root })
  if (!one.ok) throw unknownRevision(repo, range)
  return [one.stdout.trim()]
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '')

async function listOrFail(repo: Repo, args: readonly string[], range: string) {
  const result = await git(args, { cwd: repo.root })
  if (!result.ok) throw unknownRevision(repo, range, result.stderr)
  return result
}

const unknownRevision = (repo: Repo, range: string, stderr = '') =>
  new GitvanError('USAGE', `'${range}' does not name a commit or a range of commits in ${repo.root}.`, {
    details: [stderr.trim().split('\n')[0] ?? '', "Pass a range like 'main~10..main', a commit, or --all."].filter(
      Boolean,
    ),
  })
