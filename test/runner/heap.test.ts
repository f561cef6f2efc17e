import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeTemp } from '../helpers/repo.js'
import { asyncRepo, drained, status, waitFor } from './fixture.js'

afterAll(removeTemp)

const args = (pid: number): string => spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).stdout

describe('the runner heap limit', () => {
  it('comes from runner.maxHeapMB as the last runner recorded it, without the starter loading the config', async () => {
    // Every import of the config appends the importing process's arguments to `loads`.
    const loads = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-loads-')), 'loads.txt')
    const repo = asyncRepo({
      maxHeapMB: 200,
      idle: '2s',
      jobs: `...(appendFileSync(${JSON.stringify(loads)}, process.argv.slice(2).join(' ') + '\\n'), {}),`,
    })
    repo.commit('first', { allowEmpty: true })
    // The first runner starts with the default and records the config's limit for the next.
    await waitFor(
      () => {
        try {
          return readFileSync(path.join(repo.stateDir, 'runner.heap'), 'utf8') === '200\n'
        } catch {
          return false
        }
      },
      () => 'runner.heap never recorded 200',
    )
    await drained(repo)
    repo.commit('second', { allowEmpty: true })
    let pid = 0
    await waitFor(
      () => {
        pid = status(repo).runner.pid ?? 0
        return pid !== 0
      },
      () => 'no runner started for the second commit',
    )
    expect(args(pid)).toContain('--max-old-space-size=200')
    await drained(repo)
    const importers = readFileSync(loads, 'utf8').split('\n').filter(Boolean)
    expect(importers.length).toBeGreaterThan(0) // the runners did load it
    expect(importers.filter((line) => line.includes('--spawn'))).toEqual([])
  })
})
