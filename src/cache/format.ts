/**
 * The disk cache's two file formats (pure): an entry (a header line with the body's sha256 and
 * length, then the body) and the journal (one line per write, hit, miss or delete, in the order
 * they happened; `c <hits> <misses>` carries the counts over a compaction). store.ts does the IO.
 */
import { sha256 } from './key.js'

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
}

export type JournalEntry = { readonly rel: string; readonly bytes: number; readonly at: number; readonly seq: number }

export type JournalState = {
  /** Live entries by path, `seq` = position of the last write or hit (higher = more recent). */
  readonly entries: Map<string, JournalEntry>
  readonly hits: number
  readonly misses: number
  readonly bytes: number
  /** Lines in the journal: what a compaction would drop is `lines` less about one per live entry. */
  readonly lines: number
  readonly journalBytes: number
}

/** Parses the journal. Unknown or torn lines are skipped. */
export function replayJournal(text: string): JournalState {
  const entries = new Map<string, JournalEntry>()
  let hits = 0
  let misses = 0
  let seq = 0
  for (const line of text.split('\n')) {
    const [op, rel, a, b] = line.split(' ')
    seq++
    if (op === 'w' && rel && a !== undefined && b !== undefined) {
      const bytes = Number(a)
      const at = Number(b)
      if (Number.isFinite(bytes) && Number.isFinite(at)) entries.set(rel, { rel, bytes, at, seq })
    } else if (op === 'h' && rel) {
      hits++
      const entry = entries.get(rel)
      if (entry) entries.set(rel, { ...entry, seq })
    } else if (op === 'm') {
      misses++
    } else if (op === 'd' && rel) {
      entries.delete(rel)
    } else if (op === 'c' && rel !== undefined && a !== undefined) {
      hits += Number(rel) || 0
      misses += Number(a) || 0
    }
  }
  let bytes = 0
  for (const entry of entries.values()) bytes += entry.bytes
  return { entries, hits, misses, bytes, lines: seq, journalBytes: Buffer.byteLength(text) }
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
