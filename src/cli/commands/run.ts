/**
 * `gitvan run [<range>|--all]`: every job of a hook (post-commit by default) over every commit of a
 * range, as if each commit had just been made, through the runner's own path (DESIGN 2):
 * facts → plan → queue → job → publish. Commits are taken in batches of `debounce.maxBatch`, oldest
 * first; each batch publishes its receipts as one notes commit, so an interrupted run keeps what it
 * finished and a re-run only does what is missing (`--force` runs everything again).
 *
 * Every (job, commit) is claimed before it runs (schedule/claim.ts): as lock refs in this
 * repository, or with `--remote <name>` on that remote, whose receipts are fetched first and get
 * ours at the end; so overlapping runs, the background runner and runners on other machines run
 * each pair once.
 *
 * Output: on a TTY, progress and failures as they come; otherwise only failures (stderr) and a
 * final summary line. `--reporter json|junit|github` print their format instead (src/report/run.ts). Exit 0 when every run
 * was ok, 1 when one was not, 2 on usage or config errors, 3 when a ref or lock conflict outlasted
 * the retries (publishing receipts, claiming, or pushing to the remote).
 */
import { loadConfig } from '../../config/load.js'
import { GitvanError } from '../../errors.js'
import type { HookEvent } from '../../event.js'
import { revList } from '../../git/commits.js'
import { mergeFetchedReceipts } from '../../git/remoteNotes.js'
import { findRepo, type Repo } from '../../git/repo.js'
import { git } from '../../git/spawn.js'
import { checkRemote } from '../../git/transport.js'
import { ASYNC_HOOKS, type AsyncHook, isAsyncHook, isBlockingHook } from '../../hooks.js'
import { formatProgress, useColor } from '../../report/progress.js'
import { emptyTally, formatSummary, recordResult, type Tally } from '../../report/run.js'
import { runEvents } from '../../runner/pipeline.js'
import { type Claimer, leaseMs, localClaimer, remoteChunk, remoteClaimer } from '../../schedule/claim.js'
import type { ReceiptLayer } from '../../schedule/jobCache.js'
import { commitEvents, type PlannedRun } from '../../schedule/plan.js'
import type { Config, Job } from '../../types.js'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { isReporter, printReport, REPORTERS, type Reporter } from '../report.js'
import { type GatesRequest, runGatesOverRange } from './runGates.js'

const USAGE = `Usage: gitvan run [<range>|--all] [options]

Runs the jobs of a hook (default post-commit) for each commit of a range, oldest first, as if each
commit had just been made, and records a receipt per job and commit in refs/notes/gitvan/results.
Commits that already have a receipt for a job are skipped, so a re-run does only what is missing.

  <range>            A..B (the commits of B not in A), or one revision: just that commit (default HEAD)
  --all              every commit reachable from HEAD

Options:
  --job ID           only this job (repeatable)
  --hook NAME        plan the jobs of this hook instead of post-commit
  --force            run again where a receipt exists
  --no-cache         jobs: run every one again (as --force does), without looking in the results
                     cache or storing in it, receipts say "cache":"off"; gates: no gate cache
  --concurrency N    jobs at once (default: the config's concurrency)
  --reporter NAME    pretty (default): failures and a summary, progress on a terminal (NO_COLOR honoured);
                     json: one JSON document, a result per job and commit; junit: JUnit XML, a case
                     per job and commit; github: an ::error annotation per file:line the tools
                     printed (a summary table in $GITHUB_STEP_SUMMARY when it is set)
  --remote NAME      share the range with other runners through this remote: each (job, commit)
                     is claimed by a create-only push of its lock ref, so one runner runs it; the
                     remote's receipts are fetched first (what has one is skipped) and ours are
                     merged into the remote's notes before the claims are released
  --foreground       accepted for symmetry with the runner: gitvan run always runs in the foreground

Gates in CI: with --hook naming a blocking hook (pre-commit, pre-merge-commit, pre-push), that
hook's gates run once on the checked-out tree, over the files changed in <range> (A..B: what
'git diff --name-only A...B' lists and B still has; B must be the checked-out commit), or over
every tracked file with --all-files. Fix gates do not rewrite anything: a change they would make
fails them, shown as a diff. One receipt per gate on B. With --hook commit-msg, the gates of
commit-msg check the message of each commit of <range>, and each commit gets its receipts.
  --all-files        every tracked file instead of a range's files

Every (job, commit) is claimed before it runs (refs/gitvan/locks/<job>/<commit>, here or on the
remote), so runs that overlap, and the background runner, run each once. Pairs another process
holds here are waited for; with --remote they are left to the runner that holds them.

Environment: GITVAN_LEASE (default 10m): how long a claim holds when its runner stops (a runner
on this machine that is gone is noticed at once).

Exit codes: 0 every run ok, 1 a job failed, 2 usage or config error, 3 a ref or lock conflict.
`

