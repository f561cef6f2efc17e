import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp } from '../helpers/repo.js'
import { asyncRepo, drained, logText, notesCommits, receipts, runs, status, waitFor } from './fixture.js'

afterAll(removeTemp)

describe('async pipeline: shim → spool → runner → receipts', () => {
  it('gives every commit its receipt once the runner drains, and the runner exits when idle', async () => {
    const repo = asyncRepo()
    const commits: string[] = []
    for (let i = 0; i < 25; i++) {
      expect(repo.commit(`c${i}`, { allowEmpty: true }).code).toBe(0)
      commits.push(repo.rev('HEAD'))
    }
    await drained(repo)
    for (const [commit, lines] of receipts(repo, commits)) {
      expect(
        lines.map((r) => [r.job, r.status, r.hook]),
        commit,
      ).toEqual([['count', 'ok', 'post-commit']])
    }
    expect(runs(repo).sort()).toEqual(commits.map((c) => `count ${c}`).sort())
    expect(status(repo)).toMatchObject({ spool: 0, runner: { alive: false, pid: null } })
    expect(logText(repo)).toContain('runner exits: idle')
    const metrics = readFileSync(path.join(repo.stateDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(metrics.reduce((sum: number, m: { events: number }) => sum + m.events, 0)).toBe(25)
    expect(Object.keys(metrics[0].stages).sort()).toEqual(['planMs', 'publishMs', 'queueMs', 'runMs', 'spoolWaitMs'])
  })

  it('writes an event the runner can parse, without starting node when a runner is alive', async () => {
    const repo = asyncRepo({ idle: '20s' })
    repo.commit('first', { allowEmpty: true })
    await waitFor(
      () => status(repo).runner.alive,
      () => 'no runner started',
    )
    const { pid } = status(repo).runner
    // While the runner lives, commits only add events; the runner that handles them is the same.
    repo.commit('second', { allowEmpty: true })
    repo.commit('third', { allowEmpty: true })
    const head = repo.rev('HEAD')
    await waitFor(
      () => (receipts(repo, [head]).get(head) ?? []).length > 0,
      () => 'no receipt on the third commit',
    )
    expect(status(repo).runner.pid).toBe(pid)
    expect(logText(repo).match(/runner started/g)).toHaveLength(1)
    process.kill(pid as number, 'SIGTERM')
    await drained(repo)
  })

  it('a burst of commits while the first runner is still starting up starts no second one', async () => {
    const repo = asyncRepo({ idle: '20s' })
    const commits: string[] = []
    for (let i = 0; i < 10; i++) {
      repo.commit(`burst ${i}`, { allowEmpty: true })
      commits.push(repo.rev('HEAD'))
    }
    await waitFor(
      () => [...receipts(repo, commits).values()].every((lines) => lines.length === 1),
      () => logText(repo),
    )
    // One hook started a runner; the others saw it on its way up (runner.starting) or running.
    expect(logText(repo).match(/starting a runner/g)).toHaveLength(1)
    expect(logText(repo).match(/runner started/g)).toHaveLength(1)
    const { pid } = status(repo).runner
    process.kill(pid as number, 'SIGTERM')
    await drained(repo)
  })

  it('moves a malformed event file aside with its reason, and goes on with the others', async () => {
    const repo = asyncRepo()
    writeFileSync(path.join(repo.stateDir, 'spool', 'post-commit-garbage-1.event'), 'not an event\n')
    repo.commit('good', { allowEmpty: true })
    const head = repo.rev('HEAD')
    await drained(repo)
    expect(
      receipts(repo, [head])
        .get(head)
        ?.map((r) => r.job),
    ).toEqual(['count'])
    expect(readdirSync(path.join(repo.stateDir, 'spool', 'bad')).sort()).toEqual([
      'post-commit-garbage-1.event',
      'post-commit-garbage-1.event.reason',
    ])
    expect(logText(repo)).toMatch(/malformed event post-commit-garbage-1\.event moved to spool\/bad\/: line 1/)
    expect(status(repo).bad).toBe(1)
  })

  it('runs the batch in the committing process when CI is set (no runner, receipt at once)', () => {
    const repo = asyncRepo()
    expect(repo.commit('in ci', { allowEmpty: true, env: { CI: '1' } }).code).toBe(0)
    const head = repo.rev('HEAD')
    expect(
      receipts(repo, [head])
        .get(head)
        ?.map((r) => [r.job, r.status]),
    ).toEqual([['count', 'ok']])
    expect(status(repo)).toMatchObject({ spool: 0, runner: { alive: false } })
    expect(notesCommits(repo)).toBe(1)
  })

  it('spools through node too (a husky line: gitvan hook post-commit) and a runner picks it up', async () => {
    const repo = asyncRepo()
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', 'no hooks'])
    const head = repo.rev('HEAD')
    const r = repo.gitvan(['hook', 'post-commit'])
    expect(r.code).toBe(0)
    await drained(repo)
    expect(
      receipts(repo, [head])
        .get(head)
        ?.map((x) => x.job),
    ).toEqual(['count'])
  })
})
