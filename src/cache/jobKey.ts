/**
 * Keys of the job cache (pure): what a result of the runner or `gitvan run` depends on, hashed
 * into `sha256:<hex>`. The gates' keys are key.ts's; the two never meet (their entries live in
 * different directories and their material is tagged apart).
 *
 * A key holds the job's fingerprint (its config entry, the bytes of its template files, the blob
 * ids of its declared inputs, the gitvan version) and what the job could see of the commit:
 * - a command: its expanded argv (`{commit}`, `{branch}`, `{args}`, `{root}` are in it), and the
 *   blob id of each of its `{files}` at the commit, or the commit's tree when it gets no `{files}`;
 * - a function: one of the `levels` below, chosen by what `ctx` saw it read during the run;
 * - `cache: { by: 'commit' }`, a job with templates, or a function that read `ctx.commit`,
 *   `ctx.commits`, `ctx.branch`, `ctx.hook`, `ctx.args`, `ctx.stdin` or `ctx.git`: also the commit,
 *   the commits of the run, the branch, the hook, its arguments and standard input.
 * Material is plain JSON with object keys sorted, so equal material always hashes alike.
 */
import { canonical, entryPath, sha256 } from './key.js'

/** Bumped when the meaning of a job key or entry changes: older entries then simply miss. */
export const JOB_CACHE_FORMAT = 1

/** What a function job read of its `ctx` during a run (the rest of ctx is the same for every run). */
export type ReadField = 'files' | 'exec' | 'commit' | 'commits' | 'branch' | 'hook' | 'args' | 'stdin' | 'git'

export const READ_FIELDS: readonly ReadField[] = [
  'files',
  'exec',
  'commit',
  'commits',
  'branch',
  'hook',
  'args',
  'stdin',
  'git',
]

/**
 * The four keys a function result can be stored under, from the narrowest sharing to the widest:
 * - `tree`: it read nothing of the commit but maybe ran programs (`ctx.exec`): the commit's tree;
 * - `files`: it read only `ctx.files`: those paths and their blob ids (so a cherry-pick hits);
 * - `filesTree`: `ctx.files` and `ctx.exec`: the paths and the tree;
 * - `commit`: anything else: the tree, the paths, and every fact of the run (commit, branch, ...).
 * A lookup tries all four; a hit under one means an earlier run that read exactly that much saw
 * the same values, so this run would take the same path and return the same data.
 */
export type Level = 'tree' | 'files' | 'filesTree' | 'commit'

export const LEVELS: readonly Level[] = ['files', 'tree', 'filesTree', 'commit']

/** The level a run's reads call for. */
export function levelOf(reads: ReadonlySet<ReadField>): Level {
  const other = [...reads].some((field) => field !== 'files' && field !== 'exec')
  if (other) return 'commit'
  if (reads.has('files')) return reads.has('exec') ? 'filesTree' : 'files'
  return 'tree'
}

/** What the run is about: the facts a key may hold. */
export type RunFacts = {
  /** The commit's tree, or undefined when it could not be read. */
  readonly tree: string | undefined
  /** The run's files with their blob id at the commit (null: deleted there), sorted by path. */
  readonly files: readonly (readonly [path: string, oid: string | null])[] | undefined
  readonly commit: string
  readonly commits: readonly string[]
  readonly branch: string | null
  readonly hook: string
  readonly args: readonly string[]
  readonly stdin: string
}

export type Fingerprint = {
  readonly version: string
  readonly job: string
  /** The job's resolved config entry, as JSON; a function's source is part of it. */
  readonly entry: string
  /** For a function: the config's content hash (helpers in the same file); '' for a command. */
  readonly config: string
  /** Declared inputs: path → blob id, null when absent. */
  readonly inputs: Readonly<Record<string, string | null>>
  /** Template path → sha256 of its bytes. */
  readonly templates: Readonly<Record<string, string>>
}

/** The fingerprint's own hash, computed once per job and batch. */
export const fingerprintHash = (print: Fingerprint): string =>
  sha256(JSON.stringify(canonical({ format: JOB_CACHE_FORMAT, kind: 'job', ...print })))

/**
 * Keys are hashed from one JSON array in a fixed order (no objects, so no key order to settle).
 * A lookup makes up to four keys per run from the same facts, so each fact is serialised once.
 */
type Parts = { readonly tree: string; readonly files: string; readonly run: string }
const serialised = new WeakMap<RunFacts, Parts>()

function partsOf(facts: RunFacts): Parts {
  let parts = serialised.get(facts)
  if (parts === undefined) {
    parts = {
      tree: JSON.stringify(facts.tree ?? null),
      files: JSON.stringify(facts.files ?? null),
      run: JSON.stringify([facts.commit, facts.commits, facts.branch, facts.hook, facts.args, facts.stdin]),
    }
    serialised.set(facts, parts)
  }
  return parts
}

const hash = (pieces: readonly string[]): string => `sha256:${sha256(`[${pieces.join(',')}]`)}`

/**
 * A command's key, or undefined when what it sees cannot be named (a tree or blob git could not
 * read). `byCommit`: `cache: { by: 'commit' }` or templates.
 */
export function commandKey(
  print: string,
  argv: readonly (readonly string[])[],
  usesFiles: boolean,
  facts: RunFacts,
  byCommit: boolean,
): string | undefined {
  if (usesFiles ? facts.files === undefined : facts.tree === undefined) return undefined
  if (byCommit && facts.tree === undefined) return undefined
  const parts = partsOf(facts)
  return hash([
    '"command"',
    JSON.stringify(print),
    JSON.stringify(argv),
    usesFiles ? parts.files : 'null',
    usesFiles && !byCommit ? 'null' : parts.tree,
    byCommit ? parts.run : 'null',
  ])
}

/** A function's key at `level`, or undefined when the facts it needs are missing. */
export function functionKey(print: string, level: Level, facts: RunFacts, byCommit: boolean): string | undefined {
  const chosen: Level = byCommit ? 'commit' : level
  const needsTree = chosen !== 'files'
  const needsFiles = chosen !== 'tree'
  if ((needsTree && facts.tree === undefined) || (needsFiles && facts.files === undefined)) return undefined
  const parts = partsOf(facts)
  return hash([
    '"function"',
    JSON.stringify(print),
    JSON.stringify(chosen),
    needsTree ? parts.tree : 'null',
    needsFiles ? parts.files : 'null',
    chosen === 'commit' ? parts.run : 'null',
  ])
}

/** The entry's path under the cache directory: `jobs/<2 hex>/<62 hex>` (gates use entries/). */
export const jobEntryPath = (key: string): string => entryPath(key, 'jobs')
