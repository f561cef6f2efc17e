/**
 * Several runners sharing one range through a git remote (`gitvan run --remote`), and `gitvan sync`,
 * against a real `git daemon --enable=receive-pack` on 127.0.0.1 that each test starts and stops.
 * Executions are counted in a file every job run appends to; receipts are read from the server.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { type Daemon, startDaemon } from '../gate/daemon.js'
import { CLI, cleanEnv, removeTemp, runAsync, tempDir } from '../helpers/repo.js'
import { waitFor } from './fixture.js'

afterAll(removeTemp)

let daemon: Daemon | undefined
afterEach(async () => {
  await daemon?.stop()
  daemon = undefined
})

type World = {
  readonly base: string
  readonly env: NodeJS.ProcessEnv
  readonly runsFile: string
  readonly url: string
  readonly git: (cwd: string, args: readonly string[], allowFail?: boolean) => string
  /** A fresh clone of the server's repository (extra args go to git clone). */
  readonly clone: (name: string, ...args: string[]) => string
  readonly gitvan: (cwd: string, args: readonly string[], env?: NodeJS.ProcessEnv) => ReturnType<typeof spawnSync>
  /** Receipt lines on the server, by commit. */
  readonly serverReceipts: () => Map<string, { job: string; status: string; runner: string }[]>
  readonly serverLocks: () => string[]
}

