import { afterAll, describe, expect, it } from 'vitest'
import { readHead } from '../../src/git/head.js'
import { findRepo } from '../../src/git/repo.js'
import { makeRepo, removeTemp, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

/** What git itself says HEAD is. */
const gitHead = (repo: TestRepo, cwd = repo.dir) => ({
  commit: repo.git(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { allowFail: true, cwd }).stdout.trim(),
  ref: repo.git(['symbolic-ref', '-q', 'HEAD'], { allowFail: true, cwd }).stdout.trim(),
})

const head = (repo: TestRepo, cwd = repo.dir) => {
  const found = findRepo(cwd)
  return readHead({ root: found.root, gitDir: found.gitDir, commonDir: found.commonDir, env: repo.env })
}

describe('readHead agrees with git', () => {
  it('on a branch with a loose ref, then packed, then on an unborn branch', async () => {
    const repo = makeRepo()
    expect(await head(repo)).toEqual({ commit: repo.rev('HEAD'), ref: 'refs/heads/main' })
    repo.git(['pack-refs', '--all', '--prune'])
    repo.git(['branch', 'other'])
    expect(await head(repo)).toEqual(gitHead(repo))
    expect((await head(repo)).commit).toBe(repo.rev('HEAD'))
    repo.git(['switch', '-q', '--orphan', 'fresh'])
    expect(await head(repo)).toEqual({ commit: '', ref: 'refs/heads/fresh' })
  })

  it('when detached, in a linked worktree, and through a symbolic ref chain', async () => {
    const repo = makeRepo()
    repo.git(['commit', '-q', '--allow-empty', '-m', 'second'])
    repo.git(['switch', '-q', '--detach', 'HEAD~1'])
    expect(await head(repo)).toEqual({ commit: repo.rev('HEAD'), ref: '' })

    const wt = `${repo.dir}-wt`
    repo.git(['worktree', 'add', '-q', '-b', 'side', wt, 'main'])
    expect(await head(repo, wt)).toEqual({ commit: repo.rev('main'), ref: 'refs/heads/side' })
    expect(await head(repo, wt)).toEqual(gitHead(repo, wt))

    repo.git(['switch', '-q', 'main'])
    repo.git(['symbolic-ref', 'refs/heads/alias', 'refs/heads/main'])
    repo.git(['symbolic-ref', 'HEAD', 'refs/heads/alias'])
    expect(await head(repo)).toEqual(gitHead(repo))
    expect((await head(repo)).commit).toBe(repo.rev('main'))
  })
})
