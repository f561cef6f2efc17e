import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { findRepo } from '../../src/git/repo.js'
import { huskyLine } from '../../src/install/husky.js'
import { install, installState } from '../../src/install/install.js'
import { installHusky } from '../helpers/husky.js'
import { CLI, makeRepo, removeTemp, type TestRepo, tempDir } from '../helpers/repo.js'
import { drained, receipts, status, waitFor } from '../runner/fixture.js'
import { writeHook } from './fixture.js'

// The real husky 9.1.7 writes `.husky/_` in these repositories: the copy the benchmarks install,
// or one installed from the npm registry for this run (a few seconds, once).
let huskyBin = ''

let disposeHusky = () => {}
beforeAll(() => {
  const husky = installHusky()
  huskyBin = husky.bin
  disposeHusky = husky.dispose
}, 180_000)

afterAll(() => {
  removeTemp()
  disposeHusky()
})

const POST_COMMIT_LINE =
  'if gitvan_shim=$(git rev-parse --git-common-dir)/gitvan/shims/post-commit && [ -f "$gitvan_shim" ]; then sh "$gitvan_shim" "$@"; else gitvan hook post-commit "$@"; fi # gitvan'
const OLDER_POST_COMMIT_LINE = 'gitvan hook post-commit "$@" # gitvan'

/** Runs husky's own `husky` command (what `npm install` runs as `prepare`) in `cwd`. */
function runHusky(repo: TestRepo, cwd = repo.dir): void {
  const r = spawnSync(process.execPath, [huskyBin], { cwd, env: repo.env, encoding: 'utf8' })
  if (r.status !== 0 || r.stdout !== '') throw new Error(`husky failed in ${cwd}: ${r.stdout}${r.stderr}`)
}

type HuskyRepo = TestRepo & {
  /** One line per run of node_modules/.bin/gitvan (the husky line's node fallback). */
  readonly fallbackCalls: () => string[]
}

/**
 * A repository set up by husky, with gitvan as a project dependency would give it: a
 * node_modules/.bin/gitvan on husky's PATH, which records each call before running the CLI.
 */
function huskyRepo(config: string, existing: Record<string, string> = {}): HuskyRepo {
  const repo = makeRepo()
  runHusky(repo)
  const calls = path.join(tempDir('gitvan-fallback-'), 'calls')
  writeHook(
    path.join(repo.dir, 'node_modules/.bin/gitvan'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${calls}'\nexec '${process.execPath}' '${CLI}' "$@"\n`,
  )
  repo.write('.gitignore', 'node_modules\n')
  repo.write('gitvan.config.mjs', config)
  for (const [file, content] of Object.entries(existing)) repo.write(file, content)
  return Object.assign(repo, {
    fallbackCalls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : []),
  })
}

const config = (jobs: string, idle = '300ms'): string =>
  `export default { jobs: { ${jobs} }, debounce: { wait: 50, maxWait: 1000 }, runner: { idle: '${idle}' } }\n`
const COUNT = "count: { on: 'post-commit', run: () => ({}) }"
const REWRITTEN = "rewritten: { on: 'post-rewrite', run: () => ({}) }"

const jobsOn = (repo: TestRepo, commit: string): string[] =>
  (receipts(repo, [commit]).get(commit) ?? []).map((r) => r.job).sort()

const commitAll = (repo: TestRepo, message: string, cwd = repo.dir): void => {
  repo.git(['add', '-A'], { cwd })
  repo.git(['commit', '-q', '--allow-empty', '-m', message], { cwd })
}

