import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acquireLockFile, isAlive, processStart, readLockFile, releaseLockFile, selfOwner } from '../src/lockFile.js'
import { bundleFixture } from './helpers/bundle.js'
import { cleanEnv, removeTemp, runAsync } from './helpers/repo.js'

afterAll(removeTemp)

/** The pid of a process that has exited and been reaped: certainly not alive. */
const deadPid = (): number =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)

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
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          runAsync(process.execPath, [worker, file, startAt], { cwd: dir, env: cleanEnv() }),
        ),
      )
      const lines = results.map((r) => r.stdout.trim())
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
