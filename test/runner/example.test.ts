// examples/basic end to end through the async path: the README's "Try it", run for real.

import { cpSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeRepo, PROJECT_ROOT, removeTemp } from '../helpers/repo.js'
import { drained } from './fixture.js'

afterAll(removeTemp)

describe('examples/basic through the runner', () => {
  it('the stats job records files and branch in the receipt after the commit returned', async () => {
    const repo = makeRepo({ initialCommit: false })
    cpSync(path.join(PROJECT_ROOT, 'examples/basic'), repo.dir, { recursive: true })
    repo.linkGitvan()
    repo.write('.gitignore', 'node_modules\n')
    expect(repo.gitvan(['install']).code).toBe(0)
    const first = repo.commit('first')
    expect(first.code, first.stderr).toBe(0)
    await drained(repo)
    const receipts = JSON.parse(repo.gitvan(['receipts', '--json']).stdout)
    const files = repo.git(['show', '--name-only', '--format=', 'HEAD']).stdout.trim().split('\n')
    expect(
      receipts.receipts.map((r: { job: string; status: string; data: unknown }) => [r.job, r.status, r.data]),
    ).toEqual([['stats', 'ok', { files: files.length, branch: 'main' }]])
  })
})
