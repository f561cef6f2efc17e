import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { addCommits } from '../helpers/history.js'
import { CLI, makeRepo, removeTemp, runAsync, type TestRepo, tempDir } from '../helpers/repo.js'

afterAll(removeTemp)

const NOTES = 'refs/notes/gitvan/results'

/** Gives every commit of main a new message, keeping trees (as `git rebase -i` with `reword` does); returns the new oids. */
function rewordAll(repo: Pick<TestRepo, 'git'>): string[] {
  const old = repo.git(['rev-list', '--reverse', 'HEAD']).stdout.trim().split('\n')
  const renamed = new Map<string, string>()
  const fresh: string[] = []
  for (const commit of old) {
    const [tree, ...parents] = repo.git(['log', '-1', '--format=%T %P', commit]).stdout.trim().split(' ')
    const args = ['commit-tree', tree as string, ...parents.filter(Boolean).flatMap((p) => ['-p', renamed.get(p) ?? p])]
    const oid = repo.git([...args, '-m', `reworded ${commit.slice(0, 7)}`]).stdout.trim()
    renamed.set(commit, oid)
    fresh.push(oid)
  }
  repo.git(['update-ref', 'refs/heads/main', fresh.at(-1) as string])
  repo.git(['reset', '-q', '--hard', 'main'])
  return fresh
}

/** A counter file outside the repository: each job appends its id when it really runs. */
function counter(): { readonly file: string; readonly take: () => Map<string, number> } {
  const file = path.join(tempDir('gitvan-count-'), 'count')
  writeFileSync(file, '')
  return {
    file,
    take: () => {
      const counts = new Map<string, number>()
      for (const id of readFileSync(file, 'utf8').split('\n').filter(Boolean)) counts.set(id, (counts.get(id) ?? 0) + 1)
      writeFileSync(file, '')
      return counts
    },
  }
}

/** The config: `jobs` is the body of the jobs object; COUNT is the counter file. */
function withConfig(repo: TestRepo, count: string, jobs: string, extra = ''): void {
  repo.write(
    'gitvan.config.mjs',
    `import { appendFileSync } from 'node:fs'\nconst COUNT = ${JSON.stringify(count)}\nconst ran = (id) => appendFileSync(COUNT, id + '\\n')\nexport default { ${extra} jobs: { ${jobs} } }\n`,
  )
}

const FILES_JOB = `files: { on: 'post-commit', run: (ctx) => { ran('files'); return { files: ctx.files } } }`
const COMMIT_JOB = `commit: { on: 'post-commit', run: (ctx) => { ran('commit'); return { commit: ctx.commit } } }`
const cmdJob = (count: string, extra = '') =>
  `cmd: { on: 'post-commit', run: ${JSON.stringify(`sh -c 'echo cmd >> ${count}'`)}${extra} }`

type Line = { job: string; commit: string; cache: string; key?: string; data?: unknown; status: string }

const receiptsOf = (repo: TestRepo, commit: string): Line[] =>
  repo
    .git(['notes', '--ref=gitvan/results', 'show', commit], { allowFail: true })
    .stdout.split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line)

const latest = (repo: TestRepo, commit: string, job: string): Line | undefined =>
  receiptsOf(repo, commit)
    .filter((r) => r.job === job)
    .sort((a, b) => ((a as { at?: string }).at ?? '').localeCompare((b as { at?: string }).at ?? ''))
    .at(-1)

const dropReceipts = (repo: TestRepo) => repo.git(['update-ref', '-d', NOTES])

const runAll = (repo: TestRepo, args: string[] = [], env: NodeJS.ProcessEnv = {}) => {
  const r = repo.gitvan(['run', '--all', '--reporter', 'json', ...args], { env })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as { runs: number; cached: number; jobs: Record<string, { cached: number }> }
}

