import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { HookEvent } from '../../src/event.js'
import { acquireLock, holdsLock, readLock, releaseLock, selfOwner } from '../../src/spool/lock.js'
import {
  claim,
  claimDir,
  finish,
  listWaiting,
  loadClaimed,
  requeueOrphans,
  spoolDir,
  writeEvent,
} from '../../src/spool/spool.js'

const A = 'a'.repeat(40)
const stateDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-state-'))
  mkdirSync(path.join(dir, 'spool'))
  return dir
}
const event = (head: string, time: number): HookEvent => ({
  hook: 'post-commit',
  head,
  ref: 'refs/heads/main',
  cwd: '/w',
  args: [],
  stdin: '',
  time,
})
const deadPid = (): number => Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim())

describe('spool files', () => {
  it('claims the oldest first, at most max, into the owner directory; finish deletes them', () => {
    const dir = stateDir()
    const owner = selfOwner()
    const files = [3, 1, 2].map((n) => {
      const file = writeEvent(dir, event(String(n).repeat(40), n))
      utimesSync(file, n, n)
      return file
    })
    expect(listWaiting(dir)).toHaveLength(3)
    const { claimed } = claim(dir, owner, 2)
    expect(claimed.map((c) => path.basename(c.file))).toEqual([path.basename(files[1]!), path.basename(files[2]!)])
    expect(listWaiting(dir)).toHaveLength(1)
    const { events } = loadClaimed(dir, claimed)
    expect(events.map((e) => e.head[0])).toEqual(['1', '2'])
    finish(claimed)
    expect(readdirSync(claimDir(dir, owner))).toEqual([])
  })

  it('puts a file still being written back, and sets one abandoned half-written aside', () => {
    const dir = stateDir()
    const owner = selfOwner()
    writeFileSync(path.join(spoolDir(dir), 'post-commit-young.event'), `gitvan-event 1\nhook post-commit\nhead ${A}\n`)
    const old = path.join(spoolDir(dir), 'post-commit-old.event')
    writeFileSync(old, `gitvan-event 1\nhook post-commit\n`)
    utimesSync(old, 1, 1)
    const loaded = loadClaimed(dir, claim(dir, owner, 10).claimed)
    expect(loaded.incomplete).toBe(1)
    expect(listWaiting(dir)).toEqual(['post-commit-young.event'])
    expect(loaded.bad).toEqual([
      { name: 'post-commit-old.event', reason: expect.stringContaining("no 'end' line"), moved: true },
    ])
    expect(readFileSync(path.join(spoolDir(dir), 'bad', 'post-commit-old.event.reason'), 'utf8')).toContain(
      "no 'end' line",
    )
  })

  it("re-queues a dead owner's claimed files, never a live owner's", () => {
    const dir = stateDir()
    writeEvent(dir, event(A, 1))
    writeEvent(dir, event(A, 2))
    const dead = { pid: deadPid(), start: '1' }
    claim(dir, dead, 1)
    const live = { pid: process.pid, start: selfOwner().start }
    claim(dir, live, 1)
    expect(listWaiting(dir)).toEqual([])
    expect(requeueOrphans(dir, { pid: 1, start: 'x' })).toBe(1)
    expect(listWaiting(dir)).toHaveLength(1)
    expect(existsSync(claimDir(dir, dead))).toBe(false)
    expect(readdirSync(claimDir(dir, live))).toHaveLength(1)
  })
})

describe('runner lock', () => {
  it('one holder at a time; a live holder is reported; release only by the owner', () => {
    const dir = stateDir()
    const me = selfOwner()
    expect(acquireLock(dir, me)).toMatchObject({ ok: true, tookOver: undefined })
    const other = { pid: process.ppid, start: '0' }
    expect(acquireLock(dir, other)).toEqual({ ok: false, holder: me })
    expect(releaseLock(dir, other)).toBe(false)
    expect(holdsLock(dir, me)).toBe(true)
    expect(releaseLock(dir, me)).toBe(true)
    expect(readLock(dir)).toBeUndefined()
  })

  it("takes over a dead owner's lock, and one whose pid was recycled (start time differs)", () => {
    const dir = stateDir()
    const dead = { pid: deadPid(), start: '12345' }
    writeFileSync(path.join(dir, 'runner.pid'), `${dead.pid} ${dead.start}\n`)
    expect(acquireLock(dir, selfOwner())).toMatchObject({ ok: true, tookOver: dead })
    releaseLock(dir, selfOwner())
    const recycled = { pid: process.ppid, start: 'not-its-start-time' }
    writeFileSync(path.join(dir, 'runner.pid'), `${recycled.pid} ${recycled.start}\n`)
    expect(acquireLock(dir, selfOwner())).toMatchObject({ ok: true, tookOver: recycled })
  })

  it('takes over a lock file that holds garbage', () => {
    const dir = stateDir()
    writeFileSync(path.join(dir, 'runner.pid'), 'garbage')
    expect(acquireLock(dir, selfOwner())).toMatchObject({ ok: true })
    expect(readLock(dir)).toEqual(selfOwner())
  })
})
