/**
 * Reads of history in bulk, one git process each: message, author and changed files of many
 * commits (`git log --no-walk --stdin -z`: against the first parent, every path of a root commit,
 * no rename detection, paths split on NUL; callers pass oids they have checked), the tags on
 * commits, and the paths a range of commits changed.
 */
import type { CommitInfo } from '../types.js'
import { type GitPlace, readGit, splitZ } from './read.js'

export type CommitSummary = {
  /** The full commit message. */
  readonly message: string
  /** `Name <email>` of the author. */
  readonly author: string
  /** Paths changed against the first parent. */
  readonly files: readonly string[]
}

export async function describeCommits(where: GitPlace, oids: readonly string[]): Promise<Map<string, CommitSummary>> {
  const result = new Map<string, CommitSummary>()
  if (oids.length === 0) return result
  const out = await readGit(
    where,
    [
      'log',
      '--no-walk=unsorted',
      '--stdin',
      '-z',
      '--name-only',
      '--diff-merges=first-parent',
      '--no-renames',
      '--format=%x01%H%x00%an <%ae>%x00%B',
    ],
    oids.map((oid) => `${oid}\n`).join(''),
  )
  for (const record of out.split('\u0001')) {
    if (record === '') continue
    const [oid, author, message, ...rest] = record.split('\u0000')
    if (!oid || author === undefined || message === undefined) continue
    const files = rest
      .map((file, index) => (index === 0 ? file.replace(/^\n/, '') : file))
      .filter((file) => file !== '')
    result.set(oid, { message, author, files })
  }
  return result
}

/** commit oid → short tag names pointing at it (annotated tags peeled), in one `for-each-ref`. */
export async function readTags(where: GitPlace): Promise<Map<string, string[]>> {
  const out = await readGit(where, [
    'for-each-ref',
    '--format=%(objectname) %(*objectname) %(refname:lstrip=2)',
    'refs/tags',
  ])
  const result = new Map<string, string[]>()
  for (const line of out.split('\n')) {
    const [direct, peeled, name] = line.split(' ')
    if (!direct || peeled === undefined || !name) continue
    const oid = peeled || direct
    result.set(oid, [...(result.get(oid) ?? []), name])
  }
  return result
}

/**
 * The paths changed by the commits reachable from `tips` and not from `not` (nor, with
 * `remotes`, from any remote-tracking ref): added, copied, modified or renamed, never deleted.
 */
export async function changedPaths(
  where: GitPlace,
  tips: readonly string[],
  not: readonly string[],
  options: { readonly remotes: boolean },
): Promise<string[]> {
  const args = ['log', '-z', '--format=', '--name-only', '--no-renames', '--diff-filter=ACMR', ...tips, '--not', ...not]
  if (options.remotes) args.push('--remotes')
  return [...new Set(splitZ(await readGit(where, args)))]
}

/** commit oid → its subject (first line of the message), in one `git log --no-walk --stdin`. */
export async function commitSubjects(where: GitPlace, oids: readonly string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>()
  if (oids.length === 0) return result
  const out = await readGit(
    where,
    ['log', '--no-walk=unsorted', '--stdin', '-z', '--format=%H %s'],
    [...new Set(oids)].map((oid) => `${oid}\n`).join(''),
  )
  for (const record of splitZ(out)) {
    const space = record.indexOf(' ')
    if (space > 0) result.set(record.slice(0, space), record.slice(space + 1))
  }
  return result
}

const INFO_FORMAT = ['%H', '%h', '%s', '%an', '%ae', '%aI', '%b'].join('%x00')

/** What templates see of many commits (`ctx.git.commit` gives the same), in one `git log`. */
export async function commitInfos(where: GitPlace, oids: readonly string[]): Promise<Map<string, CommitInfo>> {
  const result = new Map<string, CommitInfo>()
  const unique = [...new Set(oids)].filter((oid) => oid !== '')
  if (unique.length === 0) return result
  const out = await readGit(
    where,
    ['log', '--no-walk=unsorted', '--stdin', '--no-show-signature', `--format=%x01${INFO_FORMAT}`],
    unique.map((oid) => `${oid}\n`).join(''),
  )
  for (const record of out.split('\u0001')) {
    const [oid, short = '', subject = '', name = '', email = '', date = '', body = ''] = record.split('\u0000')
    if (!oid) continue
    result.set(oid, { oid, short, subject, body: body.replace(/\n+$/, ''), author: { name, email }, date })
  }
  return result
}
