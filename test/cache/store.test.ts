import { spawn } from 'node:child_process'
import { once } from 'node:events'
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CachedResult, encodeEntry, replayJournal } from '../../src/cache/format.js'
import { cacheKey, entryPath } from '../../src/cache/key.js'
import { CacheStore } from '../../src/cache/store.js'
import { resultFor } from '../fixtures/cacheWorker.js'
import { bundleFixture } from '../helpers/bundle.js'
import { cleanEnv, PROJECT_ROOT, removeTemp, runAsync } from '../helpers/repo.js'

afterAll(removeTemp)

const DAY = 86_400_000
const BIG = { maxSizeBytes: 1024 ** 3, ttlMs: 30 * DAY }
const T0 = Date.parse('2030-01-01T00:00:00.000Z')

const tempDir = (): string => path.join(mkdtempSync(path.join(os.tmpdir(), 'gitvan-cache-')), 'cache')

/** A result of fixed size for the n-th key (results of equal n-width are of equal size). */
const result = (n: number, at = new Date(T0).toISOString()): CachedResult => ({
  key: cacheKey({
    version: 't',
    job: `job${n}`,
    config: 'c',
    hook: 'pre-commit',
    inputs: {},
    content: { tree: String(n).padStart(40, '0') },
    run: 'true',
    context: {},
  }),
  job: `job${n}`,
  hook: 'pre-commit',
  at,
  ms: 5,
  data: { pad: 'p'.repeat(200) },
})

const fileOf = (store: CacheStore, r: CachedResult): string => path.join(store.dir, entryPath(r.key))

/** Flips one byte of a file in place. */
function flipByte(file: string, offset: number): void {
  const bytes = readFileSync(file)
  bytes[offset] = (bytes[offset] as number) ^ 0x01
  writeFileSync(file, bytes)
}

