import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { formatEvent } from '../../src/event.js'
import { isRunning } from '../helpers/process.js'
import { CLI, removeTemp, runAsync } from '../helpers/repo.js'
import { type AsyncRepo, asyncRepo, drained, logText, receipts, runs, status, waitFor } from './fixture.js'

afterAll(removeTemp)

const noHooks = ['-c', 'core.hooksPath=/dev/null']

/** A pid that surely belongs to no process: one that ran and exited. */
const deadPid = (): number => Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim())

/** Commits with hooks off, then spools their events the way the shim does; returns the commits. */
function spoolCommits(repo: AsyncRepo, count: number): string[] {
  const commits: string[] = []
  for (let i = 0; i < count; i++) {
    repo.git([...noHooks, 'commit', '-q', '--allow-empty', '-m', `spooled ${i}`])
    const head = repo.rev('HEAD')
    commits.push(head)
    const event = {
      hook: 'post-commit' as const,
      head,
      ref: 'refs/heads/main',
      cwd: repo.dir,
      args: [],
      stdin: '',
      time: Date.now() + i,
    }
    writeFileSync(path.join(repo.stateDir, 'spool', `post-commit-${head}-${i}.event`), formatEvent(event))
  }
  return commits
}

const okReceiptsPerJob = (repo: AsyncRepo, commits: readonly string[]) =>
  [...receipts(repo, commits)].map(([commit, lines]) => [
    commit,
    lines
      .filter((r) => r.status === 'ok')
      .map((r) => r.job)
      .sort(),
  ])

describe('runner crashes and shutdowns lose nothing', () => {
  it('kill -9 mid-batch: after a restart every commit has exactly one ok receipt per job', async () => {
    const repo = asyncRepo({
      count: false,
      concurrency: 1,
      jobs: `
        slow: { on: 'post-commit', run: async (ctx) => { record(ctx); await new Promise((r) => setTimeout(r, 400)); return 1 } },
        quick: { on: 'post-commit', run: record, priority: 5 },`,
    })
    const commits: string[] = []
    for (let i = 0; i < 8; i++) {
      repo.commit(`c${i}`, { allowEmpty: true })
      commits.push(repo.rev('HEAD'))
    }
    // Mid-batch: the slow job has started on some commits, not yet on all.
    await waitFor(
      () => runs(repo).some((line) => line.startsWith('slow ')),
      () => `runs: ${runs(repo).join(', ')}`,
    )
    const { pid } = status(repo).runner
    expect(pid).toBeTypeOf('number')
    process.kill(pid as number, 'SIGKILL')
    await waitFor(
      () => !isRunning(pid as number),
      () => `runner ${pid} still running`,
    )
    expect(runs(repo).filter((line) => line.startsWith('slow ')).length).toBeLessThan(commits.length)
    expect(status(repo).runner.alive).toBe(false)

    // The next runner (here: started by hand, in the foreground) takes the stale lock over and
    // re-queues what the dead one had claimed.
    const restart = repo.gitvan(['runner', '--foreground'])
    expect(restart.code, restart.stderr).toBe(0)
    await drained(repo)
    expect(okReceiptsPerJob(repo, commits)).toEqual(commits.map((c) => [c, ['quick', 'slow']]))
    expect(logText(repo)).toMatch(/took over the lock of runner \d+|re-queued \d+ event/)
  })

  it('an event written while the runner stops is processed (the last look after dropping the lock)', async () => {
    const repo = asyncRepo({ idle: '1s' })
    repo.commit('wake the runner', { allowEmpty: true, env: { GITVAN_RUNNER_STOP_DELAY_MS: '3000' } })
    const seen = { pid: 0 }
    await waitFor(
      () => {
        seen.pid = status(repo).runner.pid ?? 0
        return seen.pid !== 0
      },
      () => 'no runner',
    )
    // Wait for the window: the lock is gone but the runner has not had its last look yet.
    await waitFor(
      () => !existsSync(path.join(repo.stateDir, 'runner.pid')),
      () => 'the runner kept its lock',
    )
    expect(isRunning(seen.pid)).toBe(true)
    // An event from a hook that saw the lock just before it went (so started no runner).
    const [late] = spoolCommits(repo, 1)
    await waitFor(
      () => (receipts(repo, [late as string]).get(late as string) ?? []).length > 0,
      () => logText(repo),
    )
    expect(logText(repo)).toContain('events arrived while stopping; going on')
    await drained(repo)
  })

  it('racing runners: one drains, the others leave; every event runs exactly once', async () => {
    const repo = asyncRepo()
    writeFileSync(path.join(repo.stateDir, 'runner.pid'), `${deadPid()} 1\n`)
    const commits = spoolCommits(repo, 30)
    const racers = await Promise.all(
      Array.from({ length: 6 }, () => runAsync(process.execPath, [CLI, 'runner'], { cwd: repo.dir, env: repo.env })),
    )
    expect(racers.map((r) => r.code)).toEqual(Array(6).fill(0))
    await drained(repo)
    expect(runs(repo).sort()).toEqual(commits.map((c) => `count ${c}`).sort())
    expect(okReceiptsPerJob(repo, commits)).toEqual(commits.map((c) => [c, ['count']]))
    expect(logText(repo).match(/took over the lock/g)).toHaveLength(1)
  })

  it('SIGTERM: finished runs are published, the rest waits in the spool for the next runner', async () => {
    const repo = asyncRepo({
      count: false,
      concurrency: 1,
      idle: '30s',
      jobs: `hang: { on: 'post-commit', run: 'sh -c "echo hang $GITVAN_COMMIT >> $GITVAN_TEST_RUNS; sleep 60"' },`,
    })
    repo.commit('one', { allowEmpty: true, env: { GITVAN_TEST_RUNS: repo.runsFile } })
    const head = repo.rev('HEAD')
    await waitFor(
      () => runs(repo).length > 0,
      () => `the job never started: ${logText(repo)}`,
    )
    const { pid } = status(repo).runner
    process.kill(pid as number, 'SIGTERM')
    await waitFor(
      () => !isRunning(pid as number),
      () => 'the runner ignored SIGTERM',
    )
    expect(status(repo)).toMatchObject({ spool: 1, runner: { alive: false } })
    expect(receipts(repo, [head]).get(head)).toEqual([])
    expect(logText(repo)).toMatch(/stopped by a signal: 0 receipt\(s\) published, 1 event\(s\) back in the spool/)
    expect(status(repo)).toMatchObject({ waiting: 1, claimed: 0 })
  })
})