/** A server repository with `commits` commits whose config has one post-commit job. */
async function world(commits: number, job: string): Promise<World> {
  const base = tempDir('gitvan-remote-')
  const env = cleanEnv()
  const runsFile = path.join(base, 'runs.txt')
  writeFileSync(runsFile, '')
  const git = (cwd: string, args: readonly string[], allowFail = false): string => {
    const r = spawnSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    if (r.status !== 0 && !allowFail) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`)
    return r.stdout
  }
  const seed = path.join(base, 'seed')
  mkdirSync(seed)
  git(seed, ['init', '-q', '-b', 'main'])
  writeFileSync(
    path.join(seed, 'gitvan.config.mjs'),
    `import { appendFileSync } from 'node:fs'
const record = (ctx) => appendFileSync(${JSON.stringify(runsFile)}, ctx.job + ' ' + ctx.commit + '\\n')
export default { jobs: { ${job} }, concurrency: 2 }
`,
  )
  git(seed, ['add', '-A'])
  git(seed, ['commit', '-q', '-m', 'config'])
  // The other commits in one fast-import: a git process per commit would cost more than the test.
  let stream = ''
  for (let i = 1; i < commits; i++)
    stream += `commit refs/heads/main\ncommitter T <t@example.invalid> ${1_700_000_000 + i} +0000\ndata <<EOM\nc${i}\nEOM\n${i === 1 ? 'from refs/heads/main^0\n' : ''}\n`
  if (commits > 1) {
    const r = spawnSync('git', ['fast-import', '--quiet'], { cwd: seed, env, input: stream, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(r.stderr)
  }
  git(base, ['clone', '-q', '--bare', seed, 'server.git'])
  daemon = await startDaemon(base, env)
  const url = daemon.url('server.git')
  const server = path.join(base, 'server.git')
  return {
    base,
    env,
    runsFile,
    url,
    git,
    clone: (name, ...args) => {
      git(base, ['clone', '-q', ...args, url, name])
      return path.join(base, name)
    },
    gitvan: (cwd, args, extra = {}) =>
      spawnSync(process.execPath, [CLI, ...args], { cwd, env: { ...env, ...extra }, encoding: 'utf8' }),
    serverReceipts: () => {
      const result = new Map<string, { job: string; status: string; runner: string }[]>()
      const list = git(server, ['notes', '--ref=gitvan/results', 'list'], true)
      for (const line of list.split('\n').filter(Boolean)) {
        const commit = line.split(' ')[1] as string
        const text = git(server, ['notes', '--ref=gitvan/results', 'show', commit])
        result.set(
          commit,
          text
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l)),
        )
      }
      return result
    },
    serverLocks: () =>
      git(server, ['for-each-ref', '--format=%(refname)', 'refs/gitvan/locks/']).split('\n').filter(Boolean),
  }
}

const executions = (w: World): string[] => readFileSync(w.runsFile, 'utf8').split('\n').filter(Boolean)

const okOnServer = (w: World, job: string): Map<string, number> =>
  new Map(
    [...w.serverReceipts()].map(([c, lines]) => [c, lines.filter((r) => r.job === job && r.status === 'ok').length]),
  )

describe('gitvan run --remote: runners share a range through the remote', () => {
  it('four clones at once over 120 commits: 120 runs, 120 distinct, 120 receipts on the server', async () => {
    const w = await world(120, "count: { on: 'post-commit', run: record }")
    const clones = ['a', 'b', 'c', 'd'].map((name) => w.clone(name))
    const results = await Promise.all(
      clones.map((cwd) =>
        runAsync(process.execPath, [CLI, 'run', '--all', '--remote', 'origin', '--reporter', 'json'], {
          cwd,
          env: { ...w.env, CI: 'true' },
        }),
      ),
    )
    const reports = results.map((r) => {
      expect(r.code, r.stderr).toBe(0)
      return JSON.parse(r.stdout) as { runs: number; failed: number; held: number; remote: { pushes: number } }
    })
    const ran = executions(w)
    expect(ran).toHaveLength(120)
    expect(new Set(ran).size).toBe(120)
    expect(reports.reduce((sum, r) => sum + r.runs, 0)).toBe(120)
    // What one runner did not run, another held or had done.
    for (const r of reports) expect(r.runs + r.held).toBe(120)
    const ok = okOnServer(w, 'count')
    expect(ok.size).toBe(120)
    expect([...ok.values()].every((n) => n === 1)).toBe(true)
    expect(w.serverLocks()).toEqual([])
    // Claims and receipts go in bulk: far fewer pushes than commits.
    for (const r of reports) expect(r.remote.pushes).toBeLessThan(60)
  })

  it('a runner killed with kill -9 mid-run: another finishes its claims, each commit has one ok receipt', async () => {
    const w = await world(
      8,
      "slow: { on: 'post-commit', run: async (ctx) => { record(ctx); await new Promise((r) => setTimeout(r, 300)) } }",
    )
    const first = w.clone('first')
    const child = spawn(process.execPath, [CLI, 'run', '--all', '--remote', 'origin', '--concurrency', '1'], {
      cwd: first,
      env: { ...w.env, CI: 'true' },
      stdio: 'ignore',
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    await waitFor(
      () => executions(w).length >= 2 && w.serverLocks().length > 0,
      () => `runs ${executions(w).length}, locks ${w.serverLocks().length}`,
    )
    child.kill('SIGKILL')
    await exited
    const held = w.serverLocks().length
    expect(held).toBeGreaterThan(0)
    // The holder is a dead process of this host: its claims are taken over at once.
    const second = w.clone('second')
    const r = w.gitvan(second, ['run', '--all', '--remote', 'origin', '--reporter', 'json'], { CI: 'true' })
    expect(r.status, String(r.stderr)).toBe(0)
    const ok = okOnServer(w, 'slow')
    expect(ok.size).toBe(8)
    expect([...ok.values()]).toEqual(Array(8).fill(1))
    expect(w.serverLocks()).toEqual([])
  })

  it("another machine's claim holds until its lease runs out, then is taken over", async () => {
    const w = await world(3, "count: { on: 'post-commit', run: record }")
    const clone = w.clone('one')
    const [fresh, old] = w.git(clone, ['rev-list', '--max-count=2', 'HEAD']).split('\n') as [string, string]
    // Claims pushed by "another machine": one taken just now for an hour, one whose lease ran out.
    const blob = (time: string, lease: number) =>
      spawnSync('git', ['hash-object', '-w', '--stdin'], {
        cwd: clone,
        env: w.env,
        encoding: 'utf8',
        input: `${JSON.stringify({ owner: 'elsewhere:1', pid: 1, host: `not-${os.hostname()}`, time, lease })}\n`,
      }).stdout.trim()
    const live = blob(new Date().toISOString(), 3_600_000)
    const expired = blob(new Date(Date.now() - 7_200_000).toISOString(), 60_000)
    w.git(clone, [
      'push',
      '-q',
      'origin',
      `${live}:refs/gitvan/locks/count/${fresh}`,
      `${expired}:refs/gitvan/locks/count/${old}`,
    ])

    const r = w.gitvan(clone, ['run', '--all', '--remote', 'origin', '--reporter', 'json'], { CI: 'true' })
    expect(r.status, String(r.stderr)).toBe(0)
    expect(JSON.parse(String(r.stdout))).toMatchObject({ runs: 2, held: 1 })
    expect(executions(w).sort()).toEqual(
      w
        .git(clone, ['rev-list', 'HEAD'])
        .split('\n')
        .filter((c) => c && c !== fresh)
        .map((c) => `count ${c}`)
        .sort(),
    )
    expect(w.serverLocks()).toEqual([`refs/gitvan/locks/count/${fresh}`])
  })

  it('works from a shallow clone without a notes refspec, and skips what the server has receipts for', async () => {
    const w = await world(5, "count: { on: 'post-commit', run: record }")
    const shallow = w.clone('shallow', '--depth', '1')
    const r = w.gitvan(shallow, ['run', 'HEAD', '--remote', 'origin'], { CI: 'true' })
    expect(r.status, String(r.stderr)).toBe(0)
    const head = w.git(shallow, ['rev-parse', 'HEAD']).trim()
    expect([...okOnServer(w, 'count')]).toEqual([[head, 1]])
    // A second shallow clone finds the receipt on the server and runs nothing.
    const again = w.clone('again', '--depth', '1')
    const second = w.gitvan(again, ['run', 'HEAD', '--remote', 'origin', '--reporter', 'json'], { CI: 'true' })
    expect(second.status, String(second.stderr)).toBe(0)
    expect(JSON.parse(String(second.stdout))).toMatchObject({ runs: 0, skipped: 1 })
    expect(executions(w)).toEqual([`count ${head}`])
  })

  it('names a remote that does not exist (exit 2)', async () => {
    const w = await world(1, "count: { on: 'post-commit', run: record }")
    const r = w.gitvan(w.clone('x'), ['run', '--remote', 'upstream'], { CI: 'true' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("'upstream' is not a remote")
    expect(r.stderr).toContain('Remotes: origin.')
  })
})

describe('gitvan sync: receipts and outputs alone', () => {
  it('pushes local receipts and outputs, brings them to another clone, and names diverged outputs (exit 3)', async () => {
    const w = await world(4, "count: { on: 'post-commit', run: record }")
    const a = w.clone('a')
    const b = w.clone('b')
    expect(w.gitvan(a, ['run', '--all'], { CI: 'true' }).status).toBe(0)
    expect(w.gitvan(b, ['run', 'HEAD~1', '--force'], { CI: 'true' }).status).toBe(0)
    const head = w.git(a, ['rev-parse', 'HEAD']).trim()
    w.git(a, ['update-ref', 'refs/gitvan/outputs/docs', head])

    const pushed = w.gitvan(a, ['sync'])
    expect(pushed.status, String(pushed.stderr)).toBe(0)
    expect(pushed.stdout).toMatch(/gitvan sync: origin: receipts in sync .*1 output ref\(s\) pushed/)
    expect([...okOnServer(w, 'count').values()]).toEqual([1, 1, 1, 1])

    // b had its own receipt on HEAD~1: after sync, both lines are on the server and in b.
    const synced = w.gitvan(b, ['sync', 'origin', '--json'])
    expect(synced.status, String(synced.stderr)).toBe(0)
    expect(JSON.parse(String(synced.stdout))).toMatchObject({ outputs: { pulled: ['refs/gitvan/outputs/docs'] } })
    const parent = w.git(b, ['rev-parse', 'HEAD~1']).trim()
    expect(w.serverReceipts().get(parent)?.length).toBe(2)
    expect(w.git(b, ['notes', '--ref=gitvan/results', 'list']).trim().split('\n')).toHaveLength(4)
    expect(w.git(b, ['rev-parse', 'refs/gitvan/outputs/docs']).trim()).toBe(head)

    // Outputs moved apart on both sides are left alone, named, exit 3.
    const tree = w.git(a, ['rev-parse', 'HEAD^{tree}']).trim()
    const ours = w.git(a, ['commit-tree', tree, '-p', head, '-m', 'ours']).trim()
    const theirs = w.git(b, ['commit-tree', tree, '-p', head, '-m', 'theirs']).trim()
    w.git(a, ['update-ref', 'refs/gitvan/outputs/docs', ours])
    w.git(b, ['update-ref', 'refs/gitvan/outputs/docs', theirs])
    expect(w.gitvan(a, ['sync']).status).toBe(0)
    const conflict = w.gitvan(b, ['sync'])
    expect(conflict.status).toBe(3)
    expect(conflict.stderr).toContain('refs/gitvan/outputs/docs')
    expect(w.git(b, ['rev-parse', 'refs/gitvan/outputs/docs']).trim()).toBe(theirs)
  })

  it('install --notes-refspec: a plain git fetch brings the receipts, and gitvan run skips what they cover', async () => {
    const w = await world(3, "count: { on: 'post-commit', run: record }")
    const a = w.clone('a')
    expect(w.gitvan(a, ['run', '--all'], { CI: 'true' }).status).toBe(0)
    expect(w.gitvan(a, ['sync']).status).toBe(0)
    const b = w.clone('b')
    const installed = w.gitvan(b, ['install', '--notes-refspec'], { CI: 'true' })
    expect(installed.status, String(installed.stderr)).toBe(0)
    expect(installed.stdout).toContain('+refs/notes/gitvan/*:refs/notes/gitvan-remotes/origin/*')
    expect(w.gitvan(b, ['install', '--notes-refspec'], { CI: 'true' }).stdout).toContain('already')
    w.git(b, ['fetch', '-q', 'origin'])
    const r = w.gitvan(b, ['run', '--all', '--reporter', 'json'], { CI: 'true' })
    expect(r.status, String(r.stderr)).toBe(0)
    expect(JSON.parse(String(r.stdout))).toMatchObject({ runs: 0, skipped: 3 })
    expect(executions(w)).toHaveLength(3)
  })
})