const OPTIONS = {
  all: { type: 'boolean' },
  job: { type: 'string', multiple: true },
  hook: { type: 'string' },
  force: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  concurrency: { type: 'string' },
  reporter: { type: 'string' },
  foreground: { type: 'boolean' },
  remote: { type: 'string' },
  'all-files': { type: 'boolean' },
} as const

type Request = {
  readonly range: string
  readonly hook: AsyncHook
  readonly jobIds: readonly string[]
  readonly force: boolean
  readonly noCache: boolean
  readonly concurrency: number | undefined
  readonly reporter: Reporter
  readonly remote: string | undefined
}

const usage = (message: string, hint = "Run 'gitvan run --help' for usage.") =>
  new GitvanError('USAGE', `run: ${message}`, { details: [hint] })

function parseRequest(args: readonly string[]): Request | GatesRequest {
  const { values, positionals } = parseCommandArgs('run', args, OPTIONS)
  if (positionals.length > 1) throw usage(`expected one range, got ${positionals.length}: ${positionals.join(' ')}`)
  if (values.all && positionals.length > 0) throw usage(`give a range or --all, not both`)
  if (values.remote === '') throw usage('--remote needs the name of a remote')
  const hook = values.hook ?? 'post-commit'
  if (!isAsyncHook(hook) && !isBlockingHook(hook))
    throw usage(
      `'${hook}' is not a hook gitvan runs jobs for`,
      `gitvan run plans the jobs of ${ASYNC_HOOKS.join(', ')}, and runs the gates of a blocking hook with --hook.`,
    )
  const reporter = values.reporter ?? 'pretty'
  if (!isReporter(reporter)) throw usage(`--reporter must be one of ${REPORTERS.join(', ')}, got '${reporter}'`)
  let concurrency: number | undefined
  if (values.concurrency !== undefined) {
    concurrency = Number(values.concurrency)
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw usage(`--concurrency must be a whole number of at least 1, got '${values.concurrency}'`)
  }
  if (isBlockingHook(hook)) {
    if (values.all) throw usage('--all goes with jobs over commits; gates take a range (A..B) or --all-files')
    if (values.remote !== undefined)
      throw usage('--remote goes with jobs over commits; the gates of a blocking hook run once, on this checkout')
    return {
      gates: true,
      hook,
      range: positionals[0],
      allFiles: values['all-files'] ?? false,
      jobIds: values.job ?? [],
      noCache: values['no-cache'] ?? false,
      concurrency,
      reporter,
    }
  }
  if (values['all-files']) throw usage(`--all-files goes with --hook <blocking hook>; '${hook}' is not one`)
  const range = values.all ? 'all' : (positionals[0] ?? 'HEAD')
  const noCache = values['no-cache'] ?? false
  return {
    range,
    hook,
    jobIds: values.job ?? [],
    force: (values.force ?? false) || noCache,
    noCache,
    concurrency,
    reporter,
    remote: values.remote,
  }
}