describe('gitvan run with the job cache, over 300 commits', () => {
  it('after the receipts are deleted, rewording every commit, changing a declared input, --no-cache', () => {
    const repo = makeRepo()
    const count = counter()
    repo.write('input.txt', 'one\n')
    withConfig(
      repo,
      count.file,
      [FILES_JOB, COMMIT_JOB, cmdJob(count.file, ", cache: { inputs: ['input.txt'] }")].join(', '),
    )
    const commits = addCommits(repo, 299)
    expect(commits).toHaveLength(300)

    let report = runAll(repo)
    expect(report.runs).toBe(900)
    expect(report.cached).toBe(0)
    expect(Object.fromEntries(count.take())).toEqual({ files: 300, commit: 300, cmd: 300 })
    const sample = commits[150] as string
    expect(latest(repo, sample, 'files')).toMatchObject({ cache: 'miss', key: expect.stringMatching(/^sha256:/) })

    // The receipts are gone: the disk cache answers, with the data each commit had.
    dropReceipts(repo)
    report = runAll(repo)
    expect(report.runs).toBe(900)
    expect(report.cached).toBeGreaterThanOrEqual(891)
    const again = count.take()
    for (const id of ['files', 'commit', 'cmd']) expect(again.get(id) ?? 0).toBeLessThanOrEqual(3)
    for (const commit of [commits[0], sample, commits.at(-1)] as string[]) {
      const files = latest(repo, commit, 'files')
      expect(files).toMatchObject({ cache: 'hit', status: 'ok' })
      expect(files?.data).toEqual({
        files: [commit === commits[0] ? 'README.md' : `f${commits.indexOf(commit) % 7}.txt`],
      })
      expect(latest(repo, commit, 'commit')).toMatchObject({ cache: 'hit', data: { commit } })
    }

    // Reworded: the same trees under new commits. What reads only files or the tree hits; what read ctx.commit runs.
    const reworded = rewordAll(repo)
    expect(reworded).toHaveLength(300)
    expect(reworded.some((oid) => commits.includes(oid))).toBe(false)
    report = runAll(repo)
    const afterReword = count.take()
    expect(afterReword.get('files') ?? 0).toBeLessThanOrEqual(3)
    expect(afterReword.get('cmd') ?? 0).toBeLessThanOrEqual(3)
    expect(afterReword.get('commit')).toBe(300)
    const newSample = reworded[150] as string
    expect(latest(repo, newSample, 'files')).toMatchObject({ cache: 'hit', data: { files: [`f${150 % 7}.txt`] } })
    expect(latest(repo, newSample, 'commit')).toMatchObject({ cache: 'miss', data: { commit: newSample } })

    // A declared input changed: the job that declared it runs everywhere again.
    repo.write('input.txt', 'two\n')
    dropReceipts(repo)
    report = runAll(repo)
    const afterInput = count.take()
    expect(afterInput.get('cmd') ?? 0).toBeGreaterThanOrEqual(290)
    expect(afterInput.get('files') ?? 0).toBeLessThanOrEqual(3)

    // --no-cache: everything runs, receipts there or not, and says so.
    report = runAll(repo, ['--no-cache'])
    expect(report.cached).toBe(0)
    const noCache = count.take()
    for (const id of ['files', 'commit', 'cmd']) expect(noCache.get(id) ?? 0).toBeGreaterThanOrEqual(290)
    expect(latest(repo, newSample, 'files')).toMatchObject({ cache: 'off' })
    expect(latest(repo, newSample, 'files')?.key).toBeUndefined()
  })
})

