import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireLock, listLocks, lockRef, releaseLock } from '../../src/git/locks.js'
import { readRef } from '../../src/git/refs.js'
import { findRepo } from '../../src/git/repo.js'
import { makeRepo, removeTemp } from '../helpers/repo.js'
import { buildWorker, runWorker } from './worker.js'

afterAll(removeTemp)

let worker = ''
beforeAll(async () => {
  worker = await buildWorker()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('lock refs', () => {
  it('lets exactly one of 8 racing processes claim a (job, commit)', async () => {
    const repo = makeRepo()
    const head = repo.rev('HEAD')
    const release = path.join(repo.dir, '.git/release-lock')
    // the winner holds the lock until every loser has answered, so none can find it dead and take it over
    let answered = 0
    const runs = Array.from({ length: 8 }, () =>
      runWorker(worker, ['lock', repo.dir, 'build', head, '600000', release], { cwd: repo.dir, env: repo.env }).then(
        (r) => {
          if (++answered === 7) writeFileSync(release, '')
          return r
        },
      ),
    )
    const outcomes = (await Promise.all(runs)).map(
      (r) => JSON.parse(r.stdout) as { ok: boolean; reason?: string; owner?: { pid: number } },
    )
    const winners = outcomes.filter((o) => o.ok)
    expect(winners).toHaveLength(1)
    for (const o of outcomes.filter((x) => !x.ok))
      expect(o).toMatchObject({ reason: 'held', owner: { pid: expect.any(Number) } })
    expect(new Set(outcomes.filter((x) => !x.ok).map((o) => o.owner?.pid)).size).toBe(1)
    expect(repo.git(['for-each-ref', 'refs/gitvan/locks/']).stdout).toBe('')
  })

  it('points at a blob naming owner, pid, host, time and lease, and releases only with the value it wrote', async () => {
    const repo = makeRepo()
    const r = findRepo(repo.dir)
    const head = repo.rev('HEAD')
    const got = await acquireLock(r, { job: 'build', commit: head, leaseMs: 60_000 })
    if (!got.ok) throw new Error('expected the lock')
    const content = JSON.parse(repo.git(['cat-file', 'blob', lockRef('build', head)]).stdout) as Record<string, unknown>
    expect(content).toMatchObject({
      owner: `${os.hostname()}:${process.pid}`,
      pid: process.pid,
      host: os.hostname(),
      lease: 60_000,
      time: expect.any(String),
    })
    expect(await acquireLock(r, { job: 'build', commit: head, leaseMs: 60_000 })).toMatchObject({
      ok: false,
      reason: 'held',
      owner: { pid: process.pid },
    })
    expect(await listLocks(r)).toMatchObject([{ job: 'build', commit: head, expired: false }])
    expect(await releaseLock(r, got.lock)).toEqual({ ok: true })
    expect(await readRef(r, lockRef('build', head))).toBeUndefined()
    expect(await releaseLock(r, got.lock)).toMatchObject({ ok: false, reason: 'stale' })
  })

  it('takes over an expired lease by compare-and-swap; the old owner then cannot release it', async () => {
    const repo = makeRepo()
    const r = findRepo(repo.dir)
    const head = repo.rev('HEAD')
    const old = await acquireLock(r, { job: 'build', commit: head, leaseMs: 1 })
    if (!old.ok) throw new Error('expected the lock')
    await sleep(20)
    const taken = await acquireLock(r, { job: 'build', commit: head, leaseMs: 60_000 })
    expect(taken).toMatchObject({ ok: true, tookOver: { lease: 1 } })
    expect(await releaseLock(r, old.lock)).toMatchObject({ ok: false, reason: 'stale' })
    if (taken.ok) expect(await readRef(r, lockRef('build', head))).toBe(taken.lock.oid)
  })

  it('takes over a lock whose owner process on this host is dead', async () => {
    const repo = makeRepo()
    const head = repo.rev('HEAD')
    const first = await runWorker(worker, ['lock', repo.dir, 'build', head, '600000'], { cwd: repo.dir, env: repo.env })
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true })
    const second = await acquireLock(findRepo(repo.dir), { job: 'build', commit: head, leaseMs: 60_000 })
    expect(second).toMatchObject({ ok: true, tookOver: { lease: 600000 } })
  })

  it('is shared by linked worktrees', async () => {
    const repo = makeRepo()
    const tree = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-wt-')), 'linked')
    repo.git(['worktree', 'add', '-q', '-b', 'linked', tree])
    const head = repo.rev('HEAD')
    const mine = await acquireLock(findRepo(tree), { job: 'build', commit: head, leaseMs: 60_000 })
    expect(mine.ok).toBe(true)
    expect(await acquireLock(findRepo(repo.dir), { job: 'build', commit: head, leaseMs: 60_000 })).toMatchObject({
      ok: false,
      reason: 'held',
    })
  })

  it('refuses a job id that cannot be a ref component', () => {
    expect(() => lockRef('bad job', 'a'.repeat(40))).toThrow(/cannot name a lock ref: it contains a space/)
  })
})
