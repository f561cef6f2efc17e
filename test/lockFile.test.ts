import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireLockFile, isAlive, processStart, readLockFile, releaseLockFile, selfOwner } from '../src/lockFile.js'
import { bundleFixture } from './helpers/bundle.js'
import { cleanEnv, removeTemp } from './helpers/repo.js'

afterAll(removeTemp)

/** The pid of a process that has exited and been reaped: certainly not alive. */
const deadPid = (): number =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)

/**
 * Starts `count` racers and returns the line each printed. Their stdin stays open until every one
 * has printed (each has made its attempt), then closes, so a winner holds its lock through the race.
 */
async function race(count: number, start: () => ChildProcess): Promise<string[]> {
  const racers = Array.from({ length: count }, () => start())
  const lines = await Promise.all(
    racers.map(
      (child) =>
        new Promise<string>((resolve, reject) => {
          let out = ''
          child.stdout?.setEncoding('utf8')
          child.stdout?.on('data', (chunk: string) => {
            out += chunk
            if (out.includes('\n')) resolve(out.trim())
          })
          child.on('error', reject)
          child.on('exit', (code) => reject(new Error(`a racer exited (${code}) before printing: ${out}`)))
        }),
    ),
  )
  await Promise.all(
    racers.map((child) => {
      child.stdin?.end()
      return new Promise((resolve) => child.on('exit', resolve))
    }),
  )
  return lines
}

describe('lock files', () => {
  let worker: string
  beforeAll(async () => {
    worker = await bundleFixture(path.join(import.meta.dirname, 'fixtures/lockWorker.ts'))
  })

  it("lets exactly one of eight racing processes take over a dead owner's lock", async () => {
    for (let round = 0; round < 5; round++) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-lock-'))
      const file = path.join(dir, 'the.lock')
      writeFileSync(file, `${deadPid()} 12345\n`)
      const startAt = String(Date.now() + 600)
      const lines = await race(8, () => spawn(process.execPath, [worker, file, startAt], { cwd: dir, env: cleanEnv() }))
      expect(
        lines.filter((line) => line === 'won'),
        lines.join(', '),
      ).toHaveLength(1)
    }
  })

  it('is not re-entrant unless asked: a second attempt by the owner is held', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-lock-')), 'the.lock')
    const owner = selfOwner()
    expect(acquireLockFile(file, owner).ok).toBe(true)
    expect(acquireLockFile(file, owner)).toEqual({ ok: false, holder: owner })
    expect(acquireLockFile(file, owner, { reentrant: true }).ok).toBe(true)
    expect(releaseLockFile(file, owner)).toBe(true)
    expect(readLockFile(file)).toBeUndefined()
  })

  it('tells a recycled pid from its owner by the start time', () => {
    const start = processStart(process.pid)
    expect(start).toBeDefined()
    expect(isAlive({ pid: process.pid, start: start! })).toBe(true)
    expect(isAlive({ pid: process.pid, start: `${start}1` })).toBe(false)
    expect(isAlive({ pid: deadPid(), start: '0' })).toBe(false)
  })

  it('releases only its own lock', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-lock-')), 'the.lock')
    const owner = selfOwner()
    expect(acquireLockFile(file, owner).ok).toBe(true)
    expect(releaseLockFile(file, { pid: owner.pid + 1, start: owner.start })).toBe(false)
    expect(readFileSync(file, 'utf8')).toBe(`${owner.pid} ${owner.start}\n`)
  })
})