function selectJobs(config: Config, request: Request): readonly Job[] {
  const byId = new Map(config.jobs.map((job) => [job.id, job]))
  for (const id of request.jobIds) {
    const job = byId.get(id)
    if (!job) throw usage(`no job '${id}' in ${config.file}`, `Jobs: ${[...byId.keys()].join(', ') || '(none)'}.`)
    if (!job.on.hooks.includes(request.hook)) {
      throw usage(
        `job '${id}' does not run on ${request.hook}`,
        `It runs on ${job.on.hooks.join(', ')}: pass --hook ${job.on.hooks[0] ?? ''}.`,
      )
    }
  }
  const wanted = request.jobIds.length > 0 ? new Set(request.jobIds) : undefined
  return config.jobs.filter((job) => (wanted ? wanted.has(job.id) : job.on.hooks.includes(request.hook)))
}

/** The branch the range is on, for `branch` filters: its tip's branch, or HEAD's. */
async function rangeRef(repo: Repo, range: string): Promise<string> {
  const tip =
    range === 'all' ? 'HEAD' : range.includes('..') ? range.slice(range.lastIndexOf('..') + 2) || 'HEAD' : range
  if (tip.startsWith('-') || tip.startsWith('^')) return 'HEAD'
  const full = await git(['rev-parse', '--symbolic-full-name', tip], { cwd: repo.root })
  const ref = full.stdout.trim()
  return full.ok && ref.startsWith('refs/heads/') ? ref : 'HEAD'
}

/**
 * Each commit as the event its hook would have made. post-rewrite and reference-transaction name
 * their commits on stdin, so the synthetic event carries a line for the commit.
 */
function toEvents(commits: readonly string[], hook: AsyncHook, ref: string): readonly HookEvent[] {
  const events = commitEvents(commits, hook, ref)
  if (hook === 'post-rewrite')
    return events.map((event) => ({ ...event, args: ['rebase'], stdin: `${event.head} ${event.head}\n` }))
  // A branch update names its branch; on a detached HEAD no branch moved, so nothing is planned.
  if (hook === 'reference-transaction') {
    return events.map((event) => ({
      ...event,
      args: ['committed'],
      stdin: ref.startsWith('refs/heads/') ? `${'0'.repeat(event.head.length)} ${event.head} ${ref}\n` : '',
    }))
  }
  return events
}

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

