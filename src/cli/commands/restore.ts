/**
 * `gitvan restore [--list] [<backup>]`: brings back the work tree and index that partial staging
 * saved before it touched them (refs/gitvan/backup/*), the latest one unless another is named.
 */
import { GitvanError } from '../../errors.js'
import { unfinishedBackups } from '../../gate/pending.js'
import { restoreBackup } from '../../gate/restore.js'
import { BACKUP_PREFIX, type Backup, listBackups } from '../../git/backup.js'
import { findRepo } from '../../git/repo.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'

const USAGE = `Usage: gitvan restore [--list] [<backup>]

Before gates run on partially staged files, or before a fix gate runs, gitvan saves the index and
the work tree of the files it will touch as commits on refs/gitvan/backup/<time>. If a commit was
killed while its gates ran, this puts them back: with no name, what the oldest stopped hook of this
work tree saved, else this work tree's latest backup; or the backup named (its ref, or the part
after refs/gitvan/backup/). Only the saved paths are touched, and what they hold before is itself
saved as a backup first, so a restore loses nothing either. Backups are kept a week.

Options:
  --list   list the backups, newest first, with their files
`

const when = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')

export const command: Command = {
  name: 'restore',
  summary: 'bring back work tree and index saved before gates changed them (fix gates, partial staging)',
  usage: USAGE,
  run: async (args, io) => {
    const { values, positionals } = parseCommandArgs('restore', args, { list: { type: 'boolean' } })
    if (positionals.length > 1)
      throw new GitvanError('USAGE', `restore: expected at most one backup, got ${positionals.length}.`, {
        details: ["Run 'gitvan restore --list' to see them."],
      })
    const repo = findRepo(io.cwd)
    const backups = await listBackups(repo)
    if (values.list) {
      if (backups.length === 0) io.stdout('No backups.\n')
      for (const backup of backups)
        io.stdout(
          `${backup.ref.slice(BACKUP_PREFIX.length)}  ${when(backup.time)}  ${backup.hook}  ${backup.files.length} file(s): ${backup.files.join(', ')}\n`,
        )
      return 0
    }
    const wanted = positionals[0]
    const mine = backups.filter((b) => b.root === '' || b.root === repo.root)
    let backup: Backup | undefined
    if (wanted === undefined) {
      // Without a name: what a stopped hook left, the oldest of this work tree's (it holds what was
      // there before the first stopped hook hid anything); else this work tree's newest backup.
      // Either way, what the files hold now is saved first.
      const unfinished = unfinishedBackups(repo.commonDir, repo.root).map((u) => u.ref)
      backup =
        unfinished.map((ref) => mine.find((b) => b.ref === ref)).find((b) => b !== undefined) ??
        mine.find((b) => b.hook !== 'restore')
      if (!backup)
        throw new GitvanError('USAGE', `restore: there is no backup of this work tree (${repo.root}) to put back.`, {
          details: ["'gitvan restore --list' shows every backup; they are kept a week."],
        })
    } else {
      backup = backups.find((b) => b.ref === wanted || b.ref === `${BACKUP_PREFIX}${wanted}`)
      if (!backup)
        throw new GitvanError('USAGE', `restore: no backup '${wanted}'.`, {
          details: ["Run 'gitvan restore --list' to see the backups (they are kept a week)."],
        })
      if (backup.root !== '' && backup.root !== repo.root)
        throw new GitvanError('USAGE', `restore: ${backup.ref} was taken in another work tree, ${backup.root}.`, {
          details: [`Run 'gitvan restore' there: it only ever puts files back where they were saved.`],
        })
    }
    const { files, failed, saved } = await restoreBackup(repo, backup)
    io.stdout(`Restored ${files.length} file(s) from ${backup.ref} (${when(backup.time)}): ${files.join(', ')}\n`)
    if (saved)
      io.stdout(
        `What those files held before is saved on ${saved} ('gitvan restore ${saved.slice(BACKUP_PREFIX.length)}' puts it back).\n`,
      )
    if (failed.length > 0) {
      for (const f of failed) io.stderr(`gitvan: restore: could not write ${f.file}: ${f.reason}\n`)
      io.stderr(`gitvan: restore: ${failed.length} file(s) not restored; the backup stays on ${backup.ref}.\n`)
      return 1
    }
    return 0
  },
}
