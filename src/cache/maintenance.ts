/**
 * What `gitvan cache` does to a cache directory, on top of CacheStore's public API: count it from
 * the journal, verify every file, reconcile the journal with the files by walking, prune, clear.
 *
 * The hot path never walks the directory (store.ts), so the journal can drift from the files when
 * they change behind its back: a file deleted by hand stays counted, one whose writer died before
 * journaling it is not. `verify` and `prune` walk, and compact the journal to match what is on
 * disk, under the cache's lock (the one `maintain` takes), keeping the hit and miss counts, the
 * recency order and every line appended meanwhile (store.ts says how). A file the journal did not
 * count has no known use, so it goes first in line for eviction.
 *
 * Order of work: walk first, then read the journal, then check (with a stat) every journal line
 * whose file the walk did not see. A file written during the walk is then either walked or in
 * the journal, and never counted as gone.
 *
 * Outcomes are values: `{ ok: false, holder }` when another process holds the lock for longer
 * than `LOCK_WAIT_MS` (a hook's maintenance takes milliseconds).
 */
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs'
import path from 'node:path'
import { acquireLockFile, type Owner, readLockFile, releaseLockFile, selfOwner } from '../lockFile.js'
import { sleep } from '../sleep.js'
import { decodeEntry, type JournalEntry, type JournalState } from './format.js'
import { entryPath, isJobEntry } from './key.js'
import { parseProbe } from './probe.js'
import type { CacheStore } from './store.js'

const LOCK_WAIT_MS = 5000
/** A temporary file this old was left by a writer that died: writes take milliseconds. */
export const STALE_TEMP_MS = 60_000

const TEMP = /\.tmp-\d+$/
const ENTRY = /^(entries|jobs)\/[0-9a-f]{2}\/[0-9a-f]{62}$/

export type Locked = { readonly ok: false; readonly holder: Owner }

export type CacheFile = { readonly rel: string; readonly bytes: number; readonly mtimeMs: number }

export type Reconciled = {
  /** Files the journal did not count: now counted with their size, their mtime as write time. */
  readonly untracked: readonly CacheFile[]
  /** Journal lines whose file was gone: now dropped. */
  readonly missing: readonly JournalEntry[]
  /** Files whose size the journal had wrong: now corrected. */
  readonly resized: readonly string[]
}

export type CacheSummary = {
  readonly dir: string
  /** Whether the directory exists; an absent one is an empty cache. */
  readonly exists: boolean
  /** Results in all: gates' (entries/) and jobs' (jobs/). */
  readonly entries: number
  /** Gate results (entries/). */
  readonly gateEntries: number
  /** Results of the runner's and `gitvan run`'s jobs (jobs/). */
  readonly jobEntries: number
  /** Hook verdicts the shim reads (probe/). */
  readonly probes: number
  readonly bytes: number
  readonly maxSizeBytes: number
  readonly ttlMs: number
  readonly hits: number
  readonly misses: number
  /** null when nothing was looked up. */
  readonly hitRate: number | null
  /** Lookups of gates (and the shim's probe hits) and of jobs, each with its hit rate (null: none). */
  readonly gates: { readonly hits: number; readonly misses: number; readonly hitRate: number | null }
  readonly jobs: { readonly hits: number; readonly misses: number; readonly hitRate: number | null }
  /** Write times of the oldest and newest live file (ISO 8601), null when empty. */
  readonly oldest: string | null
  readonly newest: string | null
}

export type Corrupt = { readonly rel: string; readonly reason: string }

export type VerifyReport = Reconciled & {
  readonly ok: true
  /** Files read and checked. */
  readonly checked: number
  /** Files that failed their check; each was removed. */
  readonly corrupt: readonly Corrupt[]
}

export type Removed = { readonly rel: string; readonly bytes: number; readonly reason: 'expired' | 'evicted' }

export type PruneReport = Reconciled & {
  readonly ok: true
  /** Temporary files of writers that died, removed. */
  readonly staleTemps: readonly string[]
  readonly expired: number
  readonly evicted: number
  readonly freedBytes: number
  readonly removed: readonly Removed[]
  /** The journal's total after pruning. */
  readonly bytes: number
}

export type ClearReport = {
  readonly ok: true
  readonly entries: number
  readonly probes: number
  readonly other: number
  readonly bytes: number
}

const isProbe = (rel: string): boolean => rel.startsWith('probe/')
const isEntry = (rel: string): boolean => rel.startsWith('entries/') || isJobEntry(rel)

