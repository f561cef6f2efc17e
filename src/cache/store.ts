/**
 * The disk cache's files. One directory (`<git-common-dir>/gitvan/cache`, or `GITVAN_CACHE_DIR`):
 *
 *   entries/<2 hex>/<62 hex>   one gate result per key
 *   jobs/<2 hex>/<62 hex>      one result of a runner or `gitvan run` job per key (jobCache in schedule/)
 *   probe/<hook>/<tree>        a hook's whole verdict, read by the sh shim (probe.ts)
 *   journal                    one line per write, hit, miss and delete, in the order they happened
 *   journal.<n>                a journal a compaction replaced, kept a minute for late appenders
 *   lock                       held while entries are evicted and the journal is compacted
 *
 * Guarantees:
 * - An entry is written to a temporary name and renamed, so readers see the old file, the new one
 *   or none, never half of one. Its first line holds the sha256 and length of the body: a body that
 *   does not match (a torn disk, an edit) is a miss, and the file is removed. A corrupt entry never
 *   gives an answer.
 * - Size is tracked in the journal (a write appends its bytes), so no lookup and no write walks the
 *   directory. A write that finds the total above `maxSizeBytes` or an entry past `ttlMs` takes the
 *   lock and removes expired entries, then the least recently used until the total is under 90% of
 *   the limit (appending `d` before each unlink, so a write of the same key after the unlink is
 *   journaled after it). A journal long with hits and misses is compacted. Another process already
 *   holding the lock is left to it.
 * - Appends are single `write(2)`s to an O_APPEND file, so concurrent appenders (hooks, the shim's
 *   plain `>>` of a probe hit) interleave whole lines, take no lock, and are never lost to a
 *   compaction: the journal is never rewritten in place. Compaction, holding the lock:
 *     1. links `journal` to a new name, `journal.<n>`: the same file, so appends carry on into it;
 *     2. reads it up to its last newline (byte `offset`), and every segment past its offset;
 *     3. writes the counts, the live entries and `s <n> <offset>` for each segment it keeps to
 *        `journal.tmp-<pid>` and renames that over `journal`: appenders that open the journal from
 *        then on write to the new one;
 *     4. appends what reached `journal.<n>` past `offset` meanwhile to the new journal, in one write
 *        that starts with `s <n>` at the offset past it;
 *     5. removes segments it replaced over a minute ago (their bytes were folded in step 2).
 *   An appender that opened the old journal before step 3 and writes after step 4 lands past the
 *   segment's offset, which every read still counts: `state()` reads `journal`, then each segment
 *   it lists past its offset. A read never counts a line twice, and counts every line written
 *   before it began unless a compaction runs meanwhile (it may then count fewer, for that moment).
 *   What the lock holder reads is therefore complete. The one line that can be lost is one whose
 *   writer stopped for over a minute between opening the journal and writing to it (a SIGSTOP at
 *   that instant): a plain `>>` cannot say when it is done, so a segment cannot be kept forever.
 *   A reader of `journal` alone (`gitvan stats`) misses at most the lines past a segment's offset.
 * - The journal can still disagree with the files when they change behind its back: a file deleted
 *   or copied by hand, a process killed between renaming an entry and appending its line, or two
 *   processes writing and evicting one key at the same instant. `gitvan cache prune` walks the
 *   directory and makes the journal count what is there.
 * - The runner and `gitvan run` look up and store a whole batch at once (`getMany`, `putMany`):
 *   one journal append for all its lookups, one for all its writes, and one check of the limits.
 *   A large batch lists the directories it looks in instead of opening each missing file.
 * - Every failure of the cache's IO (a full disk, a read-only directory) makes a lookup miss and a
 *   write do nothing: the cache can make a hook faster, never fail it.
 */
