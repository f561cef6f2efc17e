import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { quantiles, summarizeMetrics } from '../../src/cli/commands/stats.js'
import { splitGlobalFlags } from '../../src/cli/instrumentation.js'
import { makeRepo, removeTemp, type TestRepo } from '../helpers/repo.js'

afterAll(removeTemp)

/** One batch record in the runner's format (stages in ms). */
const batch = (i: number, stages: Record<string, number>, cache = { hit: 0, miss: 0 }) =>
  JSON.stringify({ at: new Date(Date.UTC(2026, 10, 21, 6, 0, i)).toISOString(), events: 2, runs: 3, stages, cache })

function writeMetrics(repo: TestRepo, lines: readonly string[]): string {
  const dir = path.join(repo.dir, '.git', 'gitvan')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'metrics.jsonl')
  writeFileSync(file, lines.map((line) => `${line}\n`).join(''))
  return file
}

/** 100 batches: stage k of batch i (1-based) takes i * (k + 1) ms; 3 of every 4 lookups hit. */
const hundredBatches = () =>
  Array.from({ length: 100 }, (_, n) => {
    const i = n + 1
    return batch(
      i,
      { spoolWaitMs: i, planMs: 2 * i, queueMs: 3 * i, runMs: 4 * i, publishMs: 5 * i },
      { hit: 3, miss: 1 },
    )
  })

type Summary = {
  batches: number
  events: number
  runs: number
  from: string
  to: string
  stages: Record<string, { p50: number; p95: number; p99: number; max: number } | null>
  cache: { hit: number; miss: number; hitRate: number | null }
  skippedLines: number[]
}

