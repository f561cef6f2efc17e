import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRepo, removeTemp, type TestRepo } from '../helpers/repo.js'
import { type Daemon, startDaemon } from './daemon.js'
import { gateRepo, scratch } from './fixture.js'

type Seen = { args: string[]; stdin: string; files: string[]; commit: string }

const ZERO = '0'.repeat(40)

describe('pre-push gates against a real git daemon', () => {
  let daemon: Daemon
  let repo: TestRepo
  let remote: TestRepo
  const out = path.join(scratch(), 'seen.jsonl')
  const seen = (): Seen[] =>
    readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Seen)
  const last = (): Seen => seen().at(-1) as Seen
  const push = (...args: string[]) => repo.git(['push', '-q', 'origin', ...args], { allowFail: true })
  const remoteHead = (ref: string) =>
    remote.git(['rev-parse', '-q', '--verify', ref], { allowFail: true }).stdout.trim()

  beforeAll(async () => {
    remote = makeRepo({ bare: true })
    daemon = await startDaemon(path.dirname(remote.dir), remote.env)
    repo = gateRepo(
      `import { appendFileSync } from 'node:fs'
       export default { jobs: {
        record: { on: 'pre-push', run: (ctx) => { appendFileSync(${JSON.stringify(out)}, JSON.stringify({ args: ctx.args, stdin: ctx.stdin, files: ctx.files, commit: ctx.commit }) + '\\n') } },
        blocked: { on: { hook: 'pre-push', paths: 'blocked/**' }, run: ${JSON.stringify("sh -c 'echo nothing under blocked/ may be pushed; cat; exit 1'")} },
        mainOnly: { on: { hook: 'pre-push', branch: 'main' }, run: ${JSON.stringify("sh -c 'test ! -e no-main'")} },
      } }\n`,
    )
    repo.git(['remote', 'add', 'origin', daemon.url(path.basename(remote.dir))])
  })
  afterAll(async () => {
    await daemon?.stop()
    removeTemp()
  })

  it('a first push gets the ref line on stdin and every file of the new commits', () => {
    repo.write('a.txt', 'a\n')
    repo.commit('a')
    const head = repo.rev('HEAD')
    const r = push('main')
    expect(r.code, r.stderr).toBe(0)
    expect(remoteHead('refs/heads/main')).toBe(head)
    expect(last()).toEqual({
      args: ['origin', daemon.url(path.basename(remote.dir))],
      stdin: `refs/heads/main ${head} refs/heads/main ${ZERO}\n`,
      files: expect.any(Array),
      commit: head,
    })
    expect([...last().files].sort()).toEqual(['README.md', 'a.txt', 'gitvan.config.mjs'])
  })

  it('a later push gets only the paths changed since the remote oid', () => {
    const old = repo.rev('HEAD')
    repo.write('b c.txt', 'b\n')
    repo.commit('b')
    repo.write('d.txt', 'd\n')
    repo.commit('d')
    const head = repo.rev('HEAD')
    expect(push('main').code).toBe(0)
    expect(last().stdin).toBe(`refs/heads/main ${head} refs/heads/main ${old}\n`)
    expect([...last().files].sort()).toEqual(['b c.txt', 'd.txt'])
  })

  it('a failing gate refuses the push, and the remote keeps its ref, until the path leaves the pushed history', () => {
    const before = remoteHead('refs/heads/main')
    repo.write('blocked/secret.txt', 'x\n')
    repo.commit('blocked')
    const r = push('main')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("pre-push: job 'blocked' failed: 'sh' exited with code 1")
    expect(r.stderr).toContain('nothing under blocked/ may be pushed')
    expect(r.stderr).toContain(`refs/heads/main ${repo.rev('HEAD')} refs/heads/main ${before}`)
    expect(r.stderr).toContain('the push was refused')
    expect(remoteHead('refs/heads/main')).toBe(before)
    // Removing the file in a later commit would still push it in history: the gate still refuses.
    repo.git(['rm', '-q', '-r', 'blocked'])
    repo.commit('unblock')
    expect(push('main').code).not.toBe(0)
    repo.git(['reset', '-q', '--hard', 'HEAD~2'])
    const fixed = push('main')
    expect(fixed.code, fixed.stderr).toBe(0)
    expect(remoteHead('refs/heads/main')).toBe(repo.rev('HEAD'))
  })

  it('a new branch gets only the commits no remote-tracking ref has, and branch filters test the pushed ref', () => {
    repo.git(['switch', '-q', '-c', 'feature'])
    repo.write('feature.txt', 'f\n')
    repo.commit('feature')
    repo.write('no-main', 'mainOnly would fail if it ran\n')
    const r = push('feature')
    expect(r.code, r.stderr).toBe(0)
    expect(last().stdin).toBe(`refs/heads/feature ${repo.rev('HEAD')} refs/heads/feature ${ZERO}\n`)
    expect(last().files).toEqual(['feature.txt'])
    const toMain = push('HEAD:main') // updates main on the remote: mainOnly runs, and fails
    expect(toMain.code).not.toBe(0)
    expect(toMain.stderr).toContain("pre-push: job 'mainOnly' failed")
  })

  it('deleting a branch pushes no files', () => {
    const tip = remoteHead('refs/heads/feature')
    expect(push(':feature').code).toBe(0)
    expect(last().stdin).toBe(`(delete) ${ZERO} refs/heads/feature ${tip}\n`)
    expect(last().files).toEqual([])
    expect(remoteHead('refs/heads/feature')).toBe('')
  })
})
