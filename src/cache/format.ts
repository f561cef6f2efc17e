/**
 * The disk cache's two file formats (pure): an entry (a header line with the body's sha256 and
 * length, then the body) and the journal. store.ts does the IO.
 *
 * The journal is one line per event, in the order they happened:
 *
 *   w <rel> <bytes> <at>   a file was written (its size, and when, in ms)
 *   h <rel>                a hit (the shim appends these too)
 *   m <rel>                a miss
 *   d <rel>                a file was removed
 *   c <hits> <misses> [<job hits> <job misses>]
 *                          counts carried over a compaction; the totals include the jobs' share
 *                          (a journal written before jobs were cached has none: all gates)
 *   s <n> <offset> <at>    `journal.<n>`, a journal this one replaced at `at` (ms), is folded in up
 *                          to byte `offset`; its bytes past that offset belong to this journal too
 *
 * A later `s` for the same segment moves its offset on. Unknown or torn lines are skipped.
 * Lookups of `jobs/` entries (the runner's and `gitvan run`'s results) are also counted apart, so
 * `gitvan cache stats` can say what gates and jobs each get from the cache.
 */
import { isJobEntry, sha256 } from './key.js'

const ENTRY_MAGIC = 'gitvan-cache 1'

/** A job result as the cache keeps it. */
export type CachedResult = {
  readonly key: string
  readonly job: string
  readonly hook: string
  /** When the job ran (ISO 8601). */
  readonly at: string
  /** How long it took then. */
  readonly ms: number
  readonly data?: unknown
  /** A job's outputs (`{ref, path, oid}`), for the receipt a hit writes. */
  readonly outputs?: readonly { readonly ref: string; readonly path: string; readonly oid: string }[]
}

export type JournalEntry = { readonly rel: string; readonly bytes: number; readonly at: number; readonly seq: number }

/** A replaced journal, `journal.<n>`, whose bytes past `offset` are still to be counted. */
export type JournalSegment = { readonly n: number; readonly offset: number; readonly at: number }

export type JournalState = {
  /** Live entries by path, `seq` = position of the last write or hit (higher = more recent). */
  readonly entries: Map<string, JournalEntry>
  readonly hits: number
  readonly misses: number
  /** The share of `hits` and `misses` that were lookups of job results (`jobs/`). */
  readonly jobHits: number
  readonly jobMisses: number
  readonly bytes: number
  /** Replaced journals that appenders may still write to, by number. */
  readonly segments: ReadonlyMap<number, JournalSegment>
  /** Lines in the journal: what a compaction would drop is `lines` less about one per live entry. */
  readonly lines: number
  readonly journalBytes: number
}

/**
 * Parses the journal, then `tails`: the bytes of its segments past their offsets, each read on its
 * own so that a torn last line cannot swallow the next text's first.
 */
export function replayJournal(text: string, tails: readonly string[] = []): JournalState {
  const entries = new Map<string, JournalEntry>()
  const segments = new Map<number, JournalSegment>()
  let hits = 0
  let misses = 0
  let jobHits = 0
  let jobMisses = 0
  let seq = 0
  for (const line of [text, ...tails].flatMap((part) => part.split('\n'))) {
    const [op, rel, a, b] = line.split(' ')
    seq++
    if (op === 'w' && rel && a !== undefined && b !== undefined) {
      const bytes = Number(a)
      const at = Number(b)
      if (Number.isFinite(bytes) && Number.isFinite(at)) entries.set(rel, { rel, bytes, at, seq })
    } else if (op === 'h' && rel) {
      hits++
      if (isJobEntry(rel)) jobHits++
      const entry = entries.get(rel)
      if (entry) entries.set(rel, { ...entry, seq })
    } else if (op === 'm') {
      misses++
      if (rel !== undefined && isJobEntry(rel)) jobMisses++
    } else if (op === 'd' && rel) {
      entries.delete(rel)
    } else if (op === 'c' && rel !== undefined && a !== undefined) {
      hits += Number(rel) || 0
      misses += Number(a) || 0
      jobHits += Number(b) || 0
      jobMisses += Number(line.split(' ')[4]) || 0
    } else if (op === 's' && rel && a !== undefined && b !== undefined) {
      const segment = { n: Number(rel), offset: Number(a), at: Number(b) }
      if (Number.isSafeInteger(segment.n) && Number.isSafeInteger(segment.offset) && Number.isFinite(segment.at))
        segments.set(segment.n, segment)
    }
  }
  let bytes = 0
  for (const entry of entries.values()) bytes += entry.bytes
  const journalBytes = [text, ...tails].reduce((sum, part) => sum + Buffer.byteLength(part), 0)
  return { entries, hits, misses, jobHits, jobMisses, bytes, segments, lines: seq, journalBytes }
}

/** The entry file's bytes: a header line with the body's sha256 and length, then the body. */
export function encodeEntry(result: CachedResult): string {
  const body = `${JSON.stringify(result)}\n`
  return `${ENTRY_MAGIC} ${sha256(body)} ${Buffer.byteLength(body)}\n${body}`
}

/** The result an entry file holds, or undefined when it is not intact. */
export function decodeEntry(bytes: Buffer): CachedResult | undefined {
  const newline = bytes.indexOf(10)
  if (newline === -1) return undefined
  const [m1, m2, digest, length] = bytes.subarray(0, newline).toString('latin1').split(' ')
  if (`${m1} ${m2}` !== ENTRY_MAGIC) return undefined
  const body = bytes.subarray(newline + 1)
  if (body.length !== Number(length) || sha256(body) !== digest) return undefined
  try {
    const value = JSON.parse(body.toString('utf8')) as CachedResult
    return typeof value.key === 'string' && typeof value.at === 'string' ? value : undefined
  } catch {
    return undefined
  }
}