describe('job cache keys', () => {
  it('a command with {files}: the same files hit, a matched file changed misses, only an unmatched file changed hits', () => {
    const repo = makeRepo()
    const count = counter()
    withConfig(
      repo,
      count.file,
      `lint: { on: { hook: 'post-commit', paths: ['src/**'] }, run: ${JSON.stringify(`sh -c 'echo lint >> ${count.file}' {files}`)} }`,
    )
    repo.write('src/a.txt', 'a\n')
    repo.write('doc.txt', 'one\n')
    repo.commit('first')
    const first = repo.rev('HEAD')
    // The same content of src/a.txt on another commit (a revert and redo), with doc.txt changed too.
    repo.write('src/a.txt', 'b\n')
    repo.commit('change a')
    repo.write('src/a.txt', 'a\n')
    repo.write('doc.txt', 'two\n')
    repo.commit('a back, doc changed')
    const back = repo.rev('HEAD')
    for (const commit of [first, repo.rev('HEAD~1'), back]) {
      const r = repo.gitvan(['run', commit])
      expect(r.code, r.stderr).toBe(0)
    }
    // first and back give {files} = [src/a.txt] with the same blob: one run; 'change a' another.
    expect(count.take().get('lint')).toBe(2)
    expect(latest(repo, back, 'lint')).toMatchObject({ cache: 'hit' })
    expect(latest(repo, first, 'lint')?.key).toBe(latest(repo, back, 'lint')?.key)
    expect(latest(repo, repo.rev('HEAD~1'), 'lint')?.key).not.toBe(latest(repo, first, 'lint')?.key)
  })

  it('a changed config entry or template file gives another key; a missing template runs uncached', () => {
    const repo = makeRepo()
    const count = counter()
    repo.write('tpl.txt', 'v1\n')
    const job = (word: string) => `t: { on: 'post-commit', templates: ['tpl.txt'], run: 'true ${word}' }`
    withConfig(repo, count.file, job('a'))
    addCommits(repo, 2)
    const keyOf = () => latest(repo, repo.rev('HEAD'), 't')?.key
    repo.gitvan(['run', 'HEAD'])
    const first = keyOf()
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/)
    repo.gitvan(['run', 'HEAD', '--force'])
    expect(keyOf()).toBe(first)
    repo.write('tpl.txt', 'v2\n')
    repo.gitvan(['run', 'HEAD', '--force'])
    const template = keyOf()
    expect(template).toMatch(/^sha256:/)
    expect(template).not.toBe(first)
    withConfig(repo, count.file, job('b'))
    repo.gitvan(['run', 'HEAD', '--force'])
    expect(keyOf()).toMatch(/^sha256:/)
    expect(keyOf()).not.toBe(template)
    rmSync(path.join(repo.dir, 'tpl.txt'))
    repo.gitvan(['run', 'HEAD', '--force'])
    expect(latest(repo, repo.rev('HEAD'), 't')).toMatchObject({ cache: 'off' })
    expect(latest(repo, repo.rev('HEAD'), 't')?.key).toBeUndefined()
  })

  it('a function that read ctx.branch is keyed by the commit and its facts; cache: false never caches; by: commit', () => {
    const repo = makeRepo()
    const count = counter()
    withConfig(
      repo,
      count.file,
      [
        `branchy: { on: 'post-commit', run: (ctx) => { ran('branchy'); return { on: ctx.branch ?? null } } }`,
        `deploy: { on: 'post-commit', cache: false, run: () => { ran('deploy') } }`,
        cmdJob(count.file, ", cache: { by: 'commit' }"),
      ].join(', '),
    )
    addCommits(repo, 9)
    const doctor = repo.gitvan(['doctor']).stdout
    expect(doctor).toMatch(/^ {4}branchy: function, cached by what it sees \(rewording re-runs nothing\)$/m)
    expect(doctor).toMatch(/^ {4}deploy: function, not cached \(cache: false\)$/m)
    expect(doctor).toMatch(/^ {4}cmd: `sh -c [^\n]*`, cached by commit$/m)
    runAll(repo)
    expect(Object.fromEntries(count.take())).toEqual({ branchy: 10, deploy: 10, cmd: 10 })
    expect(latest(repo, repo.rev('HEAD'), 'deploy')).toMatchObject({ cache: 'off' })
    dropReceipts(repo)
    runAll(repo)
    expect(Object.fromEntries(count.take())).toEqual({ deploy: 10 })
    rewordAll(repo)
    runAll(repo)
    // Reworded: what read ctx.branch and the by-commit command run again, with the right data.
    expect(Object.fromEntries(count.take())).toEqual({ branchy: 10, deploy: 10, cmd: 10 })
    expect(latest(repo, repo.rev('HEAD'), 'branchy')).toMatchObject({ cache: 'miss', data: { on: 'main' } })
    dropReceipts(repo)
    runAll(repo)
    expect(Object.fromEntries(count.take())).toEqual({ deploy: 10 })
    expect(latest(repo, repo.rev('HEAD'), 'branchy')).toMatchObject({ cache: 'hit', data: { on: 'main' } })
  })

  it('a failed run is not stored: it runs again', () => {
    const repo = makeRepo()
    const count = counter()
    repo.write('flag', 'fail\n')
    withConfig(
      repo,
      count.file,
      `flaky: { on: 'post-commit', cache: { inputs: [] }, run: ${JSON.stringify(`sh -c 'echo flaky >> ${count.file}; test ! -e flag'`)} }`,
    )
    repo.commit('with flag')
    expect(repo.gitvan(['run', 'HEAD']).code).toBe(1)
    expect(repo.gitvan(['run', 'HEAD']).code).toBe(1)
    expect(count.take().get('flaky')).toBe(2)
    expect(latest(repo, repo.rev('HEAD'), 'flaky')).toMatchObject({ status: 'failed', cache: 'miss' })
  })
})

