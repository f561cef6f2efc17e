// Hostile tests of partial staging (DESIGN 4 "Partial staging"), each with real git and the real
// hooks, each named after what once broke (lost work, a gate seeing unstaged content, a refused
// commit leaving things changed). None asserts on timing: waits poll for files a script writes.
import { spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lstatSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp, type TestRepo } from '../helpers/repo.js'
import { gateRepo, NODE, scratch } from './fixture.js'
import { snapshot, stagingScripts } from './stagingFixture.js'

afterAll(removeTemp)

const raw = (repo: TestRepo, ...args: string[]) => repo.git(['-c', 'core.hooksPath=/dev/null', ...args])
const commit = (repo: TestRepo, ...args: string[]) =>
  repo.git(['commit', '-q', '-m', 'change', ...args], { allowFail: true })
const read = (repo: TestRepo, file: string) => readFileSync(path.join(repo.dir, file), 'utf8')
const BODY = 'top bad\nl2\nl3\nl4\nl5\n'
const STAGED = 'top bad\nl2\nl3\nl4\nl5 staged\n'
const WORK = 'top bad\nl2\nl3\nl4\nl5 staged\nunstaged line\n'

/** A repository whose one gate is the fixture's fixer (`bad` → `good`) on *.txt. */
function fixRepo(hooks = "'pre-commit'") {
  const s = stagingScripts()
  const repo = gateRepo(`export default { jobs: {
    fmt: { on: { hook: ${hooks}, paths: ['*.txt', '**/*.txt'] }, run: ${JSON.stringify(s.fix('fmt'))}, fix: true },
  } }`)
  return { repo, s }
}

/** Commits `files` with BODY, then stages STAGED and leaves WORK in the work tree for each. */
function partiallyStaged(repo: TestRepo, files: readonly string[]): void {
  for (const file of files) repo.write(file, BODY)
  repo.git(['add', '--', ...files])
  raw(repo, 'commit', '-q', '-m', 'base')
  for (const file of files) repo.write(file, STAGED)
  repo.git(['add', '--', ...files])
  for (const file of files) repo.write(file, WORK)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `done()` holds (a file a script wrote, a process gone); never a timing assertion. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (done()) return
    await sleep(20)
  }
  throw new Error(`gave up waiting for ${what}`)
}

