import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp, runAsync } from '../helpers/repo.js'
import { asyncRepo, drained, notesCommits, receipts, runs } from './fixture.js'

afterAll(removeTemp)

const noHooks = ['-c', 'core.hooksPath=/dev/null']

describe('hook storms become batches', () => {
  it('a 200-commit rebase: every rewritten commit has its receipt, in a few notes commits', async () => {
    const repo = asyncRepo({ debounce: { wait: 1500, maxWait: 60_000 } })
    repo.git([...noHooks, 'checkout', '-q', '-b', 'topic'])
    for (let i = 0; i < 200; i++) {
      repo.write(`topic/${i}.txt`, `${i}\n`)
      repo.git(['add', '-A'])
      repo.git([...noHooks, 'commit', '-q', '-m', `topic ${i}`])
    }
    repo.git([...noHooks, 'checkout', '-q', 'main'])
    repo.write('base.txt', 'moved\n')
    repo.git(['add', '-A'])
    repo.git([...noHooks, 'commit', '-q', '-m', 'base moves'])
    repo.git([...noHooks, 'checkout', '-q', 'topic'])
    const before = repo.git(['rev-list', 'main..topic']).stdout.trim().split('\n')

    repo.git(['rebase', '-q', 'main'])
    const rewritten = repo.git(['rev-list', 'main..topic']).stdout.trim().split('\n')
    expect(rewritten).toHaveLength(200)
    expect(rewritten.some((c) => before.includes(c))).toBe(false)
    await drained(repo, 150_000)

    const notes = receipts(repo, rewritten)
    for (const commit of rewritten)
      expect(
        notes.get(commit)?.map((r) => [r.job, r.status]),
        commit,
      ).toEqual([['count', 'ok']])
    // Receipts of the old commits are not carried over: they never had any, and still have none.
    expect([...receipts(repo, before.slice(0, 5)).values()].every((lines) => lines.length === 0)).toBe(true)
    expect(notesCommits(repo)).toBeLessThanOrEqual(5)
    expect(new Set(runs(repo)).size).toBe(200)
  }, 180_000)

  it('eight linked worktrees committing at once: nothing lost, nothing run twice', async () => {
    const repo = asyncRepo()
    const trees = Array.from({ length: 8 }, (_, i) =>
      path.join(path.dirname(repo.dir), `${path.basename(repo.dir)}-wt${i}`),
    )
    for (const [i, dir] of trees.entries()) repo.git([...noHooks, 'worktree', 'add', '-q', '-b', `w${i}`, dir])
    const loop = 'for i in 1 2 3 4 5 6 7 8 9 10; do git commit -q --allow-empty -m "$PWD $i" || exit 1; done'
    const results = await Promise.all(trees.map((cwd) => runAsync('sh', ['-c', loop], { cwd, env: repo.env })))
    expect(results.map((r) => r.code)).toEqual(Array(8).fill(0))
    await drained(repo, 150_000)
    const commits = trees.flatMap((_, i) =>
      repo
        .git(['rev-list', `main..w${i}`])
        .stdout.trim()
        .split('\n'),
    )
    expect(commits).toHaveLength(80)
    const notes = receipts(repo, commits)
    for (const commit of commits)
      expect(
        notes.get(commit)?.map((r) => r.job),
        commit,
      ).toEqual(['count'])
    expect(runs(repo).sort()).toEqual(commits.map((c) => `count ${c}`).sort())
  }, 180_000)
})