import {
  appendFileSync,
  closeSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { type Acquired, acquireLockFile, type Held, releaseLockFile, selfOwner } from '../lockFile.js'
import {
  type CachedResult,
  decodeEntry,
  encodeEntry,
  type JournalEntry,
  type JournalSegment,
  type JournalState,
  replayJournal,
} from './format.js'
import { entryPath } from './key.js'

/** Compact once the journal holds this many lines beyond twice the live entries (hits and misses pile up). */
const JOURNAL_SLACK_LINES = 1024

/**
 * How long a replaced journal is kept for appenders that opened it before it was replaced. They
 * write within microseconds of opening it; a minute covers all but a process stopped right there.
 * Measured by the real clock, not the store's `now` (which dates entries).
 */
const SEGMENT_KEEP_MS = 60_000

/** A batch with more candidate keys than this lists the directories it looks in (a readdir is cheaper than many failed opens). */
const LIST_ABOVE = 256

const SEGMENT = /^journal\.(\d+)$/

export type CacheLimits = { readonly maxSizeBytes: number; readonly ttlMs: number }

/** The cache directory of a repository: `GITVAN_CACHE_DIR` (relative to the top level) or `<common>/gitvan/cache`. */
export function cacheDirOf(repo: { readonly root: string; readonly stateDir: string }, env: NodeJS.ProcessEnv): string {
  const moved = env.GITVAN_CACHE_DIR
  return moved ? path.resolve(repo.root, moved) : path.join(repo.stateDir, 'cache')
}

/** The live entries, oldest use first: what a compaction keeps unless told otherwise. */
const liveEntries = (state: JournalState): JournalEntry[] => [...state.entries.values()].sort((a, b) => a.seq - b.seq)

/** The bytes up to and including the last newline: a line still being written is left for later. */
const wholeLines = (bytes: Buffer): Buffer => bytes.subarray(0, bytes.lastIndexOf(10) + 1)

/** The bytes of `file` from `offset` to its end. Throws what the read throws. */
function readFrom(file: string, offset: number): Buffer {
  const fd = openSync(file, 'r')
  try {
    const bytes = Buffer.alloc(Math.max(0, fstatSync(fd).size - offset))
    let read = 0
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, offset + read)
      if (n === 0) break
      read += n
    }
    return bytes.subarray(0, read)
  } finally {
    closeSync(fd)
  }
}

