import { afterAll, describe, expect, it } from 'vitest'
import { publishReceipts } from '../../src/git/notes.js'
import { findRepo } from '../../src/git/repo.js'
import { RECEIPT_SCHEMA } from '../../src/receipt.js'
import { gatherCommitFacts } from '../../src/schedule/facts.js'
import { receiptKey } from '../../src/schedule/plan.js'
import type { Job } from '../../src/types.js'
import { makeRepo, removeTemp } from '../helpers/repo.js'
import { makeJob, POST_COMMIT } from '../job/fixture.js'

afterAll(removeTemp)

const job: Job = makeJob({ id: 'receipt', on: POST_COMMIT, run: () => undefined, timeoutMs: 10_000 })

function setup() {
  const repo = makeRepo()
  repo.write('a.txt', 'a\n')
  repo.commit('second')
  Object.assign(process.env, { GIT_CONFIG_GLOBAL: repo.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: '1' })
  const gitRepo = findRepo(repo.dir)
  return { repo, gitRepo, head: repo.rev('HEAD'), first: repo.rev('HEAD~1') }
}

const okReceipt = (commit: string) =>
  ({
    schema: RECEIPT_SCHEMA,
    job: 'receipt',
    commit,
    hook: 'post-commit',
    status: 'ok',
    at: new Date().toISOString(),
    ms: 1,
    cache: 'off',
    outputs: [],
    runner: 'test:1',
  }) as const

describe('gatherCommitFacts', () => {
  it('describes commit oids and marks the ones with an ok receipt done', async () => {
    const { gitRepo, head, first } = setup()
    await publishReceipts(gitRepo, [okReceipt(first)])
    const facts = await gatherCommitFacts(gitRepo, [first, head], [job])
    expect([...facts.commits.keys()].sort()).toEqual([first, head].sort())
    expect(facts.commits.get(head)?.files).toEqual(['a.txt'])
    expect(facts.commits.get(head)?.message).toBe('second\n')
    expect([...facts.done]).toEqual([receiptKey('receipt', first)])
    expect(facts.peeled).toBeUndefined()
  })

  it('peels a tag to its commit and skips a missing object, reading facts of the peeled commits', async () => {
    const { repo, gitRepo, head, first } = setup()
    repo.git(['tag', '-a', '-m', 'v1', 'v1', first])
    const tag = repo.rev('v1')
    await publishReceipts(gitRepo, [okReceipt(first)])
    const missing = 'f'.repeat(40)
    const facts = await gatherCommitFacts(gitRepo, [tag, head, missing], [job])
    expect([...facts.commits.keys()].sort()).toEqual([first, head].sort())
    expect(facts.peeled).toEqual(new Map([[tag, first]]))
    expect([...facts.done]).toEqual([receiptKey('receipt', first)])
  })
})
