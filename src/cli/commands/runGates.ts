/**
 * `gitvan run --hook <blocking hook> <A..B>|--all-files`: a blocking hook's gates in CI, once, on
 * the checked-out tree (DESIGN 3.4), through the hook's own path (gate/gates.ts: selection by
 * `paths`, `{files}` chunked, priorities and `after`, the gate cache):
 *
 *   pre-commit, pre-merge-commit, pre-push: over the files `git diff --name-only A...B` lists that
 *     B still has (a deleted file is never handed to a gate), or every tracked file with
 *     `--all-files`. B must be the checked-out commit. Every gate runs, whatever fails, so CI shows
 *     every failure; fix gates only say what they would change (gate/fixPreview.ts).
 *   commit-msg: each commit of the range (`git rev-list A..B`) has its message checked by the
 *     commit-msg gates, as `git commit` would have.
 *   other blocking hooks: a usage error (their input is an operation in progress, not a range).
 *
 * Receipts: one per gate run, on B (on each commit for commit-msg), with `hook` set, written only
 * when the checkout is clean (a gate that saw uncommitted changes says nothing about B); the gate
 * cache is used on a clean checkout only. Exit 0 all passed, 1 a gate failed, 2 usage or config.
 */
import { lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { loadConfig } from '../../config/load.js'
import { GitvanError } from '../../errors.js'
import { checkoutFacts } from '../../gate/checkoutFacts.js'
import type { Checkout, GateRequest } from '../../gate/facts.js'
import { startFixPreview } from '../../gate/fixPreview.js'
import { type GateVerdict, jobsFor, runGates } from '../../gate/gates.js'
import { describeCommits } from '../../git/history.js'
import { publishReceipts } from '../../git/notes.js'
import { rangeFiles, trackedFiles } from '../../git/rangeFiles.js'
import { tryGit } from '../../git/read.js'
import { findRepo, type Repo } from '../../git/repo.js'
import type { BlockingHook } from '../../hooks.js'
import type { JobResult } from '../../job/result.js'
import { branchOf } from '../../names.js'
import { RECEIPT_SCHEMA, type Receipt } from '../../receipt.js'
import { formatProgress, useColor } from '../../report/progress.js'
import { emptyTally, recordResult, type Tally } from '../../report/run.js'
import { runnerName } from '../../schedule/execute.js'
import type { Config, Job } from '../../types.js'
import type { Io } from '../command.js'
import { printReport, type Reporter } from '../report.js'

export type GatesRequest = {
  readonly gates: true
  readonly hook: BlockingHook
  readonly range: string | undefined
  readonly allFiles: boolean
  readonly jobIds: readonly string[]
  readonly noCache: boolean
  readonly concurrency: number | undefined
  readonly reporter: Reporter
}

/** Hooks whose gates take files, and so run over a range's files or every tracked file. */
const FILE_HOOKS: readonly string[] = ['pre-commit', 'pre-merge-commit', 'pre-push']

const usage = (message: string, hint = "Run 'gitvan run --help' for usage.") =>
  new GitvanError('USAGE', `run: ${message}`, { details: [hint] })

/** `A..B`, `A...B` or `A..` (B is HEAD) → the two ends as given. */
function splitRange(range: string): { readonly base: string; readonly tip: string } {
  const at = range.indexOf('..')
  if (at <= 0 || range.startsWith('-'))
    throw usage(
      `'${range}' is not a range: gates in CI take A..B (the files B changed since it left A)`,
      "For example 'origin/main..HEAD'; or --all-files for every tracked file.",
    )
  const tip = range.slice(range.startsWith('.', at + 2) ? at + 3 : at + 2) || 'HEAD'
  return { base: range.slice(0, at), tip }
}

async function resolveCommit(repo: Repo, rev: string, range: string): Promise<string> {
  const oid = (await tryGit(repo, ['rev-parse', '-q', '--verify', '--end-of-options', `${rev}^{commit}`]))?.trim()
  if (!oid)
    throw new GitvanError('USAGE', `'${rev}' (in '${range}') does not name a commit in ${repo.root}.`, {
      details: [
        'In a CI checkout, fetch it first: actions/checkout with fetch-depth: 0, or git fetch origin <branch>.',
      ],
    })
  return oid
}

/** Whether the index and work tree hold exactly HEAD's tracked content (after refreshing stat info). */
async function isClean(repo: Repo): Promise<boolean> {
  await tryGit(repo, ['update-index', '-q', '--refresh'])
  return (await tryGit(repo, ['diff-index', '--name-only', '-z', 'HEAD', '--'])) === ''
}

/** Paths present in the work tree as a file or symlink: never a deleted file, a directory or a submodule. */
const present = (root: string, files: readonly string[]): string[] =>
  files.filter((file) => {
    try {
      const st = lstatSync(path.join(root, file))
      return st.isFile() || st.isSymbolicLink()
    } catch {
      return false
    }
  })

function selectJobs(config: Config, request: GatesRequest): readonly Job[] {
  const gates = jobsFor(config, request.hook)
  for (const id of request.jobIds) {
    const job = config.jobs.find((j) => j.id === id)
    if (!job)
      throw usage(`no job '${id}' in ${config.file}`, `Jobs: ${config.jobs.map((j) => j.id).join(', ') || '(none)'}.`)
    if (!gates.includes(job))
      throw usage(`job '${id}' does not run on ${request.hook}`, `It runs on ${job.on.hooks.join(', ')}.`)
  }
  return request.jobIds.length > 0 ? gates.filter((job) => request.jobIds.includes(job.id)) : gates
}

/** One verdict's gates, counted into the tally; the receipts they earn on `commit`. */
function tallyVerdict(
  tally: Tally,
  verdict: GateVerdict,
  commit: string,
  hook: string,
  show: (failure: string) => void,
): Receipt[] {
  const runner = runnerName()
  const receipts: Receipt[] = []
  const at = new Date().toISOString()
  for (const run of verdict.runs) {
    const counts = tally.jobs.get(run.job.id)
    if (run.state === 'skipped') {
      tally.skipped++
      if (counts) counts.skipped++
      continue
    }
    const result: JobResult = run.result
    const failure = recordResult(tally, { job: run.job, commit, commits: [commit] }, result)
    if (failure) show(failure)
    if (result.status === 'cancelled') continue
    receipts.push({
      schema: RECEIPT_SCHEMA,
      job: run.job.id,
      commit,
      hook,
      status: result.status,
      at,
      ms: Math.round(result.ms),
      cache: result.cache ?? 'off',
      ...(result.key === undefined ? {} : { key: result.key }),
      ...(result.data === undefined ? {} : { data: result.data }),
      ...(result.error === undefined ? {} : { error: result.error }),
      outputs: result.outputs,
      runner,
    })
  }
  return receipts
}

export async function runGatesOverRange(request: GatesRequest, io: Io): Promise<number> {
  if (request.hook !== 'commit-msg' && !FILE_HOOKS.includes(request.hook))
    throw usage(
      `the gates of '${request.hook}' cannot run over a range: they check an operation in progress`,
      `In CI, gitvan run --hook takes ${FILE_HOOKS.join(', ')} (files of a range) or commit-msg (messages of a range).`,
    )
  if (request.allFiles && request.range !== undefined) throw usage('give a range or --all-files, not both')
  if (request.allFiles && request.hook === 'commit-msg')
    throw usage('--all-files names files; commit-msg gates check messages: give a range A..B')
  if (!request.allFiles && request.range === undefined)
    throw usage(
      `which files? gitvan run --hook ${request.hook} <A..B> runs the gates over what A..B changed`,
      'Give a range (origin/main..HEAD), or --all-files for every tracked file.',
    )
  const repo = findRepo(io.cwd)
  const config = await loadConfig(repo.root)
  const jobs = selectJobs(config, request)
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const tally = emptyTally(jobs)
  const tty = process.stderr.isTTY === true && request.reporter === 'pretty'
  const color = useColor(tty, io.env)
  const show = (failure: string) => {
    if (request.reporter === 'pretty') io.stderr(`${tty ? '\r\x1b[2K' : ''}${failure}`)
  }

  const controller = new AbortController()
  const stop = () => controller.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    const clean = await isClean(repo)
    const gateConfig = {
      ...config,
      jobs,
      concurrency: request.concurrency ?? config.concurrency,
      cache: { ...config.cache, enabled: config.cache.enabled && clean && !request.noCache },
    }
    const base: Omit<GateRequest, 'checkout'> = {
      hook: request.hook,
      args: [],
      stdin: '',
      root: repo.root,
      gitDir: repo.gitDir,
      commonDir: repo.commonDir,
      cwd: repo.root,
      env: io.env,
    }
    const head = await resolveCommit(repo, 'HEAD', 'HEAD')
    const branch = branchOf((await tryGit(repo, ['symbolic-ref', '-q', 'HEAD']))?.trim() ?? '')
    let receipts: Receipt[] = []
    let files: readonly string[] = []
    let commits = 1
    const progress = (label: string) => {
      if (!tty) return
      const line = formatProgress({
        done: tally.done,
        total: tally.planned,
        failed: tally.failed,
        elapsedMs: performance.now() - started,
        label,
        color,
      })
      io.stderr(`\r\x1b[2K${line}`)
    }
    const options = {
      signal: controller.signal,
      keepGoing: true,
      ci: { facts: checkoutFacts, preview: startFixPreview },
      onResult: (result: JobResult) => progress(`${result.job} ${result.status}`),
    }

    if (request.hook === 'commit-msg') {
      const { base: from, tip: to } = splitRange(request.range as string)
      const tip = await resolveCommit(repo, to, request.range as string)
      await resolveCommit(repo, from, request.range as string)
      const list = (await tryGit(repo, ['rev-list', '--reverse', '--end-of-options', `${from}..${tip}`, '--'])) ?? ''
      const oids = list.split('\n').filter(Boolean)
      commits = oids.length
      tally.planned = oids.length * jobs.length
      const messages = await describeCommits(repo, oids)
      mkdirSync(repo.stateDir, { recursive: true })
      const dir = mkdtempSync(path.join(repo.stateDir, 'messages-'))
      try {
        for (const commit of oids) {
          if (controller.signal.aborted) break
          const file = path.join(dir, commit)
          writeFileSync(file, messages.get(commit)?.message ?? '')
          const verdict = await runGates(
            gateConfig,
            { ...base, args: [file], checkout: { files: [], commit, branch } },
            options,
          )
          receipts.push(...tallyVerdict(tally, verdict, commit, request.hook, show))
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    } else {
      let commit = head
      if (request.allFiles) files = present(repo.root, await trackedFiles(repo))
      else {
        const range = request.range as string
        const { base: from, tip: to } = splitRange(range)
        const [a, b] = [await resolveCommit(repo, from, range), await resolveCommit(repo, to, range)]
        if (b !== head)
          throw usage(
            `'${to}' is not the checked-out commit: the gates run on the checked-out tree`,
            `Check it out first (git checkout --detach ${to}), or give ${from}..HEAD.`,
          )
        commit = b
        const changed = await rangeFiles(repo, a, b).catch((error: unknown) => {
          throw new GitvanError('USAGE', `run: cannot list the files '${range}' changed: ${(error as Error).message}`, {
            details: [
              ...(error instanceof GitvanError ? error.details : []),
              'A shallow clone may lack the merge base: fetch with fetch-depth: 0 (actions/checkout) or git fetch --unshallow.',
            ],
          })
        })
        files = present(repo.root, changed)
      }
      tally.planned = jobs.length
      const tree = (await tryGit(repo, ['write-tree']))?.trim()
      const headTree = (await tryGit(repo, ['rev-parse', '-q', '--verify', 'HEAD^{tree}']))?.trim()
      const checkout: Checkout = { files, commit, branch }
      const verdict = await runGates(
        gateConfig,
        { ...base, checkout, ...(tree && headTree ? { shim: { tree, base: headTree } } : {}) },
        options,
      )
      receipts = tallyVerdict(tally, verdict, commit, request.hook, show)
    }
    if (tty) io.stderr('\r\x1b[2K')
    // Messages come from the commits themselves; files from the checkout, which must then be B.
    if (!clean && request.hook !== 'commit-msg' && receipts.length > 0) {
      if (request.reporter === 'pretty')
        io.stderr(
          'gitvan: the checkout has uncommitted changes: no receipts written, and the gate cache was not used.\n',
        )
      receipts = []
    }
    if (receipts.length > 0 && !controller.signal.aborted) {
      await publishReceipts(repo, receipts)
      tally.receipts = receipts.length
      tally.notesCommits = 1
    }
    const where = request.allFiles ? 'all files' : (request.range as string)
    const facts = { range: where, hook: request.hook, commits, ms: performance.now() - started }
    const ok = tally.done - tally.failed
    const over =
      request.hook === 'commit-msg'
        ? `${commits} commit${commits === 1 ? '' : 's'}`
        : `${files.length} file${files.length === 1 ? '' : 's'}`
    const notRun = tally.skipped > 0 ? `, ${tally.skipped} not run (interrupted)` : ''
    const summary =
      jobs.length === 0
        ? `gitvan run: no gate runs on ${request.hook}; nothing to check in ${where}`
        : `gitvan run: ${request.hook} gates over ${where} (${over}): ${tally.done} run${tally.done === 1 ? '' : 's'}, ${ok} ok, ${tally.failed} failed${notRun}; ${(facts.ms / 1000).toFixed(1)} s`
    await printReport(io, request.reporter, tally, facts, {
      repo,
      jobs,
      startedAt,
      summary,
      json: { mode: 'gates', ...(request.hook === 'commit-msg' ? {} : { files }) },
    })
    if (controller.signal.aborted) return 130
    return tally.failed > 0 || tally.skipped > 0 ? 1 : 0
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
