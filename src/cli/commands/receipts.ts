/**
 * `gitvan receipts [<rev>] [--json]`: what ran on a commit, from its note on
 * refs/notes/gitvan/results. Per job, the receipt with the latest `at` is the current one
 * (DESIGN 3.3); `--all` also shows the older lines (earlier runs, forced re-runs).
 */
import { GitvanError } from '../../errors.js'
import { readReceipts } from '../../git/notes.js'
import { findRepo } from '../../git/repo.js'
import { git } from '../../git/spawn.js'
import { latestPerJob, type Receipt, toReceiptLine } from '../../receipt.js'
import { readFailure } from '../../spool/log.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'

const USAGE = `Usage: gitvan receipts [<rev>] [--json] [--all]

Shows what gitvan ran on a commit (default HEAD): one line per job, the latest run of each.

Options:
  --json   one JSON object: {"commit": <oid>, "receipts": [<receipt>...]} (DESIGN 3.3 lines)
  --all    every receipt line, not only the latest per job

The receipts are git notes: git notes --ref=gitvan/results show <rev>
`

const byTime = (a: Receipt, b: Receipt): number =>
  a.job < b.job ? -1 : a.job > b.job ? 1 : a.at < b.at ? -1 : a.at > b.at ? 1 : 0

function formatReceipt(receipt: Receipt): string {
  const parts = [
    `  ${receipt.status.padEnd(9)} ${receipt.job.padEnd(20)} ${`${receipt.ms} ms`.padStart(8)}  ${receipt.hook.padEnd(14)} ${receipt.at}`,
  ]
  if (receipt.error)
    parts.push(`      error: ${receipt.error.message}${receipt.error.code ? ` (${receipt.error.code})` : ''}`)
  if (receipt.data !== undefined) parts.push(`      data: ${JSON.stringify(receipt.data)}`)
  for (const output of receipt.outputs)
    parts.push(
      `      output: ${output.path} ${output.ref === '' ? 'in the work tree' : `on ${output.ref}`} (${output.oid.slice(0, 12)})`,
    )
  return parts.join('\n')
}

export const command: Command = {
  name: 'receipts',
  summary: 'what ran on a commit: gitvan receipts [<rev>]',
  usage: USAGE,
  run: async (args, io) => {
    const { values, positionals } = parseCommandArgs('receipts', args, {
      json: { type: 'boolean' },
      all: { type: 'boolean' },
    })
    if (positionals.length > 1) {
      throw new GitvanError(
        'USAGE',
        `receipts: one revision at most, got ${positionals.length}: ${positionals.join(' ')}`,
        { details: ["Run 'gitvan receipts --help' for usage."] },
      )
    }
    const rev = positionals[0] ?? 'HEAD'
    const repo = findRepo(io.cwd)
    readFailure(repo.stateDir, true) // looking at receipts is seeing the failure: the hooks stop announcing it
    const resolved = await git(['rev-parse', '--verify', '-q', '--end-of-options', `${rev}^{commit}`], {
      cwd: repo.root,
    })
    const commit = resolved.stdout.trim()
    if (!resolved.ok || commit === '') {
      throw new GitvanError('USAGE', `receipts: '${rev}' is not a commit in ${repo.root}.`, {
        details: ['Give a commit: an oid, a branch, a tag, HEAD~2...'],
      })
    }
    const all = (await readReceipts(repo, [commit])).get(commit) ?? []
    const shown = values.all ? [...all].sort(byTime) : latestPerJob(all)
    if (values.json) {
      io.stdout(
        `${JSON.stringify({ commit, receipts: shown.map((receipt) => JSON.parse(toReceiptLine(receipt)) as unknown) })}\n`,
      )
      return 0
    }
    if (shown.length === 0) {
      io.stdout(`no receipts on ${commit.slice(0, 12)} (${rev})\n`)
      return 0
    }
    io.stdout(`receipts on ${commit.slice(0, 12)} (${rev}):\n${shown.map(formatReceipt).join('\n')}\n`)
    return 0
  },
}
