/** `gitvan uninstall`: takes away what install added; needs no config. */
import { findRepo } from '../../git/repo.js'
import { describeChange } from '../../install/describe.js'
import { uninstall } from '../../install/install.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { traceTo } from './install.js'

const USAGE = `Usage: gitvan uninstall

Removes the shims gitvan installed and puts back, byte for byte and with their mode, the hooks
that were there before. In a husky repository it takes its lines out of .husky/<hook> (and
deletes the files it created). The config is not read; gitvan's state (cache, receipts) stays.

Environment: GITVAN_DEBUG=1 traces each step.
`

export const command: Command = {
  name: 'uninstall',
  summary: 'remove the shims; restore hooks that were there before',
  usage: USAGE,
  run: async (args, io) => {
    parseCommandArgs('uninstall', args, {}, false)
    const repo = findRepo(io.cwd)
    const trace = traceTo(io)
    const report = uninstall(repo, trace ? { trace } : {})
    for (const change of report.changes) io.stdout(`${describeChange(change, io.cwd)}\n`)
    if (report.changes.length === 0) io.stdout(`gitvan: no gitvan hook found in ${repo.hooksDir}; nothing to remove.\n`)
    else io.stdout('gitvan: uninstalled.\n')
    return 0
  },
}
