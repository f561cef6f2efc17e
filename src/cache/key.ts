/**
 * Cache keys (pure): what a cached verdict depends on, hashed into `sha256:<hex>`.
 *
 * A key covers the job (its id, its command as resolved, and the config's content hash), the
 * gitvan build, the hook, the files the job declares as inputs (by git blob id, or `null` when
 * absent), the content the job reads (the index's tree, or the staged blob and mode of each path
 * it is given, or the refs and files being pushed), the branch, and HEAD's tree unless the gate is
 * given its files (a gate that looks at the staged diff or at GITVAN_BRANCH sees them). Anything the job can see that is not in
 * the key (untracked files, the network, the time) is the job's to declare, or to opt out with
 * `cache: false`. Keys are built from plain JSON, with object keys sorted, so equal material always
 * hashes alike and any difference (a path, a byte of an input) gives a different key.
 */
import { createHash } from 'node:crypto'

/** Bumped when the meaning of a key or an entry changes: older entries then simply miss. */
export const CACHE_FORMAT = 1

export type Content =
  /**
   * The tree `git write-tree` makes of the index: everything a commit would record; with the paths
   * the gate is given, when it is given any.
   */
  | { readonly tree: string; readonly paths?: readonly string[] }
  /** Staged paths and their blob ids, sorted by path: for a command given `{files}`. */
  | { readonly files: readonly (readonly [path: string, oid: string])[] }
  /**
   * pre-push: the hook's arguments, the refs on stdin, the index's tree (the tests run on it), and
   * the paths the job gets (they also depend on remote-tracking refs, which stdin does not name).
   */
  | {
      readonly push: {
        readonly args: readonly string[]
        readonly stdin: string
        readonly tree: string
        readonly files?: readonly string[]
      }
    }

export type KeyMaterial = {
  readonly version: string
  readonly job: string
  /** sha256 of the config's files (Config.hash). */
  readonly config: string
  /** Environment variables the config's evaluation read, with their values (null: unset). */
  readonly env?: Readonly<Record<string, string | null>>
  /** Data files the config's evaluation read: path → git blob id, or null when absent. */
  readonly reads?: Readonly<Record<string, string | null>>
  readonly hook: string
  /** Declared inputs: path → git blob id, or null when the file does not exist. */
  readonly inputs: Readonly<Record<string, string | null>>
  readonly content: Content
  /** The command (or the function's source) the job runs, as the config resolved it. */
  readonly run: string
  /**
   * Facts outside the content: the branch (every command gets GITVAN_BRANCH); HEAD's tree unless the
   * content is `files` (with the index's tree it fixes the staged diff a gate can read); HEAD itself
   * for functions and `{commit}`/`{branch}` commands.
   */
  readonly context: Readonly<Record<string, string | null>>
}

/** `value` with every object's keys sorted, so equal values serialise to equal JSON. */
export const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

export const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex')

/** The id git gives `bytes` as a blob (`git hash-object --no-filters`, sha1 repositories). */
export const blobId = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')

export const cacheKey = (material: KeyMaterial): string =>
  `sha256:${sha256(JSON.stringify(canonical({ format: CACHE_FORMAT, ...material })))}`

/** Where the store keeps entries: gates' verdicts, and results of the runner's and `gitvan run`'s jobs. */
export type EntryDir = 'entries' | 'jobs'

/** The entry's path under the cache directory: `<dir>/<2 hex>/<62 hex>` (gates: `entries/`). */
export function entryPath(key: string, dir: EntryDir = 'entries'): string {
  const hex = key.startsWith('sha256:') ? key.slice(7) : key
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a cache key: ${key}`)
  return `${dir}/${hex.slice(0, 2)}/${hex.slice(2)}`
}

/** Whether a path under the cache directory is a job's entry (`jobs/`), not a gate's. */
export const isJobEntry = (rel: string): boolean => rel.startsWith('jobs/')
