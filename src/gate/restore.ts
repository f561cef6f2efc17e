/**
 * `gitvan restore`: puts a backup written by partial staging back, by hand (after a crash, or to
 * undo what a fix gate did). Before anything is written, what those paths hold now is saved as a
 * backup of its own, so a restore loses nothing either. Then, for each path the backup saved: the
 * work tree gets the saved bytes, mode or symlink (or loses the file, where it was absent), and the
 * index gets the entry it had. Paths the backup did not save are not touched; a path that cannot
 * be written (a file now stands where its directory was) is reported and the others still come back.
 */
import { type Backup, type FileState, readBlob, treeEntries, writeBackup } from '../git/backup.js'
import { setIndexEntries } from '../git/indexWrites.js'
import type { GitPlace } from '../git/read.js'
import { writeTree } from '../git/staged.js'
import { clearPending, stopPrograms } from './pending.js'
import { readFileState, writeFileState } from './staging.js'

export type Restored = {
  readonly files: readonly string[]
  /** Paths that could not be written, with why. */
  readonly failed: readonly { readonly file: string; readonly reason: string }[]
  /** Where what the paths held before the restore was saved, when anything was. */
  readonly saved: string | undefined
}

export async function restoreBackup(
  where: GitPlace & { readonly commonDir: string },
  backup: Backup,
): Promise<Restored> {
  const [work, index] = await Promise.all([
    treeEntries(where, `${backup.ref}^{tree}`, backup.files),
    treeEntries(where, backup.indexTree, backup.files),
  ])
  // Nothing the stopped hook started may write after this; then what is there now is saved first
  // (its own backup, with no pending marker).
  stopPrograms(where.commonDir, backup.ref)
  const now = new Map(backup.files.map((file) => [file, readFileState(where.root, file)]))
  const indexTree = await writeTree(where)
  const saved =
    indexTree === undefined ? undefined : await writeBackup(where, { indexTree, hook: 'restore', files: now })
  const failed: { file: string; reason: string }[] = []
  const done: string[] = []
  for (const file of backup.files) {
    const entry = work.get(file)
    try {
      let state: FileState = { kind: 'absent' }
      if (entry?.mode === '120000') state = { kind: 'symlink', target: await readBlob(where, entry.oid) }
      else if (entry)
        state = { kind: 'file', bytes: await readBlob(where, entry.oid), executable: entry.mode === '100755' }
      writeFileState(where.root, file, state, backup.modes[file])
      done.push(file)
    } catch (error) {
      failed.push({ file, reason: error instanceof Error ? error.message : String(error) })
    }
  }
  const entries = done.flatMap((file) => {
    const entry = index.get(file)
    return entry ? [{ path: file, mode: entry.mode, oid: entry.oid }] : []
  })
  // Paths the index did not have (new in the work tree only) leave it: mode 0 removes an entry.
  const removed = done
    .filter((file) => !index.has(file))
    .map((file) => ({ path: file, mode: '0', oid: '0'.repeat(backup.indexTree.length) }))
  await setIndexEntries(where, [...entries, ...removed])
  if (failed.length === 0) clearPending(where.commonDir, backup.ref)
  return { files: done, failed, saved: saved?.ref }
}