describe('job cache store', () => {
  it('corrupt and truncated entries are reported by cache verify and recomputed by the next run', () => {
    const repo = makeRepo()
    const count = counter()
    withConfig(repo, count.file, FILES_JOB)
    const commits = addCommits(repo, 39)
    runAll(repo)
    count.take()
    const jobs = path.join(repo.dir, '.git/gitvan/cache/jobs')
    const files = readdirSync(jobs, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.join(d.parentPath, d.name))
    expect(files.length).toBeGreaterThanOrEqual(20)
    // Two entries truncated, two with their body changed (valid JSON, another answer).
    truncateSync(files[0] as string, 10)
    truncateSync(files[1] as string, 80)
    for (const file of files.slice(2, 4)) {
      const text = readFileSync(file, 'utf8')
      writeFileSync(file, text.replace(/"files":\["[^"]*"\]/, '"files":["WRONG"]'))
    }
    const verify = repo.gitvan(['cache', 'verify'])
    expect(verify.code).toBe(1)
    expect(verify.stdout).toMatch(/4 corrupt, removed/)
    for (const file of files.slice(0, 4)) expect(verify.stdout).toContain(path.relative(path.join(jobs, '..'), file))

    // Corrupted again behind verify's back: the run itself must not believe them either.
    runAll(repo, ['--force'])
    count.take()
    const again = readdirSync(jobs, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.join(d.parentPath, d.name))
    for (const file of again.slice(0, 3)) {
      const text = readFileSync(file, 'utf8')
      writeFileSync(file, text.replace(/"files":\["[^"]*"\]/, '"files":["WRONG"]'))
    }
    truncateSync(again[3] as string, 30)
    dropReceipts(repo)
    runAll(repo)
    expect(count.take().get('files')).toBe(4)
    for (const [i, commit] of commits.entries())
      expect(latest(repo, commit, 'files')?.data).toEqual({ files: [i === 0 ? 'README.md' : `f${i % 7}.txt`] })
  })

  it('the size cap holds: least recently used entries go, and what they held is recomputed right', () => {
    const repo = makeRepo()
    const count = counter()
    withConfig(
      repo,
      count.file,
      `big: { on: 'post-commit', run: (ctx) => { ran('big'); return { files: ctx.files, pad: 'x'.repeat(2000) } } }`,
      "cache: { maxSize: '64KB' },",
    )
    const commits = addCommits(repo, 199)
    runAll(repo)
    count.take()
    const text = repo.gitvan(['cache', 'stats']).stdout
    expect(text).toMatch(/^entries\s+0 gate results, \d+ job results, 0 probes$/m)
    expect(text).toMatch(/^ {2}jobs\s+0 hits, 200 misses \(0\.0% hit rate\)$/m)
    const stats = JSON.parse(repo.gitvan(['cache', 'stats', '--json']).stdout) as { bytes: number; jobEntries: number }
    expect(stats.bytes).toBeLessThanOrEqual(64 * 1024)
    expect(stats.jobEntries).toBeGreaterThan(0)
    expect(stats.jobEntries).toBeLessThan(200)
    const onDisk = readdirSync(path.join(repo.dir, '.git/gitvan/cache/jobs'), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .reduce((sum, d) => sum + readFileSync(path.join(d.parentPath, d.name)).length, 0)
    expect(onDisk).toBeLessThanOrEqual(64 * 1024)
    dropReceipts(repo)
    runAll(repo)
    expect(count.take().get('big')).toBe(200 - stats.jobEntries)
    for (const [i, commit] of commits.entries())
      expect(latest(repo, commit, 'big')?.data).toMatchObject({ files: [i === 0 ? 'README.md' : `f${i % 7}.txt`] })
  })
})

describe('sharing results', () => {
  it('a second clone sharing GITVAN_CACHE_DIR runs the job at most 3 times', () => {
    const repo = makeRepo()
    const count = counter()
    withConfig(repo, count.file, [FILES_JOB, cmdJob(count.file)].join(', '))
    addCommits(repo, 99)
    repo.git(['add', 'gitvan.config.mjs'])
    repo.git(['commit', '-q', '-m', 'config'])
    const shared = path.join(tempDir('gitvan-shared-'), 'cache')
    runAll(repo, [], { GITVAN_CACHE_DIR: shared })
    expect(count.take().get('files')).toBe(101)
    const clone = path.join(tempDir('gitvan-clone-'), 'clone')
    repo.git(['clone', '-q', repo.dir, clone])
    const r = repo.gitvan(['run', '--all'], { cwd: clone, env: { GITVAN_CACHE_DIR: shared } })
    expect(r.code, r.stderr).toBe(0)
    const second = count.take()
    expect(second.get('files') ?? 0).toBeLessThanOrEqual(3)
    expect(second.get('cmd') ?? 0).toBeLessThanOrEqual(3)
  })

  it('receipts fetched from another clone are hits without a disk entry', () => {
    const repo = makeRepo()
    const count = counter()
    withConfig(repo, count.file, FILES_JOB)
    addCommits(repo, 29)
    repo.git(['add', 'gitvan.config.mjs'])
    repo.git(['commit', '-q', '-m', 'config'])
    runAll(repo)
    count.take()
    // A teammate clones, fetches the receipts, rewords every commit: nothing on disk, the keys are in the notes.
    const clone = path.join(tempDir('gitvan-clone-'), 'clone')
    repo.git(['clone', '-q', repo.dir, clone])
    repo.git(['fetch', '-q', 'origin', `${NOTES}:${NOTES}`], { cwd: clone })
    rewordAll({ git: (args, opts = {}) => repo.git(args, { cwd: clone, ...opts }) })
    const r = repo.gitvan(['run', '--all', '--reporter', 'json'], { cwd: clone })
    expect(r.code, r.stderr).toBe(0)
    expect(count.take().get('files') ?? 0).toBe(0)
    expect((JSON.parse(r.stdout) as { cached: number }).cached).toBe(31)
    const head = repo.git(['rev-parse', 'HEAD'], { cwd: clone }).stdout.trim()
    const note = repo.git(['notes', '--ref=gitvan/results', 'show', head], { cwd: clone }).stdout
    expect(JSON.parse(note.trim())).toMatchObject({ cache: 'hit', data: { files: ['gitvan.config.mjs'] } })
  })

  it('8 processes sharing one GITVAN_CACHE_DIR lose no entry and no count', async () => {
    const repo = makeRepo()
    const count = counter()
    withConfig(repo, count.file, FILES_JOB)
    addCommits(repo, 59)
    repo.git(['add', 'gitvan.config.mjs'])
    repo.git(['commit', '-q', '-m', 'config'])
    const shared = path.join(tempDir('gitvan-shared-'), 'cache')
    const clones = Array.from({ length: 8 }, (_, i) => {
      const dir = path.join(tempDir('gitvan-clone-'), `clone${i}`)
      repo.git(['clone', '-q', repo.dir, dir])
      return dir
    })
    const env = { ...repo.env, GITVAN_CACHE_DIR: shared }
    const runs = await Promise.all(
      clones.map((cwd) => runAsync(process.execPath, [CLI, 'run', '--all', '--reporter', 'json'], { cwd, env })),
    )
    for (const run of runs) expect(run.code, run.stderr).toBe(0)
    const cached = runs.reduce((sum, run) => sum + (JSON.parse(run.stdout) as { cached: number }).cached, 0)
    const ran = count.take().get('files') ?? 0
    expect(cached + ran).toBe(8 * 61)
    const stats = JSON.parse(repo.gitvan(['cache', 'stats', '--json'], { env: { GITVAN_CACHE_DIR: shared } }).stdout)
    expect(stats.jobs.hits + stats.jobs.misses).toBe(8 * 61)
    expect(stats.jobs.hits).toBe(cached)
    expect(stats.jobEntries).toBe(61)
    const verify = repo.gitvan(['cache', 'verify', '--json'], { env: { GITVAN_CACHE_DIR: shared } })
    expect(verify.code, verify.stdout).toBe(0)
    expect(JSON.parse(verify.stdout)).toMatchObject({ checked: 61, corrupt: [], untracked: [], missing: [] })
  })
})