describe('async hooks through husky', () => {
  it('the line runs exactly one of the per-clone shim and gitvan hook under sh -e, with the standard input and the exit status', () => {
    const repo = makeRepo()
    const out = tempDir('gitvan-line-')
    const hookFile = path.join(out, 'post-rewrite')
    writeFileSync(hookFile, `${huskyLine('post-rewrite')}\n`)
    writeHook(
      path.join(out, 'bin/gitvan'),
      `#!/bin/sh\necho "$*" > '${out}/fallback-args'\ncat > '${out}/fallback-stdin'\n`,
    )
    const shim = path.join(repo.dir, '.git/gitvan/shims/post-rewrite')
    const writeShimExiting = (code: number) =>
      writeHook(shim, `#!/bin/sh\necho "$*" > '${out}/shim-args'\ncat > '${out}/shim-stdin'\nexit ${code}\n`)
    const input = 'aaa bbb\nccc ddd\n'
    // How husky 9 runs .husky/<hook>: sh -e, from the top of the working tree.
    const runLine = () =>
      spawnSync('sh', ['-e', hookFile, 'rebase'], {
        cwd: repo.dir,
        env: { ...repo.env, PATH: `${out}/bin:${repo.env.PATH}` },
        input,
        encoding: 'utf8',
      })
    const taken = () => {
      const files = ['shim-stdin', 'fallback-stdin'].filter((name) => existsSync(path.join(out, name)))
      const result = Object.fromEntries(files.map((name) => [name, readFileSync(path.join(out, name), 'utf8')]))
      for (const name of files) unlinkSync(path.join(out, name))
      return result
    }

    expect(runLine().status).toBe(0)
    expect(taken()).toEqual({ 'fallback-stdin': input })
    expect(readFileSync(path.join(out, 'fallback-args'), 'utf8')).toBe('hook post-rewrite rebase\n')

    writeShimExiting(0)
    expect(runLine().status).toBe(0)
    expect(taken()).toEqual({ 'shim-stdin': input })
    expect(readFileSync(path.join(out, 'shim-args'), 'utf8')).toBe('rebase\n')

    // A failing shim is the line's failure: gitvan hook does not run a second time.
    writeShimExiting(3)
    expect(runLine().status).toBe(3)
    expect(taken()).toEqual({ 'shim-stdin': input })
  })

  it('a commit spools its event in sh: node starts only to bring up the runner, never for the event', async () => {
    const repo = huskyRepo(config(COUNT, '20s'))
    // The shims point at a node that records each start, then runs the real one.
    const starts = path.join(tempDir('gitvan-node-'), 'starts')
    const node = path.join(path.dirname(starts), 'node')
    writeHook(node, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${starts}'\nexec '${process.execPath}' "$@"\n`)
    const found = findRepo(repo.dir)
    install(found, await loadConfig(repo.dir), {
      runtime: { node, cli: CLI, template: path.join(path.dirname(CLI), 'hooks/shim.sh') },
    })
    expect(repo.gitvan(['trust']).code).toBe(0) // what the CLI's install does besides
    expect(readFileSync(path.join(repo.dir, '.husky/post-commit'), 'utf8')).toBe(`${POST_COMMIT_LINE}\n`)
    // A chained hook beside a per-clone shim is not run: husky runs the hook's other lines itself.
    const chainedRan = path.join(path.dirname(starts), 'chained-ran')
    writeHook(path.join(found.stateDir, 'shims/post-commit.gitvan-chained'), `#!/bin/sh\ntouch '${chainedRan}'\n`)
    const startsOf = () => (existsSync(starts) ? readFileSync(starts, 'utf8').split('\n').filter(Boolean) : [])

    commitAll(repo, 'first')
    const commits = [repo.rev('HEAD')]
    await waitFor(
      () => status(repo).runner.alive,
      () => `no runner; node starts: ${JSON.stringify(startsOf())}`,
    )
    expect(startsOf()).toEqual([`${CLI} runner --spawn`])
    // While the runner lives, a commit costs no node at all.
    for (const message of ['second', 'third']) {
      commitAll(repo, message)
      commits.push(repo.rev('HEAD'))
    }
    await waitFor(
      () => commits.every((commit) => jobsOn(repo, commit).length > 0),
      () => `receipts missing; status ${JSON.stringify(status(repo))}`,
    )
    expect(startsOf()).toEqual([`${CLI} runner --spawn`])
    expect(repo.fallbackCalls()).toEqual([])
    expect(existsSync(chainedRan)).toBe(false)
    for (const commit of commits) expect(jobsOn(repo, commit)).toEqual(['count'])
    process.kill(status(repo).runner.pid as number, 'SIGTERM')
    await drained(repo)
  })

  it('in a clone where only husky was set up, the line falls back to gitvan hook, which spools the event too', async () => {
    const origin = huskyRepo(config(COUNT))
    expect(origin.gitvan(['install']).code).toBe(0)
    commitAll(origin, 'husky and gitvan set up')
    await drained(origin)

    const clone = makeRepo({ initialCommit: false })
    clone.git(['pull', '-q', origin.dir, 'main'])
    runHusky(clone)
    const calls = path.join(tempDir('gitvan-fallback-'), 'calls')
    writeHook(
      path.join(clone.dir, 'node_modules/.bin/gitvan'),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${calls}'\nexec '${process.execPath}' '${CLI}' "$@"\n`,
    )
    expect(readFileSync(path.join(clone.dir, '.husky/post-commit'), 'utf8')).toBe(`${POST_COMMIT_LINE}\n`)
    expect(existsSync(path.join(clone.dir, '.git/gitvan/shims'))).toBe(false)

    commitAll(clone, 'from a teammate')
    const head = clone.rev('HEAD')
    expect(readFileSync(calls, 'utf8')).toBe('hook post-commit\n')
    // Nothing approved the config in this clone yet: the event waits in the spool for that.
    const log = path.join(clone.dir, '.git/gitvan/runner.log')
    await waitFor(
      () => existsSync(log) && readFileSync(log, 'utf8').includes('events stay in the spool'),
      () => 'the runner did not leave the event of an unapproved config in the spool',
    )
    expect(jobsOn(clone, head)).toEqual([])
    expect(clone.gitvan(['trust']).code).toBe(0)
    await drained(clone)
    expect(jobsOn(clone, head)).toEqual(['count'])
  })

  it('a 5-commit rebase gives every new commit its post-commit and post-rewrite receipts without the node fallback', async () => {
    const repo = huskyRepo(config(`${COUNT}, ${REWRITTEN}`))
    expect(repo.gitvan(['install']).code).toBe(0)
    commitAll(repo, 'base')
    for (let i = 0; i < 5; i++) {
      repo.write(`file-${i}.txt`, `${i}\n`)
      commitAll(repo, `c${i}`)
    }
    const before = repo.git(['rev-list', 'HEAD~5..HEAD']).stdout.trim().split('\n')
    await drained(repo)
    // Another committer date, so every replayed commit is a new object even within the same second.
    repo.git(['rebase', '-q', '--force-rebase', 'HEAD~5'], { env: { GIT_COMMITTER_DATE: '2030-01-01T00:00:00Z' } })
    const after = repo.git(['rev-list', 'HEAD~5..HEAD']).stdout.trim().split('\n')
    expect(after.filter((commit) => before.includes(commit))).toEqual([])
    await drained(repo)
    // post-rewrite's standard input (old and new ids) reached the per-clone shim: each new commit has the rewritten job's receipt.
    for (const commit of after) expect(jobsOn(repo, commit), commit).toEqual(['count', 'rewritten'])
    expect(repo.fallbackCalls()).toEqual([])
  })

  it('a commit in a linked worktree goes through the same per-clone shim and spools that worktree’s HEAD', async () => {
    const repo = huskyRepo(config(COUNT))
    expect(repo.gitvan(['install']).code).toBe(0)
    commitAll(repo, 'husky and gitvan set up')
    await drained(repo)
    const worktree = tempDir('gitvan-husky-wt-')
    rmSync(worktree, { recursive: true })
    repo.git(['worktree', 'add', '-q', '-b', 'side', worktree])
    runHusky(repo, worktree)
    // The worktree has no node_modules: only the per-clone shim can spool this commit.
    commitAll(repo, 'in the worktree', worktree)
    const head = repo.git(['rev-parse', 'HEAD'], { cwd: worktree }).stdout.trim()
    expect(head).not.toBe(repo.rev('main'))
    await drained(repo)
    expect(jobsOn(repo, head)).toEqual(['count'])
    expect(repo.fallbackCalls()).toEqual([])
  })

  it('uninstall restores each .husky file byte for byte and removes the per-clone shims', async () => {
    const before = { '.husky/post-commit': 'echo "husky step ran" >&2', '.husky/pre-commit': 'true\n' }
    const repo = huskyRepo(
      config(`${COUNT}, post_merge: { on: 'post-merge', run: () => ({}) }, gate: { on: 'pre-commit', run: 'true' }`),
      before,
    )
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('post-commit: installed .git/gitvan/shims/post-commit\n')
    expect(readFileSync(path.join(repo.dir, '.husky/post-commit'), 'utf8')).toBe(
      `echo "husky step ran" >&2\n${POST_COMMIT_LINE}\n`,
    )
    expect(readFileSync(path.join(repo.dir, '.husky/pre-commit'), 'utf8')).toBe(`true\n${huskyLine('pre-commit')}\n`)
    expect(existsSync(path.join(repo.dir, '.git/gitvan/shims/post-merge'))).toBe(true)
    expect(existsSync(path.join(repo.dir, '.git/gitvan/shims/pre-commit'))).toBe(true)
    expect(installState(findRepo(repo.dir))?.problems).toEqual([])
    repo.git(['add', '-A'])
    const commit = repo.git(['commit', '-q', '-m', 'with husky'])
    expect(commit.stderr).toBe('husky step ran\n')
    await drained(repo)

    const u = repo.gitvan(['uninstall'])
    expect(u.code).toBe(0)
    expect(u.stdout).toContain('post-commit: removed .git/gitvan/shims/post-commit\n')
    expect(u.stdout).toContain('post-merge: deleted .husky/post-merge (gitvan had created it)\n')
    for (const [file, content] of Object.entries(before))
      expect(readFileSync(path.join(repo.dir, file), 'utf8')).toBe(content)
    expect(existsSync(path.join(repo.dir, '.husky/post-merge'))).toBe(false)
    expect(existsSync(path.join(repo.dir, '.git/gitvan/shims'))).toBe(false)
  })

  it('replaces the line an older gitvan wrote, in place; uninstall removes either line byte for byte; doctor says which is there', () => {
    const original = 'echo first\n# keep me'
    const repo = huskyRepo(config(COUNT), { '.husky/post-commit': original })
    const file = path.join(repo.dir, '.husky/post-commit')
    const shim = path.join(repo.dir, '.git/gitvan/shims/post-commit')
    // What an older install left: the node line where the current one goes, and no per-clone shim.
    const installOlder = (): void => {
      expect(repo.gitvan(['install']).code).toBe(0)
      writeFileSync(file, readFileSync(file, 'utf8').replace(POST_COMMIT_LINE, OLDER_POST_COMMIT_LINE))
      unlinkSync(shim)
    }

    installOlder()
    expect(readFileSync(file, 'utf8')).toBe(`${original}\n${OLDER_POST_COMMIT_LINE}\n`)
    expect(installState(findRepo(repo.dir))?.problems).toEqual([
      `post-commit: ${file} holds the line of an older gitvan, which starts node on every post-commit; run 'gitvan install' to replace it`,
      `post-commit: the per-clone shim ${shim} is missing, so the husky line starts node ('gitvan hook post-commit') on every post-commit; run 'gitvan install' to put it back`,
    ])
    expect(repo.gitvan(['uninstall']).code).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(original)

    installOlder()
    // Lines the user added after gitvan's stay where they are.
    writeFileSync(file, `${readFileSync(file, 'utf8')}echo last\n`)
    const r = repo.gitvan(['install'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('post-commit: replaced the line of an older gitvan in .husky/post-commit\n')
    expect(readFileSync(file, 'utf8')).toBe(`${original}\n${POST_COMMIT_LINE}\necho last\n`)
    expect(readFileSync(shim, 'utf8')).toContain("hook='post-commit'")
    expect(installState(findRepo(repo.dir))?.problems).toEqual([])
    expect(repo.gitvan(['install']).stdout).toContain('(nothing changed)')
    expect(repo.gitvan(['uninstall']).code).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(`${original}\necho last\n`)
  })
})
