/**
 * Exactly once under lock refs: every runner process (the detached runner and any number of
 * `gitvan run`) claims its (job, commit) pairs in refs/gitvan/locks/ before running them. Proven
 * by racing real processes and counting executions (each run appends a line to a file), and by
 * killing a runner that holds claims.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { formatEvent } from '../../src/event.js'
import { isRunning } from '../helpers/process.js'
import { CLI, removeTemp, runAsync } from '../helpers/repo.js'
import { type AsyncRepo, asyncRepo, drained, receipts, runs, status, waitFor } from './fixture.js'

afterAll(removeTemp)

const noHooks = ['-c', 'core.hooksPath=/dev/null']

/** Commits with hooks off; when `spool`, also writes their events the way the shim does. */
function makeCommits(repo: AsyncRepo, count: number, spool: boolean): string[] {
  const commits: string[] = []
  for (let i = 0; i < count; i++) {
    repo.git([...noHooks, 'commit', '-q', '--allow-empty', '-m', `c${i}`])
    const head = repo.rev('HEAD')
    commits.push(head)
    if (!spool) continue
    const event = { hook: 'post-commit' as const, head, ref: 'refs/heads/main', cwd: repo.dir, args: [], stdin: '' }
    writeFileSync(
      path.join(repo.stateDir, 'spool', `post-commit-${head}-${i}.event`),
      formatEvent({ ...event, time: Date.now() + i }),
    )
  }
  return commits
}

const okCounts = (repo: AsyncRepo, commits: readonly string[], job: string): number[] =>
  [...receipts(repo, commits).values()].map((lines) => lines.filter((r) => r.job === job && r.status === 'ok').length)

const lockRefs = (repo: AsyncRepo): string =>
  repo.git(['for-each-ref', '--format=%(refname)', 'refs/gitvan/locks/']).stdout

