import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { addCommits } from '../helpers/history.js'
import { CLI, makeRepo, removeTemp, runAsync, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

const NOTES = 'refs/notes/gitvan/results'

function withConfig(repo: TestRepo, jobs: string): void {
  repo.write('gitvan.config.mjs', `export default { jobs: { ${jobs} } }\n`)
}

const RECEIPT_JOB = `receipt: { on: 'post-commit', run: async (ctx) => ({ files: ctx.files, commit: ctx.commit }) }`

const noteLines = (repo: TestRepo, commit: string): string[] =>
  repo.git(['notes', '--ref=gitvan/results', 'show', commit], { allowFail: true }).stdout.split('\n').filter(Boolean)

const parsed = (repo: TestRepo, commit: string) =>
  noteLines(repo, commit).map((line) => JSON.parse(line) as Record<string, unknown>)

describe('gitvan run', () => {
  it('--all over 1,000 commits writes 1,001 receipts with the job data in a few notes commits; fsck clean; quiet but a summary', () => {
    const repo = makeRepo()
    withConfig(repo, RECEIPT_JOB)
    const commits = addCommits(repo, 1000)
    expect(commits).toHaveLength(1001)
    const r = repo.gitvan(['run', '--all'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    expect(r.stdout).toMatch(/1001 runs, 1001 ok, 0 failed/)
    expect(repo.git(['notes', '--ref=gitvan/results', 'list']).stdout.trim().split('\n')).toHaveLength(1001)
    const notesCommits = Number(repo.git(['rev-list', '--count', NOTES]).stdout)
    expect(notesCommits).toBeGreaterThanOrEqual(1)
    expect(notesCommits).toBeLessThanOrEqual(5)
    const sample = commits[500] as string
    const [line] = parsed(repo, sample)
    expect(line).toMatchObject({
      schema: 'gitvan.receipt.v1',
      job: 'receipt',
      commit: sample,
      hook: 'post-commit',
      status: 'ok',
      cache: 'miss',
      outputs: [],
    })
    expect(line?.key).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(line?.data).toEqual({ files: [`f${500 % 7}.txt`], commit: sample })
    expect(repo.git(['log', '-1', '--notes=gitvan/results', sample]).stdout).toContain('"job":"receipt"')
    const fsck = repo.git(['fsck', '--strict'], { allowFail: true })
    expect(fsck.code, fsck.stderr).toBe(0)
    expect(repo.git(['for-each-ref', 'refs/gitvan/scratch/']).stdout).toBe('')
  })

  it('skips commits that have a receipt for the job, unless --force', () => {
    const repo = makeRepo()
    withConfig(repo, RECEIPT_JOB)
    const commits = addCommits(repo, 5)
    expect(repo.gitvan(['run', 'HEAD~2..HEAD']).code).toBe(0)
    expect(noteLines(repo, commits[5] as string)).toHaveLength(1)
    expect(noteLines(repo, commits[3] as string)).toHaveLength(0)
    const again = repo.gitvan(['run', '--all', '--reporter', 'json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({
      runs: 4,
      skipped: 2,
      receipts: 4,
      jobs: { receipt: { runs: 4, ok: 4, skipped: 2 } },
    })
    const forced = repo.gitvan(['run', 'HEAD', '--force'])
    expect(forced.code).toBe(0)
    // both runs stay on the commit: the lines differ in `at`
    expect(noteLines(repo, commits[5] as string)).toHaveLength(2)
  })

  it('runs a single revision as just that commit, and only the jobs named with --job', () => {
    const repo = makeRepo()
    withConfig(
      repo,
      `${RECEIPT_JOB}, other: { on: 'post-commit', run: async () => 1 }, merged: { on: 'post-merge', run: async () => 2 }`,
    )
    const commits = addCommits(repo, 3)
    expect(repo.gitvan(['run', 'HEAD~1', '--job', 'other']).code).toBe(0)
    expect(parsed(repo, commits[2] as string).map((x) => x.job)).toEqual(['other'])
    expect(noteLines(repo, commits[3] as string)).toEqual([])
    expect(repo.gitvan(['run', 'HEAD', '--hook', 'post-merge']).code).toBe(0)
    expect(parsed(repo, commits[3] as string)).toMatchObject([{ job: 'merged', hook: 'post-merge', data: 2 }])
  })

  it('exits 1 when a job fails, shows it on stderr, and reports it in json, junit and github formats', () => {
    const repo = makeRepo()
    withConfig(
      repo,
      `${RECEIPT_JOB}, boom: { on: 'post-commit', run: async (ctx) => { if (ctx.commit.startsWith(process.env.FAIL_ON ?? 'x')) throw new Error('exploded on purpose'); return 'fine' } }`,
    )
    const commits = addCommits(repo, 2)
    const target = commits[1] as string
    const pretty = repo.gitvan(['run', '--all'], { env: { FAIL_ON: target } })
    expect(pretty.code).toBe(1)
    expect(pretty.stderr).toContain(`boom failed on ${target.slice(0, 12)}: exploded on purpose`)
    expect(parsed(repo, target).find((x) => x.job === 'boom')).toMatchObject({
      status: 'failed',
      error: { message: 'exploded on purpose' },
    })
    const json = repo.gitvan(['run', '--all', '--force', '--reporter', 'json'], { env: { FAIL_ON: target } })
    expect(json.code).toBe(1)
    const report = JSON.parse(json.stdout) as {
      failed: number
      jobs: Record<string, { failed: number; ok: number }>
      failures: { job: string; commit: string }[]
    }
    expect(report.failed).toBe(1)
    expect(report.jobs.boom).toMatchObject({ ok: 2, failed: 1 })
    expect(report.failures).toMatchObject([
      { job: 'boom', commit: target, status: 'failed', error: { message: 'exploded on purpose' } },
    ])
    const junit = repo.gitvan(['run', '--all', '--force', '--job', 'boom', '--reporter', 'junit'], {
      env: { FAIL_ON: target },
    })
    expect(junit.code).toBe(1)
    expect(junit.stdout).toMatch(/^<\?xml version="1.0"/)
    expect(junit.stdout).toMatch(/<testsuite name="boom" [^>]*tests="3" failures="1" errors="0" skipped="0"/)
    expect(junit.stdout).toContain(`name="boom @ ${target.slice(0, 12)} c1"`)
    expect(junit.stdout).toContain('<failure type="failed" message="exploded on purpose">')
    const github = repo.gitvan(['run', '--all', '--force', '--job', 'boom', '--reporter', 'github'], {
      env: { FAIL_ON: target },
    })
    expect(github.code).toBe(1)
    expect(github.stdout).toMatch(
      new RegExp(`^::error title=gitvan boom::boom failed on ${target}: exploded on purpose%0A`, 'm'),
    )
  })

  it('runs a failed job again on the next run, and only that one: a stale failure never passes', () => {
    const repo = makeRepo()
    withConfig(
      repo,
      `boom: { on: 'post-commit', run: async (ctx) => { if (ctx.commit.startsWith(process.env.FAIL_ON ?? 'x')) throw new Error('exploded on purpose'); return 'fine' } }`,
    )
    const commits = addCommits(repo, 2)
    const target = commits[1] as string
    expect(repo.gitvan(['run', '--all'], { env: { FAIL_ON: target } }).code).toBe(1)
    const stillFailing = repo.gitvan(['run', '--all', '--reporter', 'json'], { env: { FAIL_ON: target } })
    expect(stillFailing.code).toBe(1)
    expect(JSON.parse(stillFailing.stdout)).toMatchObject({ runs: 1, skipped: 2, failed: 1 })
    const fixed = repo.gitvan(['run', '--all', '--reporter', 'json'])
    expect(fixed.code).toBe(0)
    expect(JSON.parse(fixed.stdout)).toMatchObject({ runs: 1, skipped: 2, failed: 0 })
    const lines = parsed(repo, target)
    expect(lines.map((x) => x.status).sort()).toEqual(['failed', 'failed', 'ok'])
    const again = repo.gitvan(['run', '--all', '--reporter', 'json'])
    expect(JSON.parse(again.stdout)).toMatchObject({ runs: 0, skipped: 3 })
  })

  it('exits 2 with a clear message on usage errors', () => {
    const repo = makeRepo()
    withConfig(repo, RECEIPT_JOB)
    const cases: [string[], RegExp][] = [
      [['run', 'nope..HEAD'], /'nope\.\.HEAD' does not name a commit/],
      [['run', '--job', 'missing'], /no job 'missing' in .*gitvan\.config\.mjs/],
      [['run', '--concurrency', '0'], /--concurrency must be a whole number/],
      [['run', '--hook', 'pre-commit'], /which files\? gitvan run --hook pre-commit <A\.\.B>/],
      [['run', '--hook', 'post-comit'], /'post-comit' is not a hook/],
      [['run', '--reporter', 'xml'], /--reporter must be one of pretty, json, junit, github/],
      [['run', 'HEAD', '--all'], /not both/],
      [['run', '--', '--output=x'], /is not a revision or range/],
    ]
    for (const [args, message] of cases) {
      const r = repo.gitvan(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
    expect(makeRepo().gitvan(['run', '--all']).code).toBe(2) // no config
  })

  it('accepts --foreground and works from a linked worktree on packed refs', () => {
    const repo = makeRepo()
    withConfig(repo, RECEIPT_JOB)
    repo.git(['add', '-A'])
    repo.git(['commit', '-q', '-m', 'config'])
    const tree = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-wt-')), 'linked')
    repo.git(['worktree', 'add', '-q', '-b', 'linked', tree])
    repo.git(['commit', '-q', '--allow-empty', '-m', 'in worktree'], { cwd: tree })
    expect(repo.gitvan(['run', 'HEAD~1']).code).toBe(0) // creates the notes ref
    repo.git(['pack-refs', '--all'])
    const r = repo.gitvan(['run', '--all', '--foreground'], { cwd: tree })
    expect(r.code, r.stderr).toBe(0)
    expect(parsed(repo, repo.rev('linked'))).toMatchObject([{ job: 'receipt' }])
    expect(repo.git(['notes', '--ref=gitvan/results', 'list']).stdout.trim().split('\n')).toHaveLength(3)
  })

  it('exits 3 naming the lock file when a stale .lock blocks the notes ref', () => {
    const repo = makeRepo()
    withConfig(repo, RECEIPT_JOB)
    addCommits(repo, 2)
    expect(repo.gitvan(['run', 'HEAD~1']).code).toBe(0)
    const lockFile = path.join(repo.dir, '.git', `${NOTES}.lock`)
    writeFileSync(lockFile, '')
    const r = repo.gitvan(['run', 'HEAD'])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain(`${NOTES} is locked`)
    expect(r.stderr).toContain(lockFile)
    expect(r.stderr).toMatch(/old; if no git process is running/)
    expect(noteLines(repo, repo.rev('HEAD'))).toEqual([])
  })
  it('finishes the work exactly once after runs killed with -9 at random points', async () => {
    const repo = makeRepo()
    repo.write('gitvan.config.mjs', `export default { debounce: { maxBatch: 40 }, jobs: { ${RECEIPT_JOB} } }\n`)
    const commits = addCommits(repo, 300)
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, [CLI, 'run', '--all'], { cwd: repo.dir, env: repo.env, stdio: 'ignore' })
      const closed = new Promise((resolve) => child.on('close', resolve))
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400))
      child.kill('SIGKILL')
      await closed
      const tip = repo.git(['rev-parse', '-q', '--verify', NOTES], { allowFail: true }).stdout.trim()
      if (tip) expect(repo.git(['cat-file', '-t', tip]).stdout.trim()).toBe('commit')
    }
    const last = repo.gitvan(['run', '--all'])
    expect(last.code, last.stderr).toBe(0)
    for (const c of commits) expect(noteLines(repo, c), c).toHaveLength(1)
    expect(repo.git(['for-each-ref', 'refs/gitvan/scratch/']).stdout).toBe('')
    expect(repo.git(['fsck'], { allowFail: true }).code).toBe(0)
  })
})

describe('gitvan run racing itself', () => {
  it('keeps 800 of 800 receipts from eight processes over disjoint ranges while pack-refs --all runs', async () => {
    const repo = makeRepo()
    withConfig(repo, RECEIPT_JOB)
    const commits = addCommits(repo, 800).slice(1)
    let packing = true
    const packer = (async () => {
      while (packing)
        await new Promise((resolve) =>
          spawn('git', ['pack-refs', '--all'], { cwd: repo.dir, env: repo.env, stdio: 'ignore' }).on('close', resolve),
        )
    })()
    const runs = Array.from({ length: 8 }, (_, i) => {
      const from = commits[i * 100 - 1] ?? repo.rev('HEAD~800')
      const to = commits[i * 100 + 99] as string
      return runAsync(process.execPath, [CLI, 'run', `${from}..${to}`], { cwd: repo.dir, env: repo.env })
    })
    const results = await Promise.all(runs)
    packing = false
    await packer
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    const listed = new Set(
      repo
        .git(['notes', '--ref=gitvan/results', 'list'])
        .stdout.trim()
        .split('\n')
        .map((line) => line.split(' ')[1]),
    )
    expect(listed.size).toBe(800)
    for (const c of commits) expect(listed.has(c)).toBe(true)
    expect(repo.git(['fsck'], { allowFail: true }).code).toBe(0)
  })

  it('keeps every line when 16 processes add receipts for the same commit', async () => {
    const repo = makeRepo()
    withConfig(
      repo,
      Array.from({ length: 16 }, (_, i) => `j${i}: { on: 'post-commit', run: async () => ${i} }`).join(', '),
    )
    const head = repo.rev('HEAD')
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        runAsync(process.execPath, [CLI, 'run', 'HEAD', '--job', `j${i}`], { cwd: repo.dir, env: repo.env }),
      ),
    )
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    const lines = parsed(repo, head)
    expect(lines.map((x) => x.job).sort()).toEqual(Array.from({ length: 16 }, (_, i) => `j${i}`).sort())
    for (const line of lines) expect(line.data).toBe(Number(String(line.job).slice(1)))
  })
})
