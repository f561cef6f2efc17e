import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readRef, updateRef, updateRefs, withRetry } from '../../src/git/refs.js'
import { findRepo } from '../../src/git/repo.js'
import { makeRepo, removeTemp, type TestRepo } from '../helpers/repo.js'
import { buildWorker, runWorker } from './worker.js'

afterAll(removeTemp)

let worker = ''
beforeAll(async () => {
  worker = await buildWorker()
})

const blob = (repo: TestRepo, text: string) => repo.git(['hash-object', '-w', '--stdin'], { input: text }).stdout.trim()
const counter = (repo: TestRepo, ref: string) => Number(repo.git(['cat-file', 'blob', ref]).stdout)

describe('updateRef', () => {
  it('creates only when absent, updates only from the expected value, deletes only the expected value', async () => {
    const repo = makeRepo()
    const r = findRepo(repo.dir)
    const [a, b] = [blob(repo, 'a'), blob(repo, 'b')]
    expect(await updateRef(r, { ref: 'refs/gitvan/t', newOid: a, oldOid: undefined })).toEqual({ ok: true })
    expect(await updateRef(r, { ref: 'refs/gitvan/t', newOid: b, oldOid: undefined })).toMatchObject({
      ok: false,
      reason: 'exists',
    })
    expect(await updateRef(r, { ref: 'refs/gitvan/t', newOid: b, oldOid: b })).toMatchObject({
      ok: false,
      reason: 'stale',
      detail: expect.stringContaining(a),
    })
    expect(await updateRef(r, { ref: 'refs/gitvan/t', newOid: b, oldOid: a })).toEqual({ ok: true })
    expect(await readRef(r, 'refs/gitvan/t')).toBe(b)
    expect(await updateRef(r, { ref: 'refs/gitvan/t', newOid: null, oldOid: a })).toMatchObject({
      ok: false,
      reason: 'stale',
    })
    expect(await updateRef(r, { ref: 'refs/gitvan/t', newOid: '0'.repeat(40), oldOid: b })).toEqual({ ok: true })
    expect(await readRef(r, 'refs/gitvan/t')).toBeUndefined()
    expect(await updateRef(r, { ref: 'refs/gitvan/t', newOid: a, oldOid: b })).toMatchObject({
      ok: false,
      reason: 'stale',
    })
  })

  it('reads and moves packed refs, and refuses an invalid ref name with a usage error', async () => {
    const repo = makeRepo()
    const r = findRepo(repo.dir)
    const [a, b] = [blob(repo, 'a'), blob(repo, 'b')]
    repo.git(['update-ref', 'refs/gitvan/p', a])
    repo.git(['pack-refs', '--all'])
    expect(await readRef(r, 'refs/gitvan/p')).toBe(a)
    expect(await updateRef(r, { ref: 'refs/gitvan/p', newOid: b, oldOid: b })).toMatchObject({
      ok: false,
      reason: 'stale',
    })
    expect(await updateRef(r, { ref: 'refs/gitvan/p', newOid: b, oldOid: a })).toEqual({ ok: true })
    expect(await readRef(r, 'refs/gitvan/p')).toBe(b)
    await expect(readRef(r, 'refs/gitvan/bad name')).rejects.toMatchObject({ code: 'USAGE' })
  })

  it('applies several updates as one transaction: all or none', async () => {
    const repo = makeRepo()
    const r = findRepo(repo.dir)
    const [a, b] = [blob(repo, 'a'), blob(repo, 'b')]
    repo.git(['update-ref', 'refs/gitvan/two', a])
    const refused = await updateRefs(r, [
      { ref: 'refs/gitvan/one', newOid: a, oldOid: undefined },
      { ref: 'refs/gitvan/two', newOid: b, oldOid: b },
    ])
    expect(refused).toMatchObject({ ok: false, reason: 'stale' })
    expect(await readRef(r, 'refs/gitvan/one')).toBeUndefined()
    expect(
      await updateRefs(r, [
        { ref: 'refs/gitvan/one', newOid: a, oldOid: undefined },
        { ref: 'refs/gitvan/two', newOid: b, oldOid: a },
      ]),
    ).toEqual({ ok: true })
    expect([await readRef(r, 'refs/gitvan/one'), await readRef(r, 'refs/gitvan/two')]).toEqual([a, b])
  })

  it("reports a pre-made .lock as 'locked' with the file and its age, and does not hang", async () => {
    const repo = makeRepo()
    const r = findRepo(repo.dir)
    const a = blob(repo, 'a')
    repo.git(['update-ref', 'refs/gitvan/l', a])
    const lockFile = path.join(r.commonDir, 'refs/gitvan/l.lock')
    writeFileSync(lockFile, '')
    const outcome = await updateRef(r, { ref: 'refs/gitvan/l', newOid: blob(repo, 'b'), oldOid: a })
    expect(outcome).toMatchObject({ ok: false, reason: 'locked', lockFile })
    if (outcome.ok) throw new Error('unreachable')
    expect(outcome.lockAgeMs).toBeGreaterThanOrEqual(0)
    expect(outcome.detail).toContain(lockFile)
    expect(outcome.detail).toMatch(/old; if no git process is running/)
  })
})