describe('claims: each (job, commit) runs once among racing runner processes', () => {
  it('six `gitvan run --all` and the detached runner at once: every pair executes exactly once', async () => {
    const repo = asyncRepo({
      concurrency: 2,
      jobs: `other: { on: 'post-commit', run: async (ctx) => { record(ctx); await new Promise((r) => setTimeout(r, 5)); return 2 } },`,
    })
    const config = repo.rev('HEAD')
    const commits = [config, ...makeCommits(repo, 30, true)]
    const all = [...commits, repo.rev('HEAD~31')]
    const racers = [
      runAsync(process.execPath, [CLI, 'runner'], { cwd: repo.dir, env: repo.env }),
      ...Array.from({ length: 6 }, () =>
        runAsync(process.execPath, [CLI, 'run', '--all', '--reporter', 'json'], { cwd: repo.dir, env: repo.env }),
      ),
    ]
    const results = await Promise.all(racers)
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    await drained(repo)
    const expected = all.flatMap((c) => [`count ${c}`, `other ${c}`]).sort()
    expect(runs(repo).sort()).toEqual(expected)
    expect(okCounts(repo, all, 'count')).toEqual(all.map(() => 1))
    expect(okCounts(repo, all, 'other')).toEqual(all.map(() => 1))
    // Each run's report is one JSON document; when it returned, every pair had its receipt.
    for (const r of results.slice(1)) expect(JSON.parse(r.stdout)).toMatchObject({ failed: 0 })
    expect(lockRefs(repo)).toBe('')
  })

  it('40 queued commits, slow job, runner killed with kill -9, one more commit: 41 of 41 with exactly one ok receipt', async () => {
    const repo = asyncRepo({
      count: false,
      concurrency: 2,
      jobs: `slow: { on: 'post-commit', run: async (ctx) => { record(ctx); await new Promise((r) => setTimeout(r, 100)); return 1 } },`,
    })
    const commits = makeCommits(repo, 40, true)
    const started = spawnSync(process.execPath, [CLI, 'runner', '--spawn'], { cwd: repo.dir, env: repo.env })
    expect(started.status).toBe(0)
    await waitFor(
      () => runs(repo).length >= 3 && lockRefs(repo) !== '',
      () => `runs: ${runs(repo).length}, locks: ${lockRefs(repo)}`,
    )
    const { pid } = status(repo).runner
    expect(pid).toBeTypeOf('number')
    process.kill(pid as number, 'SIGKILL')
    await waitFor(
      () => !isRunning(pid as number),
      () => `runner ${pid} still running`,
    )
    // The dead runner's claims are still there: nobody released them.
    expect(lockRefs(repo)).not.toBe('')
    const killedAfter = runs(repo).length
    expect(killedAfter).toBeLessThan(40)

    // One more commit, through the real hook: its runner takes the dead holder's claims over.
    expect(repo.commit('one more', { allowEmpty: true }).code).toBe(0)
    commits.push(repo.rev('HEAD'))
    await drained(repo)
    expect(okCounts(repo, commits, 'slow')).toEqual(commits.map(() => 1))
    expect(lockRefs(repo)).toBe('')
  })

  it('a live holder is waited for: `gitvan run` started while the runner holds the pairs runs none of them twice', async () => {
    const repo = asyncRepo({
      count: false,
      concurrency: 1,
      jobs: `slow: { on: 'post-commit', run: async (ctx) => { record(ctx); await new Promise((r) => setTimeout(r, 300)); return 1 } },`,
    })
    const commits = makeCommits(repo, 5, true)
    const started = spawnSync(process.execPath, [CLI, 'runner', '--spawn'], { cwd: repo.dir, env: repo.env })
    expect(started.status).toBe(0)
    await waitFor(
      () => lockRefs(repo) !== '',
      () => 'the runner never claimed',
    )
    const run = repo.gitvan(['run', 'HEAD~5..HEAD', '--reporter', 'json'])
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as { runs: number; held: number; skipped: number }
    // When `gitvan run` returns, every pair has its receipt, whoever ran it.
    expect(okCounts(repo, commits, 'slow')).toEqual(commits.map(() => 1))
    // Each pair was run by it, left to the runner, or found done when it planned.
    expect(report.runs + report.held + report.skipped).toBe(5)
    await drained(repo)
    expect(runs(repo).sort()).toEqual(commits.map((c) => `slow ${c}`).sort())
  })

  it('a .lock file that stays in the way of the claims: exit 3, naming it, and nothing runs', () => {
    const repo = asyncRepo()
    const head = repo.rev('HEAD')
    const lockDir = path.join(repo.dir, '.git/refs/gitvan/locks/count')
    mkdirSync(lockDir, { recursive: true })
    writeFileSync(path.join(lockDir, `${head}.lock`), '')
    const r = repo.gitvan(['run', 'HEAD'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(`${head}.lock`)
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /)
    expect(runs(repo)).toEqual([])
  })

  it('work that outlasts the lease renews its claims: a runner started after the first lease ran out runs nothing', async () => {
    const repo = asyncRepo({
      count: false,
      jobs: `slow: { on: 'post-commit', run: async (ctx) => { record(ctx); await new Promise((r) => setTimeout(r, 3000)) } },`,
    })
    const head = repo.rev('HEAD')
    const env = { ...repo.env, GITVAN_LEASE: '1500ms' }
    const first = runAsync(process.execPath, [CLI, 'run', 'HEAD'], { cwd: repo.dir, env })
    const ref = `refs/gitvan/locks/slow/${head}`
    const blob = () => repo.git(['rev-parse', '-q', '--verify', ref], { allowFail: true }).stdout.trim()
    await waitFor(
      () => blob() !== '',
      () => 'never claimed',
    )
    const taken = JSON.parse(repo.git(['cat-file', 'blob', blob()]).stdout) as { time: string; lease: number }
    const original = blob()
    // The first claim's lease has run out, and the holder has renewed it.
    await waitFor(
      () => Date.now() > Date.parse(taken.time) + taken.lease && blob() !== original && blob() !== '',
      () => `lock ${blob()} (was ${original})`,
    )
    const second = repo.gitvan(['run', 'HEAD', '--reporter', 'json'], { env: { GITVAN_LEASE: '1500ms' } })
    expect(second.code, second.stderr).toBe(0)
    expect((await first).code).toBe(0)
    expect(JSON.parse(second.stdout)).toMatchObject({ runs: 0, held: 1 })
    expect(runs(repo)).toEqual([`slow ${head}`])
  })
})
