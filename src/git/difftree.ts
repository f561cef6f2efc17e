/**
 * The files each commit changed, for many commits through one `git diff-tree --stdin -z`.
 *
 * A commit is compared with its first parent (a merge: what the merge brought into the branch),
 * a root commit with the empty tree. No rename detection, as plumbing `git diff-tree` does: a
 * rename lists the old path (deleted) and the new one (added), so a job watching either side sees
 * it. Paths come NUL-separated, so names with spaces, newlines, quotes or any unicode arrive as
 * they are. A commit that changed nothing maps to [].
 */
import { GitvanError } from '../errors.js'
import type { Repo } from './repo.js'
import { startGit } from './spawn.js'

// With --name-status each path follows a status token (`A`, `M`, `D`, `T`...); a commit's header
// is a bare oid where a status would be, so a file named like an oid cannot be mistaken for one.
const STATUS = /^[ACDMRTUX]\d*$/

/** Changed paths per commit, in git's order. */
export async function changedFiles(repo: Repo, oids: readonly string[]): Promise<Map<string, string[]>> {
  const files = new Map<string, string[]>()
  if (oids.length === 0) return files
  for (const oid of oids) files.set(oid, [])
  const child = startGit(
    ['diff-tree', '--stdin', '-r', '-z', '--root', '--no-renames', '--name-status', '--diff-merges=first-parent'],
    {
      cwd: repo.root,
    },
  )
  const out: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stdin.end(`${[...files.keys()].join('\n')}\n`)
  const exit = await child.exited
  if (!exit.ok) {
    throw new GitvanError(
      'GIT_FAILED',
      `git diff-tree could not list the changed files: ${exit.stderr.trim().split('\n')[0] ?? ''}`,
    )
  }
  const tokens = Buffer.concat(out).toString('utf8').split('\0')
  let current: string[] | undefined
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string
    if (token === '') continue
    if (STATUS.test(token)) {
      const path = tokens[++i]
      if (current && path !== undefined) current.push(path)
    } else {
      current = files.get(token.trim())
    }
  }
  return files
}
