/**
 * `gitvan install [--force]`: shims for the hooks the config uses.
 *
 * It is meant to run from package.json's `"prepare": "gitvan install"`, which npm runs on every
 * `npm install` and `npm ci` of the project, so it does nothing, says so in one line and exits 0
 * wherever installing hooks would be wrong or impossible, rather than failing the npm install:
 * - `GITVAN=0` or `HUSKY=0`;
 * - `CI` set to anything but '': CI machines run gates with `gitvan run`, not through hooks (a
 *   CI job that does want hooks runs `CI= gitvan install`);
 * - no git repository (a tarball or a Docker build context without .git);
 * - the directory is inside a `node_modules` below the repository's top level: the package whose
 *   prepare script runs is a dependency being installed into another project (a git or local
 *   dependency, or `npm install` run inside node_modules/<pkg>), and the repository found above it
 *   is that other project, whose hooks are not its to set. husky 4 made the same check (INIT_CWD
 *   or its own path inside node_modules); husky 9 checks only that `.git` is in the current
 *   directory, which also refuses monorepo packages that gitvan serves from the repository's
 *   top level.
 */
import { realpathSync } from 'node:fs'
import path from 'node:path'
import { approveConfig, loadConfig } from '../../config/load.js'
import { GitvanError } from '../../errors.js'
import { notesRefspec } from '../../git/remoteNotes.js'
import { findRepo, type Repo } from '../../git/repo.js'
import { git } from '../../git/spawn.js'
import { checkRemote } from '../../git/transport.js'
import { describeChange } from '../../install/describe.js'
import { install } from '../../install/install.js'
import { parseCommandArgs } from '../args.js'
import type { Command, Io } from '../command.js'

const USAGE = `Usage: gitvan install [--force] [--notes-refspec [--remote NAME]]

Installs a shim in git's hooks directory for each hook that has jobs in gitvan.config.mjs, and
removes the shims of hooks that no longer have any. A hook that was already there is kept as
<hook>.gitvan-chained and runs first; 'gitvan uninstall' puts it back. In a husky 9 repository
(core.hooksPath .husky/_) it adds a 'gitvan hook <hook>' line to .husky/<hook> instead.
Running it again changes nothing. Installing approves the config as it is (see 'gitvan trust').

Options:
  --force          chain the hook in place even when a <hook>.gitvan-chained file that gitvan did
                   not make is in the way (it is replaced)
  --notes-refspec  also make a plain 'git fetch' from the remote (--remote, default origin) bring
                   its receipts: adds the fetch refspec
                   +refs/notes/gitvan/*:refs/notes/gitvan-remotes/<remote>/* (the remote's
                   receipts land beside yours, never over them; gitvan run and gitvan sync merge
                   them in). Pushing them is gitvan sync's: a push refspec would change what a
                   plain 'git push' pushes. It is added with CI set too.

It installs nothing (one line, exit 0) outside a git repository, inside a node_modules directory
(a dependency being installed into another project), or when CI is set: it is meant to run from
package.json's "prepare": "gitvan install" ('gitvan init' adds it), on every npm install.

Environment: GITVAN=0 or HUSKY=0 skips the install; CI set (non-empty) skips it, CI= installs
anyway; GITVAN_DEBUG=1 traces each step.
`

/** The variable that turns gitvan off, if one is set. */
export const skippedBy = (env: NodeJS.ProcessEnv): string | undefined =>
  env.GITVAN === '0' ? 'GITVAN=0' : env.HUSKY === '0' ? 'HUSKY=0' : undefined

export const traceTo = (io: Io): ((line: string) => void) | undefined =>
  io.env.GITVAN_DEBUG === '1' ? (line) => io.stderr(`gitvan: ${line}\n`) : undefined

/**
 * Where `gitvan install` must do nothing: the repository to install in, or the one line saying
 * why not (see the header).
 */
export function installTarget(io: Io): { readonly repo: Repo } | { readonly skip: string } {
  const off = skippedBy(io.env)
  if (off !== undefined) return { skip: `gitvan: ${off} is set: skipped install.` }
  if (io.env.CI)
    return {
      skip: `gitvan: CI is set (CI=${io.env.CI}): skipped install: CI machines need no git hooks (to install them here anyway: CI= gitvan install).`,
    }
  let repo: Repo
  try {
    repo = findRepo(io.cwd)
  } catch (error) {
    if (error instanceof GitvanError && error.code === 'NOT_A_REPO')
      return { skip: `gitvan: ${io.cwd} is not in a git repository: skipped install.` }
    throw error
  }
  // git reports the top level with symbolic links resolved; the cwd must be compared alike.
  const below = path.relative(repo.root, realpathSync(io.cwd)).split(path.sep)
  if (below.includes('node_modules'))
    return {
      skip: `gitvan: ${io.cwd} is inside node_modules, so this is a dependency being installed into the project at ${repo.root}, not that project: skipped install.`,
    }
  return { repo }
}