describe('withRetry', () => {
  it('stops at the first value that needs no retry, or when attempts run out', async () => {
    const seen: number[] = []
    const done = await withRetry(
      async (n) => {
        seen.push(n)
        return n
      },
      (n) => n < 3,
      { baseMs: 1 },
    )
    expect(done).toEqual({ value: 3, attempts: 3 })
    const exhausted = await withRetry(
      async (n) => n,
      () => true,
      { attempts: 4, baseMs: 1 },
    )
    expect(exhausted).toEqual({ value: 4, attempts: 4 })
    expect(seen).toEqual([1, 2, 3])
  })
})

describe('racing compare-and-swap', () => {
  it('loses no increment when 8 processes increment one ref 15 times each, while pack-refs --all runs', async () => {
    const repo = makeRepo()
    let packing = true
    const packer = (async () => {
      let packs = 0
      while (packing) {
        await new Promise((resolve) =>
          spawn('git', ['pack-refs', '--all'], { cwd: repo.dir, env: repo.env, stdio: 'ignore' }).on('close', resolve),
        )
        packs++
      }
      return packs
    })()
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        runWorker(worker, ['increment', repo.dir, 'refs/gitvan/counter', '15'], { cwd: repo.dir, env: repo.env }),
      ),
    )
    packing = false
    expect(await packer).toBeGreaterThan(0)
    for (const result of results) expect(JSON.parse(result.stdout), result.stderr).toMatchObject({ ok: true })
    expect(counter(repo, 'refs/gitvan/counter')).toBe(120)
    expect(repo.git(['fsck'], { allowFail: true }).code).toBe(0)
  })
})

describe('inside hooks and linked worktrees', () => {
  it('writes through GIT_DIR and GIT_WORK_TREE as git sets them for a hook, from a linked worktree', async () => {
    const repo = makeRepo()
    const tree = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-wt-')), 'linked')
    repo.git(['worktree', 'add', '-q', '-b', 'linked', tree])
    const hooks = path.join(repo.dir, '.git/hooks')
    // the hook shows what git exported to it, then runs the git layer from the worktree root
    writeFileSync(
      path.join(hooks, 'post-commit'),
      `#!/bin/sh\nenv | grep '^GIT_DIR=' >> "${repo.dir}/.git/hook-env"\nexec "${process.execPath}" "${worker}" increment . refs/gitvan/hooked 1\n`,
    )
    chmodSync(path.join(hooks, 'post-commit'), 0o755)
    repo.git(['commit', '-q', '--allow-empty', '-m', 'in linked worktree'], { cwd: tree })
    repo.git(['commit', '-q', '--allow-empty', '-m', 'in main worktree'])
    expect(counter(repo, 'refs/gitvan/hooked')).toBe(2)
    expect(await readRef(findRepo(tree), 'refs/gitvan/hooked')).toBe(repo.rev('refs/gitvan/hooked'))
  })

  it('resolves a relative GIT_DIR and GIT_WORK_TREE against the directory they were set in', async () => {
    const repo = makeRepo()
    repo.write('sub/file', 'x\n')
    const env = { ...repo.env, GIT_DIR: '.git', GIT_WORK_TREE: '.' }
    const result = await runWorker(worker, ['increment', 'sub', 'refs/gitvan/relative', '2'], { cwd: repo.dir, env })
    expect(JSON.parse(result.stdout), result.stderr).toMatchObject({ ok: true })
    expect(counter(repo, 'refs/gitvan/relative')).toBe(2)
  })
})
