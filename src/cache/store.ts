/**
 * The disk cache's files. One directory (`<git-common-dir>/gitvan/cache`, or `GITVAN_CACHE_DIR`):
 *
 *   entries/<2 hex>/<62 hex>   one job result per key
 *   probe/<hook>/<tree>        a hook's whole verdict, read by the sh shim (probe.ts)
 *   journal                    one line per write, hit, miss and delete, in the order they happened
 *   lock                       held while entries are evicted and the journal is compacted
 *
 * Guarantees:
 * - An entry is written to a temporary name and renamed, so readers see the old file, the new one
 *   or none, never half of one. Its first line holds the sha256 and length of the body: a body that
 *   does not match (a torn disk, an edit) is a miss, and the file is removed. A corrupt entry never
 *   gives an answer.
 * - Size is tracked in the journal (a write appends its bytes), so no lookup and no write walks the
 *   directory. A write that finds the total above `maxSizeBytes`, an entry past `ttlMs`, or a long
 *   journal takes the lock, removes expired entries and then the least recently used until the
 *   total is under 90% of the limit, and rewrites the journal compactly. Another process already
 *   doing that is left to it.
 * - Appends are single `write(2)`s to an O_APPEND file, so concurrent writers (hooks, the shim's
 *   probe hits) interleave whole lines. A line appended while the journal is being compacted can be
 *   lost: at worst an entry's recency, or an entry the journal no longer counts, which
 *   `gitvan cache prune` finds again by walking the directory.
 * - Every failure of the cache's IO (a full disk, a read-only directory) makes a lookup miss and a
 *   write do nothing: the cache can make a hook faster, never fail it.
 */
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { acquireLockFile, releaseLockFile, selfOwner } from '../lockFile.js'
import {
  type CachedResult,
  decodeEntry,
  encodeEntry,
  type JournalEntry,
  type JournalState,
  replayJournal,
} from './format.js'
import { entryPath } from './key.js'

/** Compact once the journal holds this many lines beyond twice the live entries (hits and misses pile up). */
const JOURNAL_SLACK_LINES = 1024

export type CacheLimits = { readonly maxSizeBytes: number; readonly ttlMs: number }

/** The cache directory of a repository: `GITVAN_CACHE_DIR` (relative to the top level) or `<common>/gitvan/cache`. */
export function cacheDirOf(repo: { readonly root: string; readonly stateDir: string }, env: NodeJS.ProcessEnv): string {
  const moved = env.GITVAN_CACHE_DIR
  return moved ? path.resolve(repo.root, moved) : path.join(repo.stateDir, 'cache')
}

export class CacheStore {
  readonly dir: string
  readonly journalFile: string
  readonly limits: CacheLimits
  readonly #now: () => number

  constructor(dir: string, limits: CacheLimits, now: () => number = Date.now) {
    this.dir = path.resolve(dir)
    this.journalFile = this.#file('journal')
    this.limits = limits
    this.#now = now
  }