export type Maintained = { readonly expired: number; readonly evicted: number; readonly freedBytes: number }

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

  /** The journal as it stands: `journal`, then each segment it lists past its offset. */
  state(): JournalState {
    let text = ''
    try {
      text = readFileSync(this.journalFile, 'utf8')
    } catch {
      // no journal yet: an empty cache
    }
    const state = replayJournal(text)
    if (state.segments.size === 0) return state
    const tails = [...state.segments.values()].map((segment) => {
      try {
        return wholeLines(readFrom(this.#segmentFile(segment.n), segment.offset)).toString('utf8')
      } catch {
        return '' // removed by a compaction that folded it, after this journal was read
      }
    })
    return tails.some((tail) => tail !== '') ? replayJournal(text, tails) : state
  }

  /**
   * Removes expired entries, then least recently used ones above 90% of the size limit, and
   * compacts the journal. Returns undefined when another process holds the lock.
   */
  maintain(): Maintained | undefined {
    return this.#maintain(true)
  }

  #maintain(compact: boolean): Maintained | undefined {
    const lock = this.#file('lock')
    const owner = selfOwner()
    let acquired: Acquired | Held
    try {
      acquired = acquireLockFile(lock, owner)
    } catch {
      return undefined
    }
    if (!acquired.ok) return undefined
    try {
      const fresh = this.state() // read under the lock: complete, what other writers appended too
      const live = liveEntries(fresh)
      const horizon = this.#now() - this.limits.ttlMs
      let bytes = fresh.bytes
      let expired = 0
      let evicted = 0
      let freedBytes = 0
      const kept: JournalEntry[] = []
      const drop = (entry: JournalEntry): void => {
        this.#append(`d ${entry.rel}`)
        this.#unlink(entry.rel)
        freedBytes += entry.bytes
        bytes -= entry.bytes
      }
      for (const entry of live) {
        if (entry.at < horizon) {
          drop(entry)
          expired++
        } else {
          kept.push(entry)
        }
      }
      const target = this.limits.maxSizeBytes * 0.9
      if (bytes > this.limits.maxSizeBytes) {
        while (bytes > target && kept.length > 0) {
          drop(kept.shift() as JournalEntry)
          evicted++
        }
      }
      if (compact) this.compactJournal()
      return { expired, evicted, freedBytes }
    } finally {
      releaseLockFile(lock, owner)
    }
  }

  /**
   * Compacts the journal (steps 1 to 5 above) to `plan`'s entries, oldest use first (by default the
   * live ones), keeping the counts and every line appended meanwhile. `plan` sees the state with
   * every segment folded in. Call holding the lock. Returns false, leaving the journal as it was
   * (but for a segment it may have created, which the next compaction removes), when IO fails.
   */
  compactJournal(plan: (state: JournalState) => readonly JournalEntry[] = liveEntries): boolean {
    const onDisk = this.#segmentsOnDisk()
    const n = Math.max(0, ...onDisk) + 1
    const segment = this.#segmentFile(n)
    try {
      mkdirSync(this.dir, { recursive: true })
      closeSync(openSync(this.journalFile, 'a')) // created as an appender would, so both open one file
      linkSync(this.journalFile, segment)
    } catch {
      return false
    }
    const now = Date.now()
    let lines: string[]
    let offset: number
    let folded: number[]
    try {
      const head = wholeLines(readFileSync(segment))
      offset = head.length
      const text = head.toString('utf8')
      const kept: JournalSegment[] = []
      const tails: string[] = []
      for (const old of replayJournal(text).segments.values()) {
        let tail: Buffer
        try {
          tail = wholeLines(readFrom(this.#segmentFile(old.n), old.offset))
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue // removed by hand
          throw error
        }
        tails.push(tail.toString('utf8'))
        if (old.at > now - SEGMENT_KEEP_MS) kept.push({ ...old, offset: old.offset + tail.length })
      }
      kept.push({ n, offset, at: now })
      folded = onDisk.filter((m) => !kept.some((k) => k.n === m))
      const state = replayJournal(text, tails)
      lines = [
        `c ${state.hits} ${state.misses} ${state.jobHits} ${state.jobMisses}`,
        ...kept.map((k) => `s ${k.n} ${k.offset} ${k.at}`),
        ...plan(state).map((entry) => `w ${entry.rel} ${entry.bytes} ${entry.at}`),
      ]
    } catch {
      this.#unlink(`journal.${n}`)
      return false
    }
    const temp = `${this.journalFile}.tmp-${process.pid}`
    try {
      writeFileSync(temp, `${lines.join('\n')}\n`)
      renameSync(temp, this.journalFile)
    } catch {
      this.#unlink(`journal.tmp-${process.pid}`)
      this.#unlink(`journal.${n}`)
      return false
    }
    try {
      const late = wholeLines(readFrom(segment, offset))
      if (late.length > 0)
        appendFileSync(this.journalFile, Buffer.concat([Buffer.from(`s ${n} ${offset + late.length} ${now}\n`), late]))
    } catch {
      // they stay past the segment's offset, where every read counts them
    }
    for (const m of folded) this.#unlink(`journal.${m}`)
    return true
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
    walk('jobs')
    walk('probe')
    return found.sort()
  }

  /** Removes every entry and the journal. Call holding the lock. */
  clear(): void {
    const names = ['entries', 'probe', 'journal', ...this.#segmentsOnDisk().map((n) => `journal.${n}`)]
    for (const name of names) rmSync(path.join(this.dir, name), { recursive: true, force: true })
  }

  #segmentFile(n: number): string {
    return this.#file(`journal.${n}`)
  }

  /** The numbers of the `journal.<n>` files in the directory. */
  #segmentsOnDisk(): number[] {
    try {
      return readdirSync(this.dir).flatMap((name) => {
        const match = SEGMENT.exec(name)
        return match ? [Number(match[1])] : []
      })
    } catch {
      return []
    }
  }

  /**
   * For each group of candidate keys (a run's), the first intact, unexpired result, or undefined.
   * `pathOf` names a key's file. Journals one line per group (the hit, or a miss of its first
   * candidate) in one append, so the counts say one lookup per run.
   */
  getMany(groups: readonly (readonly string[])[], pathOf: (key: string) => string): (CachedResult | undefined)[] {
    const total = groups.reduce((sum, keys) => sum + keys.length, 0)
    const listed = total > LIST_ABOVE ? new Map<string, Set<string>>() : undefined
    const names = (dir: string): Set<string> => {
      let found = listed?.get(dir)
      if (found === undefined) {
        const slash = dir.lastIndexOf('/')
        // A directory its parent does not list is not read (most are missing in a cold cache).
        const there = slash === -1 || names(dir.slice(0, slash)).has(dir.slice(slash + 1))
        try {
          found = there ? new Set(readdirSync(this.#file(dir))) : new Set()
        } catch {
          found = new Set()
        }
        listed?.set(dir, found)
      }
      return found
    }
    const present = (rel: string): boolean => {
      if (listed === undefined) return true
      const slash = rel.lastIndexOf('/')
      return names(rel.slice(0, slash)).has(rel.slice(slash + 1))
    }
    const lines: string[] = []
    const now = this.#now()
    const results = groups.map((keys) => {
      for (const key of keys) {
        const rel = pathOf(key)
        if (!present(rel)) continue
        let bytes: Buffer
        try {
          bytes = readFileSync(this.#file(rel))
        } catch {
          continue
        }
        const result = decodeEntry(bytes)
        if (result === undefined || result.key !== key) {
          if (this.#unlink(rel)) lines.push(`d ${rel}`)
          continue
        }
        if (Date.parse(result.at) + this.limits.ttlMs < now) continue
        lines.push(`h ${rel}`)
        return result
      }
      const first = keys[0]
      if (first !== undefined) lines.push(`m ${pathOf(first)}`)
      return undefined
    })
    if (lines.length > 0) this.#append(lines.join('\n'))
    return results
  }

  /** Stores every result under `pathOf(result.key)`; one journal append; returns how many were written. */
  putMany(results: readonly CachedResult[], pathOf: (key: string) => string): number {
    const lines: string[] = []
    const now = this.#now()
    const made = new Set<string>()
    for (const result of results) {
      const rel = pathOf(result.key)
      const text = encodeEntry(result)
      if (this.#writeFile(rel, text, made)) lines.push(`w ${rel} ${Buffer.byteLength(text)} ${now}`)
    }
    if (lines.length === 0) return 0
    this.#append(lines.join('\n'))
    this.#checkLimits()
    return lines.length
  }

  /**
   * Writes `text` to `rel` by temp+rename. The directory is made only when the write finds it
   * missing (`made`: directories this batch made), sparing a mkdir per entry.
   */
  #writeFile(rel: string, text: string, made?: Set<string>): boolean {
    const file = this.#file(rel)
    const temp = `${file}.tmp-${process.pid}`
    const dir = rel.slice(0, rel.lastIndexOf('/'))
    try {
      try {
        writeFileSync(temp, text)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || made?.has(dir)) throw error
        mkdirSync(this.#file(dir), { recursive: true })
        made?.add(dir)
        writeFileSync(temp, text)
      }
      renameSync(temp, file)
      return true
    } catch {
      try {
        unlinkSync(temp)
      } catch {
        // nothing was written
      }
      return false
    }
  }

  #write(rel: string, text: string): boolean {
    if (!this.#writeFile(rel, text)) return false
    this.#append(`w ${rel} ${Buffer.byteLength(text)} ${this.#now()}`)
    this.#checkLimits()
    return true
  }

  /** After writes: maintenance when an entry expired, the size is over the limit or the journal is long. */
  #checkLimits(): void {
    const state = this.state()
    const horizon = this.#now() - this.limits.ttlMs
    let expired = false
    for (const entry of state.entries.values()) {
      if (entry.at < horizon) {
        expired = true
        break
      }
    }
    const long = state.lines > 2 * state.entries.size + JOURNAL_SLACK_LINES
    if (expired || long || state.bytes > this.limits.maxSizeBytes) this.#maintain(long)
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
}
