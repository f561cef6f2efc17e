import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { afterFlush, decide, EMPTY, observe } from '../../src/schedule/debounce.js'

const settings = { waitMs: 200, maxWaitMs: 2000, maxBatch: 100 }

describe('debounce', () => {
  it('is idle with nothing waiting', () => {
    expect(decide(observe(EMPTY, 0, 0), 0, settings)).toEqual({ kind: 'idle' })
  })

  it('waits for the quiet window after the last arrival, then flushes', () => {
    let state = observe(EMPTY, 1, 1000)
    expect(decide(state, 1000, settings)).toEqual({ kind: 'wait', ms: 200 })
    state = observe(state, 2, 1150)
    expect(decide(state, 1200, settings)).toEqual({ kind: 'wait', ms: 150 })
    expect(decide(state, 1350, settings)).toEqual({ kind: 'flush', take: 100, reason: 'quiet' })
  })

  it('flushes at max wait even while events keep coming', () => {
    let state = EMPTY
    let now = 0
    let decision = decide(state, now, settings)
    for (let count = 1; count < 90; count++) {
      now += 50
      state = observe(state, count, now)
      decision = decide(state, now, settings)
      if (decision.kind === 'flush') break
    }
    expect(decision).toEqual({ kind: 'flush', take: 100, reason: 'max-wait' })
    expect(now).toBe(2050)
  })

  it('flushes at once when max batch events wait, and takes only max batch', () => {
    const state = observe(EMPTY, 250, 0)
    expect(decide(state, 0, settings)).toEqual({ kind: 'flush', take: 100, reason: 'max-batch' })
    const rest = afterFlush(state, 100, 10)
    expect(rest.count).toBe(150)
    expect(decide(rest, 10, settings)).toMatchObject({ kind: 'flush', reason: 'max-batch' })
  })

  it('lets left-over events keep their first-seen time, so max wait still bounds them', () => {
    const state = afterFlush(observe(EMPTY, 150, 0), 100, 50)
    expect(state.firstAt).toBe(0)
    expect(decide(state, 2000, settings)).toMatchObject({ kind: 'flush' })
  })

  it('wakes at whichever comes first: quiet window or max wait', () => {
    const state = observe(observe(EMPTY, 1, 0), 2, 1900)
    expect(decide(state, 1900, settings)).toEqual({ kind: 'wait', ms: 100 })
  })

  it('is pure: imports no fs or child_process', () => {
    const source = readFileSync(path.join(import.meta.dirname, '../../src/schedule/debounce.ts'), 'utf8')
    expect(source).not.toMatch(/node:(fs|child_process)/)
  })
})