/** `git commit` in a process group of its own (as a terminal runs it), so the test can signal the group. */
function startCommit(repo: TestRepo, args: readonly string[] = []) {
  const child = spawn('git', ['commit', '-q', '-m', 'hostile', ...args], {
    cwd: repo.dir,
    env: repo.env,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const pgid = child.pid as number
  const done = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  )
  const groupAlive = () => {
    try {
      process.kill(-pgid, 0)
      return true
    } catch {
      return false
    }
  }
  return {
    signal: (sig: NodeJS.Signals) => {
      try {
        process.kill(-pgid, sig)
      } catch {
        // gone
      }
    },
    /** git's exit code, once every process of the group (the hook too) has exited. */
    finished: async () => {
      const code = await done
      await until(() => !groupAlive(), 'the hook process group to exit')
      return { code, stderr }
    },
  }
}

/**
 * A fixer that reads its files, says so (`<dir>/read` holds its pid), waits for `<dir>/go`, then
 * writes `bad` → `good` from what it read and says `<dir>/done`: a formatter that is slow between
 * reading and writing. Gives up after 30 s, so nothing outlives the test run.
 */
function blockingFixer(): { readonly dir: string; readonly run: string } {
  const dir = scratch()
  const script = path.join(dir, 'block.mjs')
  writeFileSync(
    script,
    `import { existsSync, readFileSync, writeFileSync } from 'node:fs'
const [dir, ...files] = process.argv.slice(2)
const read = files.map((f) => [f, readFileSync(f, 'latin1')])
writeFileSync(dir + '/read', String(process.pid))
const until = Date.now() + 30000
while (!existsSync(dir + '/go') && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
for (const [f, text] of read) writeFileSync(f, text.replaceAll('bad', 'good'), 'latin1')
writeFileSync(dir + '/done', '')
`,
  )
  return { dir, run: `${NODE} ${JSON.stringify(script)} ${JSON.stringify(dir)} {files}` }
}

/**
 * A commit killed with kill -9 (its whole process group) while the fixer runs; the fixer, which
 * runs in its own process group, is then stopped too. Leaves an unfinished backup behind.
 */
async function killedCommit(repo: TestRepo, fixer: { readonly dir: string }): Promise<void> {
  const c = startCommit(repo)
  await until(() => existsSync(path.join(fixer.dir, 'read')), 'the fixer to start')
  c.signal('SIGKILL')
  await c.finished()
  try {
    process.kill(Number(readFileSync(path.join(fixer.dir, 'read'), 'utf8')), 'SIGKILL')
  } catch {
    // gone
  }
  rmSync(path.join(fixer.dir, 'read'), { force: true })
  rmSync(path.join(repo.dir, '.git/index.lock'), { force: true }) // git's own lock, as git tells the user
}

describe('hostile: the work tree around the staged files', () => {
  it('regression: a directory in the work tree where a file is staged is deleted with its untracked contents (a check gate is enough)', () => {
    const repo = gateRepo(
      `export default { jobs: { check: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: 'true {files}' } } }`,
    )
    repo.write('notes.txt', 'notes\n')
    repo.git(['add', 'notes.txt'])
    rmSync(path.join(repo.dir, 'notes.txt'))
    repo.write('notes.txt/important', 'precious, never added anywhere\n')
    commit(repo)
    // checkout-index -f removes the whole directory to write the staged file; the backup saved the
    // path as "absent", so the untracked files are gone for good.
    expect(existsSync(path.join(repo.dir, 'notes.txt/important'))).toBe(true)
  })

  it('regression: a symlinked directory on the path of a partially staged file is replaced by a real directory', () => {
    const { repo } = fixRepo()
    partiallyStaged(repo, ['sub/a.txt'])
    const elsewhere = scratch()
    writeFileSync(path.join(elsewhere, 'a.txt'), 'outside bad\n')
    rmSync(path.join(repo.dir, 'sub'), { recursive: true })
    symlinkSync(elsewhere, path.join(repo.dir, 'sub'))
    commit(repo)
    expect(lstatSync(path.join(repo.dir, 'sub')).isSymbolicLink()).toBe(true)
  })

  it('regression: a non-UTF-8 file name makes hiding fail half way: another file is left with its unstaged part hidden', () => {
    const { repo } = fixRepo()
    const latin1 = Buffer.concat([Buffer.from(`${repo.dir}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')])
    writeFileSync(latin1, BODY)
    repo.write('b.txt', BODY)
    repo.git(['add', '-A'])
    raw(repo, 'commit', '-q', '-m', 'base')
    writeFileSync(latin1, STAGED)
    repo.write('b.txt', STAGED)
    repo.git(['add', '-A'])
    writeFileSync(latin1, WORK)
    repo.write('b.txt', WORK)
    const r = commit(repo)
    // Whatever the verdict: git is given the name decoded as UTF-8 (U+FFFD), checkout-index fails
    // after it has already hidden b.txt's unstaged line, and nothing puts it back.
    expect(r.stderr).not.toContain('internal error')
    expect(read(repo, 'b.txt')).toBe(WORK)
    expect(readFileSync(latin1, 'utf8')).toBe(WORK)
  })

  it('regression: a required smudge filter that fails while hiding (git-lfs offline) leaves unstaged parts hidden and a file deleted', () => {
    const { repo } = fixRepo()
    const dir = scratch()
    const flag = path.join(dir, 'offline')
    partiallyStaged(repo, ['a.txt', 'z.txt'])
    repo.write('.gitattributes', 'z.txt filter=lfsish\n')
    raw(repo, 'add', '.gitattributes')
    repo.git(['config', 'filter.lfsish.smudge', `sh -c '[ -e ${flag} ] && exit 1; cat'`])
    repo.git(['config', 'filter.lfsish.clean', 'cat'])
    repo.git(['config', 'filter.lfsish.required', 'true'])
    const before = snapshot(repo)
    writeFileSync(flag, '')
    const r = commit(repo)
    rmSync(flag)
    if (r.code !== 0) expect(snapshot(repo)).toEqual(before)
    expect(read(repo, 'a.txt')).toBe(WORK)
    expect(existsSync(path.join(repo.dir, 'z.txt'))).toBe(true)
  })

  it('regression: a required clean filter that fails while fixes are re-staged leaves the unstaged parts hidden', () => {
    const { repo } = fixRepo()
    const dir = scratch()
    const flag = path.join(dir, 'offline')
    partiallyStaged(repo, ['a.txt', 'z.txt'])
    repo.write('.gitattributes', 'z.txt filter=lfsish\n')
    raw(repo, 'add', '.gitattributes')
    repo.git(['config', 'filter.lfsish.smudge', 'cat'])
    repo.git(['config', 'filter.lfsish.clean', `sh -c '[ -e ${flag} ] && exit 1; cat'`])
    repo.git(['config', 'filter.lfsish.required', 'true'])
    const before = snapshot(repo)
    writeFileSync(flag, '')
    const r = commit(repo)
    rmSync(flag)
    if (r.code !== 0) expect(snapshot(repo)).toEqual(before)
    expect(read(repo, 'a.txt')).toBe(WORK)
    expect(read(repo, 'z.txt')).toBe(WORK)
  })

  it('regression: Ctrl-C while the unstaged part is being hidden leaves it hidden (and a file deleted) after the refused commit', async () => {
    const { repo } = fixRepo()
    const dir = scratch()
    const block = path.join(dir, 'block')
    const running = path.join(dir, 'running')
    partiallyStaged(repo, ['a.txt', 'z.txt'])
    repo.write('.gitattributes', 'z.txt filter=slow\n')
    raw(repo, 'add', '.gitattributes')
    // A slow smudge filter (git-lfs fetching): it says it runs, then waits until it is killed.
    repo.git([
      'config',
      'filter.slow.smudge',
      `sh -c 'if [ -e ${block} ]; then touch ${running}; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; fi; cat'`,
    ])
    repo.git(['config', 'filter.slow.clean', 'cat'])
    const before = snapshot(repo)
    writeFileSync(block, '')
    const c = startCommit(repo)
    await until(() => existsSync(running), 'the smudge filter to run')
    c.signal('SIGINT') // Ctrl-C: the terminal signals the foreground process group
    const r = await c.finished()
    rmSync(block)
    expect(r.code).not.toBe(0)
    expect(snapshot(repo)).toEqual(before)
  })

  it('regression: a partially staged file over 2 GiB ends the hook in an internal error and a stack trace', () => {
    const repo = gateRepo(
      `export default { jobs: { check: { on: { hook: 'pre-commit', paths: ['*.bin'] }, run: 'true {files}' } } }`,
    )
    repo.write('big.bin', 'small when staged\n')
    repo.git(['add', 'big.bin'])
    truncateSync(path.join(repo.dir, 'big.bin'), 3 * 1024 ** 3) // sparse: no disk, no hashing
    try {
      const r = commit(repo)
      // readFileSync of the whole work-tree file (ERR_FS_FILE_TOO_LARGE); below 2 GiB it is read
      // into memory whole, and copied again for fast-import.
      expect(r.stderr).not.toContain('internal error')
      expect(r.stderr).not.toMatch(/\n\s+at /)
    } finally {
      rmSync(path.join(repo.dir, 'big.bin'), { force: true })
    }
  })

  it('regression: a skip-worktree file that a fix gate changes is deleted by the commit', () => {
    const { repo } = fixRepo()
    repo.write('conf.txt', 'setting = bad\nl2\nl3\nl4\n')
    repo.git(['add', 'conf.txt'])
    raw(repo, 'commit', '-q', '-m', 'conf')
    repo.write('conf.txt', 'setting = bad\nl2\nl3\nl4 shared\n')
    repo.git(['add', 'conf.txt'])
    repo.git(['update-index', '--skip-worktree', 'conf.txt'])
    repo.write('conf.txt', 'setting = bad\nl2\nl3\nl4 shared\npassword = local only\n')
    const r = commit(repo)
    expect(r.code, r.stderr).toBe(0)
    const tree = repo.git(['ls-tree', 'HEAD', '--', 'conf.txt']).stdout
    expect(tree).not.toBe('') // update-index --remove drops a skip-worktree entry: the commit deletes the file
    expect(repo.git(['show', 'HEAD:conf.txt']).stdout).not.toContain('password')
  })
})

describe('hostile: what is committed, and the index afterwards', () => {
  it('regression: during a merge, a fix gate commits the unstaged part of the file it fixed', () => {
    const { repo } = fixRepo("['pre-commit', 'pre-merge-commit']")
    repo.write('m.txt', 'base\nl2\nl3\nl4\nl5\nl6\n')
    repo.git(['add', 'm.txt'])
    raw(repo, 'commit', '-q', '-m', 'base')
    repo.git(['checkout', '-q', '-b', 'side'])
    repo.write('m.txt', 'side\nl2\nl3\nl4\nl5\nl6\n')
    raw(repo, 'commit', '-q', '-am', 'side')
    repo.git(['checkout', '-q', 'main'])
    repo.write('m.txt', 'main\nl2\nl3\nl4\nl5\nl6\n')
    raw(repo, 'commit', '-q', '-am', 'main')
    repo.git(['-c', 'core.hooksPath=/dev/null', 'merge', '-q', 'side'], { allowFail: true }) // conflict
    repo.write('m.txt', 'resolved bad\nl2\nl3\nl4\nl5\nl6\n')
    repo.git(['add', 'm.txt'])
    repo.write('m.txt', 'resolved bad\nl2\nl3\nl4\nl5\nl6\nDEBUG: not staged\n')
    const r = repo.git(['commit', '-q', '--no-edit'], { allowFail: true })
    expect(r.code, r.stderr).toBe(0)
    expect(repo.git(['show', 'HEAD:m.txt']).stdout).not.toContain('DEBUG')
  })

  it('regression: a pre-merge-commit fix gate says it re-staged, but the merge commit lacks the fix and the index keeps it', () => {
    const { repo } = fixRepo("['pre-commit', 'pre-merge-commit']")
    repo.git(['checkout', '-q', '-b', 'side'])
    repo.write('s.txt', 'side bad\n')
    repo.git(['add', 's.txt'])
    raw(repo, 'commit', '-q', '-m', 'side')
    repo.git(['checkout', '-q', 'main'])
    repo.write('m.txt', 'm\n')
    repo.git(['add', 'm.txt'])
    raw(repo, 'commit', '-q', '-m', 'm')
    const r = repo.git(['merge', '-q', '--no-edit', 'side'], { allowFail: true })
    expect(r.code, r.stderr).toBe(0)
    if (r.stderr.includes('re-staged')) expect(repo.git(['show', 'HEAD:s.txt']).stdout).toBe('side good\n')
    expect(repo.git(['status', '--porcelain', '--untracked-files=no']).stdout).toBe('')
  })
})

describe('hostile: kill -9 and gitvan restore', () => {
  it('regression: gitvan restore with no unfinished backup (run twice, or after a good commit) overwrites edits made since, saving them nowhere', () => {
    const { repo } = fixRepo()
    repo.write('a.txt', 'a bad\n')
    repo.git(['add', 'a.txt'])
    expect(commit(repo).code).toBe(0) // a fix gate ran: a backup exists, its hook finished
    repo.write('a.txt', 'a good\nnew work, saved nowhere\n')
    const r = repo.gitvan(['restore'])
    const backups = repo.git(['for-each-ref', '--format=%(refname)', 'refs/gitvan/backup/']).stdout.split('\n')
    const saved = backups
      .filter(Boolean)
      .some((ref) => repo.git(['grep', '-q', 'new work', ref, '--'], { allowFail: true }).code === 0)
    expect({ code: r.code, kept: read(repo, 'a.txt').includes('new work') || saved }).toMatchObject({ kept: true })
  })

  it("regression: gitvan restore in one linked worktree puts another worktree's backup over its own files", () => {
    const { repo } = fixRepo()
    repo.write('a.txt', 'main a\n')
    repo.git(['add', 'a.txt'])
    raw(repo, 'commit', '-q', '-m', 'a')
    const other = `${repo.dir}-other`
    repo.git(['worktree', 'add', '-q', other, '-b', 'other'])
    writeFileSync(path.join(other, 'a.txt'), 'other bad\n')
    repo.git(['add', 'a.txt'], { cwd: other })
    const r = repo.git(['commit', '-q', '-m', 'other'], { cwd: other, allowFail: true })
    expect(r.code, r.stderr).toBe(0)
    repo.write('a.txt', 'main a\nmain worktree edit\n')
    repo.gitvan(['restore'])
    expect(read(repo, 'a.txt')).toBe('main a\nmain worktree edit\n')
    expect(repo.git(['diff', '--cached', '--name-only']).stdout).toBe('')
    rmSync(other, { recursive: true, force: true })
  })

  it("regression: after a retried commit was killed too, gitvan restore brings back the retry's backup (already hidden), not the first one", async () => {
    const fixer = blockingFixer()
    const repo = gateRepo(
      `export default { jobs: { fmt: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(fixer.run)}, fix: true } } }`,
    )
    partiallyStaged(repo, ['a.txt'])
    const before = snapshot(repo)
    await killedCommit(repo, fixer) // a.txt's unstaged line is hidden: only the first backup has it
    await killedCommit(repo, fixer) // the user tries again; this backup saves the hidden state
    const r = repo.gitvan(['restore'])
    expect(r.code, r.stderr).toBe(0)
    expect(snapshot(repo)).toEqual(before)
  })

  it('regression: gitvan restore brings a 0600 file back as 0644', async () => {
    const fixer = blockingFixer()
    const repo = gateRepo(
      `export default { jobs: { fmt: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(fixer.run)}, fix: true } } }`,
    )
    partiallyStaged(repo, ['secret.txt'])
    chmodSync(path.join(repo.dir, 'secret.txt'), 0o600)
    await killedCommit(repo, fixer)
    const r = repo.gitvan(['restore'])
    expect(r.code, r.stderr).toBe(0)
    expect(read(repo, 'secret.txt')).toBe(WORK)
    expect((statSync(path.join(repo.dir, 'secret.txt')).mode & 0o777).toString(8)).toBe('600')
  })

  it('regression: gitvan restore ends in an internal error and a stack trace when a saved path now has a file for a parent', async () => {
    const fixer = blockingFixer()
    const repo = gateRepo(
      `export default { jobs: { fmt: { on: { hook: 'pre-commit', paths: ['**/*.txt'] }, run: ${JSON.stringify(fixer.run)}, fix: true } } }`,
    )
    partiallyStaged(repo, ['sub/a.txt'])
    await killedCommit(repo, fixer)
    rmSync(path.join(repo.dir, 'sub'), { recursive: true })
    repo.write('sub', 'now a file\n')
    const r = repo.gitvan(['restore'])
    expect(r.stderr).not.toContain('internal error')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('hostile: fixers that do more than fix', () => {
  const selfStaging = (extra = '') =>
    gateRepo(`export default { jobs: {
      fmt: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(`sh -c 'sed -i s/bad/good/ "$@"; git add -A' x {files}`)}, fix: true },
      ${extra}
    } }`)

  it('regression: a fixer that runs git add -A gets its fixes committed, nothing else', () => {
    const repo = selfStaging()
    repo.write('t.txt', 'tracked\n')
    raw(repo, 'add', 't.txt')
    raw(repo, 'commit', '-q', '-m', 'tracked')
    repo.write('a.txt', 'a bad\n')
    repo.git(['add', 'a.txt'])
    repo.write('t.txt', 'tracked\nnot staged\n')
    repo.write('u.txt', 'untracked\n')
    const r = commit(repo)
    expect(r.code, r.stderr).toBe(0)
    expect(repo.git(['show', 'HEAD:a.txt']).stdout).toBe('a good\n')
    expect(repo.git(['show', 'HEAD:t.txt']).stdout).toBe('tracked\n')
    expect(repo.git(['ls-tree', '--name-only', 'HEAD', '--', 'u.txt']).stdout).toBe('')
    expect(repo.git(['status', '--porcelain']).stdout).toBe(' M t.txt\n?? u.txt\n')
  })

  it('regression: a refused commit leaves nothing staged that a fixer staged with git add -A', () => {
    const repo = selfStaging(`no: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: 'false', after: ['fmt'] },`)
    repo.write('a.txt', 'a bad\n')
    repo.git(['add', 'a.txt'])
    repo.write('u.txt', 'untracked\n')
    const before = snapshot(repo)
    expect(commit(repo).code).not.toBe(0)
    expect(snapshot(repo)).toEqual(before)
  })

  it('regression: a fixer that deletes its file: the file comes back and no deletion is committed', () => {
    const repo = gateRepo(`export default { jobs: {
      fmt: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: 'rm -f {files}', fix: true },
    } }`)
    repo.write('a.txt', 'a\n')
    repo.git(['add', 'a.txt'])
    const r = commit(repo)
    expect(r.code, r.stderr).toBe(0)
    expect(repo.git(['show', 'HEAD:a.txt']).stdout).toBe('a\n')
    expect(read(repo, 'a.txt')).toBe('a\n')
    expect(r.stderr).toContain('the fixer deleted the file')
  })
})

describe('hostile: git commit <paths>', () => {
  it('regression: the fix is committed and the real index has it too (no staged revert left behind)', () => {
    const { repo } = fixRepo()
    repo.write('b.txt', 'b\n')
    repo.write('c.txt', 'c\n')
    raw(repo, 'add', 'b.txt', 'c.txt')
    raw(repo, 'commit', '-q', '-m', 'base')
    repo.write('b.txt', 'b bad\n')
    repo.write('c.txt', 'c bad\n')
    const r = repo.git(['commit', '-q', '-m', 'only b', '--', 'b.txt'], { allowFail: true })
    expect(r.code, r.stderr).toBe(0)
    expect(repo.git(['show', 'HEAD:b.txt']).stdout).toBe('b good\n')
    expect(repo.git(['status', '--porcelain']).stdout).toBe(' M c.txt\n')
  })
})

describe('hostile: a fixer outliving a killed hook', () => {
  it('regression: gitvan restore stops the fixer a kill -9 left running, so it cannot write over what comes back', async () => {
    const fixer = blockingFixer()
    const repo = gateRepo(
      `export default { jobs: { fmt: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(fixer.run)}, fix: true } } }`,
    )
    partiallyStaged(repo, ['a.txt'])
    const before = snapshot(repo)
    const c = startCommit(repo)
    await until(() => existsSync(path.join(fixer.dir, 'read')), 'the fixer to start')
    c.signal('SIGKILL')
    await c.finished()
    const pid = Number(readFileSync(path.join(fixer.dir, 'read'), 'utf8'))
    rmSync(path.join(repo.dir, '.git/index.lock'), { force: true }) // git's own lock, as git tells the user
    const r = repo.gitvan(['restore'])
    expect(r.code, r.stderr).toBe(0)
    await until(() => {
      try {
        process.kill(pid, 0)
        return false
      } catch {
        return true
      }
    }, 'the fixer to be stopped')
    writeFileSync(path.join(fixer.dir, 'go'), '') // would let a fixer still alive write now
    expect(existsSync(path.join(fixer.dir, 'done'))).toBe(false)
    expect(snapshot(repo)).toEqual(before)
  })
})
