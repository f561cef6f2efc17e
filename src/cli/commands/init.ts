/**
 * `gitvan init [--force]`: a starter gitvan.config.mjs, `"prepare": "gitvan install"` in
 * package.json (so every clone installs its hooks on `npm install`), then `gitvan install`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { findConfigFile } from '../../config/load.js'
import { GitvanError } from '../../errors.js'
import { findRepo } from '../../git/repo.js'
import { addPrepare } from '../../install/prepareScript.js'
import { parseCommandArgs } from '../args.js'
import type { Command, Io } from '../command.js'
import { installFromConfig, skippedBy } from './install.js'

const USAGE = `Usage: gitvan init [--force]

Writes a starter gitvan.config.mjs at the top of the repository (one pre-commit gate and one
post-commit job, commented), adds "prepare": "gitvan install" to the scripts of the package.json
there (after an existing prepare script, which still runs first), so that 'npm install' installs
the hooks in every clone, then installs them here, as 'gitvan install' does.
It does nothing when a config already exists.

Options:
  --force   overwrite an existing gitvan.config.mjs

Environment: GITVAN=0 or HUSKY=0 skips init; GITVAN_DEBUG=1 traces the install.
`

export const STARTER_CONFIG = `// gitvan.config.mjs: the jobs gitvan runs from your git hooks.
// After editing it, run 'gitvan install' (a hook also picks up new hooks by itself).
import { defineConfig } from 'gitvan'

export default defineConfig({
  jobs: {
    // A gate: it runs inside pre-commit, and when it fails git refuses the commit. A command is
    // split into arguments (no shell). This one refuses whitespace errors and leftover conflict
    // markers in what is staged. Add \`paths: ['src/**']\` to run a job only when matching files
    // are staged; {files} in \`run\` then expands to them.
    'diff-check': {
      on: 'pre-commit',
      run: 'git diff --cached --check',
    },

    // Automation: it runs after the commit, in the background, batched across rebases.
    // What it returns is recorded in the commit's receipt: see 'gitvan receipts'.
    'commit-stats': {
      on: 'post-commit',
      run: async (ctx) => ({ files: ctx.files.length }),
    },
  },
})
`

export const command: Command = {
  name: 'init',
  summary: 'scaffold gitvan.config.mjs with an example job, then install',
  usage: USAGE,
  run: async (args, io) => {
    const { values } = parseCommandArgs('init', args, { force: { type: 'boolean' } }, false)
    const skip = skippedBy(io.env)
    if (skip !== undefined) {
      io.stdout(`gitvan: ${skip} is set: skipped init.\n`)
      return 0
    }
    const repo = findRepo(io.cwd)
    const target = path.join(repo.root, 'gitvan.config.mjs')
    const existing = findConfigFile(repo.root)
    if (existing !== undefined && !(values.force === true && existing === target)) {
      const name = path.relative(repo.root, existing) || existing
      throw new GitvanError('USAGE', `A gitvan config already exists: ${existing}`, {
        details:
          existing === target
            ? [`Edit it and run 'gitvan install', or run 'gitvan init --force' to replace it with the starter config.`]
            : [
                `Edit ${name} and run 'gitvan install'. 'gitvan init --force' replaces only gitvan.config.mjs: remove ${name} first to start over.`,
              ],
      })
    }
    writeFileSync(target, STARTER_CONFIG)
    io.stdout(`gitvan: wrote ${path.relative(io.cwd, target) || target}\n`)
    addPrepareScript(path.join(repo.root, 'package.json'), io)
    return installFromConfig(io, false)
  },
}

/** Adds `"prepare": "gitvan install"` to package.json, saying what it did; never fails init. */
function addPrepareScript(file: string, io: Io): void {
  const name = path.relative(io.cwd, file) || file
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    io.stdout(
      `gitvan: no package.json at ${path.dirname(file)}: each clone needs 'gitvan install' run by hand (with one, "prepare": "gitvan install" makes npm install do it)\n`,
    )
    return
  }
  const edit = addPrepare(text)
  if (edit.kind === 'invalid') {
    io.stderr(
      `gitvan: did not change ${name}: ${edit.problem}. Fix it, then add "prepare": "gitvan install" to its "scripts" so that npm install installs the hooks.\n`,
    )
    return
  }
  if (edit.kind === 'present') {
    io.stdout(
      `gitvan: ${name} already runs gitvan install on npm install ("prepare": ${JSON.stringify(edit.prepare)})\n`,
    )
    return
  }
  writeFileSync(file, edit.text)
  io.stdout(
    edit.kind === 'added'
      ? `gitvan: added "prepare": "gitvan install" to ${name}, so npm install installs the hooks in every clone\n`
      : `gitvan: ${name}'s prepare script now ends with gitvan install: ${JSON.stringify(edit.after)}\n`,
  )
}
