/** `gitvan log [-n N | --all]`: the runner's log (`<git-common-dir>/gitvan/runner.log`). */
import { readFileSync } from 'node:fs'
import { GitvanError } from '../../errors.js'
import { findRepo } from '../../git/repo.js'
import { logFile } from '../../spool/log.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'

const USAGE = `Usage: gitvan log [-n <lines> | --all]

Prints the end of the async runner's log: batches, failed jobs with their output, malformed
events, lock take-overs. GITVAN_DEBUG=1 in the environment of git makes the runner log every run.

Options:
  -n, --lines <n>   how many lines from the end (default 50)
  --all             the whole log, the rotated part first
`

const read = (file: string): string => {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

export const command: Command = {
  name: 'log',
  summary: "show the runner's log",
  usage: USAGE,
  run: async (args, io) => {
    const { values } = parseCommandArgs(
      'log',
      args,
      { lines: { type: 'string', short: 'n' }, all: { type: 'boolean' } },
      false,
    )
    const count = values.lines === undefined ? 50 : Number(values.lines)
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new GitvanError('USAGE', `log: --lines expects a whole number, got '${values.lines}'.`, {
        details: ["Run 'gitvan log --help' for usage."],
      })
    }
    const repo = findRepo(io.cwd)
    const file = logFile(repo.stateDir)
    const text = values.all ? read(`${file}.1`) + read(file) : read(file)
    if (text === '') {
      io.stderr(`gitvan: the runner has not logged anything yet (${file}).\n`)
      return 0
    }
    const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n')
    io.stdout(`${(values.all ? lines : count === 0 ? [] : lines.slice(-count)).join('\n')}\n`)
    return 0
  },
}
