/**
 * `gitvan restore [--list] [<backup>]`: brings back the work tree and index that partial staging
 * saved before it touched them (refs/gitvan/backup/*), the latest one unless another is named.
 */
import { GitvanError } from '../../errors.js'
import { restoreBackup } from '../../gate/restore.js'
import { unfinishedBackups } from '../../gate/staging.js'
import { BACKUP_PREFIX, listBackups } from '../../git/backup.js'
import { findRepo } from '../../git/repo.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'

const USAGE = `Usage: gitvan restore [--list] [<backup>]

Before gates run on partially staged files, or before a fix gate runs, gitvan saves the index and
the work tree of the files it will touch as commits on refs/gitvan/backup/<time>. If a commit was
killed while its gates ran, this puts them back: the newest backup of a hook that did not finish
(else the newest backup), or the one named (its ref, or the part after refs/gitvan/backup/). Only
the saved paths are touched. Backups are kept a week.

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
  summary: 'bring back work tree and index saved before fix gates ran',
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
    // By default the newest backup of a hook that was stopped before it finished, else the newest.
    const unfinished = new Set(unfinishedBackups(repo.commonDir).map((u) => u.ref))
    const backup =
      wanted === undefined
        ? (backups.find((b) => unfinished.has(b.ref)) ?? backups[0])
        : backups.find((b) => b.ref === wanted || b.ref === `${BACKUP_PREFIX}${wanted}`)
    if (!backup)
      throw new GitvanError(
        'USAGE',
        wanted === undefined ? 'restore: there is no backup to restore.' : `restore: no backup '${wanted}'.`,
        { details: ["Run 'gitvan restore --list' to see the backups (they are kept a week)."] },
      )
    const { files } = await restoreBackup(repo, backup)
    io.stdout(`Restored ${files.length} file(s) from ${backup.ref} (${when(backup.time)}): ${files.join(', ')}\n`)
    return 0
  },
}
