// examples/test-receipts end to end: the real node test runner on each commit's tree, through
// `gitvan run --all`, then a reworded history answered from the cache.
import { cpSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, PROJECT_ROOT, removeTemp, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

function exampleRepo(): TestRepo {
  const repo = makeRepo()
  cpSync(path.join(PROJECT_ROOT, 'examples/test-receipts'), repo.dir, { recursive: true })
  repo.linkGitvan()
  writeFileSync(path.join(repo.dir, '.gitignore'), 'node_modules/\n')
  repo.git(['add', '-A'])
  repo.git(['commit', '-q', '-m', 'example'])
  return repo
}

type Receipt = { job: string; status: string; cache: string; data?: { pass: number; fail: number; ms: number } }

const receipt = (repo: TestRepo, commit: string): Receipt | undefined =>
  repo
    .git(['notes', '--ref=gitvan/results', 'show', commit], { allowFail: true })
    .stdout.split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Receipt)
    .find((r) => r.job === 'tests')

describe('examples/test-receipts', () => {
  it('records pass and fail counts per commit; a reworded history re-runs nothing and keeps the counts', () => {
    const repo = exampleRepo()
    const good = repo.rev('HEAD')
    // A commit that breaks one test, then one that fixes it.
    repo.write('src/math.mjs', 'export const add = (a, b) => a - b\nexport const mul = (a, b) => a * b\n')
    repo.commit('break add')
    const broken = repo.rev('HEAD')
    repo.write('src/math.mjs', 'export const add = (a, b) => a + b\nexport const mul = (a, b) => a * b\n')
    repo.commit('fix add')
    const fixed = repo.rev('HEAD')

    const first = repo.gitvan(['run', `${good}~1..HEAD`])
    expect(first.code, first.stderr).toBe(0)
    expect(receipt(repo, good)).toMatchObject({ status: 'ok', cache: 'miss', data: { pass: 2, fail: 0 } })
    expect(receipt(repo, broken)).toMatchObject({ status: 'ok', data: { pass: 1, fail: 1 } })
    // 'fix add' has the tree of the first commit: answered from the cache, with its counts.
    expect(receipt(repo, fixed)).toMatchObject({ status: 'ok', cache: 'hit', data: { pass: 2, fail: 0 } })
    expect(receipt(repo, fixed)?.data?.ms).toBe(receipt(repo, good)?.data?.ms)

    // Reword all three: new commits, same trees; every receipt comes from the cache.
    const base = repo.rev(`${good}~1`)
    repo.git(['-c', 'core.hooksPath=/dev/null', 'rebase', '-q', '--exec', 'git commit -q --amend -m "reworded"', base])
    const commits = repo
      .git(['rev-list', '--reverse', `${base}..HEAD`])
      .stdout.trim()
      .split('\n')
    expect(commits).toHaveLength(3)
    expect(commits).not.toContain(good)
    const again = repo.gitvan(['run', `${base}..HEAD`, '--reporter', 'json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ runs: 3, cached: 3 })
    expect(commits.map((commit) => receipt(repo, commit)?.data?.fail)).toEqual([0, 1, 0])
    for (const commit of commits) expect(receipt(repo, commit)?.cache).toBe('hit')
  })
})
