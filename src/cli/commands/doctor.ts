/**
 * `gitvan doctor`: checks what gitvan needs (git, node, a repository, a valid config, the shims)
 * and shows what would run on which hook. Read-only. Exits 0 when every check passes, 2 when one
 * fails; warnings (gitvan not installed yet, a stale install) say what to do and do not fail.
 */

import { existsSync } from 'node:fs'
import path from 'node:path'
import { configFilesNow, loadConfig } from '../../config/load.js'
import { matchTrust, trustChanges } from '../../config/trust.js'
import { GitvanError } from '../../errors.js'
import { CACHED_HOOKS } from '../../gate/cache.js'
import { findRepo, type Repo } from '../../git/repo.js'
import { gitSync } from '../../git/spawn.js'
import { isAsyncHook, RUNNABLE_HOOKS } from '../../hooks.js'
import { isHuskyHooksDir } from '../../install/husky.js'
import { hooksOf, installState } from '../../install/install.js'
import { readRecord } from '../../install/record.js'
import { spoolDepth } from '../../spool/depth.js'
import { isAlive, readLock } from '../../spool/lock.js'
import type { Config, Job } from '../../types.js'
import { parseCommandArgs } from '../args.js'
import type { Command, Io } from '../command.js'

/** `update-ref --stdin` transactions (start/prepare/commit) arrived in git 2.28. */
const MIN_GIT: readonly [number, number] = [2, 28]
const MIN_NODE = 20

type Mark = 'ok' | 'warn' | 'FAIL'

export const command: Command = {
  name: 'doctor',
  summary: 'check git, node, install state and config',
  usage: `Usage: gitvan doctor

Checks git and node versions, the repository, the config, and the installed shims, then lists
what would run on which hook. Exits 0 when every check passes, 2 when one fails.
`,
  run: async (args, io) => {
    parseCommandArgs('doctor', args, {}, false)
    let failed = false
    const line = (mark: Mark, text: string, details: readonly string[] = []) => {
      if (mark === 'FAIL') failed = true
      io.stdout(`${mark.padEnd(4)}  ${text}\n${details.map((d) => `      ${d}\n`).join('')}`)
    }

    checkGit(io, line)
    const node = Number(process.versions.node.split('.')[0])
    line(
      node >= MIN_NODE ? 'ok' : 'FAIL',
      `node ${process.version} at ${process.execPath}${node >= MIN_NODE ? '' : ` (gitvan needs node ${MIN_NODE} or later)`}`,
    )

    let repo: Repo
    try {
      repo = findRepo(io.cwd)
    } catch (error) {
      if (!(error instanceof GitvanError)) throw error
      line('FAIL', error.message, error.details)
      return 2
    }
    line('ok', `repository ${repo.root}`, [`hooks run from ${repo.hooksDir}`, `state in ${repo.stateDir}`])
    checkHooksPath(repo, line)

    let config: Config | undefined
    let timedOut = false
    try {
      config = await loadConfig(repo.root)
      line('ok', `config ${config.file}: ${config.jobs.length} job${config.jobs.length === 1 ? '' : 's'}`)
    } catch (error) {
      if (!(error instanceof GitvanError)) throw error
      line('FAIL', error.message, error.details)
      timedOut = error.code === 'CONFIG_TIMEOUT'
    }

    checkInstall(repo, config, line)
    checkTrust(repo, line)
    if (config) showHooks(config, io)
    showRunner(repo, io)
    // A config that never finished loading may hold node open with its own timers.
    if (timedOut) process.exit(2)
    return failed ? 2 : 0
  },
}

type Line = (mark: Mark, text: string, details?: readonly string[]) => void

/** Where gitvan is installed: whether hooks will run the config as it is (trust, DESIGN 5). */
function checkTrust(repo: Repo, line: Line): void {
  const record = readRecord(repo.stateDir)
  if (record === undefined) return
  let now: ReturnType<typeof configFilesNow>
  try {
    now = configFilesNow(repo.root, repo.stateDir, record.config)
  } catch {
    return // the config itself is reported above
  }
  const newest = now.record?.versions[0]
  if (newest === undefined) {
    line('FAIL', 'no config was approved in this clone, so hooks run nothing and refuse', [
      "run 'gitvan trust' to approve the config as it is",
    ])
  } else if (matchTrust(now.record, now.files) === undefined) {
    line('FAIL', 'the config changed since it was approved, so hooks run nothing from it and refuse', [
      ...trustChanges(newest, now.files()),
      "run 'gitvan trust --show' to see the changes, 'gitvan trust' to approve them",
    ])
  } else {
    line('ok', 'the config is approved (gitvan trust): hooks run it')
  }
}

function checkGit(io: Io, line: Line): void {
  const result = gitSync(['--version'], { cwd: io.cwd })
  const match = /(\d+)\.(\d+)/.exec(result.stdout)
  if (!result.ok || !match) {
    line('FAIL', 'git: could not run `git --version`', [result.stderr.trim() || 'Install git and put it on PATH.'])
    return
  }
  const [major, minor] = [Number(match[1]), Number(match[2])]
  const recent = major > MIN_GIT[0] || (major === MIN_GIT[0] && minor >= MIN_GIT[1])
  line(
    recent ? 'ok' : 'FAIL',
    `${result.stdout.trim()}${recent ? '' : ` (gitvan needs git ${MIN_GIT.join('.')} or later)`}`,
  )
}

