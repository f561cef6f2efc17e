import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp } from '../helpers/repo.js'
import { asyncRepo } from './fixture.js'

afterAll(removeTemp)

describe('gitvan status, receipts and log', () => {
  const repo = asyncRepo({
    count: false,
    jobs: `
      good: { on: 'post-commit', run: (ctx) => ({ files: ctx.files }) },
      bad: { on: 'post-commit', run: () => { throw Object.assign(new Error('it broke'), { code: 'BROKE' }) } },`,
  })
  repo.write('a file.txt', 'x\n')
  repo.commit('work', { env: { CI: '1' } })
  const head = repo.rev('HEAD')

  it('status: human text and the JSON of the contract', () => {
    const text = repo.gitvan(['status'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^spool: +0 waiting$/m)
    expect(text.stdout).toMatch(/^runner: +not running$/m)
    expect(text.stdout).toMatch(/^locks: +none held$/m)
    expect(text.stdout).toMatch(/^last batch: .*1 event\(s\), 2 run\(s\), 1 not ok/m)
    const json = JSON.parse(repo.gitvan(['status', '--json']).stdout)
    expect(json).toMatchObject({
      spool: 0,
      runner: { alive: false, pid: null },
      locks: [],
      lastBatch: { events: 1, runs: 2, failed: 1 },
    })
  })

  it('receipts: the latest per job, human and JSON; --all shows every line', () => {
    const text = repo.gitvan(['receipts'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`receipts on ${head.slice(0, 12)} (HEAD):`)
    expect(text.stdout).toMatch(/^ {2}failed +bad .*\n +error: it broke \(BROKE\)$/m)
    expect(text.stdout).toMatch(/^ {2}ok +good .*\n +data: \{"files":\["a file.txt"\]\}$/m)
    const json = JSON.parse(repo.gitvan(['receipts', 'main', '--json']).stdout)
    expect(json.commit).toBe(head)
    expect(json.receipts.map((r: { job: string; status: string }) => [r.job, r.status])).toEqual([
      ['bad', 'failed'],
      ['good', 'ok'],
    ])
    expect(Object.keys(json.receipts[1])).toEqual([
      'schema',
      'job',
      'commit',
      'hook',
      'status',
      'at',
      'ms',
      'cache',
      'key',
      'data',
      'outputs',
      'runner',
    ])
    expect(repo.gitvan(['receipts', 'HEAD~1']).stdout).toMatch(/^no receipts on [0-9a-f]{12} \(HEAD~1\)$/m)
  })

  it('receipts: a revision that is not a commit is a usage error that says so', () => {
    const r = repo.gitvan(['receipts', 'no-such-branch'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("receipts: 'no-such-branch' is not a commit in")
    expect(repo.gitvan(['receipts', 'a', 'b']).code).toBe(2)
  })

  it('log: the end of the runner log, -n lines; a bad -n is a usage error', () => {
    const r = repo.gitvan(['log', '-n', '2'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(repo.gitvan(['log', '--all']).stdout).toMatch(
      /bad on [0-9a-f]{12} \(post-commit\): failed in \d+ ms: it broke/,
    )
    const bad = repo.gitvan(['log', '-n', 'many'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("--lines expects a whole number, got 'many'")
  })
})
