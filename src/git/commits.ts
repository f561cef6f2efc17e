/**
 * Commits in bulk: which commits a range names, and their metadata through one cat-file session.
 *
 * A range is what `gitvan run` takes: `all` (every commit reachable from HEAD), anything with `..`
 * or a leading `^` (`A..B`, `A...B`, `A..`), handed to `git rev-list`; or a single revision, which
 * means just that commit. Lists are oldest first (parents before children),
 * the order a hook storm would have fired in. A range git cannot resolve is a usage error that
 * says which.
 */
import { GitvanError } from '../errors.js'
import type { CommitInfo } from '../types.js'
import { withCatFile } from './catfile.js'
import type { Repo } from './repo.js'
import { git } from './spawn.js'

export type CommitDetails = CommitInfo & { readonly parents: readonly string[]; readonly tree: string }

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

/** Metadata of many commits, read in one cat-file session; commits git does not have are absent. */
export async function readCommits(repo: Repo, oids: readonly string[]): Promise<Map<string, CommitDetails>> {
  const commits = new Map<string, CommitDetails>()
  if (oids.length === 0) return commits
  const abbrev = await abbrevLength(repo, oids[0] as string)
  await withCatFile(repo, async (cat) => {
    const objects = await Promise.all(oids.map((oid) => cat.read(oid)))
    objects.forEach((object, i) => {
      if (object?.type === 'commit')
        commits.set(oids[i] as string, parseCommit(oids[i] as string, object.content, abbrev))
    })
  })
  return commits
}

/** The length `git rev-parse --short` gives in this repository (it grows with the object count). */
async function abbrevLength(repo: Repo, oid: string): Promise<number> {
  const result = await git(['rev-parse', '--short', oid], { cwd: repo.root })
  const length = result.stdout.trim().length
  return result.ok && length >= 4 ? length : 7
}

/** Parses a raw commit object. */
export function parseCommit(oid: string, content: Buffer, abbrev = 7): CommitDetails {
  const text = content.toString('utf8')
  const end = text.indexOf('\n\n')
  const header = end < 0 ? text : text.slice(0, end)
  const message = end < 0 ? '' : text.slice(end + 2)
  let tree = ''
  const parents: string[] = []
  let author = { name: '', email: '' }
  let date = ''
  for (const line of header.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5)
    else if (line.startsWith('parent ')) parents.push(line.slice(7))
    else if (line.startsWith('author ')) {
      const match = /^author (.*) <([^>]*)> (-?\d+) ([+-]\d{4})$/.exec(line)
      if (match) {
        author = { name: match[1] as string, email: match[2] as string }
        date = isoDate(Number(match[3]), match[4] as string)
      }
    }
  }
  const newline = message.indexOf('\n\n')
  const subject = (newline < 0 ? message : message.slice(0, newline)).replace(/\n/g, ' ').trim()
  const body = newline < 0 ? '' : message.slice(newline + 2).replace(/\n+$/, '')
  return { oid, short: oid.slice(0, abbrev), subject, body, author, date, parents, tree }
}

/** `git log --format=%aI`: the author's local time with its offset. */
export function isoDate(seconds: number, offset: string): string {
  const sign = offset.startsWith('-') ? -1 : 1
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5)))
  const local = new Date((seconds + minutes * 60) * 1000).toISOString().slice(0, 19)
  return `${local}${offset.slice(0, 3)}:${offset.slice(3, 5)}`
}
