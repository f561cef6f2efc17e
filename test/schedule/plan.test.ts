import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { HookEvent } from '../../src/event.js'
import type { HookName } from '../../src/hooks.js'
import { type CommitFacts, commitEvents, type PlanFacts, planJobs, receiptKey } from '../../src/schedule/plan.js'
import type { Job, Trigger } from '../../src/types.js'

const oid = (n: number): string => n.toString(16).padStart(40, '0').replace(/^0/, 'c')

function job(id: string, on: Partial<Trigger> & { hooks: readonly HookName[] }, extra: Partial<Job> = {}): Job {
  return {
    id,
    on: { branch: [], tag: [], paths: [], message: undefined, author: undefined, ...on },
    run: 'true',
    templates: [],
    mode: 'each',
    priority: 0,
    timeoutMs: 1000,
    retries: 0,
    cache: false,
    output: { ref: `refs/gitvan/outputs/${id}`, worktree: false, stage: false, replace: false },
    fix: false,
    after: [],
    cwd: '',
    description: undefined,
    source: 'gitvan.config.mjs',
    ...extra,
  }
}

const commitFacts = (extra: Partial<CommitFacts> = {}): CommitFacts => ({
  message: 'feat: something\n',
  author: 'Ann <ann@example.invalid>',
  files: ['src/a.ts', 'README.md'],
  tags: [],
  ...extra,
})

const factsFor = (
  oids: readonly string[],
  done: readonly string[] = [],
  extra: (o: string) => Partial<CommitFacts> = () => ({}),
): PlanFacts => ({
  commits: new Map(oids.map((o) => [o, commitFacts(extra(o))])),
  done: new Set(done),
})

const event = (hook: HookEvent['hook'], head: string, time: number, extra: Partial<HookEvent> = {}): HookEvent => ({
  hook,
  head,
  ref: 'refs/heads/main',
  cwd: '/w',
  args: [],
  stdin: '',
  time,
  ...extra,
})

const C = [1, 2, 3, 4, 5, 6].map(oid)
const [c1, c2, c3, c4] = C as [string, string, string, string]

