import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CachedResult } from '../../src/cache/format.js'
import { functionKey, jobEntryPath, levelOf, type RunFacts } from '../../src/cache/jobKey.js'
import { CacheStore } from '../../src/cache/store.js'

const DAY = 86_400_000
const T0 = Date.parse('2030-01-01T00:00:00.000Z')

const facts = (n: number, over: Partial<RunFacts> = {}): RunFacts => ({
  tree: String(n).padStart(40, '0'),
  files: [[`f${n}.txt`, String(n).padStart(40, 'a')]],
  commit: String(n).padStart(40, 'c'),
  commits: [String(n).padStart(40, 'c')],
  branch: 'main',
  hook: 'post-commit',
  args: [],
  stdin: '',
  ...over,
})

const result = (n: number, pad = 200): CachedResult => ({
  key: functionKey('print', 'files', facts(n), false) as string,
  job: 'j',
  hook: '',
  at: new Date(T0).toISOString(),
  ms: n,
  data: { n, pad: 'x'.repeat(pad) },
})

const store = (maxSizeBytes = 1024 ** 3) =>
  new CacheStore(
    path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-jobs-')), 'cache'),
    { maxSizeBytes, ttlMs: 30 * DAY },
    () => T0,
  )

const journal = (s: CacheStore) => readFileSync(s.journalFile, 'utf8').trim().split('\n')

describe('job keys', () => {
  it('a function reading only ctx.files is keyed by its files, not the commit; reading ctx.commit adds it', () => {
    const reworded = facts(1, { commit: 'd'.repeat(40), commits: ['d'.repeat(40)] })
    expect(levelOf(new Set(['files']))).toBe('files')
    expect(levelOf(new Set(['exec']))).toBe('tree')
    expect(levelOf(new Set(['files', 'exec']))).toBe('filesTree')
    expect(levelOf(new Set(['files', 'commit']))).toBe('commit')
    for (const level of ['files', 'tree', 'filesTree'] as const)
      expect(functionKey('p', level, reworded, false)).toBe(functionKey('p', level, facts(1), false))
    expect(functionKey('p', 'commit', reworded, false)).not.toBe(functionKey('p', 'commit', facts(1), false))
    expect(functionKey('p', 'files', reworded, true)).not.toBe(functionKey('p', 'files', facts(1), true))
    // Other files: another files key, the same tree key when the tree is the same.
    const other = facts(1, { files: [['g.txt', 'b'.repeat(40)]] })
    expect(functionKey('p', 'files', other, false)).not.toBe(functionKey('p', 'files', facts(1), false))
    expect(functionKey('p', 'tree', other, false)).toBe(functionKey('p', 'tree', facts(1), false))
    expect(functionKey('p', 'files', facts(1, { files: undefined }), false)).toBeUndefined()
  })
})

describe('the store in bulk', () => {
  it('one journal append per batch of lookups and one per batch of writes, one line per run', () => {
    const s = store()
    const results = Array.from({ length: 300 }, (_, n) => result(n))
    expect(s.getMany([[results[0]?.key as string, results[1]?.key as string]], jobEntryPath)).toEqual([undefined])
    expect(journal(s)).toEqual([`m ${jobEntryPath(results[0]?.key as string)}`])
    expect(s.putMany(results, jobEntryPath)).toBe(300)
    // 300 groups of two candidates (over the listing threshold): one line per group.
    const groups = results.map((r, n) => [result(n + 1000).key, r.key])
    const found = s.getMany(groups, jobEntryPath)
    expect(found.map((r) => (r?.data as { n: number } | undefined)?.n)).toEqual(results.map((_, n) => n))
    const state = s.state()
    expect(state.jobHits).toBe(300)
    expect(state.jobMisses).toBe(1)
    expect(state.entries.size).toBe(300)
    expect(journal(s)).toHaveLength(1 + 300 + 300)
  })

  it('a corrupt or truncated entry is a miss and is removed; the others still hit', () => {
    const s = store()
    const results = [result(1), result(2), result(3)]
    s.putMany(results, jobEntryPath)
    const file = (n: number) => path.join(s.dir, jobEntryPath(results[n]?.key as string))
    writeFileSync(file(0), readFileSync(file(0), 'utf8').replace('"n":1', '"n":9'))
    writeFileSync(file(1), readFileSync(file(1)).subarray(0, 40))
    const found = s.getMany(
      results.map((r) => [r.key]),
      jobEntryPath,
    )
    expect(found.map((r) => (r?.data as { n: number } | undefined)?.n)).toEqual([undefined, undefined, 3])
    expect(existsSync(file(0))).toBe(false)
    expect(existsSync(file(1))).toBe(false)
  })

  it('above the size cap, the least recently used go: entries just hit stay', () => {
    const probe = store()
    probe.putMany([result(0)], jobEntryPath)
    const size = probe.state().bytes
    const s = store(size * 20)
    const first = Array.from({ length: 15 }, (_, n) => result(n))
    s.putMany(first, jobEntryPath)
    // Use the oldest five again, then write ten more: over the cap, so eviction takes the unused.
    s.getMany(
      first.slice(0, 5).map((r) => [r.key]),
      jobEntryPath,
    )
    s.putMany(
      Array.from({ length: 10 }, (_, n) => result(n + 100)),
      jobEntryPath,
    )
    const state = s.state()
    expect(state.bytes).toBeLessThanOrEqual(size * 20)
    const alive = (r: CachedResult) => existsSync(path.join(s.dir, jobEntryPath(r.key)))
    expect(first.slice(0, 5).every(alive)).toBe(true)
    expect(first.slice(5, 10).some(alive)).toBe(false)
  })
})
