/** `gitvan install [--force]`: shims for the hooks the config uses. */
import { loadConfig } from '../../config/load.js'
import { findRepo } from '../../git/repo.js'
import { describeChange } from '../../install/describe.js'
import { install } from '../../install/install.js'
import { parseCommandArgs } from '../args.js'
import type { Command, Io } from '../command.js'

const USAGE = `Usage: gitvan install [--force]

Installs a shim in git's hooks directory for each hook that has jobs in gitvan.config.mjs, and
removes the shims of hooks that no longer have any. A hook that was already there is kept as
<hook>.gitvan-chained and runs first; 'gitvan uninstall' puts it back. In a husky 9 repository
(core.hooksPath .husky/_) it adds a 'gitvan hook <hook>' line to .husky/<hook> instead.
Running it again changes nothing.

Options:
  --force   chain the hook in place even when a <hook>.gitvan-chained file that gitvan did not
            make is in the way (it is replaced)

Environment: GITVAN=0 or HUSKY=0 skips the install; GITVAN_DEBUG=1 traces each step.
`

/** The variable that turns gitvan off, if one is set. */
export const skippedBy = (env: NodeJS.ProcessEnv): string | undefined =>
  env.GITVAN === '0' ? 'GITVAN=0' : env.HUSKY === '0' ? 'HUSKY=0' : undefined

export const traceTo = (io: Io): ((line: string) => void) | undefined =>
  io.env.GITVAN_DEBUG === '1' ? (line) => io.stderr(`gitvan: ${line}\n`) : undefined

/** Loads the config, installs, prints one line per hook. Shared with `gitvan init`. */
export async function installFromConfig(io: Io, force: boolean): Promise<number> {
  const repo = findRepo(io.cwd)
  const config = await loadConfig(repo.root)
  const trace = traceTo(io)
  const report = install(repo, config, { force, ...(trace ? { trace } : {}) })
  for (const change of report.changes) io.stdout(`${describeChange(change, io.cwd)}\n`)
  if (report.hooks.length === 0) {
    io.stdout('gitvan: no job in the config runs on a git hook, so no hook is installed.\n')
  } else {
    const where = report.mode === 'husky' ? 'through husky' : `in ${report.hooksDir}`
    io.stdout(
      `gitvan: installed for ${report.hooks.join(', ')} ${where}${report.changed ? '' : ' (nothing changed)'}\n`,
    )
  }
  return 0
}

export const command: Command = {
  name: 'install',
  summary: 'install shims for the hooks the config uses (husky-aware)',
  usage: USAGE,
  run: async (args, io) => {
    const { values } = parseCommandArgs('install', args, { force: { type: 'boolean' } }, false)
    const skip = skippedBy(io.env)
    if (skip !== undefined) {
      io.stdout(`gitvan: ${skip} is set: skipped install.\n`)
      return 0
    }
    return installFromConfig(io, values.force === true)
  },
}
