// What is not a regular file of bounded size never gets read: it is set aside, once, with its reason.
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatEvent } from '../../src/event.js'
import { MAX_EVENT_BYTES, readEvent } from '../../src/spool/entry.js'
import { selfOwner } from '../../src/spool/lock.js'
import { claim, claimDir, listBad, listWaiting, loadClaimed, requeueOrphans, spoolDir } from '../../src/spool/spool.js'

const A = 'a'.repeat(40)
const stateDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-state-'))
  mkdirSync(path.join(dir, 'spool'))
  return dir
}
const eventText = formatEvent({
  hook: 'post-commit',
  head: A,
  ref: 'refs/heads/main',
  cwd: '/w',
  args: [],
  stdin: '',
  time: 1,
})
const mkfifo = (file: string): void => {
  const r = spawnSync('mkfifo', [file])
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`)
}
const deadPid = (): number => Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim())
const reasonOf = (dir: string, name: string): string =>
  readFileSync(path.join(spoolDir(dir), 'bad', `${name}.reason`), 'utf8')

describe('poison in the spool', () => {
  it('sets aside a dangling link, a link to a valid event, a FIFO, a directory and an oversized file, and claims the event', () => {
    const dir = stateDir()
    const spool = spoolDir(dir)
    const outside = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-outside-')), 'real.event')
    writeFileSync(outside, eventText)
    symlinkSync('/nonexistent/gitvan/target', path.join(spool, 'post-commit-dangling.event'))
    symlinkSync(outside, path.join(spool, 'post-commit-link.event'))
    mkfifo(path.join(spool, 'post-commit-fifo.event'))
    mkdirSync(path.join(spool, 'post-commit-dir.event'))
    writeFileSync(path.join(spool, 'post-commit-dir.event', 'inside'), 'kept\n')
    const big = path.join(spool, 'post-commit-big.event')
    writeFileSync(big, eventText)
    truncateSync(big, MAX_EVENT_BYTES + 1)
    writeFileSync(path.join(spool, 'post-commit-good.event'), eventText)

    const { claimed, bad } = claim(dir, selfOwner(), 100)
    expect(claimed.map((c) => c.name)).toEqual(['post-commit-good.event'])
    expect(bad.map((b) => [b.name, b.moved]).sort()).toEqual([
      ['post-commit-big.event', true],
      ['post-commit-dangling.event', true],
      ['post-commit-dir.event', true],
      ['post-commit-fifo.event', true],
      ['post-commit-link.event', true],
    ])
    expect(listWaiting(dir)).toEqual([])
    expect(listBad(dir).sort()).toEqual([
      'post-commit-big.event',
      'post-commit-dangling.event',
      'post-commit-dir.event',
      'post-commit-fifo.event',
      'post-commit-link.event',
    ])
    expect(reasonOf(dir, 'post-commit-dangling.event')).toMatch(/^a symbolic link, not a regular file/)
    expect(reasonOf(dir, 'post-commit-link.event')).toMatch(/^a symbolic link/)
    expect(reasonOf(dir, 'post-commit-fifo.event')).toMatch(/^a FIFO, not a regular file/)
    expect(reasonOf(dir, 'post-commit-dir.event')).toMatch(/^a directory, not a regular file/)
    expect(reasonOf(dir, 'post-commit-big.event')).toMatch(
      /^16777217 bytes, more than the 16777216 bytes \(16 MiB\) an event file may hold; it was not read/,
    )
    // Moved as they are: the link is still a link, the directory keeps what it held, the target is untouched.
    const moved = path.join(spool, 'bad')
    expect(lstatSync(path.join(moved, 'post-commit-link.event')).isSymbolicLink()).toBe(true)
    expect(lstatSync(path.join(moved, 'post-commit-fifo.event')).isFIFO()).toBe(true)
    expect(readFileSync(path.join(moved, 'post-commit-dir.event', 'inside'), 'utf8')).toBe('kept\n')
    expect(readFileSync(outside, 'utf8')).toBe(eventText)
    expect(loadClaimed(dir, claimed).events.map((e) => e.head)).toEqual([A])
    // Once: nothing is left to set aside on the next look.
    expect(claim(dir, selfOwner(), 100)).toEqual({ claimed: [], bad: [] })
  })

  it('keeps an earlier entry of spool/bad/ when a second one has the same name', () => {
    const dir = stateDir()
    const file = path.join(spoolDir(dir), 'post-commit-x.event')
    mkfifo(file)
    claim(dir, selfOwner(), 10)
    mkdirSync(file)
    claim(dir, selfOwner(), 10)
    expect(listBad(dir).sort()).toEqual(['post-commit-x.event', 'post-commit-x.event.1'])
    expect(reasonOf(dir, 'post-commit-x.event')).toMatch(/^a FIFO/)
    expect(reasonOf(dir, 'post-commit-x.event.1')).toMatch(/^a directory/)
  })

  it('reads a claimed name without following a link or blocking on a FIFO, and sets it aside', () => {
    // What a name swapped after the claim looks like: the claim directory holds a link and a FIFO.
    const dir = stateDir()
    const owner = selfOwner()
    const target = claimDir(dir, owner)
    mkdirSync(target, { recursive: true })
    const outside = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-outside-')), 'real.event')
    writeFileSync(outside, eventText)
    symlinkSync(outside, path.join(target, 'post-commit-link.event'))
    mkfifo(path.join(target, 'post-commit-fifo.event'))
    mkdirSync(path.join(target, 'post-commit-dir.event'))
    const items = ['link', 'fifo', 'dir'].map((kind) => ({
      file: path.join(target, `post-commit-${kind}.event`),
      name: `post-commit-${kind}.event`,
      mtimeMs: 1,
    }))
    const loaded = loadClaimed(dir, items)
    expect(loaded.events).toEqual([])
    expect(loaded.bad.map((b) => b.name)).toEqual(items.map((item) => item.name))
    expect(readdirSync(target)).toEqual([])
    expect(reasonOf(dir, 'post-commit-link.event')).toMatch(/^a symbolic link/)
    expect(reasonOf(dir, 'post-commit-fifo.event')).toMatch(/^a FIFO/)
    expect(reasonOf(dir, 'post-commit-dir.event')).toMatch(/^a directory/)
  })

  it('reads at most the bound', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-read-'))
    const atBound = path.join(dir, 'at.event')
    writeFileSync(atBound, eventText)
    truncateSync(atBound, MAX_EVENT_BYTES)
    expect(readEvent(atBound)).toMatchObject({ kind: 'text' })
    const over = path.join(dir, 'over.event')
    writeFileSync(over, eventText)
    truncateSync(over, MAX_EVENT_BYTES + 1)
    expect(readEvent(over)).toEqual({ kind: 'poison', reason: expect.stringMatching(/more than the 16777216 bytes/) })
    expect(readEvent(path.join(dir, 'missing.event'))).toEqual({ kind: 'gone' })
  })

  it("re-queues a directory a dead runner's claim held, then sets it aside; a claim that is not a directory is set aside", () => {
    const dir = stateDir()
    const dead = claimDir(dir, { pid: deadPid(), start: '1' })
    mkdirSync(path.join(dead, 'post-commit-dir.event'), { recursive: true })
    writeFileSync(path.join(dead, 'post-commit-ok.event'), eventText)
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'gitvan-elsewhere-'))
    writeFileSync(path.join(elsewhere, 'post-commit-foreign.event'), eventText)
    symlinkSync(elsewhere, claimDir(dir, { pid: deadPid(), start: '2' }))

    expect(requeueOrphans(dir, selfOwner())).toBe(2)
    expect(existsSync(dead)).toBe(false)
    expect(readdirSync(path.join(spoolDir(dir), 'claimed'))).toEqual([])
    expect(readdirSync(elsewhere)).toEqual(['post-commit-foreign.event'])
    const { claimed, bad } = claim(dir, selfOwner(), 10)
    expect(claimed.map((c) => c.name)).toEqual(['post-commit-ok.event'])
    expect(bad.map((b) => b.name)).toEqual(['post-commit-dir.event'])
    expect(listBad(dir).filter((name) => name.startsWith('claimed-'))).toHaveLength(1)
  })
})