  /**
   * A file under the cache directory. Plain concatenation: `rel` is always one of the store's own
   * names, and a hook calls this a few times per lookup, where path.join's normalising, once V8
   * finds it hot, costs a TurboFan compilation (measured: +4 MB of the hook's peak RSS).
   */
  #file(rel: string): string {
    return `${this.dir}/${rel}`
  }

  /** The intact, unexpired result for `key`, or undefined (a miss). Records the hit or the miss. */
  get(key: string): CachedResult | undefined {
    const rel = entryPath(key)
    let bytes: Buffer
    try {
      bytes = readFileSync(this.#file(rel))
    } catch {
      this.#append(`m ${rel}`)
      return undefined
    }
    const result = decodeEntry(bytes)
    if (result === undefined || result.key !== key) {
      this.#remove(rel)
      this.#append(`m ${rel}`)
      return undefined
    }
    if (Date.parse(result.at) + this.limits.ttlMs < this.#now()) {
      this.#append(`m ${rel}`)
      return undefined
    }
    this.#append(`h ${rel}`)
    return result
  }

  /** Stores `result` under its key; returns whether it was written. */
  put(result: CachedResult): boolean {
    return this.#write(entryPath(result.key), encodeEntry(result))
  }

  /** Writes a file the sh shim reads (probe.ts makes its text), accounted like any entry. */
  putFile(rel: string, text: string): boolean {
    return this.#write(rel, text)
  }

  /** Removes a file the cache holds, if it is there. */
  remove(rel: string): void {
    this.#remove(rel)
  }

  /** The journal as it stands. */
  state(): JournalState {
    let text = ''
    try {
      text = readFileSync(this.journalFile, 'utf8')
    } catch {
      // no journal yet: an empty cache
    }
    return replayJournal(text)
  }

  /**
   * Removes expired entries, then least recently used ones above 90% of the size limit, and
   * compacts the journal. Returns undefined when another process holds the lock.
   */
  maintain(): { readonly expired: number; readonly evicted: number; readonly freedBytes: number } | undefined {
    const lock = this.#file('lock')
    const owner = selfOwner()
    let acquired
    try {
      acquired = acquireLockFile(lock, owner)
    } catch {
      return undefined
    }
    if (!acquired.ok) return undefined
    try {
      const fresh = this.state() // read under the lock: what other writers appended counts too
      const live = [...fresh.entries.values()].sort((a, b) => a.seq - b.seq)
      const horizon = this.#now() - this.limits.ttlMs
      let bytes = fresh.bytes
      let expired = 0
      let evicted = 0
      let freedBytes = 0
      const kept: JournalEntry[] = []
      for (const entry of live) {
        if (entry.at < horizon) {
          this.#unlink(entry.rel)
          expired++
          freedBytes += entry.bytes
          bytes -= entry.bytes
        } else {
          kept.push(entry)
        }
      }
      const target = this.limits.maxSizeBytes * 0.9
      if (bytes > this.limits.maxSizeBytes) {
        while (bytes > target && kept.length > 0) {
          const oldest = kept.shift() as JournalEntry
          this.#unlink(oldest.rel)
          evicted++
          freedBytes += oldest.bytes
          bytes -= oldest.bytes
        }
      }
      this.rewriteJournal(kept, fresh.hits, fresh.misses)
      return { expired, evicted, freedBytes }
    } finally {
      releaseLockFile(lock, owner)
    }
  }

  /** Every file under entries/ and probe/, relative to the cache directory. */
  listFiles(): string[] {
    const found: string[] = []
    const walk = (rel: string): void => {
      let names: string[]
      try {
        names = readdirSync(path.join(this.dir, rel))
      } catch {
        return
      }
      for (const name of names) {
        const child = `${rel}/${name}`
        let isDir = false
        try {
          isDir = statSync(path.join(this.dir, child)).isDirectory()
        } catch {
          continue
        }
        if (isDir) walk(child)
        else found.push(child)
      }
    }
    walk('entries')
    walk('probe')
    return found.sort()
  }

  /** Removes every entry and the journal. */
  clear(): void {
    for (const name of ['entries', 'probe', 'journal'])
      rmSync(path.join(this.dir, name), { recursive: true, force: true })
  }

  #write(rel: string, text: string): boolean {
    const file = this.#file(rel)
    const temp = `${file}.tmp-${process.pid}`
    try {
      mkdirSync(this.#file(rel.slice(0, rel.lastIndexOf('/'))), { recursive: true })
      writeFileSync(temp, text)
      renameSync(temp, file)
    } catch {
      try {
        unlinkSync(temp)
      } catch {
        // nothing was written
      }
      return false
    }
    this.#append(`w ${rel} ${Buffer.byteLength(text)} ${this.#now()}`)
    const state = this.state()
    const horizon = this.#now() - this.limits.ttlMs
    let expired = false
    for (const entry of state.entries.values()) {
      if (entry.at < horizon) {
        expired = true
        break
      }
    }
    if (expired || state.bytes > this.limits.maxSizeBytes || state.lines > 2 * state.entries.size + JOURNAL_SLACK_LINES)
      this.maintain()
    return true
  }

  #remove(rel: string): void {
    if (this.#unlink(rel)) this.#append(`d ${rel}`)
  }

  #unlink(rel: string): boolean {
    try {
      unlinkSync(this.#file(rel))
      return true
    } catch {
      return false
    }
  }

  #append(line: string): void {
    try {
      appendFileSync(this.journalFile, `${line}\n`)
    } catch {
      try {
        mkdirSync(this.dir, { recursive: true })
        appendFileSync(this.journalFile, `${line}\n`)
      } catch {
        // an unwritable cache only loses its accounting
      }
    }
  }

  /** Writes a journal that holds exactly `entries` (oldest use first) and the hit and miss counts. */
  rewriteJournal(entries: readonly JournalEntry[], hits: number, misses: number): void {
    const lines = [`c ${hits} ${misses}`, ...entries.map((entry) => `w ${entry.rel} ${entry.bytes} ${entry.at}`)]
    const temp = `${this.journalFile}.tmp-${process.pid}`
    try {
      mkdirSync(this.dir, { recursive: true })
      writeFileSync(temp, `${lines.join('\n')}\n`)
      renameSync(temp, this.journalFile)
    } catch {
      // the old journal stays; the next maintenance tries again
    }
  }
}