export const command: Command = {
  name: 'run',
  summary: 'run jobs over commits: gitvan run [<range>|--all]',
  usage: USAGE,
  run: async (args, io) => {
    const parsed = parseRequest(args)
    if ('gates' in parsed) return runGatesOverRange(parsed, io)
    const request = parsed
    const repo = findRepo(io.cwd)
    // The range's git calls run while the config loads; their results (and errors) are taken in
    // the order they always were, so a config error still comes before a range error.
    const listed = revList(repo, request.range)
    const named = rangeRef(repo, request.range)
    listed.catch(() => undefined)
    named.catch(() => undefined)
    const config = await loadConfig(repo.root)
    const jobs = selectJobs(config, request)
    const commits = await listed
    const ref = await named
    if (request.remote !== undefined) await checkRemote(repo, request.remote)
    const lease = leaseMs(io.env)
    const claimer =
      request.remote === undefined
        ? localClaimer(repo, lease)
        : remoteClaimer(repo, request.remote, lease, remoteChunk(request.concurrency ?? config.concurrency))
    // What the remote has done already is skipped like what was done here (without --remote: what
    // a plain `git fetch` brought, with the refspec `gitvan install --notes-refspec` adds).
    if (request.remote !== undefined && jobs.length > 0 && commits.length > 0) await claimer.prepare()
    else if (jobs.length > 0 && commits.length > 0) await mergeFetchedReceipts(repo)
    const held = new Map<string, number>()
    const tally = emptyTally(jobs)
    const started = performance.now()
    const startedAt = new Date().toISOString()
    const tty = process.stdout.isTTY === true && request.reporter === 'pretty'
    const color = useColor(tty, io.env)
    let shown = 0
    const receipts: ReceiptLayer = {} // the receipts as they were before this run: read once, if a lookup misses

    const controller = new AbortController()
    const stop = () => controller.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      if (jobs.length > 0) {
        const batches = chunk(commits, Math.max(1, config.debounce.maxBatch))
        for (const batch of batches) {
          if (controller.signal.aborted) break
          await runBatch(
            repo,
            config,
            jobs,
            batch,
            ref,
            request,
            tally,
            receipts,
            claimer,
            held,
            controller.signal,
            (run, failed) => {
              if (failed && request.reporter === 'pretty') io.stderr(`${tty ? '\r\x1b[2K' : ''}${failed}`)
              const now = performance.now()
              if (!tty || now - shown < 100) return // a redraw per run would cost more than the runs
              shown = now
              const line = formatProgress({
                done: tally.done,
                total: tally.planned,
                failed: tally.failed,
                elapsedMs: now - started,
                label: `${run.job.id} on ${run.commit.slice(0, 12)}`,
                color,
              })
              io.stdout(`\r\x1b[2K${line}`)
            },
          )
        }
      }
      // The receipts shared chunk by chunk, merged into the remote's refs/notes/gitvan/results.
      if (jobs.length > 0 && commits.length > 0) await claimer.close()
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      if (tty) io.stdout('\r\x1b[2K')
    }
    const facts = { range: request.range, hook: request.hook, commits: commits.length, ms: performance.now() - started }
    const heldCount = [...held.values()].reduce((a, b) => a + b, 0)
    const shared = {
      held: heldCount,
      heldByJob: Object.fromEntries(held),
      ...(request.remote === undefined ? {} : { remote: { name: request.remote, ...claimer.counts } }),
    }
    await printReport(io, request.reporter, tally, facts, {
      repo,
      jobs,
      startedAt,
      json: shared,
      summary: `${formatSummary(tally, facts)}${describeShared(shared)}`,
    })
    if (controller.signal.aborted) return 130
    return tally.failed > 0 ? 1 : 0
  },
}

const describeShared = (shared: {
  readonly held: number
  readonly remote?: { readonly name: string; readonly pushes: number; readonly fetches: number }
}): string =>
  (shared.held > 0 ? `; ${shared.held} left to other runners` : '') +
  (shared.remote ? `; ${shared.remote.name}: ${shared.remote.pushes} push(es), ${shared.remote.fetches} fetch(es)` : '')

async function runBatch(
  repo: Repo,
  config: Config,
  jobs: readonly Job[],
  commits: readonly string[],
  ref: string,
  request: Request,
  tally: Tally,
  receipts: ReceiptLayer,
  claimer: Claimer,
  held: Map<string, number>,
  signal: AbortSignal,
  progress: (run: PlannedRun, failure: string | undefined) => void,
): Promise<void> {
  const events = toEvents(commits, request.hook, ref)
  const { execution } = await runEvents(repo, events, jobs, {
    concurrency: request.concurrency ?? config.concurrency,
    force: request.force,
    cache: { config, off: request.noCache, receipts },
    signal,
    claims: claimer,
    onPlan: (plan) => {
      for (const [job, skipped] of plan.skippedByJob) {
        const counts = tally.jobs.get(job)
        if (counts) counts.skipped += skipped
      }
      tally.skipped += plan.skipped
      tally.planned += plan.runs.length
    },
    onResult: (run, result) => progress(run, recordResult(tally, run, result)),
  })
  tally.receipts += execution.receipts.length
  tally.notesCommits += execution.notesCommits
  for (const [job, count] of execution.held) held.set(job, (held.get(job) ?? 0) + count)
}
