import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { processStart } from '../../src/spool/lock.js'
import { removeTemp } from '../helpers/repo.js'
import { type AsyncRepo, asyncRepo, drained, receipts, runs, status } from './fixture.js'

afterAll(removeTemp)

/**
 * Hooks see a live runner (this test process holds the lock), so events pile up in the spool;
 * then one foreground runner takes them all as one batch. No timing involved.
 */
function holdLock(repo: AsyncRepo): () => void {
  const file = path.join(repo.stateDir, 'runner.pid')
  writeFileSync(file, `${process.pid} ${processStart(process.pid) ?? '0'}\n`)
  return () => rmSync(file)
}

describe('modes and rewrites in a batch', () => {
  it('mode latest runs once per batch, for the newest commit', async () => {
    const repo = asyncRepo({ count: false, jobs: `latest: { on: 'post-commit', mode: 'latest', run: record },` })
    const release = holdLock(repo)
    for (let i = 0; i < 5; i++) repo.commit(`c${i}`, { allowEmpty: true })
    expect(status(repo)).toMatchObject({ waiting: 5, runner: { alive: true, pid: process.pid } })
    release()
    expect(repo.gitvan(['runner', '--foreground']).code).toBe(0)
    const head = repo.rev('HEAD')
    expect(runs(repo)).toEqual([`latest ${head}`])
    expect(
      receipts(repo, [head])
        .get(head)
        ?.map((r) => r.job),
    ).toEqual(['latest'])
    expect(status(repo).spool).toBe(0)
  })

  it('mode batch runs once with every commit, and each commit gets a receipt', async () => {
    const repo = asyncRepo({
      count: false,
      jobs: `all: { on: 'post-commit', mode: 'batch', run: (ctx) => { record(ctx); return { commits: ctx.commits.length } } },`,
    })
    const release = holdLock(repo)
    for (let i = 0; i < 4; i++) repo.commit(`c${i}`, { allowEmpty: true })
    release()
    expect(repo.gitvan(['runner', '--foreground']).code).toBe(0)
    const commits = repo.git(['rev-list', '-4', 'HEAD']).stdout.trim().split('\n')
    expect(runs(repo)).toHaveLength(1)
    const notes = receipts(repo, commits)
    for (const commit of commits)
      expect(
        notes.get(commit)?.map((r) => [r.job, (r as unknown as { data: { commits: number } }).data.commits]),
      ).toEqual([['all', 4]])
  })

  it('amend: the new commit gets the post-commit and post-rewrite jobs; the old one keeps only its own receipt', async () => {
    const repo = asyncRepo({ jobs: `rewritten: { on: 'post-rewrite', run: record },` })
    repo.commit('first draft', { allowEmpty: true })
    const old = repo.rev('HEAD')
    await drained(repo)
    repo.git(['commit', '-q', '--amend', '--allow-empty', '-m', 'second draft'])
    const amended = repo.rev('HEAD')
    await drained(repo)
    const notes = receipts(repo, [old, amended])
    expect(notes.get(old)?.map((r) => r.job)).toEqual(['count'])
    expect(
      notes
        .get(amended)
        ?.map((r) => r.job)
        .sort(),
    ).toEqual(['count', 'rewritten'])
    expect(
      runs(repo)
        .filter((line) => line.endsWith(amended))
        .sort(),
    ).toEqual([`count ${amended}`, `rewritten ${amended}`])
  })

  it('a branch filter sees the branch a rebase is rewriting, though HEAD is detached meanwhile', async () => {
    const repo = asyncRepo({
      count: false,
      jobs: `onTopic: { on: { hook: 'post-commit', branch: 'topic' }, run: record },`,
    })
    const noHooks = ['-c', 'core.hooksPath=/dev/null']
    repo.git([...noHooks, 'checkout', '-q', '-b', 'topic'])
    for (let i = 0; i < 3; i++) repo.git([...noHooks, 'commit', '-q', '--allow-empty', '-m', `t${i}`])
    repo.git([...noHooks, 'checkout', '-q', 'main'])
    repo.git([...noHooks, 'commit', '-q', '--allow-empty', '-m', 'main moves'])
    repo.git([...noHooks, 'checkout', '-q', 'topic'])
    const release = holdLock(repo)
    repo.git(['rebase', '-q', 'main'])
    release()
    const rewritten = repo.git(['rev-list', 'main..topic']).stdout.trim().split('\n')
    const spooled = readdirSync(path.join(repo.stateDir, 'spool')).filter((name) => name.startsWith('post-commit-'))
    expect(spooled).toHaveLength(3)
    for (const name of spooled)
      expect(readFileSync(path.join(repo.stateDir, 'spool', name), 'utf8')).toContain('\nref refs/heads/topic\n')
    expect(repo.gitvan(['runner', '--foreground']).code).toBe(0)
    expect(runs(repo).sort()).toEqual(rewritten.map((c) => `onTopic ${c}`).sort())
  })

  it('reference-transaction: a tag job runs for tags matching its glob, annotated ones peeled to their commit', () => {
    const repo = asyncRepo({
      count: false,
      jobs: `release: { on: { hook: 'reference-transaction', tag: 'v*' }, run: record },`,
    })
    const head = repo.rev('HEAD')
    const release = holdLock(repo)
    repo.git(['tag', 'v1.0'])
    repo.git(['commit', '-q', '--allow-empty', '-m', 'next'])
    const next = repo.rev('HEAD')
    repo.git(['tag', '-a', 'v2.0', '-m', 'annotated'])
    repo.git(['commit', '-q', '--allow-empty', '-m', 'untagged by v*'])
    repo.git(['tag', 'other'])
    release()
    expect(repo.gitvan(['runner', '--foreground']).code).toBe(0)
    expect(runs(repo)).toEqual([`release ${head}`, `release ${next}`])
    expect(
      receipts(repo, [next])
        .get(next)
        ?.map((r) => [r.job, r.hook]),
    ).toEqual([['release', 'reference-transaction']])
  })
})