/** The journal's view of a cache: counts, size, lookups, write times. Pure. */
export function summarizeCache(
  dir: string,
  exists: boolean,
  state: JournalState,
  limits: CacheStore['limits'],
): CacheSummary {
  let entries = 0
  let jobEntries = 0
  let probes = 0
  let oldest = Infinity
  let newest = -Infinity
  for (const entry of state.entries.values()) {
    if (isProbe(entry.rel)) probes++
    else entries++
    if (isJobEntry(entry.rel)) jobEntries++
    oldest = Math.min(oldest, entry.at)
    newest = Math.max(newest, entry.at)
  }
  const lookups = state.hits + state.misses
  const rate = (hits: number, misses: number) => ({
    hits,
    misses,
    hitRate: hits + misses === 0 ? null : hits / (hits + misses),
  })
  const iso = (ms: number): string | null => (Number.isFinite(ms) ? new Date(ms).toISOString() : null)
  return {
    dir,
    exists,
    entries,
    gateEntries: entries - jobEntries,
    jobEntries,
    probes,
    bytes: state.bytes,
    maxSizeBytes: limits.maxSizeBytes,
    ttlMs: limits.ttlMs,
    hits: state.hits,
    misses: state.misses,
    hitRate: lookups === 0 ? null : state.hits / lookups,
    gates: rate(state.hits - state.jobHits, state.misses - state.jobMisses),
    jobs: rate(state.jobHits, state.jobMisses),
    oldest: iso(oldest),
    newest: iso(newest),
  }
}

export function describeCache(store: CacheStore): CacheSummary {
  return summarizeCache(store.dir, existsSync(store.dir), store.state(), store.limits)
}

/** Every file under entries/ and probe/ with its size and mtime (files gone while walking are left out). */
function walk(store: CacheStore): CacheFile[] {
  const files: CacheFile[] = []
  for (const rel of store.listFiles()) {
    try {
      const stat = statSync(path.join(store.dir, rel))
      files.push({ rel, bytes: stat.size, mtimeMs: stat.mtimeMs })
    } catch {
      // removed since it was listed
    }
  }
  return files
}

/** Why an entry or probe file is not intact, or undefined when it is. */
function checkFile(store: CacheStore, rel: string): string | undefined {
  let bytes: Buffer
  try {
    bytes = readFileSync(path.join(store.dir, rel))
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : `unreadable: ${(error as Error).message}`
  }
  if (isProbe(rel))
    return parseProbe(bytes.toString('utf8')) === undefined ? 'probe checksum or format does not match' : undefined
  const result = decodeEntry(bytes)
  if (result === undefined) return 'header, length or sha256 does not match the body'
  let expected: string | undefined
  try {
    expected = entryPath(result.key, isJobEntry(rel) ? 'jobs' : 'entries')
  } catch {
    expected = undefined
  }
  return expected === rel ? undefined : `holds key ${result.key}, which belongs elsewhere`
}

/**
 * The journal against the walked `files`: the files it does not count, the entries it counts whose
 * file is gone or has another size, and the entries to keep (oldest use first, sizes corrected).
 */
function compare(
  store: CacheStore,
  state: JournalState,
  files: readonly CacheFile[],
): Reconciled & { readonly kept: readonly JournalEntry[] } {
  const walked = new Map(files.map((file) => [file.rel, file]))
  const missing: JournalEntry[] = []
  const resized: string[] = []
  const kept: JournalEntry[] = []
  for (const entry of [...state.entries.values()].sort((a, b) => a.seq - b.seq)) {
    const file = walked.get(entry.rel)
    if (file === undefined) {
      // Not walked: written since the walk (keep it), or gone (drop it).
      if (existsSync(path.join(store.dir, entry.rel))) kept.push(entry)
      else missing.push(entry)
    } else if (file.bytes !== entry.bytes) {
      resized.push(entry.rel)
      kept.push({ ...entry, bytes: file.bytes })
    } else {
      kept.push(entry)
    }
  }
  const untracked = files.filter((file) => !state.entries.has(file.rel)).sort((a, b) => a.mtimeMs - b.mtimeMs)
  return { untracked, missing, resized, kept }
}

/**
 * Compacts the journal to count exactly the live files, when it does not already. The compaction
 * compares again with the journal as it reads it, so lines appended since the first look count.
 * Call with the lock held.
 */
function reconcile(store: CacheStore, files: readonly CacheFile[]): Reconciled {
  let found = compare(store, store.state(), files)
  if (found.untracked.length + found.missing.length + found.resized.length > 0) {
    store.compactJournal((state) => {
      found = compare(store, state, files)
      const lost = found.untracked.map((file) => ({
        rel: file.rel,
        bytes: file.bytes,
        at: Math.round(file.mtimeMs),
        seq: 0,
      }))
      return [...lost, ...found.kept]
    })
  }
  return { untracked: found.untracked, missing: found.missing, resized: found.resized }
}

