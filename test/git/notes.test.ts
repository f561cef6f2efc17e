import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasReceipt, NOTES_REF, publishReceipts, readReceipts, unionLines } from '../../src/git/notes.js'
import { readRef } from '../../src/git/refs.js'
import { findRepo } from '../../src/git/repo.js'
import { RECEIPT_SCHEMA, type Receipt, toReceiptLine } from '../../src/receipt.js'
import { makeRepo, removeTemp, type TestRepo } from '../helpers/repo.js'
import { buildWorker, runWorker } from './worker.js'

afterAll(removeTemp)

let worker = ''
beforeAll(async () => {
  worker = await buildWorker()
})

const receipt = (commit: string, job: string, extra: Partial<Receipt> = {}): Receipt => ({
  schema: RECEIPT_SCHEMA,
  job,
  commit,
  hook: 'post-commit',
  status: 'ok',
  at: '2026-11-21T10:00:00.000Z',
  ms: 1,
  cache: 'off',
  outputs: [],
  runner: 'test:1',
  ...extra,
})

/** Makes `count` commits with fast-import (quick even for thousands) and returns them oldest first. */
function makeCommits(repo: TestRepo, count: number): string[] {
  let stream = ''
  for (let i = 1; i <= count; i++) {
    const message = `c${i}\n`
    stream += `commit refs/heads/main\nmark :${i}\ncommitter T <t@example.invalid> ${1700000000 + i} +0000\ndata ${message.length}\n${message}`
    stream += i === 1 ? `from ${repo.rev('HEAD')}\n\n` : `from :${i - 1}\n\n`
  }
  repo.git(['fast-import', '--quiet'], { input: stream })
  return repo.git(['rev-list', '--reverse', 'HEAD']).stdout.trim().split('\n')
}

const showNote = (repo: TestRepo, commit: string) => repo.git(['notes', '--ref=gitvan/results', 'show', commit]).stdout

