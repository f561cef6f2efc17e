import { afterAll, describe, expect, it } from 'vitest'
import { findRepo } from '../../src/git/repo.js'
import { executePlan } from '../../src/schedule/execute.js'
import { gatherFacts } from '../../src/schedule/facts.js'
import { commitEvents, planJobs } from '../../src/schedule/plan.js'
import type { Job, JobContext, Trigger } from '../../src/types.js'
import { makeRepo, removeTemp } from '../helpers/repo.js'
import { makeJob, POST_COMMIT } from '../job/fixture.js'

afterAll(removeTemp)

function job(id: string, run: Job['run'], extra: Partial<Job> & { on?: Partial<Trigger> } = {}): Job {
  const { on, ...rest } = extra
  return makeJob({ id, run, timeoutMs: 10_000, ...rest, on: { ...POST_COMMIT, ...on } })
}

function setup(commits: number) {
  const repo = makeRepo()
  for (let i = 0; i < commits; i++) {
    repo.write(`f${i}.txt`, `${i}\n`)
    repo.commit(`c${i}`)
  }
  const oids = repo.git(['rev-list', '--reverse', 'HEAD']).stdout.trim().split('\n')
  // findRepo spawns git with the caller's environment: point it at the test repository's config.
  Object.assign(process.env, { GIT_CONFIG_GLOBAL: repo.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: '1' })
  return { repo, oids, gitRepo: findRepo(repo.dir) }
}

const notesCommits = (repo: ReturnType<typeof makeRepo>): number =>
  Number(repo.git(['rev-list', '--count', 'refs/notes/gitvan/results'], { allowFail: true }).stdout.trim() || 0)

describe('executePlan', () => {
  it('runs higher priorities first and publishes every receipt in one notes commit', async () => {
    const { repo, oids, gitRepo } = setup(3)
    const order: string[] = []
    const record = (ctx: JobContext) => {
      order.push(`${ctx.job}:${oids.indexOf(ctx.commit)}`)
      return { files: ctx.files }
    }
    const jobs = [
      job('low', record, { priority: 1 }),
      job('high', record, { priority: 10 }),
      job('mid', record, { priority: 5 }),
    ]
    const events = commitEvents(oids)
    const plan = planJobs(events, jobs, await gatherFacts(gitRepo, events, jobs))
    const execution = await executePlan(plan.runs, { repo: gitRepo, concurrency: 1 })
    expect(oids).toHaveLength(4) // the initial commit and three more
    expect(order).toEqual(['high', 'mid', 'low'].flatMap((id) => oids.map((_, i) => `${id}:${i}`)))
    expect(execution.failed).toBe(0)
    expect(execution.receipts).toHaveLength(12)
    expect(notesCommits(repo)).toBe(1)
    const note = repo
      .git(['notes', '--ref=gitvan/results', 'show', oids[1]!])
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(note.map((r: { job: string }) => r.job).sort()).toEqual(['high', 'low', 'mid'])
    expect(note[0]).toMatchObject({
      schema: 'gitvan.receipt.v1',
      commit: oids[1],
      hook: 'post-commit',
      status: 'ok',
      cache: 'off',
      data: { files: ['f0.txt'] },
    })
  })

  it('records failures as receipts; re-plans the failed pairs, not the ok ones', async () => {
    const { repo, oids, gitRepo } = setup(2)
    const jobs = [
      job('ok', () => 1),
      job('boom', () => {
        throw new Error('no luck')
      }),
    ]
    const events = commitEvents(oids)
    const first = planJobs(events, jobs, await gatherFacts(gitRepo, events, jobs))
    expect(first.runs).toHaveLength(6) // 2 jobs × 3 commits (with the initial one)
    const execution = await executePlan(first.runs, { repo: gitRepo, concurrency: 2 })
    expect(execution.failed).toBe(3)
    expect(
      execution.receipts.filter((r) => r.status === 'failed').every((r) => r.error?.message.includes('no luck')),
    ).toBe(true)
    const second = planJobs(events, jobs, await gatherFacts(gitRepo, events, jobs))
    expect(second.runs.map((run) => run.job.id)).toEqual(['boom', 'boom', 'boom'])
    expect(second.skipped).toBe(3)
    expect(notesCommits(repo)).toBe(1)
  })

  it('mode batch writes one receipt per covered commit from one run', async () => {
    const { oids, gitRepo } = setup(4)
    let calls = 0
    const jobs = [job('all', (ctx: JobContext) => ({ n: ++calls, commits: ctx.commits.length }), { mode: 'batch' })]
    const events = commitEvents(oids)
    const plan = planJobs(events, jobs, await gatherFacts(gitRepo, events, jobs))
    const execution = await executePlan(plan.runs, { repo: gitRepo, concurrency: 4 })
    expect(calls).toBe(1)
    expect(execution.receipts.map((r) => r.commit)).toEqual(oids)
    expect(execution.receipts.every((r) => (r.data as { commits: number }).commits === oids.length)).toBe(true)
  })

  it('gives cancelled runs no receipt', async () => {
    const { oids, gitRepo } = setup(0)
    const controller = new AbortController()
    const jobs = [job('slow', 'sleep 30', { timeoutMs: 60_000 })]
    const events = commitEvents(oids)
    const plan = planJobs(events, jobs, await gatherFacts(gitRepo, events, jobs))
    setTimeout(() => controller.abort(), 200)
    const execution = await executePlan(plan.runs, { repo: gitRepo, concurrency: 1, signal: controller.signal })
    expect(execution.outcomes.map((o) => o.result.status)).toEqual(['cancelled'])
    expect(execution.receipts).toEqual([])
  })
})
