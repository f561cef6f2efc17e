import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp, type TestRepo } from '../helpers/repo.js'
import { gateRepo } from './fixture.js'
import { snapshot, stagingScripts } from './stagingFixture.js'

afterAll(removeTemp)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether a process started from a script in `dir` still runs. */
const running = (dir: string): boolean =>
  spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .stdout.split('\n')
    .some((line) => line.includes(dir))

describe('ordered gates', () => {
  it('two fix gates on one file never run at once, and a gate after them sees their fixes', () => {
    const s = stagingScripts()
    const repo = gateRepo(`export default { concurrency: 4, jobs: {
      one: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(s.fix('one', 150))}, fix: true },
      two: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(s.fix('two', 150))}, fix: true },
      other: { on: { hook: 'pre-commit', paths: ['*.md'] }, run: ${JSON.stringify(s.fix('other', 150))}, fix: true },
      check: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(s.read)}, after: ['one', 'two'] },
    } }`)
    repo.write('a.txt', 'a bad\n')
    repo.write('b.md', 'b bad\n')
    repo.git(['add', 'a.txt', 'b.md'])
    const r = repo.git(['commit', '-q', '-m', 'ordered'], { allowFail: true })
    expect(r.code, r.stderr).toBe(0)
    const order = s
      .log()
      .map((line) => line.split(' ').slice(0, 2).join(' '))
      .filter((line) => !line.endsWith('other'))
    // Appends to one log file: the order of the lines is the order of the events.
    expect(order).toEqual(['start one', 'end one', 'start two', 'end two'])
    expect(s.log().filter((line) => line.endsWith('other') || line.includes(' other '))).toHaveLength(2)
    expect(s.seen().get('a.txt')?.toString()).toBe('a good\n')
    expect(repo.git(['show', 'HEAD:a.txt']).stdout).toBe('a good\n')
  })
})

/** Starts `git commit` in its own process group, so the test can kill the whole group. */
function startCommit(repo: TestRepo): { readonly kill: () => void; readonly done: Promise<number> } {
  const child = spawn('git', ['commit', '-q', '-m', 'killed'], {
    cwd: repo.dir,
    env: repo.env,
    detached: true,
    stdio: 'ignore',
  })
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 128)))
  return {
    kill: () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL')
      } catch {
        // already gone
      }
    },
    done,
  }
}

describe('nothing is lost when a commit is killed', () => {
  it('kill -9 of the commit at points spread over the whole hook: gitvan restore brings back work tree and index byte for byte', async () => {
    const s = stagingScripts()
    const repo = gateRepo(`export default { jobs: {
      fmt: { on: { hook: 'pre-commit', paths: ['*.txt'] }, run: ${JSON.stringify(s.fix('fmt', 200))}, fix: true },
    } }`)
    const rounds = 10
    let restored = 0
    for (let round = 0; round < rounds; round++) {
      repo.write('a.txt', `round ${round} bad\nl2\nl3\nl4\n`)
      repo.write('b.txt', `b ${round} bad\n`)
      repo.git(['add', 'a.txt', 'b.txt'])
      repo.write('a.txt', `round ${round} bad\nl2\nl3\nl4\nunstaged ${round}\n`)
      const before = snapshot(repo)
      const head = repo.rev('HEAD')
      const commit = startCommit(repo)
      const backups = path.join(repo.dir, '.git/gitvan/backups')
      if (round % 2 === 0) {
        // From before node is up to past the fixer: 0 to ~900 ms, with a little jitter.
        await sleep(round * 90 + Math.floor(Math.random() * 40))
      } else {
        // While the fixer runs, however slow the machine: once the backup's marker is there (the
        // fixer sleeps 200 ms before it writes), with a little jitter.
        const marked = () => existsSync(backups) && readdirSync(backups).some((name) => name.endsWith('.pending'))
        for (let i = 0; i < 600 && !marked(); i++) await sleep(10)
        await sleep(Math.floor(Math.random() * 60))
      }
      commit.kill()
      await commit.done
      // The fixer runs in its own process group (as every job does), so the kill does not reach it:
      // wait until no fixer of this test is left, whether it had started writing or not.
      for (let i = 0; i < 200 && running(s.dir); i++) await sleep(50)
      expect(running(s.dir)).toBe(false)
      // git's own lock, left by the killed git commit: git tells the user to remove it.
      rmSync(path.join(repo.dir, '.git/index.lock'), { force: true })
      if (repo.rev('HEAD') !== head) {
        // The hook finished and git committed before the kill: the fix is in, the unstaged line too.
        expect(repo.git(['show', 'HEAD:a.txt']).stdout).toBe(`round ${round} good\nl2\nl3\nl4\n`)
        expect(repo.git(['diff']).stdout).toContain(`+unstaged ${round}`)
        continue
      }
      const pending = existsSync(backups) ? readdirSync(backups).filter((name) => name.endsWith('.pending')) : []
      if (pending.length > 0) {
        const r = repo.gitvan(['restore'])
        expect(r.code, r.stderr).toBe(0)
        expect(snapshot(repo)).toEqual(before)
        restored++
      } else if (!isDeepStrictEqual(snapshot(repo), before)) {
        // Killed after the hook had finished its work, before git wrote the commit: the fixed
        // staged half is staged, the unstaged line is in the work tree.
        expect(repo.git(['show', ':a.txt']).stdout).toBe(`round ${round} good\nl2\nl3\nl4\n`)
        expect(repo.git(['diff', '--', 'a.txt']).stdout).toContain(`+unstaged ${round}`)
      }
      // Start the next round from a clean state.
      repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-am', `round ${round}`])
    }
    expect(restored).toBeGreaterThan(0)
  })
})
