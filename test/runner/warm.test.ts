/**
 * Warm gates: the runner answers the blocking hooks' gates through the FIFO pair, exactly as a cold
 * `gitvan hook` would, and a runner that is gone, dead or stuck never hangs a commit.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { cmd, scratch } from '../gate/fixture.js'
import { snapshot } from '../gate/stagingFixture.js'
import { removeTemp, type TestRepo } from '../helpers/repo.js'
import {
  awaitWarm,
  git,
  gitAsync,
  normalise,
  stopRunner,
  until,
  type WarmRepo,
  warmPid,
  warmRepo,
} from './warmFixture.js'

const started: TestRepo[] = []
afterEach(async () => {
  for (const repo of started.splice(0)) await stopRunner(repo)
})
afterAll(() => removeTemp())

/** A warm repository: one cold commit started its runner, which now answers. */
async function warm(jobs = '', extra = '', ownTest = true): Promise<WarmRepo & { readonly runner: number }> {
  const w = warmRepo(jobs, extra)
  if (ownTest) started.push(w.repo)
  w.repo.write('first.txt', 'first\n')
  w.repo.git(['add', 'first.txt'])
  const cold = git(w.repo, ['commit', '-q', '-m', 'first'])
  expect(cold.code, cold.stderr).toBe(0)
  expect(w.pids()).toEqual([expect.any(Number)]) // ran in the cold hook's node
  const runner = await awaitWarm(w.repo)
  expect(w.pids()[0]).not.toBe(runner)
  return { ...w, runner }
}

const COLD = { GITVAN_WARM: '0' }
const exists = (file: string) => existsSync(file)

// One warm repository (and runner) serves the tests that leave it answering: each job below
// applies only where a test gives it something to do.
const SHARED = scratch()
const PUSHED = path.join(SHARED, 'push.json')
const HANG = path.join(SHARED, 'hang')
const GO = path.join(SHARED, 'go')
const SHARED_JOBS = `
  say: { on: 'pre-commit', run: ${cmd('sh', '-c', 'echo checked "$@"', 'sh', '{files}')}, after: ['who'] },
  push: { on: 'pre-push', run: async (ctx) => { (await import('node:fs')).writeFileSync(${JSON.stringify(PUSHED)}, JSON.stringify({ pid: process.pid, args: ctx.args, stdin: ctx.stdin })) } },
  halfway: { on: { hook: 'pre-commit', paths: ['s.txt'] }, run: ${cmd('sh', '-c', `echo halfway; while [ ! -e ${GO} ]; do sleep 0.05; done; echo done`)} },
  hang: { on: { hook: 'pre-commit', paths: ['p.txt'] }, run: ${cmd('sh', '-c', `sleep 100 & echo $! > ${HANG}.pid; touch ${HANG}; wait`)} },`
let sharedRepo: Promise<WarmRepo & { readonly runner: number }> | undefined
const shared = () => (sharedRepo ??= warm(SHARED_JOBS, '', false))
afterAll(async () => {
  if (sharedRepo) await stopRunner((await sharedRepo).repo)
})

