/**
 * Prints a finished `gitvan run` in the reporter asked for, for both of its modes (jobs over
 * commits, and gates over a range): `json` one JSON document, `junit` JUnit XML, `github` workflow
 * commands (and a summary appended to `$GITHUB_STEP_SUMMARY` when it is set), `pretty` the summary
 * line. Reading the commit subjects JUnit names its cases by is the only git call, made only for it.
 */
import { appendFileSync, existsSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { commitSubjects } from '../git/history.js'
import type { Repo } from '../git/repo.js'
import { toGithub, toStepSummary } from '../report/github.js'
import { formatSummary, type RunFacts, type Tally, toJsonReport, toJunit } from '../report/run.js'
import type { Job } from '../types.js'
import type { Io } from './command.js'

export const REPORTERS = ['pretty', 'json', 'junit', 'github'] as const
export type Reporter = (typeof REPORTERS)[number]
export const isReporter = (name: string): name is Reporter => (REPORTERS as readonly string[]).includes(name)

export type ReportContext = {
  readonly repo: Pick<Repo, 'root'>
  readonly jobs: readonly Job[]
  /** When the run started (ISO 8601), for JUnit. */
  readonly startedAt: string
  /** Extra fields of the json document (the gates mode names its files). */
  readonly json?: Readonly<Record<string, unknown>>
  /** The pretty reporter's line, when the mode has its own. */
  readonly summary?: string
}

export async function printReport(
  io: Io,
  reporter: Reporter,
  tally: Tally,
  facts: RunFacts,
  context: ReportContext,
): Promise<void> {
  if (reporter === 'json') {
    io.stdout(`${JSON.stringify({ ...toJsonReport(tally, facts), ...context.json }, null, 2)}\n`)
    return
  }
  if (reporter === 'junit') {
    const subjects = await commitSubjects(
      context.repo,
      tally.outcomes.map((outcome) => outcome.commit),
    ).catch(() => new Map<string, string>())
    io.stdout(toJunit(tally, facts, { subjects, hostname: os.hostname(), timestamp: context.startedAt }))
    return
  }
  if (reporter === 'github') {
    const root = context.repo.root
    const cwds = new Map(context.jobs.map((job) => [job.id, job.cwd]))
    const summary = context.summary ?? formatSummary(tally, facts)
    const text = toGithub(
      tally,
      facts,
      {
        root,
        cwdOf: (job) => cwds.get(job) ?? '',
        exists: (file) => {
          try {
            return statSync(path.join(root, file)).isFile()
          } catch {
            return false
          }
        },
      },
      summary,
    )
    io.stdout(text)
    const file = io.env.GITHUB_STEP_SUMMARY
    if (file) {
      try {
        if (existsSync(path.dirname(file)))
          appendFileSync(file, toStepSummary(tally, facts, `gitvan run ${facts.hook} ${facts.range}`, summary))
      } catch (error) {
        io.stderr(`gitvan: could not append to GITHUB_STEP_SUMMARY (${file}): ${(error as Error).message}\n`)
      }
    }
    return
  }
  io.stdout(`${context.summary ?? formatSummary(tally, facts)}\n`)
}
