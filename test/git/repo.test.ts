import { mkdirSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findRepo, hookRepo } from '../../src/git/repo.js'
import { makeRepo, removeTemp } from '../helpers/repo.js'

afterAll(removeTemp)

// What git itself says, minus the hooks dir (hookRepo leaves that to install).
const fromGit = (cwd: string) => {
  const { hooksDir: _, ...rest } = findRepo(cwd)
  return rest
}

describe('hookRepo', () => {
  it('agrees with git at the top of a working tree', () => {
    const repo = makeRepo()
    expect(hookRepo(repo.dir, {})).toEqual(fromGit(repo.dir))
  })

  it('agrees with git in a linked worktree, with and without the GIT_DIR git sets for hooks', () => {
    const repo = makeRepo()
    const worktree = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-wt-')), 'wt')
    repo.git(['worktree', 'add', '-q', worktree])
    const expected = fromGit(worktree)
    expect(expected.gitDir).not.toBe(expected.commonDir)
    expect(hookRepo(worktree, {})).toEqual(expected)
    expect(hookRepo(worktree, { GIT_DIR: expected.gitDir })).toEqual(expected)
  })

  it('follows a gitfile to a separate git dir', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'gitvan-sep-'))
    const work = path.join(base, 'work')
    const repo = makeRepo()
    repo.git(['init', '-q', '--separate-git-dir', path.join(base, 'store.git'), work])
    expect(hookRepo(work, {})).toEqual(fromGit(work))
    expect(hookRepo(work, {})?.gitDir).toBe(path.join(base, 'store.git'))
  })

  it('leaves to git what it does not recognise: a subdirectory, GIT_WORK_TREE, a stray .git', () => {
    const repo = makeRepo()
    mkdirSync(path.join(repo.dir, 'sub'))
    expect(hookRepo(path.join(repo.dir, 'sub'), {})).toBeUndefined()
    expect(hookRepo(repo.dir, { GIT_WORK_TREE: repo.dir })).toBeUndefined()
    const stray = mkdtempSync(path.join(os.tmpdir(), 'gitvan-stray-'))
    mkdirSync(path.join(stray, '.git'))
    expect(hookRepo(stray, {})).toBeUndefined()
  })
})