/** Adds the receipts' fetch refspec to the remote, once. */
async function addNotesRefspec(io: Io, remote: string): Promise<void> {
  const repo = findRepo(io.cwd)
  await checkRemote(repo, remote)
  const refspec = notesRefspec(remote)
  const key = `remote.${remote}.fetch`
  const have = await git(['config', '--get-all', key], { cwd: repo.root })
  if (have.stdout.split('\n').includes(refspec)) {
    io.stdout(`gitvan: git fetch ${remote} already brings its receipts (${refspec})\n`)
    return
  }
  const added = await git(['config', '--add', key, refspec], { cwd: repo.root })
  if (!added.ok)
    throw new GitvanError('GIT_FAILED', `install: could not add ${refspec} to ${key}: ${added.stderr.trim()}`)
  io.stdout(
    `gitvan: git fetch ${remote} now brings its receipts too (${key} += ${refspec}); gitvan sync ${remote} pushes yours\n`,
  )
}

/** Loads the config, installs, prints one line per hook. Shared with `gitvan init`. */
export async function installFromConfig(io: Io, force: boolean): Promise<number> {
  const target = installTarget(io)
  if ('skip' in target) {
    io.stdout(`${target.skip}
`)
    return 0
  }
  const { repo } = target
  // Installing approves the config as it is now (DESIGN 5): a hook later runs this one only.
  const config = await loadConfig(repo.root, { stateDir: repo.stateDir, trust: 'record' })
  const trace = traceTo(io)
  const report = install(repo, config, { force, ...(trace ? { trace } : {}) })
  approveConfig(repo.stateDir, config)
  for (const change of report.changes) io.stdout(`${describeChange(change, io.cwd)}\n`)
  if (report.hooks.length === 0) {
    io.stdout('gitvan: no job in the config runs on a git hook, so no hook is installed.\n')
  } else {
    const where = report.mode === 'husky' ? 'through husky' : `in ${report.hooksDir}`
    io.stdout(
      `gitvan: installed for ${report.hooks.join(', ')} ${where}${report.changed ? '' : ' (nothing changed)'}\n`,
    )
    const shared = sharedHooksDir(repo, report.hooksDir)
    if (report.mode === 'hooks' && shared !== undefined) io.stdout(shared)
  }
  return 0
}

const inside = (dir: string, parent: string): boolean => {
  const relative = path.relative(parent, dir)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/**
 * core.hooksPath outside the repository (a global hooks directory): what the shims will do there.
 * Each shim finds the repository git runs it in, so they serve every repository using that
 * directory, each with its own events, receipts and config.
 */
function sharedHooksDir(repo: Repo, hooksDir: string): string | undefined {
  const real = (dir: string): string => {
    try {
      return realpathSync(dir)
    } catch {
      return dir
    }
  }
  const dir = real(hooksDir)
  if (inside(dir, real(repo.root)) || inside(dir, real(repo.commonDir))) return undefined
  return `gitvan: core.hooksPath is ${hooksDir}, outside this repository, so git runs these shims in every repository that uses that directory.
  Each shim works on the repository git runs it in: its events, cache and receipts stay that repository's own.
  A repository where gitvan is not installed is left alone, unless it has a gitvan config: then its blocking hooks refuse until 'gitvan install' there.
  Hooks only another repository's config uses run nothing here. 'gitvan uninstall' in any of them removes the shims it installed, for all of them.
`
}

export const command: Command = {
  name: 'install',
  summary: 'install shims for the hooks the config uses (husky-aware)',
  usage: USAGE,
  run: async (args, io) => {
    const { values } = parseCommandArgs(
      'install',
      args,
      { force: { type: 'boolean' }, 'notes-refspec': { type: 'boolean' }, remote: { type: 'string' } },
      false,
    )
    if (values.remote !== undefined && !values['notes-refspec'])
      throw new GitvanError('USAGE', 'install: --remote goes with --notes-refspec', {
        details: ["Run 'gitvan install --help' for usage."],
      })
    if (values['notes-refspec']) await addNotesRefspec(io, values.remote ?? 'origin')
    return installFromConfig(io, values.force === true)
  },
}
