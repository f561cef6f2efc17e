/**
 * Repositories with gitvan installed for the async pipeline: a config whose post-commit job appends
 * one line per run to a file outside the repository (so the tests can count runs), shims installed
 * by the real `gitvan install`, and helpers that poll the real `gitvan status --json`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { makeRepo, type TestRepo } from '../helpers/repo.js'

export type AsyncRepo = TestRepo & {
  /** The file every job run appends `<job> <commit>` to. */
  readonly runsFile: string
  readonly stateDir: string
}

export type FixtureOptions = {
  /** Extra jobs, as source text inside `jobs: { ... }`. */
  readonly jobs?: string
  /** The default post-commit job `count` (mode each); false leaves it out. */
  readonly count?: boolean
  readonly debounce?: { readonly wait: number; readonly maxWait: number; readonly maxBatch?: number }
  readonly idle?: string
  readonly concurrency?: number
  /** `runner.maxHeapMB`, when set. */
  readonly maxHeapMB?: number
}

export function asyncRepo(options: FixtureOptions = {}): AsyncRepo {
  const repo = makeRepo()
  const runsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-runs-')), 'runs.txt')
  writeFileSync(runsFile, '')
  const debounce = options.debounce ?? { wait: 100, maxWait: 2000 }
  repo.write(
    'gitvan.config.mjs',
    `import { appendFileSync } from 'node:fs'
const record = (ctx) => { appendFileSync(${JSON.stringify(runsFile)}, ctx.job + ' ' + ctx.commit + '\\n'); return { files: ctx.files.length } }
export default {
  jobs: {
    ${options.count === false ? '' : "count: { on: 'post-commit', run: record },"}
    ${options.jobs ?? ''}
  },
  debounce: { wait: ${debounce.wait}, maxWait: ${debounce.maxWait}, maxBatch: ${debounce.maxBatch ?? 1000} },
  concurrency: ${options.concurrency ?? 2},
  runner: { idle: '${options.idle ?? '300ms'}'${options.maxHeapMB === undefined ? '' : `, maxHeapMB: ${options.maxHeapMB}`} },
}
`,
  )
  repo.git(['add', '-A'])
  repo.git(['commit', '-q', '-m', 'config'])
  const installed = repo.gitvan(['install'])
  if (installed.code !== 0) throw new Error(`gitvan install failed: ${installed.stderr}`)
  const stateDir = path.join(repo.dir, '.git', 'gitvan')
  return Object.assign(repo, { runsFile, stateDir })
}

/** Every job run so far, as `<job> <commit>` lines, in the order they ran. */
export const runs = (repo: AsyncRepo): string[] => readFileSync(repo.runsFile, 'utf8').split('\n').filter(Boolean)

export type Status = {
  spool: number
  waiting: number
  claimed: number
  bad: number
  runner: { alive: boolean; pid: number | null }
}

export function status(repo: TestRepo, cwd?: string): Status {
  const r = repo.gitvan(['status', '--json'], cwd ? { cwd } : {})
  if (r.code !== 0) throw new Error(`gitvan status failed: ${r.stderr}`)
  return JSON.parse(r.stdout) as Status
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `check` holds; throws with `describe()` when the deadline passes. */
export async function waitFor(check: () => boolean, describe: () => string, deadlineMs = 50_000): Promise<void> {
  const until = Date.now() + deadlineMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${describe()}`)
    await sleep(100)
  }
}

/** Waits until nothing is in the spool and no runner is alive. */
export async function drained(repo: TestRepo, deadlineMs?: number): Promise<void> {
  let last: Status | undefined
  await waitFor(
    () => {
      last = status(repo)
      return last.spool === 0 && !last.runner.alive
    },
    () => `status ${JSON.stringify(last)}`,
    deadlineMs,
  )
}

/** Receipt lines (parsed) on each commit, from git notes. */
export function receipts(
  repo: TestRepo,
  commits: readonly string[],
): Map<string, { job: string; status: string; commit: string; hook: string }[]> {
  const result = new Map<string, { job: string; status: string; commit: string; hook: string }[]>()
  for (const commit of commits) {
    const r = repo.git(['notes', '--ref=gitvan/results', 'show', commit], { allowFail: true })
    result.set(
      commit,
      r.code === 0
        ? r.stdout
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line))
        : [],
    )
  }
  return result
}

/** How many commits the notes ref has (each batch publishes one). */
export const notesCommits = (repo: TestRepo): number =>
  Number(repo.git(['rev-list', '--count', 'refs/notes/gitvan/results'], { allowFail: true }).stdout.trim() || 0)

export const logText = (repo: AsyncRepo): string => {
  const file = path.join(repo.stateDir, 'runner.log')
  return existsSync(file) ? readFileSync(file, 'utf8') : ''
}