describe('publishReceipts', () => {
  it('writes receipts for many commits as one notes commit that plain git reads back, fsck clean', async () => {
    const repo = makeRepo()
    const commits = makeCommits(repo, 300)
    const result = await publishReceipts(
      findRepo(repo.dir),
      commits.map((c) => receipt(c, 'build', { data: { n: c.slice(0, 4) } })),
    )
    expect(result).toEqual({ notesCommits: 1, attempts: 1 })
    expect(repo.git(['rev-list', '--count', NOTES_REF]).stdout.trim()).toBe('1')
    for (const c of [commits[0], commits[150], commits[299]] as string[]) {
      expect(showNote(repo, c)).toBe(`${toReceiptLine(receipt(c, 'build', { data: { n: c.slice(0, 4) } }))}\n`)
    }
    const log = repo.git(['log', '-1', '--notes=gitvan/results', commits[10] as string]).stdout
    expect(log).toContain('"job":"build"')
    // enough notes that the tree fans out, and nothing is left on scratch refs
    expect(repo.git(['ls-tree', '--name-only', NOTES_REF]).stdout.split('\n')[0]).toMatch(/^[0-9a-f]{2}$/)
    expect(repo.git(['for-each-ref', 'refs/gitvan/scratch/']).stdout).toBe('')
    const fsck = repo.git(['fsck', '--strict'], { allowFail: true })
    expect(fsck.code, fsck.stderr).toBe(0)
  })

  it('keeps the union of old and new lines on a commit that already has a note, sorted and unique', async () => {
    const repo = makeRepo()
    const head = repo.rev('HEAD')
    repo.git(['notes', '--ref=gitvan/results', 'add', '-m', 'zz hand-written line', head])
    const r = findRepo(repo.dir)
    await publishReceipts(r, [receipt(head, 'b')])
    await publishReceipts(r, [receipt(head, 'a'), receipt(head, 'b')])
    const expected = unionLines(
      toReceiptLine(receipt(head, 'a')),
      toReceiptLine(receipt(head, 'b')),
      'zz hand-written line',
    )
    expect(showNote(repo, head)).toBe(expected)
    expect(expected.trimEnd().split('\n')).toHaveLength(3)
    const read = await readReceipts(r, [head])
    expect(
      read
        .get(head)
        ?.map((x) => x.job)
        .sort(),
    ).toEqual(['a', 'b'])
    expect([hasReceipt(read, head, 'a'), hasReceipt(read, head, 'c'), hasReceipt(read, 'f'.repeat(40), 'a')]).toEqual([
      true,
      false,
      false,
    ])
  })

  it('reads fanned-out notes that plain git wrote, including commits without a note', async () => {
    const repo = makeRepo()
    const commits = makeCommits(repo, 260)
    const noted = commits.filter((_, i) => i % 2 === 0)
    for (const c of noted)
      repo.git(['notes', '--ref=gitvan/results', 'add', '-m', toReceiptLine(receipt(c, 'lint')), c])
    expect(repo.git(['ls-tree', '--name-only', NOTES_REF]).stdout.split('\n')[0]).toMatch(/^[0-9a-f]{2}$/)
    const read = await readReceipts(findRepo(repo.dir), commits)
    expect(read.size).toBe(noted.length)
    for (const c of noted) expect(read.get(c)).toEqual([receipt(c, 'lint')])
    // and writing on top of git's fanout keeps one note per commit
    await publishReceipts(
      findRepo(repo.dir),
      commits.map((c) => receipt(c, 'test')),
    )
    const paths = repo.git(['ls-tree', '-r', '--name-only', NOTES_REF]).stdout.trim().split('\n')
    expect(paths).toHaveLength(commits.length)
    expect(showNote(repo, noted[7] as string)).toBe(
      unionLines(
        toReceiptLine(receipt(noted[7] as string, 'lint')),
        toReceiptLine(receipt(noted[7] as string, 'test')),
      ),
    )
  })

  it('loses no line when 16 processes publish at once, for different commits and for the same one', async () => {
    const repo = makeRepo()
    const commits = makeCommits(repo, 16)
    const shared = commits[0] as string
    const runs = commits.map((c, i) =>
      runWorker(worker, ['publish', repo.dir], {
        cwd: repo.dir,
        env: repo.env,
        input: JSON.stringify([receipt(c, `own${i}`), receipt(shared, `shared${i}`)]),
      }),
    )
    const results = await Promise.all(runs)
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0)
    const read = await readReceipts(findRepo(repo.dir), commits)
    expect(
      read
        .get(shared)
        ?.map((x) => x.job)
        .sort(),
    ).toEqual(
      [...commits.keys()]
        .map((i) => `shared${i}`)
        .concat('own0')
        .sort(),
    )
    commits.forEach((c, i) => {
      if (i > 0) expect(read.get(c)?.map((x) => x.job)).toEqual([`own${i}`])
    })
    expect(repo.git(['for-each-ref', 'refs/gitvan/scratch/']).stdout).toBe('')
    expect(repo.git(['fsck'], { allowFail: true }).code).toBe(0)
  })

  it('reports a stale .lock on the notes ref as LOCKED, naming the file and its age', async () => {
    const repo = makeRepo()
    const r = findRepo(repo.dir)
    await publishReceipts(r, [receipt(repo.rev('HEAD'), 'a')])
    const lockFile = path.join(r.commonDir, `${NOTES_REF}.lock`)
    writeFileSync(lockFile, '')
    const error = await publishReceipts(r, [receipt(repo.rev('HEAD'), 'b')], { retry: { maxMs: 20 } }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'LOCKED', exitCode: 3 })
    const details = (error as { details: string[] }).details.join('\n')
    expect(details).toContain(lockFile)
    expect(details).toMatch(/is \d+ (ms|s) old/)
    expect(await readRef(r, NOTES_REF)).toBe(repo.rev(NOTES_REF))
  })

  it('survives kill -9 at random points of a publish: no torn ref, the next writer succeeds', async () => {
    const repo = makeRepo()
    const commits = makeCommits(repo, 400)
    const r = findRepo(repo.dir)
    for (let round = 0; round < 6; round++) {
      const { spawn } = await import('node:child_process')
      const child = spawn(process.execPath, [worker, 'publish', repo.dir], {
        cwd: repo.dir,
        env: repo.env,
        stdio: ['pipe', 'ignore', 'ignore'],
      })
      const closed = new Promise((resolve) => child.on('close', resolve))
      child.stdin.end(JSON.stringify(commits.map((c) => receipt(c, `killed${round}`))))
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 200))
      child.kill('SIGKILL')
      await closed
      const tip = await readRef(r, NOTES_REF)
      if (tip !== undefined) expect(repo.git(['cat-file', '-t', tip]).stdout.trim()).toBe('commit')
      await publishReceipts(r, [receipt(commits[round] as string, `after${round}`)])
      const read = await readReceipts(r, [commits[round] as string])
      expect(read.get(commits[round] as string)?.some((x) => x.job === `after${round}`)).toBe(true)
    }
    expect(repo.git(['fsck'], { allowFail: true }).code).toBe(0)
    // scratch refs of the killed writers are pruned by the next writer process
    const next = await runWorker(worker, ['publish', repo.dir], {
      cwd: repo.dir,
      env: repo.env,
      input: JSON.stringify([receipt(commits[0] as string, 'last')]),
    })
    expect(next.code, next.stdout).toBe(0)
    expect(repo.git(['for-each-ref', 'refs/gitvan/scratch/']).stdout).toBe('')
  })
})

describe('unionLines', () => {
  it("gives what git's cat_sort_uniq merge gives: byte order, unique, no empty lines", () => {
    const repo = makeRepo()
    const head = repo.rev('HEAD')
    const ours = 'b line\n{"z":"é"}\na line\n\nshared\n'
    const theirs = 'shared\n{"z":"😀"}\n{"z":"ｚ"}\nA upper\n'
    repo.git(['notes', '--ref=ours', 'add', '-m', ours, head])
    repo.git(['notes', '--ref=theirs', 'add', '-m', theirs, head])
    repo.git(['notes', '--ref=ours', 'merge', '-q', '-s', 'cat_sort_uniq', 'refs/notes/theirs'])
    expect(unionLines(ours, theirs)).toBe(repo.git(['notes', '--ref=ours', 'show', head]).stdout)
  })
})
