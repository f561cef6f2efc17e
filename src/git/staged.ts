/**
 * The index, read: what a commit made now would hold. Every read honours the environment the
 * hook was given (GIT_INDEX_FILE for `git commit <paths>` and `-a`).
 */
import { type GitPlace, readGit, splitZ, tryGit } from './read.js'

/**
 * The staged paths with the blob id and mode each will commit (`<oid> <mode>`): added, copied,
 * modified or renamed, so a deleted path is never among them. One `diff --cached --raw` gives both.
 */
export async function stagedBlobs(where: GitPlace): Promise<Map<string, string>> {
  const out = await readGit(where, [
    'diff',
    '--cached',
    '--raw',
    '-z',
    '--no-renames',
    '--no-abbrev',
    '--diff-filter=ACMR',
  ])
  const blobs = new Map<string, string>()
  const parts = splitZ(out) // ':<old mode> <new mode> <old oid> <new oid> <status>', then the path
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [, mode, , oid] = (parts[i] as string).split(' ')
    blobs.set(parts[i + 1] as string, `${oid ?? ''} ${mode ?? ''}`)
  }
  return blobs
}

/** The index as a tree (`write-tree`), or undefined when it cannot be written (a conflict). */
export const writeTree = async (where: GitPlace): Promise<string | undefined> =>
  (await tryGit(where, ['write-tree']))?.trim()

/** HEAD's tree, or undefined on an unborn branch. */
export const headTree = async (where: GitPlace): Promise<string | undefined> =>
  (await tryGit(where, ['rev-parse', '-q', '--verify', 'HEAD^{tree}']))?.trim()

/** Tracked paths whose work tree file differs from the index (`diff-files`), or undefined when git fails. */
export async function unstagedPaths(where: GitPlace): Promise<Set<string> | undefined> {
  const out = await tryGit(where, ['diff-files', '--name-only', '-z'])
  return out === undefined ? undefined : new Set(splitZ(out))
}

/** An index entry as a tree had it: `mode` '000000' when the tree did not have the path. */
export type SavedEntry = { readonly path: string; readonly mode: string; readonly oid: string }

/**
 * The paths whose index entry differs from `tree` (an earlier `write-tree` of this index), each
 * with the tree's entry: what to set back to undo whatever staged them since. Intent-to-add
 * entries are not differences (write-tree leaves them out, and so does this).
 */
export async function indexChangesSince(where: GitPlace, tree: string): Promise<SavedEntry[]> {
  const out = await readGit(where, [
    'diff-index',
    '--cached',
    '--ita-invisible-in-index',
    '-z',
    '--raw',
    '--no-renames',
    '--no-abbrev',
    tree,
  ])
  const parts = splitZ(out) // ':<old mode> <new mode> <old oid> <new oid> <status>', then the path
  const entries: SavedEntry[] = []
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [oldMode = '', , oldOid = ''] = (parts[i] as string).slice(1).split(' ')
    entries.push({ path: parts[i + 1] as string, mode: oldMode, oid: oldOid })
  }
  return entries
}

/** The index entries (mode and blob) of `paths`, from `git ls-files -s`. */
export async function indexEntries(where: GitPlace, paths: readonly string[]): Promise<SavedEntry[]> {
  if (paths.length === 0) return []
  const wanted = new Set(paths)
  return splitZ(await readGit(where, ['ls-files', '-s', '-z'])).flatMap((line) => {
    const tab = line.indexOf('\t')
    const [mode = '', oid = ''] = line.slice(0, tab).split(' ')
    const file = line.slice(tab + 1)
    return tab !== -1 && wanted.has(file) ? [{ path: file, mode, oid }] : []
  })
}

/**
 * Which of `paths` git keeps out of the work tree's reach (skip-worktree `S`, assume-unchanged in
 * lower case, from `git ls-files -v`): their work-tree bytes must never be staged.
 */
export async function keptApart(where: GitPlace, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set()
  const wanted = new Set(paths)
  const result = new Set<string>()
  for (const entry of splitZ(await readGit(where, ['ls-files', '-v', '-z']))) {
    const tag = entry[0] ?? ''
    const file = entry.slice(2)
    if (wanted.has(file) && (tag === 'S' || (tag >= 'a' && tag <= 'z'))) result.add(file)
  }
  return result
}
