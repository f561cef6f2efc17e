import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp } from '../helpers/repo.js'
import { asyncRepo, drained } from './fixture.js'

afterAll(removeTemp)

describe('a background job that failed', () => {
  it('is announced by every next hook, from the shim, until gitvan status or gitvan receipts marks it seen', async () => {
    const repo = asyncRepo({ jobs: `broken: { on: 'post-commit', run: 'false' },` })
    repo.commit('first', { allowEmpty: true })
    await drained(repo)
    const failed = repo.rev('HEAD').slice(0, 12)
    const next = repo.commit('second', { allowEmpty: true })
    expect(next.code).toBe(0)
    expect(next.stderr).toContain(
      `gitvan: background job 'broken' failed on ${failed} (post-commit): 'gitvan log' shows why`,
    )
    await drained(repo)
    const status = repo.gitvan(['status'])
    expect(status.stdout).toMatch(/^failed: {5}background job 'broken' failed on [0-9a-f]{12} \(post-commit\)/m)
    // Seen: the next hook is quiet (the runner's batch for it may fail again and note it anew).
    const quiet = repo.git(['-c', 'core.hooksPath=.git/hooks', 'commit', '-q', '--allow-empty', '-m', 'third'], {
      allowFail: true,
    })
    expect(quiet.stderr).not.toContain('background job')
    await drained(repo)
    // --json (tools that poll) reports it and leaves it; receipts marks it seen too.
    expect(repo.gitvan(['status', '--json']).stdout).toMatch(/"unseenFailure":"background job 'broken' failed/)
    expect(repo.gitvan(['status', '--json']).stdout).toMatch(/"unseenFailure":"background job 'broken' failed/)
    expect(repo.gitvan(['receipts']).code).toBe(0)
    expect(repo.gitvan(['status', '--json']).stdout).toContain('"unseenFailure":null')
  })
})
