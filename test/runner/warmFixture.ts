/**
 * Repositories whose runner stays warm: gate configs whose function gate records the pid it ran
 * in (the warm runner's, or a cold hook's) and loads a module that notes each time it is imported.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { gateRepo, scratch } from '../gate/fixture.js'
import type { RunResult, TestRepo } from '../helpers/repo.js'

export type WarmRepo = {
  readonly repo: TestRepo
  /** Files the gates write: pids the function gate ran in, imports of its module. */
  readonly pids: () => number[]
  /** The pid of each process that imported the function gate's module, once per import. */
  readonly imports: () => number[]
  readonly scratch: string
}

const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []

/**
 * A repository with `jobs` (config source of the jobs object's entries) plus `who`: a function
 * gate that records its pid and refuses staged files that hold `BAD`, printing their names.
 */
export function warmRepo(jobs = '', extra = ''): WarmRepo {
  const dir = scratch()
  const pidFile = path.join(dir, 'pids')
  const importFile = path.join(dir, 'imports')
  const helper = path.join(dir, 'helper.mjs')
  writeFileSync(
    helper,
    `import { appendFileSync } from 'node:fs'\nappendFileSync(${JSON.stringify(importFile)}, process.pid + '\\n')\nexport const mark = (file) => appendFileSync(file, process.pid + '\\n')\n`,
  )
  const repo = gateRepo(`import { readFileSync } from 'node:fs'
import path from 'node:path'
import { mark } from ${JSON.stringify(helper)}
export default { ${extra}jobs: {
  who: { on: 'pre-commit', run: async (ctx) => {
    mark(${JSON.stringify(pidFile)})
    const bad = ctx.files.filter((f) => readFileSync(path.join(ctx.root, f), 'utf8').includes('BAD'))
    if (bad.length > 0) throw new Error('BAD in ' + bad.join(', '))
    return { files: ctx.files.length }
  } },
  ${jobs}
} }
`)
  delete (repo.env as Record<string, string | undefined>).GITVAN_WARM
  return {
    repo,
    scratch: dir,
    pids: () => lines(pidFile).map(Number),
    imports: () => lines(importFile).map(Number),
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `done()` holds; a bounded wait for liveness, never a timing assertion. */
export async function until(done: () => boolean, what: string, tries = 1500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (done()) return
    await sleep(20)
  }
  throw new Error(`gave up waiting for ${what}`)
}

/** The pid `warm/ready` names while that process lives, else undefined. */
export function warmPid(repo: TestRepo): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(repo.dir, '.git/gitvan/warm/ready'), 'utf8').split(' ')[0])
    process.kill(pid, 0)
    return pid
  } catch {
    return undefined
  }
}

/** Waits for the runner a cold hook started to answer gates; returns its pid. */
export async function awaitWarm(repo: TestRepo): Promise<number> {
  await until(() => warmPid(repo) !== undefined, 'the runner to be warm')
  return warmPid(repo) as number
}

/**
 * Stops the repository's runners: the lock holder, one on its way up (a cold hook's warm-up) and
 * the warm one (SIGTERM), then waits until they are gone.
 */
export async function stopRunner(repo: TestRepo): Promise<void> {
  const state = path.join(repo.dir, '.git/gitvan')
  const pids = new Set<number>()
  for (const file of ['runner.pid', 'runner.starting', 'warm/ready']) {
    try {
      const pid = Number(readFileSync(path.join(state, file), 'utf8').split(' ')[0])
      if (pid > 0 && alive(pid)) pids.add(pid)
    } catch {
      // not there
    }
  }
  for (const pid of pids) process.kill(pid, 'SIGTERM')
  await until(() => [...pids].every((pid) => !alive(pid)), `runners ${[...pids].join(', ')} to stop`)
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** `git <args>` with hooks on, as a user runs it; a bounded wait (a hang fails the test). */
export function git(
  repo: TestRepo,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): RunResult {
  const r = spawnSync('git', args, {
    cwd: opts.cwd ?? repo.dir,
    env: { ...repo.env, ...opts.env },
    encoding: 'utf8',
    input: '',
    timeout: 60_000,
  })
  if (r.error) throw r.error
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr }
}

/** `git <args>` in the background: resolves with its result (a bounded wait in the caller). */
export function gitAsync(
  repo: TestRepo,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean } = {},
): { readonly pid: number; readonly done: Promise<RunResult>; readonly stderr: () => string } {
  const child = spawn('git', args, {
    cwd: opts.cwd ?? repo.dir,
    env: { ...repo.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const done = new Promise<RunResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })),
  )
  return { pid: child.pid as number, done, stderr: () => stderr }
}

/** The gates' report, without stack frames (their paths name the bundle that ran them). */
export const normalise = (text: string): string =>
  text
    .split('\n')
    .filter((line) => !/^\s*│?\s+at /.test(line))
    .join('\n')
