import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { updateRef } from '../../src/git/refs.js'
import { findRepo } from '../../src/git/repo.js'
import { git, gitEnv, startGit } from '../../src/git/spawn.js'
import { makeRepo, removeTemp } from '../helpers/repo.js'

afterAll(removeTemp)

describe('the git spawner', () => {
  it('returns failures as values with the exit code and stderr', async () => {
    const repo = makeRepo()
    const result = await git(['rev-parse', '--verify', 'no-such-rev'], { cwd: repo.dir })
    expect(result).toMatchObject({ ok: false, code: 128, args: ['rev-parse', '--verify', 'no-such-rev'] })
    expect(result.stderr).toContain('fatal: Needed a single revision')
  })

  it("never runs hooks for gitvan's own git calls", async () => {
    const repo = makeRepo()
    const marker = path.join(repo.dir, 'hook-ran')
    const hook = path.join(repo.dir, '.git/hooks/reference-transaction')
    writeFileSync(hook, `#!/bin/sh\ntouch "${marker}"\n`)
    chmodSync(hook, 0o755)
    repo.git(['update-ref', 'refs/gitvan/plain', 'HEAD'])
    expect(existsSync(marker)).toBe(true) // the hook works for plain git
    rmSync(marker)
    const head = repo.rev('HEAD')
    expect(await updateRef(findRepo(repo.dir), { ref: 'refs/gitvan/ours', newOid: head, oldOid: undefined })).toEqual({
      ok: true,
    })
    expect(existsSync(marker)).toBe(false)
  })

  it('runs in the C locale and makes GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE absolute', () => {
    const env = gitEnv({ GIT_DIR: '.git', GIT_WORK_TREE: '.', GIT_INDEX_FILE: '.git/index.tmp', LC_ALL: 'de_DE.UTF-8' })
    expect(env).toMatchObject({
      LC_ALL: 'C',
      GIT_DIR: path.resolve('.git'),
      GIT_WORK_TREE: path.resolve('.'),
      GIT_INDEX_FILE: path.resolve('.git/index.tmp'),
    })
  })

  it('starts a long-lived git whose streams the caller drives', async () => {
    const repo = makeRepo()
    const child = startGit(['cat-file', '--batch-check'], { cwd: repo.dir })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stdin.end(`HEAD\nnope\n`)
    expect(await child.exited).toMatchObject({ ok: true, code: 0 })
    expect(out).toBe(`${repo.rev('HEAD')} commit ${repo.git(['cat-file', '-s', 'HEAD']).stdout.trim()}\nnope missing\n`)
  })
})
