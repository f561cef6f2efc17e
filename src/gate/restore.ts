/**
 * `gitvan restore`: puts a backup written by partial staging back, by hand (after a crash, or to
 * undo what a fix gate did). For each path the backup saved: the work tree gets the saved bytes,
 * mode or symlink (or loses the file, where it was absent), and the index gets the entry it had.
 * Paths the backup did not save are not touched.
 */
import { type Backup, type FileState, readBlob, treeEntries } from '../git/backup.js'
import type { GitPlace } from '../git/read.js'
import { setIndexEntries } from '../git/worktree.js'
import { clearPending, writeFileState } from './staging.js'

export async function restoreBackup(
  where: GitPlace & { readonly commonDir: string },
  backup: Backup,
): Promise<{ readonly files: readonly string[] }> {
  const [work, index] = await Promise.all([
    treeEntries(where, `${backup.ref}^{tree}`, backup.files),
    treeEntries(where, backup.indexTree, backup.files),
  ])
  for (const file of backup.files) {
    const entry = work.get(file)
    let state: FileState = { kind: 'absent' }
    if (entry?.mode === '120000') state = { kind: 'symlink', target: await readBlob(where, entry.oid) }
    else if (entry)
      state = { kind: 'file', bytes: await readBlob(where, entry.oid), executable: entry.mode === '100755' }
    writeFileState(where.root, file, state)
  }
  const entries = backup.files.flatMap((file) => {
    const entry = index.get(file)
    return entry ? [{ path: file, mode: entry.mode, oid: entry.oid }] : []
  })
  // Paths the index did not have (new in the work tree only) leave it: mode 0 removes an entry.
  const removed = backup.files
    .filter((file) => !index.has(file))
    .map((file) => ({ path: file, mode: '0', oid: '0'.repeat(backup.indexTree.length) }))
  await setIndexEntries(where, [...entries, ...removed])
  clearPending(where.commonDir, backup.ref)
  return { files: backup.files }
}