describe('planJobs', () => {
  it('mode each: one run per commit, in event order (whatever order events are given in)', () => {
    const events = [event('post-commit', c2, 2), event('post-commit', c1, 1), event('post-commit', c3, 3)]
    const { runs } = planJobs(events, [job('a', { hooks: ['post-commit'] })], factsFor(C))
    expect(runs.map((r) => [r.job.id, r.commit, r.commits])).toEqual([
      ['a', c1, [c1]],
      ['a', c2, [c2]],
      ['a', c3, [c3]],
    ])
  })

  it('runs only jobs whose hook matches', () => {
    const jobs = [job('commit', { hooks: ['post-commit'] }), job('merge', { hooks: ['post-merge'] })]
    const { runs } = planJobs([event('post-merge', c1, 1)], jobs, factsFor(C))
    expect(runs.map((r) => r.job.id)).toEqual(['merge'])
  })

  it('drops (job, commit) pairs that already have a receipt, unless forced', () => {
    const jobs = [job('a', { hooks: ['post-commit'] }), job('b', { hooks: ['post-commit'] })]
    const events = [event('post-commit', c1, 1), event('post-commit', c2, 2)]
    const facts = factsFor(C, [receiptKey('a', c1)])
    const plan = planJobs(events, jobs, facts)
    expect(plan.runs.map((r) => `${r.job.id}:${r.commit}`)).toEqual([`a:${c2}`, `b:${c1}`, `b:${c2}`])
    expect(plan.skipped).toBe(1)
    expect(planJobs(events, jobs, facts, { force: true }).runs).toHaveLength(4)
  })

  it('runs a commit named by several events once', () => {
    const events = [event('post-commit', c1, 1), event('post-commit', c1, 2)]
    expect(planJobs(events, [job('a', { hooks: ['post-commit'] })], factsFor(C)).runs).toHaveLength(1)
  })

  it('skips commits without facts (gone, or not a commit)', () => {
    const { runs } = planJobs(
      [event('post-commit', c1, 1), event('post-commit', c2, 2)],
      [job('a', { hooks: ['post-commit'] })],
      factsFor([c2]),
    )
    expect(runs.map((r) => r.commit)).toEqual([c2])
  })

  it('post-rewrite: plans the new commits for post-rewrite and post-commit jobs, not the old ones', () => {
    const stdin = `${oid(101)} ${c1}\n${oid(102)} ${c2}\n${oid(103)} ${c2}\n`
    const events = [event('post-rewrite', c2, 1, { args: ['rebase'], stdin })]
    const jobs = [
      job('rw', { hooks: ['post-rewrite'] }),
      job('pc', { hooks: ['post-commit'] }),
      job('pm', { hooks: ['post-merge'] }),
    ]
    const { runs } = planJobs(events, jobs, factsFor([...C, oid(101), oid(102), oid(103)]))
    expect(runs.map((r) => `${r.job.id}:${r.commit}:${r.hook}`)).toEqual([
      `rw:${c1}:post-rewrite`,
      `rw:${c2}:post-rewrite`,
      `pc:${c1}:post-rewrite`,
      `pc:${c2}:post-rewrite`,
    ])
    expect(runs[0]?.args).toEqual(['rebase'])
  })

  it('a rebase (post-commit per pick, then post-rewrite) runs each new commit once', () => {
    const events = [
      event('post-commit', c1, 1, { ref: 'HEAD' }),
      event('post-commit', c2, 2, { ref: 'HEAD' }),
      event('post-rewrite', c2, 3, { stdin: `${oid(101)} ${c1}\n${oid(102)} ${c2}\n` }),
    ]
    const { runs } = planJobs(events, [job('pc', { hooks: ['post-commit'] })], factsFor([...C, oid(101), oid(102)]))
    expect(runs.map((r) => r.commit)).toEqual([c1, c2])
    expect(runs.map((r) => r.hook)).toEqual(['post-commit', 'post-commit'])
  })

  it('mode latest: once per batch, for the newest commit of each branch', () => {
    const events = [
      event('post-commit', c1, 1),
      event('post-commit', c2, 2),
      event('post-commit', c3, 3, { ref: 'refs/heads/topic' }),
      event('post-commit', c4, 4),
    ]
    const { runs } = planJobs(events, [job('l', { hooks: ['post-commit'] }, { mode: 'latest' })], factsFor(C))
    expect(runs.map((r) => [r.commit, r.branch, r.commits])).toEqual([
      [c4, 'main', [c4]],
      [c3, 'topic', [c3]],
    ])
  })

  it('mode latest: nothing to do when the newest commit already has its receipt', () => {
    const events = [event('post-commit', c1, 1), event('post-commit', c2, 2)]
    const { runs } = planJobs(
      events,
      [job('l', { hooks: ['post-commit'] }, { mode: 'latest' })],
      factsFor(C, [receiptKey('l', c2)]),
    )
    expect(runs).toEqual([])
  })

  it('mode batch: one run with every matched commit, minus those with a receipt', () => {
    const events = [event('post-commit', c1, 1), event('post-commit', c2, 2), event('post-commit', c3, 3)]
    const facts = factsFor(C, [receiptKey('b', c1)], (o) => ({ files: [`f-${o.slice(-1)}`] }))
    const { runs } = planJobs(events, [job('b', { hooks: ['post-commit'] }, { mode: 'batch' })], facts)
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ commit: c3, commits: [c2, c3], files: ['f-2', 'f-3'] })
  })

  it('filters by branch globs with negation', () => {
    const jobs = [job('rel', { hooks: ['post-commit'], branch: ['release/*', '!release/old'] })]
    const events = [
      event('post-commit', c1, 1, { ref: 'refs/heads/release/1.0' }),
      event('post-commit', c2, 2, { ref: 'refs/heads/release/old' }),
      event('post-commit', c3, 3, { ref: 'HEAD' }),
      event('post-commit', c4, 4, { ref: 'refs/heads/main' }),
    ]
    expect(planJobs(events, jobs, factsFor(C)).runs.map((r) => r.commit)).toEqual([c1])
  })

  it('filters by paths and hands over the matched files (all changed files without a paths filter)', () => {
    const jobs = [job('ts', { hooks: ['post-commit'], paths: ['src/**/*.ts'] }), job('any', { hooks: ['post-commit'] })]
    const facts = factsFor(C, [], (o) => (o === c2 ? { files: ['docs/x.md'] } : {}))
    const { runs } = planJobs([event('post-commit', c1, 1), event('post-commit', c2, 2)], jobs, facts)
    expect(runs.map((r) => [r.job.id, r.commit, r.files])).toEqual([
      ['ts', c1, ['src/a.ts']],
      ['any', c1, ['src/a.ts', 'README.md']],
      ['any', c2, ['docs/x.md']],
    ])
  })

  it('filters by message and author', () => {
    const jobs = [job('fix', { hooks: ['post-commit'], message: /^fix/g, author: /@corp\.example$|corp/ })]
    const facts = factsFor(C, [], (o) =>
      o === c1
        ? { message: 'fix: x', author: 'Bo <bo@corp.example>' }
        : o === c2
          ? { message: 'fix: y', author: 'Ann <ann@home.example>' }
          : { message: 'feat', author: 'Bo <bo@corp.example>' },
    )
    const events = [
      event('post-commit', c1, 1),
      event('post-commit', c2, 2),
      event('post-commit', c3, 3),
      event('post-commit', c1, 4),
    ]
    expect(planJobs(events, jobs, facts).runs.map((r) => r.commit)).toEqual([c1])
  })

  it('filters by tag: tags on the commit, or the tag a reference-transaction moved', () => {
    const jobs = [job('rel', { hooks: ['post-commit', 'reference-transaction'], tag: ['v*'] })]
    const facts = factsFor(C, [], (o) => (o === c1 ? { tags: ['v1.0'] } : {}))
    const events = [
      event('post-commit', c1, 1),
      event('post-commit', c2, 2),
      event('reference-transaction', c2, 3, {
        args: ['committed'],
        stdin: `${'0'.repeat(40)} ${c3} refs/tags/v2.0\n${'0'.repeat(40)} ${c4} refs/tags/other\n`,
      }),
      event('reference-transaction', c2, 4, { args: ['prepared'], stdin: `${'0'.repeat(40)} ${c4} refs/tags/v3.0\n` }),
    ]
    expect(planJobs(events, jobs, facts).runs.map((r) => r.commit)).toEqual([c1, c3])
  })

  it('post-checkout plans the new HEAD from its arguments', () => {
    const events = [event('post-checkout', c2, 1, { args: [c1, c3, '1'] })]
    expect(planJobs(events, [job('co', { hooks: ['post-checkout'] })], factsFor(C)).runs.map((r) => r.commit)).toEqual([
      c3,
    ])
  })

  it('commitEvents makes gitvan run plan each commit as if just made', () => {
    const { runs } = planJobs(commitEvents([c1, c2]), [job('a', { hooks: ['post-commit'] })], factsFor(C))
    expect(runs.map((r) => [r.commit, r.hook, r.branch])).toEqual([
      [c1, 'post-commit', undefined],
      [c2, 'post-commit', undefined],
    ])
  })

  it('is pure: imports no fs or child_process', () => {
    const source = readFileSync(path.join(import.meta.dirname, '../../src/schedule/plan.ts'), 'utf8')
    expect(source).not.toMatch(/node:(fs|child_process)/)
  })
})