describe('warm gates', () => {
  it('refuses and accepts like a cold hook: output, exit code, and the function gate runs in the warm runner', async () => {
    const w = await shared()
    const { repo } = w
    const start = w.pids().length
    const outcomes = (env: NodeJS.ProcessEnv) => {
      repo.write('good.txt', `good ${Math.random()}\n`)
      repo.git(['add', 'good.txt'])
      const pass = git(repo, ['commit', '-q', '-m', 'good'], { env })
      repo.write('bad.txt', 'BAD\n')
      repo.git(['add', 'bad.txt'])
      const refuse = git(repo, ['commit', '-q', '-m', 'bad'], { env })
      repo.git(['rm', '-q', '--cached', 'bad.txt'])
      return { pass, refuse }
    }
    const hot = outcomes({})
    const cold = outcomes(COLD)
    expect(hot.pass.code, hot.pass.stderr).toBe(0)
    expect(hot.refuse.code).toBe(1)
    expect(hot.refuse.stderr).toContain('BAD in bad.txt')
    expect(hot.refuse.code).toBe(cold.refuse.code)
    expect(normalise(hot.refuse.stderr)).toBe(normalise(cold.refuse.stderr))
    expect(hot.pass.stderr.replace(/good\.txt/g, '')).toBe(cold.pass.stderr.replace(/good\.txt/g, ''))
    // two warm, then two cold
    const pids = w.pids().slice(start)
    expect(pids.slice(0, 2)).toEqual([w.runner, w.runner])
    expect(pids.slice(2)).toHaveLength(2)
    expect(pids.slice(2)).not.toContain(w.runner)
    // The function gate's module was imported once by the warm runner, not once per warm commit.
    expect(w.imports().filter((pid) => pid === w.runner)).toEqual([w.runner])
    rmSync(path.join(repo.dir, 'bad.txt'))
  })

  it('gates see what is committed: partial staging, git commit -a and git commit <path> (a temporary index)', async () => {
    const { repo, runner, pids } = await shared()
    const start = pids().length
    repo.write('a.txt', 'base\n')
    repo.git(['add', 'a.txt'])
    expect(git(repo, ['commit', '-q', '-m', 'a']).code).toBe(0)
    repo.write('a.txt', 'staged\n')
    repo.git(['add', 'a.txt'])
    repo.write('a.txt', 'staged\nBAD unstaged\n')
    const partial = git(repo, ['commit', '-q', '-m', 'partial'])
    expect(partial.code, partial.stderr).toBe(0)
    expect(repo.git(['show', 'HEAD:a.txt']).stdout).toBe('staged\n')
    expect(readFileSync(path.join(repo.dir, 'a.txt'), 'utf8')).toBe('staged\nBAD unstaged\n')
    const all = git(repo, ['commit', '-q', '-a', '-m', 'all'])
    expect(all.code).toBe(1)
    expect(all.stderr).toContain('BAD in a.txt')
    const byPath = git(repo, ['commit', '-q', '-m', 'path', 'a.txt'])
    expect(byPath.code).toBe(1)
    expect(byPath.stderr).toContain('BAD in a.txt')
    repo.write('b.txt', 'fine\n')
    repo.git(['add', 'b.txt'])
    repo.write('b.txt', 'fine, changed\n')
    const other = git(repo, ['commit', '-q', '-m', 'b only', 'b.txt'])
    expect(other.code, other.stderr).toBe(0)
    expect(repo.git(['show', 'HEAD:b.txt']).stdout).toBe('fine, changed\n')
    expect(repo.git(['diff', '--cached', '--name-only']).stdout).toBe('')
    expect(pids().slice(start)).toEqual(Array(5).fill(runner))
    repo.git(['checkout', '-q', '--', 'a.txt']) // the next tests start from a clean work tree
  })

  it('a warm pass is cached like a cold one: the same content again runs no gate', async () => {
    const { repo, pids } = await shared()
    repo.write('c.txt', 'cached\n')
    repo.git(['add', 'c.txt'])
    expect(git(repo, ['commit', '-q', '-m', 'c']).code).toBe(0)
    const ran = pids().length
    repo.git(['reset', '-q', '--soft', 'HEAD^'])
    const again = git(repo, ['commit', '-q', '-m', 'c again'], { env: { GITVAN_DEBUG: '1' } })
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain("job 'who': ok (cached)")
    expect(again.stderr).toContain('in the warm runner')
    expect(pids().length).toBe(ran)
  })

  it('pre-push: the warm runner gets the refs on stdin and the hook arguments', async () => {
    const out = PUSHED
    const { repo, runner } = await shared()
    const remote = path.join(repo.dir, '..', `${path.basename(repo.dir)}-remote.git`)
    repo.git(['init', '-q', '--bare', remote])
    repo.git(['remote', 'add', 'origin', remote])
    const r = git(repo, ['push', '-q', 'origin', 'main'])
    expect(r.code, r.stderr).toBe(0)
    const seen = JSON.parse(readFileSync(out, 'utf8')) as { pid: number; args: string[]; stdin: string }
    const head = repo.rev('HEAD')
    expect(seen).toEqual({
      pid: runner,
      args: ['origin', remote],
      stdin: `refs/heads/main ${head} refs/heads/main ${'0'.repeat(40)}\n`,
    })
  })

  it("streams a gate's output back as it comes, before the verdict", async () => {
    const { repo } = await shared()
    repo.write('s.txt', 'stream\n')
    repo.git(['add', 's.txt'])
    const commit = gitAsync(repo, ['commit', '-q', '-m', 'stream'])
    // The gate waits for GO, which the test makes only once the first line has reached git's stderr.
    await until(() => commit.stderr().includes('[halfway] halfway'), 'the first line of the gate')
    writeFileSync(GO, '')
    const r = await commit.done
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('[halfway] done')
  })

  it('two repositories never share a runner: each is answered by its own', async () => {
    const one = await shared()
    const two = await warm()
    expect(two.runner).not.toBe(one.runner)
    two.repo.write('t.txt', 'two\n')
    two.repo.git(['add', 't.txt'])
    expect(git(two.repo, ['commit', '-q', '-m', 'two']).code).toBe(0)
    expect(two.pids().at(-1)).toBe(two.runner)
    expect(one.pids()).not.toContain(two.runner)
  })

  it('a runner killed with -9 in the middle of a request: the commit is refused with a message, never hangs; the next commit runs cold', async () => {
    const dir = path.join('/tmp', `gitvan-warm-kill-${process.pid}-${Date.now()}`)
    const marker = `${dir}.started`
    const { repo, runner, pids } = await warm(
      `slow: { on: { hook: 'pre-commit', paths: ['slow.txt'] }, run: ${cmd('sh', '-c', `echo $$ > ${marker}.tmp; mv ${marker}.tmp ${marker}; exec sleep 30`)} },`,
    )
    repo.write('slow.txt', 'slow\n')
    repo.git(['add', 'slow.txt'])
    const commit = gitAsync(repo, ['commit', '-q', '-m', 'slow'])
    await until(() => exists(marker), 'the slow gate to start')
    process.kill(runner, 'SIGKILL')
    const r = await commit.done
    process.kill(Number(readFileSync(marker, 'utf8')), 'SIGKILL') // the gate the dead runner left
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('the warm runner stopped before the pre-commit gates were done')
    expect(repo.git(['log', '-1', '--format=%s']).stdout.trim()).toBe('first')
    // The runner is gone: the shim goes on with node.
    repo.git(['rm', '-q', '--cached', 'slow.txt'])
    repo.write('other.txt', 'other\n')
    repo.git(['add', 'other.txt'])
    const again = git(repo, ['commit', '-q', '-m', 'again'])
    expect(again.code, again.stderr).toBe(0)
    expect(pids().at(-1)).not.toBe(runner)
  })

  it('a stale FIFO with no reader (ready names a live process that answers nothing): the shim falls back to node', async () => {
    const w = warmRepo()
    const { repo } = w
    const state = path.join(repo.dir, '.git/gitvan/warm')
    mkdirSync(state, { recursive: true })
    const mk = spawn('mkfifo', [path.join(state, 'requests')])
    await new Promise((resolve) => mk.on('close', resolve))
    const squatter = spawn('sleep', ['60'], { stdio: 'ignore' })
    try {
      const stat = readFileSync(`/proc/${squatter.pid}/stat`, 'utf8')
      const start = (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string).trim()
      writeFileSync(path.join(state, 'ready'), `${squatter.pid} ${start}\n`)
      repo.write('s.txt', 'stale\n')
      repo.git(['add', 's.txt'])
      const r = git(repo, ['commit', '-q', '-m', 'stale'], { env: { GITVAN_WARM: undefined } })
      started.push(repo)
      expect(r.code, r.stderr).toBe(0)
      expect(w.pids()).toHaveLength(1) // the cold hook ran the gate
      expect(readdirSync(state).filter((name) => /^\d+\./.test(name))).toEqual([])
    } finally {
      squatter.kill('SIGKILL')
    }
  })

  it('8 worktrees commit at once through one warm runner, every verdict right', async () => {
    const { repo, runner, pids } = await shared()
    const head = repo.git(['log', '-1', '--format=%s']).stdout.trim()
    const trees = Array.from({ length: 8 }, (_, i) => path.join(`${repo.dir}-wt${i}`))
    trees.forEach((dir, i) => {
      repo.git(['worktree', 'add', '-q', '-b', `wt${i}`, dir])
      writeFileSync(path.join(dir, `w${i}.txt`), i % 2 === 0 ? `fine ${i}\n` : `BAD ${i}\n`)
      repo.git(['add', `w${i}.txt`], { cwd: dir })
    })
    const before = pids().length
    const results = await Promise.all(
      trees.map((dir, i) => gitAsync(repo, ['commit', '-q', '-m', `wt${i}`], { cwd: dir }).done),
    )
    results.forEach((r, i) => {
      if (i % 2 === 0) expect(r.code, r.stderr).toBe(0)
      else {
        expect(r.code).toBe(1)
        expect(r.stderr).toContain(`BAD in w${i}.txt`)
      }
    })
    trees.forEach((dir, i) => {
      const subject = repo.git(['log', '-1', '--format=%s'], { cwd: dir }).stdout.trim()
      expect(subject).toBe(i % 2 === 0 ? `wt${i}` : head)
    })
    expect(pids().slice(before)).toEqual(Array(8).fill(runner))
  })

  it('Ctrl-C during a warm gate cancels it and leaves the work tree and index as they were', async () => {
    const marker = HANG
    const pidFile = `${HANG}.pid`
    const { repo } = await shared()
    repo.write('p.txt', 'base\n')
    repo.git(['add', 'p.txt'])
    repo.git(['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'p'])
    repo.write('p.txt', 'staged\n')
    repo.git(['add', 'p.txt'])
    repo.write('p.txt', 'staged\nunstaged\n')
    const before = snapshot(repo)
    const commit = gitAsync(repo, ['commit', '-q', '-m', 'interrupted'], { detached: true })
    await until(() => exists(marker), 'the gate to start')
    // While the gate runs, partial staging has hidden the unstaged line.
    expect(readFileSync(path.join(repo.dir, 'p.txt'), 'utf8')).toBe('staged\n')
    const grandchild = Number(readFileSync(pidFile, 'utf8'))
    process.kill(-commit.pid, 'SIGINT') // the terminal signals the foreground process group
    const r = await commit.done
    expect(r.code).not.toBe(0)
    // The runner puts everything back once it has stopped the gate (it answers the shim after).
    await until(
      () => !readdirSync(path.join(repo.dir, '.git/gitvan/warm')).some((n) => n.endsWith('.taken')),
      'the request to end',
    )
    expect(snapshot(repo)).toEqual(before)
    expect(repo.git(['log', '-1', '--format=%s']).stdout.trim()).toBe('p')
    await until(() => {
      try {
        process.kill(grandchild, 0)
        return false
      } catch {
        return true
      }
    }, "the gate's own child to be stopped")
    repo.git(['reset', '-q', '--hard', 'HEAD'])
  })

  it('an edited config is loaded again by the warm runner: the next commit runs the new gates', async () => {
    const { repo, runner } = await warm()
    const config = readFileSync(path.join(repo.dir, 'gitvan.config.mjs'), 'utf8')
    repo.write(
      'gitvan.config.mjs',
      config.replace(
        'jobs: {',
        "jobs: {\n  edited: { on: 'pre-commit', run: async () => { throw new Error('the edited config ran') } },",
      ),
    )
    repo.write('e.txt', 'edited\n')
    repo.git(['add', 'e.txt'])
    // Not approved yet: the warm runner imports nothing of it, and says how to approve it.
    const refused = git(repo, ['commit', '-q', '-m', 'e'], { env: { GITVAN_DEBUG: '1' } })
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain('gitvan.config.mjs changed')
    expect(refused.stderr).toContain("'gitvan trust'")
    expect(refused.stderr).not.toContain('the edited config ran')
    expect(repo.gitvan(['trust']).code).toBe(0)
    const r = git(repo, ['commit', '-q', '-m', 'e'], { env: { GITVAN_DEBUG: '1' } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('the edited config ran')
    expect(r.stderr).toContain('in the warm runner')
    expect(warmPid(repo)).toBe(runner)
  })

  it('runner.keepWarm: 0 turns it off: the runner started by a hook does not answer gates', async () => {
    const w = warmRepo('', "runner: { keepWarm: 0, idle: '2s' }, ")
    started.push(w.repo)
    w.repo.write('k.txt', 'k\n')
    w.repo.git(['add', 'k.txt'])
    expect(git(w.repo, ['commit', '-q', '-m', 'k']).code).toBe(0)
    expect(warmPid(w.repo)).toBeUndefined()
    expect(existsSync(path.join(w.repo.dir, '.git/gitvan/runner.pid'))).toBe(false)
  })

  it('above runner.maxHeapMB of resident memory the warm runner leaves after its request; the next commit starts cold', async () => {
    const { repo, runner, pids } = await warm('', 'runner: { maxHeapMB: 24 }, ')
    repo.write('m.txt', 'memory\n')
    repo.git(['add', 'm.txt'])
    const r = git(repo, ['commit', '-q', '-m', 'm'])
    expect(r.code, r.stderr).toBe(0)
    expect(pids().at(-1)).toBe(runner) // answered warm, then over the bound
    await until(() => {
      try {
        process.kill(runner, 0)
        return false
      } catch {
        return true
      }
    }, 'the runner over its memory bound to leave')
    expect(readFileSync(path.join(repo.dir, '.git/gitvan/runner.log'), 'utf8')).toContain(
      'resident memory above runner.maxHeapMB (24 MB)',
    )
    repo.write('n.txt', 'next\n')
    repo.git(['add', 'n.txt'])
    expect(git(repo, ['commit', '-q', '-m', 'n']).code).toBe(0)
    expect(pids().at(-1)).not.toBe(runner)
  })

  it('gitvan status says the runner is warm and how much memory it holds', async () => {
    const { repo, runner } = await shared()
    const status = JSON.parse(repo.gitvan(['status', '--json']).stdout) as { runner: Record<string, unknown> }
    expect(status.runner).toMatchObject({ alive: true, pid: runner, warm: true, rssMB: expect.any(Number) })
    expect(repo.gitvan(['status']).stdout).toMatch(/runner: +running \(pid \d+, warm: answers gates, \d+ MB resident\)/)
  })
})
