import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { logFile, metricsFile, openLog, readLastBatch, recordBatch } from '../../src/spool/log.js'

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'gitvan-log-'))

/** A batch summary as the runner records it, with `events` events and runs. */
const batch = (events: number) => ({
  at: new Date(0).toISOString(),
  events,
  runs: events,
  stages: { spoolWaitMs: 1, planMs: 2, queueMs: 3, runMs: 4, publishMs: 5 },
  cache: { hit: 0, miss: 0 },
  failed: 0,
  receipts: events,
  skipped: 0,
  bad: 0,
  runner: 1,
})

describe('runner log and metrics', () => {
  it('writes info always, debug only when verbose', () => {
    const state = dir()
    openLog(state, false).debug('hidden')
    openLog(state, false).info('shown')
    openLog(state, true).debug('traced')
    const text = readFileSync(logFile(state), 'utf8')
    expect(text).toMatch(/ info shown\n/)
    expect(text).toMatch(/ debug traced\n/)
    expect(text).not.toContain('hidden')
  })

  it('rotates past its limit, keeping one older file', () => {
    const state = dir()
    const log = openLog(state, false, 1000)
    for (let i = 0; i < 60; i++) log.info(`line ${i} ${'x'.repeat(40)}`)
    expect(existsSync(`${logFile(state)}.1`)).toBe(true)
    expect(readFileSync(logFile(state), 'utf8').length).toBeLessThan(1200)
    expect(readFileSync(logFile(state), 'utf8')).toContain('line 59')
  })

  it('appends one metrics line per batch and keeps the last batch for status', () => {
    const state = dir()
    recordBatch(state, batch(2))
    recordBatch(state, batch(3))
    const lines = readFileSync(metricsFile(state), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines).toEqual([
      {
        at: '1970-01-01T00:00:00.000Z',
        events: 2,
        runs: 2,
        stages: { spoolWaitMs: 1, planMs: 2, queueMs: 3, runMs: 4, publishMs: 5 },
        cache: { hit: 0, miss: 0 },
      },
      {
        at: '1970-01-01T00:00:00.000Z',
        events: 3,
        runs: 3,
        stages: { spoolWaitMs: 1, planMs: 2, queueMs: 3, runMs: 4, publishMs: 5 },
        cache: { hit: 0, miss: 0 },
      },
    ])
    expect(readLastBatch(state)?.events).toBe(3)
  })

  it('rotates metrics.jsonl past its limit, and status still sees the last batch', () => {
    const state = dir()
    for (let events = 1; events <= 40; events++) recordBatch(state, batch(events), 2000)
    expect(statSync(metricsFile(state)).size).toBeLessThan(2000 + 200)
    expect(readFileSync(`${metricsFile(state)}.1`, 'utf8').length).toBeGreaterThan(2000)
    const current = readFileSync(metricsFile(state), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).events)
    expect(current.at(-1)).toBe(40)
    expect(readLastBatch(state)?.events).toBe(40)
  })
})