describe('cache store', () => {
  it('returns what was put, from an entries/<2>/<62> file, and journals the write and the hit', () => {
    const store = new CacheStore(tempDir(), BIG)
    const r = { ...result(1), data: { nested: [1, 'two', null], unicode: 'ü 😀' } }
    expect(store.put(r)).toBe(true)
    expect(store.get(r.key)).toEqual(r)
    expect(readFileSync(fileOf(store, r), 'utf8')).toBe(encodeEntry(r))
    const state = store.state()
    expect(state.hits).toBe(1)
    expect(state.misses).toBe(0)
    expect([...state.entries.keys()]).toEqual([entryPath(r.key)])
    expect(state.bytes).toBe(statSync(fileOf(store, r)).size)
  })

  it('misses a key that was never put, and counts the miss', () => {
    const store = new CacheStore(tempDir(), BIG)
    expect(store.get(result(1).key)).toBeUndefined()
    expect(store.state().misses).toBe(1)
  })

  it('treats a flipped byte in the body as a miss and removes the entry', () => {
    const store = new CacheStore(tempDir(), BIG)
    const r = result(1)
    store.put(r)
    const file = fileOf(store, r)
    flipByte(file, statSync(file).size - 20)
    expect(store.get(r.key)).toBeUndefined()
    expect(existsSync(file)).toBe(false)
    expect(store.state().entries.size).toBe(0)
    expect(store.state().bytes).toBe(0)
  })

  it.each([
    ['magic', 3],
    ['digest', 'gitvan-cache 1 '.length + 5],
    ['length', encodeEntry(result(1)).indexOf('\n') - 1],
  ])('treats a flipped byte in the header (%s) as a miss and removes the entry', (_, offset) => {
    const store = new CacheStore(tempDir(), BIG)
    const r = result(1)
    store.put(r)
    flipByte(fileOf(store, r), offset)
    expect(store.get(r.key)).toBeUndefined()
    expect(existsSync(fileOf(store, r))).toBe(false)
  })

  it('treats a truncated entry as a miss', () => {
    const store = new CacheStore(tempDir(), BIG)
    const r = result(1)
    store.put(r)
    for (const size of [statSync(fileOf(store, r)).size - 1, 30, 0]) {
      store.put(r)
      truncateSync(fileOf(store, r), size)
      expect(store.get(r.key)).toBeUndefined()
    }
  })

  it('treats an intact entry filed under another key as a miss', () => {
    const store = new CacheStore(tempDir(), BIG)
    const [a, b] = [result(1), result(2)]
    store.put(a)
    mkdirSync(path.dirname(fileOf(store, b)), { recursive: true })
    writeFileSync(fileOf(store, b), readFileSync(fileOf(store, a)))
    expect(store.get(b.key)).toBeUndefined()
    expect(store.get(a.key)).toEqual(a)
  })

  it('misses an entry older than the ttl, and hits it up to the ttl', () => {
    const dir = tempDir()
    const r = result(1)
    new CacheStore(dir, BIG, () => T0).put(r)
    expect(new CacheStore(dir, BIG, () => T0 + BIG.ttlMs).get(r.key)).toEqual(r)
    expect(new CacheStore(dir, BIG, () => T0 + BIG.ttlMs + 1).get(r.key)).toBeUndefined()
  })

  it('removes expired entries on a later write', () => {
    const dir = tempDir()
    const [old, fresh] = [result(1), result(2)]
    new CacheStore(dir, BIG, () => T0).put(old)
    const later = new CacheStore(dir, BIG, () => T0 + BIG.ttlMs + 1)
    expect(later.put({ ...fresh, at: new Date(T0 + BIG.ttlMs + 1).toISOString() })).toBe(true)
    expect(existsSync(fileOf(later, old))).toBe(false)
    expect(existsSync(fileOf(later, fresh))).toBe(true)
    expect([...later.state().entries.keys()]).toEqual([entryPath(fresh.key)])
  })

  it('evicts the least recently used entries first, a hit counting as a use, and stays within maxSize', () => {
    const size = Buffer.byteLength(encodeEntry(result(1)))
    const limits = { maxSizeBytes: Math.floor(size * 4.5), ttlMs: BIG.ttlMs }
    const store = new CacheStore(tempDir(), limits, () => T0)
    const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map((n) => result(n)) as [
      CachedResult,
      CachedResult,
      CachedResult,
      CachedResult,
      CachedResult,
      CachedResult,
    ]
    for (const r of [a, b, c, d]) expect(store.put(r)).toBe(true)
    expect(store.get(a.key)).toEqual(a) // a is now more recent than b, c and d
    store.put(e)
    const present = (...rs: CachedResult[]) => rs.map((r) => existsSync(fileOf(store, r)))
    expect(present(a, b, c, d, e)).toEqual([true, false, true, true, true])
    expect(store.get(c.key)).toEqual(c) // order of use now: d, a, e, c
    store.put(f)
    expect(present(a, c, d, e, f)).toEqual([true, true, false, true, true])
    const state = store.state()
    expect(state.bytes).toBeLessThanOrEqual(limits.maxSizeBytes)
    const onDisk = store.listFiles().reduce((sum, rel) => sum + statSync(path.join(store.dir, rel)).size, 0)
    expect(onDisk).toBe(state.bytes)
  })

  it('keeps the hit and miss counts when it compacts the journal', () => {
    const store = new CacheStore(tempDir(), BIG, () => T0)
    const r = result(1)
    store.put(r)
    for (let i = 0; i < 3; i++) store.get(r.key)
    for (let i = 0; i < 2; i++) store.get(result(2).key)
    expect(store.maintain()).toEqual({ expired: 0, evicted: 0, freedBytes: 0 })
    expect(readFileSync(store.journalFile, 'utf8').split('\n')[0]).toBe('c 3 2 0 0')
    store.get(r.key)
    store.maintain()
    const state = store.state()
    expect([state.hits, state.misses]).toEqual([4, 2])
    expect([...state.entries.keys()]).toEqual([entryPath(r.key)])
  })

  it('compacts a long journal on a write, keeping the counts and the entries', () => {
    const store = new CacheStore(tempDir(), BIG, () => T0)
    const kept = result(1)
    store.put(kept)
    const missing = result(2).key
    let misses = 0
    while (store.state().journalBytes <= 512 * 1024) {
      for (let i = 0; i < 500; i++) store.get(missing)
      misses += 500
    }
    store.get(kept.key)
    store.put(result(3))
    const state = store.state()
    expect(state.journalBytes).toBeLessThan(1024)
    expect([state.hits, state.misses]).toEqual([1, misses])
    expect([...state.entries.keys()].sort()).toEqual([entryPath(kept.key), entryPath(result(3).key)].sort())
    expect(store.get(kept.key)).toEqual(kept)
  })

  // The interleaving a compaction cannot wait out: the shim's `>>` opened the journal, the journal was
  // replaced, then the shim's printf wrote. Here the shim's redirection holds the journal open until
  // the test writes a line to its stdin.
  it('counts a hit the shim writes into a journal it opened before a compaction replaced it', async () => {
    const store = new CacheStore(tempDir(), BIG, () => T0)
    const r = result(1)
    store.put(r)
    store.get(r.key)
    const shim = spawn('sh', ['-c', `{ echo opened >&2; read -r _; printf 'h %s\\n' "$rel"; } >> "$cache/journal"`], {
      env: { PATH: process.env.PATH, cache: store.dir, rel: entryPath(r.key) },
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    await once(shim.stderr, 'data')
    expect(store.maintain()).toEqual({ expired: 0, evicted: 0, freedBytes: 0 })
    store.get(r.key)
    shim.stdin.end('go\n')
    expect((await once(shim, 'close'))[0]).toBe(0)
    expect(store.state()).toMatchObject({ hits: 3, misses: 0 })
    store.maintain()
    expect(store.state()).toMatchObject({ hits: 3, misses: 0 })
    expect(replayJournal(readFileSync(store.journalFile, 'utf8')).hits).toBe(3) // what `gitvan stats` reads
    expect([...store.state().entries.keys()]).toEqual([entryPath(r.key)])
  })

  it('removes a replaced journal at the first compaction a minute on, and one no journal lists, keeping the counts', () => {
    const store = new CacheStore(tempDir(), BIG, () => T0)
    const r = result(1)
    store.put(r)
    store.get(r.key)
    store.maintain()
    const segments = () => readdirSync(store.dir).filter((name) => /^journal\.\d+$/.test(name))
    expect(segments()).toEqual(['journal.1'])
    const minuteAgo = Date.now() - 61_000
    const text = readFileSync(store.journalFile, 'utf8')
    writeFileSync(
      store.journalFile,
      text.replace(/^s 1 (\d+) \d+$/m, (_, offset) => `s 1 ${offset} ${minuteAgo}`),
    )
    linkSync(store.journalFile, path.join(store.dir, 'journal.7')) // a compaction that died after linking
    store.get(r.key)
    store.maintain()
    expect(segments()).toEqual(['journal.8'])
    expect(store.state()).toMatchObject({ hits: 2, misses: 0 })
    expect([...store.state().entries.keys()]).toEqual([entryPath(r.key)])
  })

  it('neither throws nor stores in a directory it cannot create (a path under a regular file)', () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'gitvan-cache-'))
    writeFileSync(path.join(parent, 'file'), 'not a directory\n')
    const store = new CacheStore(path.join(parent, 'file', 'cache'), BIG)
    const r = result(1)
    expect(store.put(r)).toBe(false)
    expect(store.putFile('probe/pre-commit/x', 'x')).toBe(false)
    expect(store.get(r.key)).toBeUndefined()
    expect(store.state().entries.size).toBe(0)
    expect(store.maintain()).toBeUndefined()
    expect(readdirSync(parent)).toEqual(['file'])
  })
})

