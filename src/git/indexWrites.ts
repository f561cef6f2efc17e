/**
 * Writes to the index (and the work tree, from it), for partial staging and fix gates. Each takes the
 * environment git gave the hook, so `git commit <paths>` and `-a` (a temporary GIT_INDEX_FILE)
 * get the same treatment as a plain commit. Paths go NUL-separated on standard input: any name
 * (spaces, newlines, a leading dash) arrives intact.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { type GitPlace, readGit } from './read.js'
import { gitBytes } from './spawn.js'

const z = (paths: readonly string[]): string => paths.map((p) => `${p}\0`).join('')

/** Writes the index's version of each path to the work tree (filters applied, as a checkout does). */
export async function checkoutIndex(where: GitPlace, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return
  await readGit(where, ['checkout-index', '-f', '-z', '--stdin'], z(paths))
}

/** Stages each path's work-tree content, as `git add` would (a path gone from the work tree is unstaged). */
export async function stagePaths(where: GitPlace, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return
  await readGit(where, ['update-index', '--add', '--remove', '-z', '--stdin'], z(paths))
}

export type IndexEntry = { readonly path: string; readonly mode: string; readonly oid: string }

/** Sets index entries to exact blobs and modes (`update-index --index-info`). */
export async function setIndexEntries(where: GitPlace, entries: readonly IndexEntry[]): Promise<void> {
  if (entries.length === 0) return
  await readGit(
    where,
    ['update-index', '-z', '--index-info'],
    entries.map((entry) => `${entry.mode} ${entry.oid}\t${entry.path}\0`).join(''),
  )
}

/**
 * A three-way merge of file contents (`git merge-file`): the changes from `base` to `ours` and
 * from `base` to `theirs`, together. `clean` is false when they overlap (or git cannot merge, as
 * with binary files); `bytes` is then meaningless.
 */
export async function mergeContents(
  where: GitPlace,
  contents: { readonly ours: Buffer; readonly base: Buffer; readonly theirs: Buffer },
): Promise<{ readonly clean: boolean; readonly bytes: Buffer }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-merge-'))
  try {
    const files = (['ours', 'base', 'theirs'] as const).map((name) => {
      const file = path.join(dir, name)
      writeFileSync(file, contents[name])
      return file
    })
    const result = await gitBytes(['merge-file', '-p', '-q', ...files], {
      cwd: where.root,
      ...(where.env ? { env: where.env } : {}),
    })
    return { clean: result.code === 0, bytes: result.stdout }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