describe('gitvan stats', () => {
  it('says there are no metrics yet and exits 0, in text and in JSON', () => {
    const repo = makeRepo()
    const text = repo.gitvan(['stats'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('No metrics yet')
    expect(text.stdout).toContain(path.join('.git', 'gitvan', 'metrics.jsonl'))
    const json = repo.gitvan(['stats', '--json'])
    expect(json.code).toBe(0)
    const summary = JSON.parse(json.stdout) as Summary
    expect(summary).toMatchObject({ batches: 0, events: 0, runs: 0, cache: { hit: 0, miss: 0, hitRate: null } })
    expect(summary.stages.runMs).toBeNull()
  })

  it("prints p50/p95/p99 of every stage and the cache hit rate from the runner's metrics file", () => {
    const repo = makeRepo()
    writeMetrics(repo, hundredBatches())
    const json = repo.gitvan(['stats', '--json'])
    expect(json.code).toBe(0)
    const summary = JSON.parse(json.stdout) as Summary
    expect(summary).toMatchObject({
      batches: 100,
      events: 200,
      runs: 300,
      cache: { hit: 300, miss: 100, hitRate: 0.75 },
    })
    expect(summary.from).toBe('2026-11-21T06:00:01.000Z')
    expect(summary.stages.spoolWaitMs).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 })
    expect(summary.stages.publishMs).toEqual({ p50: 250, p95: 475, p99: 495, max: 500 })

    const text = repo.gitvan(['stats'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('100 batches')
    expect(text.stdout).toMatch(/^spool wait\s+50\.0\s+95\.0\s+99\.0\s+100\.0$/m)
    expect(text.stdout).toMatch(/^run\s+200\.0\s+380\.0\s+396\.0\s+400\.0$/m)
    expect(text.stdout).toContain('75.0% hit rate (300 hits, 100 misses)')
  })

  it('finds the metrics of the common git dir from a linked worktree', () => {
    const repo = makeRepo()
    writeMetrics(repo, [batch(1, { spoolWaitMs: 7, planMs: 1, queueMs: 1, runMs: 1, publishMs: 1 })])
    const worktree = path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-wt-')), 'wt')
    repo.git(['worktree', 'add', '-q', worktree])
    const summary = JSON.parse(repo.gitvan(['stats', '--json'], { cwd: worktree }).stdout) as Summary
    expect(summary.batches).toBe(1)
    expect(summary.stages.spoolWaitMs?.p50).toBe(7)
  })

  it('skips a torn last line (a runner killed mid-write) and says which line', () => {
    const repo = makeRepo()
    const file = writeMetrics(repo, [batch(1, { runMs: 10 }), batch(2, { runMs: 20 })])
    appendFileSync(file, '{"at":"2026-11-21T06:00:03.000Z","events":1,"sta')
    const text = repo.gitvan(['stats'])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain('skipped 1 line(s)')
    expect(text.stdout).toContain('(line 3)')
    expect(text.stdout).toContain('2 batches')
    expect(text.stdout).toMatch(/^plan\s+-\s+\(no batch reported it\)$/m)
    const summary = JSON.parse(repo.gitvan(['stats', '--json']).stdout) as Summary
    expect(summary.skippedLines).toEqual([3])
    expect(summary.stages.runMs).toEqual({ p50: 10, p95: 20, p99: 20, max: 20 })
    expect(summary.stages.planMs).toBeNull()
  })

  it('--last N summarises only the most recent batches', () => {
    const repo = makeRepo()
    writeMetrics(repo, hundredBatches())
    const summary = JSON.parse(repo.gitvan(['stats', '--json', '--last', '10']).stdout) as Summary
    expect(summary.batches).toBe(10)
    expect(summary.stages.spoolWaitMs).toEqual({ p50: 95, p95: 100, p99: 100, max: 100 })
  })

  it('rejects a --last that is not a whole number with exit 2 and says what it expects', () => {
    const repo = makeRepo()
    const r = repo.gitvan(['stats', '--last', 'many'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("--last expects a whole number of batches >= 1, got 'many'")
  })

  it('exits 2 outside a repository', () => {
    const repo = makeRepo()
    const outside = mkdtempSync(path.join(os.tmpdir(), 'gitvan-norepo-'))
    const r = repo.gitvan(['stats'], { cwd: outside, env: { GIT_CEILING_DIRECTORIES: path.dirname(outside) } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('is not inside a git working tree')
  })

  it('is listed in gitvan --help', () => {
    const repo = makeRepo()
    expect(repo.gitvan(['--help']).stdout).toMatch(/^ {2}stats /m)
  })
})

describe('metrics summary (pure)', () => {
  it('takes nearest-rank quantiles', () => {
    expect(quantiles([])).toBeNull()
    expect(quantiles([5])).toEqual({ p50: 5, p95: 5, p99: 5, max: 5 })
    expect(quantiles([4, 1, 3, 2])).toEqual({ p50: 2, p95: 4, p99: 4, max: 4 })
  })

  it('ignores a negative or non-numeric stage and counts a line that is not an object as skipped', () => {
    const text = [JSON.stringify({ stages: { runMs: -1, planMs: 'x', queueMs: 4 } }), '[1,2]', 'null', ''].join('\n')
    const summary = summarizeMetrics('m', text, 1000)
    expect(summary.batches).toBe(1)
    expect(summary.stages.runMs).toBeNull()
    expect(summary.stages.planMs).toBeNull()
    expect(summary.stages.queueMs?.p50).toBe(4)
    expect(summary.skippedLines).toEqual([2, 3])
  })
})

describe('global flags --performance-stats and --profile', () => {
  it('--performance-stats prints the timings of any command on stderr and leaves stdout alone', () => {
    const repo = makeRepo()
    const version = repo.gitvan(['--version'])
    const r = repo.gitvan(['--performance-stats', '--version'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(version.stdout)
    expect(r.stderr).toMatch(
      /^gitvan performance \(--version, exit 0\): total [\d.]+ ms = node start-up [\d.]+ ms \+ run [\d.]+ ms; CPU [\d.]+ ms .*peak RSS [\d.]+ MB$/m,
    )
    const stats = repo.gitvan(['stats', '--performance-stats'])
    expect(stats.code).toBe(0)
    expect(stats.stderr).toMatch(/gitvan performance \(stats, exit 0\): .*command load [\d.]+ ms \+ run [\d.]+ ms/)
  })

  it('--performance-stats reports the exit code of a failing command', () => {
    const repo = makeRepo()
    const r = repo.gitvan(['stats', '--last', '0', '--performance-stats'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('gitvan performance (stats, exit 2)')
  })

  it('--profile writes a V8 CPU profile of the command and keeps its output and exit code', () => {
    const repo = makeRepo()
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gitvan-prof-'))
    const r = repo.gitvan(['stats', '--profile'], { env: { GITVAN_PROFILE_DIR: dir } })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('No metrics yet')
    const files = readdirSync(dir)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^gitvan-stats-.*\.cpuprofile$/)
    expect(r.stderr).toContain(path.join(dir, files[0] ?? ''))
    const profile = JSON.parse(readFileSync(path.join(dir, files[0] ?? ''), 'utf8')) as {
      nodes: unknown[]
      samples: unknown[]
    }
    expect(profile.nodes.length).toBeGreaterThan(0)
  })

  it('splits the global flags off argv anywhere before --, and only there', () => {
    expect(splitGlobalFlags(['--profile', 'run', '--all', '--performance-stats'])).toEqual({
      args: ['run', '--all'],
      performanceStats: true,
      profile: true,
    })
    expect(splitGlobalFlags(['hook', 'pre-push', '--', '--profile'])).toEqual({
      args: ['hook', 'pre-push', '--', '--profile'],
      performanceStats: false,
      profile: false,
    })
  })
})