describe('cache store raced by 8 processes', () => {
  let worker: string
  beforeAll(async () => {
    worker = await bundleFixture(path.join(import.meta.dirname, '../fixtures/cacheWorker.ts'))
  })

  type Report = { hits: number; misses: number; puts: number; compactions: number; shimHits: number; bad: string[] }
  type Race = {
    readonly keys: number
    readonly rounds: number
    readonly maxSizeBytes: number
    readonly compactEvery?: number
    readonly shimEvery?: number
    readonly env?: NodeJS.ProcessEnv
  }
  const race = async (dir: string, options: Race): Promise<Report[]> => {
    const startAt = String(Date.now() + 800)
    const env = cleanEnv({ GITVAN_CACHE_WORKER: '1', ...options.env })
    const args = [options.keys, options.rounds, options.maxSizeBytes, options.compactEvery ?? 0, options.shimEvery ?? 0]
    const runs = await Promise.all(
      Array.from({ length: 8 }, () =>
        runAsync(process.execPath, [worker, dir, startAt, ...args.map(String)], { cwd: os.tmpdir(), env }),
      ),
    )
    for (const run of runs) expect(run.code, run.stderr).toBe(0)
    return runs.map((run) => JSON.parse(run.stdout) as Report)
  }
  const leftovers = (dir: string): string[] =>
    (readdirSync(dir, { recursive: true }) as string[]).filter((name) => name.includes('.tmp-') || name === 'lock')

  // Regression: a compaction read the journal, then renamed its rewrite over it, dropping every
  // line appended in between (8 racers once lost 102 of 2532 hits).
  it('keeps every hit, miss and entry while racers compact the journal and the shim appends hits to it', async () => {
    const dir = tempDir()
    const keys = 16
    const tree = 'a'.repeat(40)
    const probe = `probe/pre-commit/${tree}`
    const shimLine = readFileSync(path.join(PROJECT_ROOT, 'hooks/shim.sh'), 'utf8')
      .split('\n')
      .find((line) => line.includes('>> "$cache/journal"'))
    expect(shimLine).toBeDefined()
    const setup = new CacheStore(dir, BIG)
    expect(setup.putFile(probe, 'gitvan-probe 1\n')).toBe(true)
    const reports = await race(dir, {
      keys,
      rounds: 30,
      maxSizeBytes: BIG.maxSizeBytes,
      compactEvery: 5,
      shimEvery: 6,
      env: { GITVAN_SHIM_LINE: shimLine, GITVAN_SHIM_TREE: tree },
    })
    expect(reports.flatMap((r) => r.bad)).toEqual([])
    const sum = (field: 'hits' | 'misses' | 'compactions' | 'shimHits') =>
      reports.reduce((total, r) => total + r[field], 0)
    expect(sum('hits') + sum('misses')).toBe(8 * keys * 30)
    expect(sum('hits')).toBeGreaterThan(0)
    expect(sum('compactions')).toBeGreaterThan(8)
    expect(sum('shimHits')).toBe(8 * Math.floor((keys * 30) / 6))
    const store = new CacheStore(dir, BIG)
    const state = store.state()
    expect([state.hits, state.misses]).toEqual([sum('hits') + sum('shimHits'), sum('misses')])
    const expected = new Map([
      ...Array.from(
        { length: keys },
        (_, i) => [entryPath(resultFor(i).key), Buffer.byteLength(encodeEntry(resultFor(i)))] as const,
      ),
      [probe, Buffer.byteLength('gitvan-probe 1\n')] as const,
    ])
    expect(new Map([...state.entries].map(([rel, entry]) => [rel, entry.bytes]))).toEqual(expected)
    expect(state.bytes).toBe([...expected.values()].reduce((a, b) => a + b, 0))
    expect(store.listFiles()).toEqual([...expected.keys()].sort())
    // A compaction alone changes no count.
    expect(store.maintain()).toEqual({ expired: 0, evicted: 0, freedBytes: 0 })
    expect(store.state()).toMatchObject({ hits: state.hits, misses: state.misses, bytes: state.bytes })
    for (let i = 0; i < keys; i++) expect(store.get(resultFor(i).key)).toEqual(resultFor(i))
    expect(leftovers(dir)).toEqual([])
  })

  it('reads only misses or the exact result while writers evict and compact under a small limit', async () => {
    const dir = tempDir()
    const keys = 24
    const limit = Math.floor(Buffer.byteLength(encodeEntry(resultFor(keys - 1))) * 6)
    const reports = await race(dir, { keys, rounds: 12, maxSizeBytes: limit })
    expect(reports.flatMap((r) => r.bad)).toEqual([])
    expect(reports.reduce((total, r) => total + r.puts, 0)).toBeGreaterThan(keys)
    const store = new CacheStore(dir, { maxSizeBytes: limit, ttlMs: BIG.ttlMs })
    const state = store.state()
    expect(state.hits + state.misses).toBe(8 * keys * 12)
    expect(state.bytes).toBe([...state.entries.values()].reduce((total, entry) => total + entry.bytes, 0))
    // What is on disk is whole: every entry file decodes to its key's one result.
    const byRel = new Map(Array.from({ length: keys }, (_, i) => [entryPath(resultFor(i).key), resultFor(i)]))
    for (const rel of store.listFiles()) expect(store.get((byRel.get(rel) as CachedResult).key)).toEqual(byRel.get(rel))
    expect(leftovers(dir)).toEqual([])
    // One more maintenance, alone, brings what the journal counts within the limit.
    store.maintain()
    expect(store.state().bytes).toBeLessThanOrEqual(limit)
  })
})
