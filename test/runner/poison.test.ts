// Things in the spool that are not events must not stop the runner: later commits still get
// their receipts, the runner still goes idle and exits, and each thing is set aside once.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MAX_EVENT_BYTES } from '../../src/spool/entry.js'
import { removeTemp } from '../helpers/repo.js'
import { asyncRepo, drained, logText, receipts, status } from './fixture.js'

afterAll(removeTemp)

describe('poison in the spool', () => {
  it('a dangling link, a FIFO, a directory (also one in claimed/) and an oversized file do not stop later receipts', async () => {
    const repo = asyncRepo()
    const spool = path.join(repo.stateDir, 'spool')
    symlinkSync('/nonexistent/gitvan/target', path.join(spool, 'post-commit-dangling.event'))
    expect(spawnSync('mkfifo', [path.join(spool, 'post-commit-fifo.event')]).status).toBe(0)
    mkdirSync(path.join(spool, 'post-commit-dir.event'))
    const dead = Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim())
    mkdirSync(path.join(spool, 'claimed', `${dead}-1`, 'post-commit-claimed.event'), { recursive: true })
    const big = path.join(spool, 'post-commit-big.event')
    writeFileSync(big, 'gitvan-event 1\n')
    truncateSync(big, MAX_EVENT_BYTES + 1)

    const commits: string[] = []
    for (let i = 0; i < 3; i++) {
      expect(repo.commit(`after the poison ${i}`, { allowEmpty: true }).code).toBe(0)
      commits.push(repo.rev('HEAD'))
    }
    await drained(repo)
    for (const [commit, lines] of receipts(repo, commits))
      expect(
        lines.map((r) => [r.job, r.status]),
        commit,
      ).toEqual([['count', 'ok']])

    const names = [
      'post-commit-big.event',
      'post-commit-claimed.event',
      'post-commit-dangling.event',
      'post-commit-dir.event',
      'post-commit-fifo.event',
    ]
    expect(readdirSync(path.join(spool, 'bad')).sort()).toEqual(names.flatMap((name) => [name, `${name}.reason`]))
    expect(readdirSync(path.join(spool, 'claimed')).filter((name) => name.startsWith(`${dead}-`))).toEqual([])
    const log = logText(repo)
    for (const name of names) expect(log.split(`malformed event ${name} moved to spool/bad/: `), name).toHaveLength(2)
    expect(log).toMatch(/malformed event post-commit-fifo\.event moved to spool\/bad\/: a FIFO, not a regular file/)
    expect(log).toMatch(/malformed event post-commit-big\.event moved to spool\/bad\/: 16777217 bytes, more than/)
    expect(log).toContain('runner exits: idle')
    expect(status(repo)).toMatchObject({ spool: 0, bad: 5, runner: { alive: false } })
  })
})
