/**
 * The files gates are given in CI (`gitvan run --hook <blocking hook>`): what a range changed, or
 * every tracked file. Paths are split on NUL, never on lines. A range's files are those
 * `git diff --name-only A...B` lists (changed on B's side since the merge base) that B still has:
 * added, copied, modified or renamed (as the new name), never deleted.
 */
import { type GitPlace, readGit, splitZ } from './read.js'

/** The paths changed from the merge base of `base` and `tip` to `tip`, present at `tip`. */
export async function rangeFiles(where: GitPlace, base: string, tip: string): Promise<string[]> {
  const out = await readGit(where, [
    'diff',
    '--name-only',
    '-z',
    '--no-renames',
    '--diff-filter=ACMR',
    '--no-ext-diff',
    '--end-of-options',
    `${base}...${tip}`,
    '--',
  ])
  return splitZ(out)
}

/** Every path in the index (`ls-files`), each once (a conflicted path has several stages). */
export async function trackedFiles(where: GitPlace): Promise<string[]> {
  return [...new Set(splitZ(await readGit(where, ['ls-files', '-z'])))]
}
