import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { replayJournal } from '../../src/cache/format.js'
import { cacheKey, entryPath } from '../../src/cache/key.js'
import { clearCache, pruneCache, summarizeCache, verifyCache } from '../../src/cache/maintenance.js'
import { CacheStore } from '../../src/cache/store.js'

const BIG = { maxSizeBytes: 1024 ** 3, ttlMs: 86_400_000 }
const NOW = Date.parse('2026-11-21T10:00:00.000Z')

const tempDir = (): string => path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-cachem-')), 'cache')

const keyOf = (name: string): string =>
  cacheKey({
    version: 'test',
    job: name,
    config: 'c',
    hook: 'pre-commit',
    inputs: {},
    content: { tree: '0'.repeat(40) },
    run: 'true',
    context: {},
  })

/** Puts a result for each name; equal-length names give equal-size entries. */
function filled(dir: string, names: readonly string[]): CacheStore {
  const store = new CacheStore(dir, BIG, () => NOW)
  for (const name of names)
    expect(store.put({ key: keyOf(name), job: name, hook: 'pre-commit', at: new Date(NOW).toISOString(), ms: 1 })).toBe(
      true,
    )
  return store
}

describe('cache maintenance', () => {
  it('verify removes an intact entry that sits at another key’s path', async () => {
    const dir = tempDir()
    const store = filled(dir, ['a'])
    const wrong = entryPath(keyOf('b'))
    mkdirSync(path.dirname(path.join(dir, wrong)), { recursive: true })
    copyFileSync(path.join(dir, entryPath(keyOf('a'))), path.join(dir, wrong))
    const report = await verifyCache(store)
    expect(report).toMatchObject({
      ok: true,
      checked: 2,
      corrupt: [{ rel: wrong, reason: `holds key ${keyOf('a')}, which belongs elsewhere` }],
    })
    expect(existsSync(path.join(dir, wrong))).toBe(false)
    expect(existsSync(path.join(dir, entryPath(keyOf('a'))))).toBe(true)
  })

  it('counts a file the journal lost as the least recently used, so prune evicts it first, and keeps the lookup counts', async () => {
    const dir = tempDir()
    const store = filled(dir, ['a', 'b', 'c'])
    store.get(keyOf('a'))
    store.get(keyOf('nothing'))
    const state = store.state()
    expect(state).toMatchObject({ hits: 1, misses: 1 })
    const lost = entryPath(keyOf('b'))
    expect(
      store.compactJournal((now) =>
        [...now.entries.values()].filter((entry) => entry.rel !== lost).sort((x, y) => x.seq - y.seq),
      ),
    ).toBe(true)

    const size = state.bytes / 3
    const tight = new CacheStore(dir, { maxSizeBytes: Math.floor(state.bytes - 1), ttlMs: BIG.ttlMs }, () => NOW)
    const report = await pruneCache(tight, () => NOW)
    expect(report).toMatchObject({
      ok: true,
      evicted: 1,
      expired: 0,
      freedBytes: size,
      removed: [{ rel: lost, reason: 'evicted' }],
    })
    if (!report.ok) return
    expect(report.untracked.map((file) => file.rel)).toEqual([lost])
    const after = replayJournal(readFileSync(path.join(dir, 'journal'), 'utf8'))
    expect(after).toMatchObject({ hits: 1, misses: 1, bytes: 2 * size })
    expect([...after.entries.keys()].sort()).toEqual([entryPath(keyOf('a')), entryPath(keyOf('c'))].sort())
  })

  it('leaves an absent cache directory absent', async () => {
    const dir = tempDir()
    const store = new CacheStore(dir, BIG)
    expect(await verifyCache(store)).toMatchObject({ ok: true, checked: 0, corrupt: [] })
    expect(await pruneCache(store)).toMatchObject({ ok: true, expired: 0, evicted: 0, freedBytes: 0 })
    expect(await clearCache(store)).toEqual({ ok: true, entries: 0, probes: 0, other: 0, bytes: 0 })
    expect(existsSync(dir)).toBe(false)
    expect(summarizeCache(dir, false, store.state(), store.limits)).toMatchObject({
      entries: 0,
      hitRate: null,
      oldest: null,
    })
  })

  it('clear counts what it removes by walking, including files the journal does not count', async () => {
    const dir = tempDir()
    const store = filled(dir, ['a', 'b'])
    const bytes = store.state().bytes
    expect(store.compactJournal(() => [])).toBe(true)
    expect(await clearCache(store)).toEqual({ ok: true, entries: 2, probes: 0, other: 0, bytes })
    expect(store.listFiles()).toEqual([])
    expect(readdirSync(dir).filter((name) => name.startsWith('journal'))).toEqual([])
  })
})
