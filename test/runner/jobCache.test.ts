import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp } from '../helpers/repo.js'
import { asyncRepo, drained, receipts } from './fixture.js'

afterAll(removeTemp)

const FILES_JOB = `files: { on: 'post-commit', run: (ctx) => { appendFileSync(ctx.root + '/.git/files-runs', 'x\\n'); return { files: ctx.files } } }`

describe('the runner and the job cache', () => {
  it('a reworded commit (amend) is answered from the cache in the background, and gitvan stats counts it', async () => {
    const repo = asyncRepo({ count: false, jobs: FILES_JOB })
    const ran = () => readFileSync(path.join(repo.dir, '.git/files-runs'), 'utf8').split('\n').filter(Boolean).length
    repo.write('a.txt', 'a\n')
    expect(repo.commit('add a').code).toBe(0)
    const first = repo.rev('HEAD')
    await drained(repo)
    expect(ran()).toBe(1)
    expect(repo.git(['commit', '-q', '--amend', '-m', 'add a, reworded']).code).toBe(0)
    const reworded = repo.rev('HEAD')
    expect(reworded).not.toBe(first)
    await drained(repo)
    expect(ran()).toBe(1)
    const [line] = receipts(repo, [reworded]).get(reworded) ?? []
    expect(line).toMatchObject({ job: 'files', status: 'ok', cache: 'hit', data: { files: ['a.txt'] } })
    const [before] = receipts(repo, [first]).get(first) ?? []
    expect(before).toMatchObject({ cache: 'miss' })
    expect((line as { key?: string }).key).toBe((before as { key?: string }).key)

    const stats = JSON.parse(repo.gitvan(['stats', '--json']).stdout) as {
      cacheSources: { batches: { hit: number; miss: number } }
    }
    expect(stats.cacheSources.batches.hit).toBeGreaterThanOrEqual(1)
    expect(stats.cacheSources.batches.miss).toBeGreaterThanOrEqual(1)
  })
})