/** A core.hooksPath that names a directory that is not there: git then runs no hook at all. */
function checkHooksPath(repo: Repo, line: Line): void {
  // The default <git-common-dir>/hooks may be missing: install creates it. (gitvan's own git calls
  // set core.hooksPath themselves, so the setting is told by where git says hooks are.)
  if (existsSync(repo.hooksDir) || repo.hooksDir === path.join(repo.commonDir, 'hooks')) return
  const husky = isHuskyHooksDir(repo.hooksDir)
  const shown = path.relative(repo.root, repo.hooksDir).split(path.sep).join('/')
  line('FAIL', `core.hooksPath is ${shown}, but ${repo.hooksDir} does not exist: git runs no hook`, [
    ...(husky ? ['husky was removed, or it was never set up in this clone.'] : []),
    `Without it: run 'git config --unset core.hooksPath', then 'gitvan install' (the shims go into .git/hooks).`,
    husky
      ? "With husky: run 'npx husky' (or 'npm install', whose prepare script runs it), then 'gitvan install'."
      : `Or create ${repo.hooksDir}, then run 'gitvan install'.`,
  ])
}

function checkInstall(repo: Repo, config: Config | undefined, line: Line): void {
  const state = installState(repo, config)
  if (!state) {
    line('warn', "gitvan is not installed in this repository: run 'gitvan install'")
    return
  }
  const where = state.mode === 'husky' ? `husky lines in ${state.hooksDir}/..` : `shims in ${state.hooksDir}`
  line(state.problems.length ? 'warn' : 'ok', `installed (${where}) for ${state.hooks.join(', ') || 'no hooks'}`, [
    ...state.problems,
    ...(state.chained.length ? [`chained hooks that run first: ${state.chained.join(', ')}`] : []),
  ])
  if (!config) return
  const wanted = hooksOf(config)
  const missing = wanted.filter((hook) => !state.hooks.includes(hook))
  const extra = state.hooks.filter((hook) => !wanted.includes(hook))
  if (missing.length || extra.length) {
    line(
      'warn',
      "the config's hooks differ from the installed ones: run 'gitvan install' (the next hook run also does)",
      [
        ...(missing.length ? [`not installed yet: ${missing.join(', ')}`] : []),
        ...(extra.length ? [`installed but without jobs: ${extra.join(', ')}`] : []),
      ],
    )
  }
}

function showHooks(config: Config, io: Io): void {
  io.stdout('\nWhat runs on which hook (higher priority first):\n')
  const hooks = RUNNABLE_HOOKS.filter((hook) => config.jobs.some((job) => job.on.hooks.includes(hook)))
  if (hooks.length === 0) io.stdout('  nothing: the config has no jobs\n')
  for (const hook of hooks) {
    const jobs = config.jobs.filter((job) => job.on.hooks.includes(hook)).sort((a, b) => b.priority - a.priority)
    io.stdout(
      `  ${hook} (${isAsyncHook(hook) ? 'async: runs in the background runner' : 'blocking: may refuse the operation'})\n`,
    )
    for (const job of jobs) io.stdout(`    ${job.id}${describeJob(job)}, ${cacheOf(config, job, hook)}\n`)
  }
}

function describeJob(job: Job): string {
  const parts: string[] = []
  const run =
    job.run === undefined
      ? `template ${job.templates.join(', ')}`
      : typeof job.run === 'string'
        ? `\`${job.run}\``
        : 'function'
  parts.push(run)
  if (job.on.paths.length) parts.push(`paths ${job.on.paths.join(' ')}`)
  if (job.on.branch.length) parts.push(`branch ${job.on.branch.join(' ')}`)
  if (job.on.tag.length) parts.push(`tag ${job.on.tag.join(' ')}`)
  if (job.on.message) parts.push(`message ${String(job.on.message)}`)
  if (job.on.author) parts.push(`author ${String(job.on.author)}`)
  if (job.mode !== 'each') parts.push(`mode ${job.mode}`)
  if (job.priority !== 0) parts.push(`priority ${job.priority}`)
  if (job.description) parts.push(`(${job.description})`)
  return `: ${parts.join(', ')}`
}

/** Whether the job's results on `hook` come from the disk cache, and keyed by what. */
function cacheOf(config: Config, job: Job, hook: string): string {
  if (!config.cache.enabled) return 'not cached (cache.enabled is false)'
  if (job.cache === false) return 'not cached (cache: false)'
  if (!isAsyncHook(hook))
    return CACHED_HOOKS.includes(hook) ? 'cached by the staged content' : `not cached (${hook} gates always run)`
  return job.cache.by === 'commit' || job.templates.length > 0
    ? 'cached by commit'
    : 'cached by what it sees (rewording re-runs nothing)'
}

function showRunner(repo: Repo, io: Io): void {
  const owner = readLock(repo.stateDir)
  const depth = spoolDepth(repo.stateDir)
  const runner = owner && isAlive(owner) ? `running (pid ${owner.pid})` : 'not running'
  io.stdout(
    `\nRunner: ${runner}; spool: ${depth.waiting} waiting, ${depth.claimed} claimed, ${depth.bad} set aside as malformed\n`,
  )
}