/** Runs `work` holding the cache's lock, waiting up to LOCK_WAIT_MS for another holder. */
async function withCacheLock<T>(store: CacheStore, work: () => T): Promise<T | Locked> {
  const lock = path.join(store.dir, 'lock')
  const owner = selfOwner()
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    const acquired = acquireLockFile(lock, owner)
    if (acquired.ok) {
      try {
        return work()
      } finally {
        releaseLockFile(lock, owner)
      }
    }
    if (Date.now() >= deadline) return { ok: false, holder: acquired.holder }
    await sleep(50)
  }
}

const empty: Reconciled = { untracked: [], missing: [], resized: [] }

/** Reads every file; removes those that are not intact, then reconciles the journal. */
export async function verifyCache(store: CacheStore): Promise<VerifyReport | Locked> {
  if (!existsSync(store.dir)) return { ok: true, checked: 0, corrupt: [], ...empty }
  return withCacheLock(store, () => {
    const corrupt: Corrupt[] = []
    const intact: CacheFile[] = []
    let checked = 0
    for (const file of walk(store)) {
      if (TEMP.test(file.rel)) continue // a write in progress, or prune's to remove
      checked++
      const reason = checkFile(store, file.rel)
      if (reason === undefined) intact.push(file)
      else {
        store.remove(file.rel)
        corrupt.push({ rel: file.rel, reason })
      }
    }
    return { ok: true as const, checked, corrupt, ...reconcile(store, intact) }
  })
}

/** Temporary files older than STALE_TEMP_MS under entries/, probe/ and the journal's. */
function staleTemps(store: CacheStore, files: readonly CacheFile[], now: number): string[] {
  const temps = files.filter((file) => TEMP.test(file.rel)).map((file) => ({ rel: file.rel, mtimeMs: file.mtimeMs }))
  let top: string[] = []
  try {
    top = readdirSync(store.dir).filter((name) => name.startsWith('journal.tmp-') && TEMP.test(name))
  } catch {
    // no directory: nothing to remove
  }
  for (const name of top) {
    try {
      temps.push({ rel: name, mtimeMs: statSync(path.join(store.dir, name)).mtimeMs })
    } catch {
      // renamed into place meanwhile
    }
  }
  return temps.filter((temp) => now - temp.mtimeMs > STALE_TEMP_MS).map((temp) => temp.rel)
}

/**
 * Reconciles the journal with the files, removes stale temporary files, then lets the store
 * remove expired entries and the least recently used above its size limit.
 */
export async function pruneCache(store: CacheStore, now: () => number = Date.now): Promise<PruneReport | Locked> {
  if (!existsSync(store.dir))
    return { ok: true, staleTemps: [], expired: 0, evicted: 0, freedBytes: 0, removed: [], bytes: 0, ...empty }
  const first = await withCacheLock(store, () => {
    const files = walk(store)
    const stale = staleTemps(store, files, now())
    for (const rel of stale) {
      try {
        unlinkSync(path.join(store.dir, rel))
      } catch {
        // already gone
      }
    }
    return {
      stale,
      reconciled: reconcile(
        store,
        files.filter((file) => !TEMP.test(file.rel)),
      ),
    }
  })
  if ('holder' in first) return first // locked
  // maintain takes the lock itself; a hook may hold it for a moment in between.
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    const before = store.state()
    const result = store.maintain()
    if (result !== undefined) {
      const after = store.state()
      const horizon = now() - store.limits.ttlMs
      const removed: Removed[] = [...before.entries.values()]
        .filter((entry) => !after.entries.has(entry.rel))
        .map((entry) => ({
          rel: entry.rel,
          bytes: entry.bytes,
          reason: entry.at < horizon ? ('expired' as const) : ('evicted' as const),
        }))
      return { ok: true, staleTemps: first.stale, ...first.reconciled, ...result, removed, bytes: after.bytes }
    }
    if (Date.now() >= deadline)
      return { ok: false, holder: readLockFile(path.join(store.dir, 'lock')) ?? { pid: 0, start: '0' } }
    await sleep(50)
  }
}

/** Removes every entry, probe and the journal; says what went, counted by walking. */
export async function clearCache(store: CacheStore): Promise<ClearReport | Locked> {
  if (!existsSync(store.dir)) return { ok: true, entries: 0, probes: 0, other: 0, bytes: 0 }
  return withCacheLock(store, () => {
    let entries = 0
    let probes = 0
    let other = 0
    let bytes = 0
    for (const file of walk(store)) {
      bytes += file.bytes
      if (TEMP.test(file.rel)) other++
      else if (isEntry(file.rel) && ENTRY.test(file.rel)) entries++
      else if (isProbe(file.rel)) probes++
      else other++
    }
    store.clear()
    return { ok: true as const, entries, probes, other, bytes }
  })
}
