/**
 * `gitvan trust [--show]`: approve the config as it is now, so hooks and the runner run it
 * (DESIGN 5); `--show` prints what changed since the approved version and changes nothing.
 *
 * Approving loads the config (it is the user's own request to run it), so only a config that
 * loads and validates can be approved. Afterwards the shims the config needs are added, and a
 * runner starts for the events that waited in the spool.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { approveConfig, configFilesNow, loadConfig } from '../../config/load.js'
import { type CurrentFile, matchTrust, type TrustVersion, trustChanges } from '../../config/trust.js'
import { GitvanError } from '../../errors.js'
import { findRepo, type Repo } from '../../git/repo.js'
import { git } from '../../git/spawn.js'
import { readRecord } from '../../install/record.js'
import { parseCommandArgs } from '../args.js'
import type { Command, Io } from '../command.js'

const USAGE = `Usage: gitvan trust [--show]

The config is code: hooks and the background runner run it only as it was when you last ran
'gitvan install' or 'gitvan trust' in this clone. What is approved: the config file (or
package.json's "gitvan" key), every file under jobs/, and every file of the repository the config
imports (node_modules aside). When any of them changes (a pull, a branch switch), blocking hooks
refuse and name what changed, and async events wait in the spool, until you approve it here.
With CI set, and in 'gitvan run', the checked-out config runs.

  gitvan trust          load the config as it is now and approve it; add the hooks it needs
  gitvan trust --show   print what changed since the approved version (a diff); changes nothing

The approved files are kept in <git-common-dir>/gitvan/trust.
`

export const command: Command = {
  name: 'trust',
  summary: 'approve the current config (hooks run only an approved config)',
  usage: USAGE,
  run: async (args, io) => {
    const { values } = parseCommandArgs('trust', args, { show: { type: 'boolean' } }, false)
    const repo = findRepo(io.cwd)
    return values.show ? show(repo, io) : approve(repo, io)
  },
}

async function approve(repo: Repo, io: Io): Promise<number> {
  const config = await loadConfig(repo.root, { stateDir: repo.stateDir, trust: 'record' })
  const { version, already } = approveConfig(repo.stateDir, config)
  const names = version.files.filter((file) => file.sha256 !== null).map((file) => file.path)
  io.stdout(`gitvan: ${already ? 'already approved' : 'approved'}: ${names.join(', ')}\n`)
  if (readRecord(repo.stateDir) === undefined) {
    io.stdout("gitvan: gitvan is not installed in this clone: run 'gitvan install' for its hooks.\n")
  } else {
    const { ensureInstalled } = await import('../../install/install.js')
    const report = ensureInstalled(repo, config)
    if (report?.changed) {
      const { describeChange } = await import('../../install/describe.js')
      for (const change of report.changes)
        if (change.kind !== 'unchanged' && change.kind !== 'husky-present')
          io.stdout(`${describeChange(change, io.cwd)}\n`)
    }
  }
  // Events that waited for this approval: a runner takes them now (CI has no detached runner).
  if (!io.env.CI) {
    const { spoolDepth } = await import('../../spool/depth.js')
    if (spoolDepth(repo.stateDir).waiting > 0) {
      const { ensureRunner } = await import('../../runner/start.js')
      await ensureRunner(repo, io.env)
      io.stdout('gitvan: the runner takes the events that waited in the spool.\n')
    }
  }
  return 0
}

/** A path the record or the repository gives, safe to recreate under a scratch directory. */
const safePath = (name: string): boolean =>
  name !== '' &&
  !path.isAbsolute(name) &&
  !name.split('/').some((part) => part === '..' || part === '' || part === '.git')

async function show(repo: Repo, io: Io): Promise<number> {
  const { record, files } = configFilesNow(repo.root, repo.stateDir, readRecord(repo.stateDir)?.config)
  const newest = record?.versions[0]
  if (newest === undefined) {
    const present = files()
      .filter((file) => file.bytes !== undefined)
      .map((file) => file.path)
    io.stdout(
      `gitvan: no config was approved in this clone yet; 'gitvan trust' approves ${present.length > 0 ? present.join(', ') : 'nothing (there is no config)'}.\n`,
    )
    return 0
  }
  const match = matchTrust(record, files)
  if (match === newest) {
    io.stdout('gitvan: the config is as it was approved.\n')
    return 0
  }
  if (match !== undefined) {
    io.stdout('gitvan: the config is a version approved before (not the newest), so hooks run it. Since the newest:\n')
  } else {
    io.stdout('gitvan: the config changed since it was approved, so hooks run nothing from it:\n')
  }
  const now = files()
  io.stdout(
    trustChanges(newest, now)
      .map((line) => `  ${line}\n`)
      .join(''),
  )
  io.stdout(await diff(newest, now))
  if (match === undefined) io.stdout("gitvan: run 'gitvan trust' to approve it as it is now.\n")
  return 0
}

/** `git diff --no-index` of the approved files against the current ones, in a scratch directory. */
async function diff(record: TrustVersion, files: readonly CurrentFile[]): Promise<string> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'gitvan-trust-'))
  const notes: string[] = []
  try {
    const put = (side: string, name: string, bytes: Buffer) => {
      const file = path.join(scratch, side, ...name.split('/'))
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, bytes)
    }
    mkdirSync(path.join(scratch, 'approved'))
    mkdirSync(path.join(scratch, 'current'))
    const now = new Map(files.map((file) => [file.path, file.bytes]))
    for (const file of record.files) {
      if (!safePath(file.path) || file.sha256 === null) continue
      if (file.content !== undefined) put('approved', file.path, Buffer.from(file.content, 'base64'))
      else if (now.get(file.path) !== undefined) notes.push(`${file.path}: too large to keep; shown whole as new`)
    }
    for (const file of files) if (file.bytes !== undefined && safePath(file.path)) put('current', file.path, file.bytes)
    const result = await git(['diff', '--no-index', '--no-color', '--no-prefix', '--', 'approved', 'current'], {
      cwd: scratch,
    })
    if (!result.ok && result.code !== 1)
      throw new GitvanError('GIT_FAILED', `could not show the changes: ${result.stderr.trim()}`)
    return `${result.stdout}${notes.map((line) => `gitvan: ${line}\n`).join('')}`
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}
