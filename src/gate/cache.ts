/**
 * The disk cache for gates: a gate that passed on some content passes on the same content without
 * running again, and a pre-commit hook whose every gate passed leaves a probe entry that lets the
 * shim answer the next such commit without node.
 *
 * What a gate's key holds (cache/key.ts), by hook:
 * - pre-commit, pre-merge-commit: the tree the index would commit and HEAD's tree, which together
 *   fix the staged diff and everything a tool can read (its own config files too); only a command
 *   given `{files}` whose job sets `cache: { scope: 'files' }` is keyed by the staged blob and mode
 *   of each path `{files}` receives;
 * - pre-push: the hook's arguments, the refs on stdin, the paths the job gets, the index's tree and
 *   HEAD's;
 * - functions and commands using `{commit}` or `{branch}` add HEAD itself;
 * - always: the job and its resolved command, the config's hash, the declared `cache.inputs`, the
 *   branch (every command gets GITVAN_BRANCH), the gitvan version.
 * Other blocking hooks (commit-msg, prepare-commit-msg, ...) read content no key can hold cheaply
 * or change files as they run: their gates always run (`cache: off`).
 *
 * Only passing results are stored, and only when what the job saw is what the key names. A gate
 * runs on the working tree, so once every gate has finished (`settle`), a tree-keyed result is
 * stored only when no tracked file differs from the index, a files-keyed one only when none of its
 * files does, and nothing is stored when the index itself changed while the gates ran (a gate that
 * formats and re-stages): the content that passed is then not the content the key names. A
 * failure always runs again and shows its output.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { blobId, type Content, cacheKey, type KeyMaterial } from '../cache/key.js'
import { PROBE_HOOKS, probeHead, probePath, renderProbe } from '../cache/probe.js'
import { CacheStore, cacheDirOf } from '../cache/store.js'
import { headTree, unstagedPaths, writeTree } from '../git/staged.js'
import { parseCommand } from '../job/command.js'
import type { JobResult } from '../job/result.js'
import type { Config, Job } from '../types.js'
import { type GateFacts, type GateRequest, once } from './facts.js'
import { configVouchers, evaluatedReads } from './vouch.js'

declare const __GITVAN_VERSION__: string
const VERSION = typeof __GITVAN_VERSION__ === 'string' ? __GITVAN_VERSION__ : 'dev'

export const CACHED_HOOKS: readonly string[] = ['pre-commit', 'pre-merge-commit', 'pre-push']

export type Lookup = {
  readonly key: string
  /** The cached passing result, or undefined on a miss. */
  readonly hit: JobResult | undefined
  /** The key depends only on what a probe entry can check (no HEAD, no branch). */
  readonly probeSafe: boolean
  readonly keyedBy: 'tree' | 'files' | 'push'
}

type Pending = {
  readonly job: Job
  readonly files: readonly string[]
  readonly lookup: Lookup | undefined
  readonly result: JobResult
}

export type GateCache = {
  /** The key and any cached result for `job` given `files`, or undefined when the job is not cached. */
  readonly lookup: (job: Job, files: readonly string[], facts: GateFacts) => Promise<Lookup | undefined>
  /** Notes a gate's result (run or cached) for `settle`. */
  readonly record: (job: Job, files: readonly string[], lookup: Lookup | undefined, result: JobResult) => void
  /**
   * After every gate finished: stores the passing results whose content the gates really saw, and,
   * when the hook passed, the probe entry if the shim can check everything the verdict rests on.
   * `clean`: paths whose work tree may differ from the index though the gates saw the staged bytes
   * (partial staging hid the difference while they ran).
   */
  readonly settle: (candidates: readonly Job[], passed: boolean, clean?: readonly string[]) => Promise<void>
}

/** Which placeholders a command job uses, or undefined for a function (it may read anything). */
function commandUses(job: Job): { readonly files: boolean; readonly context: boolean } | undefined {
  if (typeof job.run !== 'string') return undefined
  const parsed = parseCommand(job.run)
  if (!parsed.ok) return undefined
  const context = parsed.words.some((word) =>
    word.some((piece) => 'placeholder' in piece && piece.placeholder !== 'files'),
  )
  return { files: parsed.usesFiles, context }
}

/**
 * The cache for one blocking hook's gates, or undefined when this hook's gates are never cached.
 * The git processes every lookup needs (`write-tree`, `rev-parse HEAD^{tree}`) start here, alongside
 * the hook's own facts, unless the pre-commit shim already handed their answers over; blob ids are
 * computed in-process; `diff-files` runs once, after every gate has finished (`settle`).
 */
export function openGateCache(
  config: Pick<Config, 'cache' | 'hash' | 'file' | 'root' | 'jobs' | 'evaluation'>,
  request: GateRequest,
): GateCache | undefined {
  if (!config.cache.enabled || !CACHED_HOOKS.includes(request.hook)) return undefined
  const jobs = config.jobs.filter((job) => (job.on.hooks as readonly string[]).includes(request.hook))
  if (jobs.every((job) => job.cache === false)) return undefined
  const store = new CacheStore(
    cacheDirOf({ root: request.root, stateDir: path.join(request.commonDir, 'gitvan') }, request.env),
    {
      maxSizeBytes: config.cache.maxSizeBytes,
      ttlMs: config.cache.ttlMs,
    },
  )
  // A CI run over the checked-out tree says nothing about a commit's staged changes: no probe.
  const probing = request.checkout === undefined && (PROBE_HOOKS as readonly string[]).includes(request.hook)

  const indexFile = request.env.GIT_INDEX_FILE
    ? path.resolve(request.cwd, request.env.GIT_INDEX_FILE)
    : path.join(request.gitDir, 'index')
  const indexStamp = (): string | undefined => {
    try {
      const st = statSync(indexFile, { bigint: true })
      return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
    } catch {
      return undefined
    }
  }
  // The tree, and the index file's identity right after it was read (write-tree may rewrite the
  // index to record its cache tree): if the identity differs once the gates are done, they staged.
  const tree = once(async () => {
    const oid = request.shim?.tree ?? (await writeTree(request))
    return oid === undefined ? undefined : { oid, stamp: indexStamp() }
  })
  /** HEAD's tree, 'none' on an unborn branch: with the index's tree it fixes the staged changes. */
  const base = once(async () => request.shim?.base ?? (await headTree(request)) ?? 'none')
  /**
   * Blob ids of the CLI and the config file (for a probe) and of each declared input (null when
   * absent), computed here as git does for `hash-object --no-filters`: sha1 of `blob <size>\0` and
   * the bytes. An input that cannot be read as a file (a directory) makes the gates uncached.
   */
  const fingerprint = once(async () => {
    const declared = [...new Set(jobs.flatMap((job) => (job.cache === false ? [] : job.cache.inputs)))].sort()
    const inputs = new Map<string, string | null>()
    try {
      for (const file of declared) {
        const full = path.resolve(request.root, file) // an absolute input names itself, as in the shim
        inputs.set(file, existsSync(full) ? blobId(readFileSync(full)) : null)
      }
    } catch {
      return undefined
    }
    // The data files the config read while it loaded (a command chosen from one) join every key.
    const reads = config.evaluation === undefined ? new Map() : evaluatedReads(config.root, config.evaluation)
    const vouchers = probing
      ? configVouchers(config, request.root, path.join(request.commonDir, 'gitvan'), reads)
      : undefined
    return { inputs, vouchers, reads }
  })
  // Start them now: each is needed on a miss, and on two cores they overlap the facts and the job.
  void tree()
  void base()
  const pending: Pending[] = []

  async function lookup(job: Job, files: readonly string[], facts: GateFacts): Promise<Lookup | undefined> {
    if (job.cache === false) return undefined
    const uses = commandUses(job)
    const [print, content, baseTree] = await Promise.all([
      fingerprint(),
      contentOf(uses, job.cache.scope === 'files', files, facts),
      base(),
    ])
    if (print === undefined || content === undefined) return undefined
    // A config that enumerated the environment, or read what cannot be checked again, may depend
    // on anything: nothing to key it by.
    const evaluated = config.evaluation?.env
    if (evaluated === 'all' || print.reads === undefined) return undefined
    const probeSafe = uses !== undefined && !uses.context
    const material: KeyMaterial = {
      version: VERSION,
      job: job.id,
      config: config.hash(),
      // What the config's evaluation read decides what it resolved to (a command chosen by a variable).
      ...(evaluated === undefined || evaluated.length === 0
        ? {}
        : { env: Object.fromEntries(evaluated.map(([name, value]) => [name, value ?? null])) }),
      ...(print.reads.size === 0 ? {} : { reads: Object.fromEntries(print.reads) }),
      hook: request.hook,
      inputs: Object.fromEntries(job.cache.inputs.map((file) => [file, print.inputs.get(file) ?? null])),
      content: content.content,
      run: typeof job.run === 'function' ? job.run.toString() : (job.run ?? ''),
      // A gate given `{files}` is keyed by those files; any other sees the whole repository, the
      // staged diff (HEAD's tree against the index's) included.
      context: {
        branch: facts.branch ?? null,
        ...(content.keyedBy === 'files' ? {} : { base: baseTree }),
        ...(probeSafe ? {} : { head: facts.commit || null }),
      },
    }
    const key = cacheKey(material)
    const cached = store.get(key)
    const hit: JobResult | undefined = cached && {
      job: job.id,
      status: 'ok',
      ms: 0,
      ...(cached.data === undefined ? {} : { data: cached.data }),
      log: '',
      attempts: 0,
      outputs: [],
      cache: 'hit',
      key,
    }
    return { key, hit, probeSafe, keyedBy: content.keyedBy }
  }

  async function contentOf(
    uses: ReturnType<typeof commandUses>,
    byFiles: boolean,
    files: readonly string[],
    facts: GateFacts,
  ): Promise<{ readonly content: Content; readonly keyedBy: Lookup['keyedBy'] } | undefined> {
    if (request.hook === 'pre-push') {
      const t = await tree()
      // The files too: the same refs pushed after remote-tracking refs moved send other paths.
      return t === undefined
        ? undefined
        : {
            content: { push: { args: [...request.args], stdin: request.stdin, tree: t.oid, files: [...files].sort() } },
            keyedBy: 'push',
          }
    }
    // Keyed by its files only when the job opts in (cache.scope 'files'): a tool reads config files
    // it is not given (a linter's own config), so by default the whole staged tree keys the verdict.
    if (uses?.files && byFiles) {
      let blobs: ReadonlyMap<string, string> | undefined
      try {
        blobs = await facts.stagedBlobs?.()
      } catch {
        return undefined // the gate itself reports a broken index
      }
      if (blobs === undefined) return undefined
      const pairs: [string, string][] = []
      for (const file of [...files].sort()) {
        const oid = blobs.get(file)
        if (oid === undefined) return undefined
        pairs.push([file, oid])
      }
      return { content: { files: pairs }, keyedBy: 'files' }
    }
    const t = await tree()
    if (t === undefined) return undefined
    // The files it is given too: in a hook the staged diff fixes them, but `gitvan run --hook` gives
    // a range's files or all of them (--all-files) on the same tree.
    return {
      content: files.length === 0 ? { tree: t.oid } : { tree: t.oid, paths: [...files].sort() },
      keyedBy: 'tree',
    }
  }

  function record(job: Job, files: readonly string[], found: Lookup | undefined, result: JobResult): void {
    pending.push({ job, files, lookup: found, result })
  }

  async function settle(candidates: readonly Job[], passed: boolean, clean: readonly string[] = []): Promise<void> {
    const toStore = pending.filter(
      (p) => p.lookup !== undefined && p.lookup.hit === undefined && p.result.status === 'ok',
    )
    const probe = passed && probeAllowed(candidates)
    if (toStore.length === 0 && !probe) return
    const t = await tree()
    if (t === undefined || t.stamp === undefined || indexStamp() !== t.stamp) return // the gates staged: what passed is not what the key names
    const changed = toStore.length === 0 ? new Set<string>() : await unstagedPaths(request)
    if (changed === undefined) return
    for (const file of clean) changed.delete(file)
    let storedAll = true
    for (const p of toStore) {
      const found = p.lookup as Lookup
      const clean = found.keyedBy === 'files' ? p.files.every((file) => !changed.has(file)) : changed.size === 0
      const stored =
        clean &&
        store.put({
          key: found.key,
          job: p.job.id,
          hook: request.hook,
          at: new Date().toISOString(),
          ms: Math.round(p.result.ms),
          ...(p.result.data === undefined ? {} : { data: p.result.data }),
        })
      if (!stored) storedAll = false
    }
    // With no gate selected, the verdict still rests on the staged changes alone: no worktree check.
    if (probe && storedAll) await writeProbe(t.oid)
  }

  /** Whether the shim may answer for this hook: every gate's key is content the shim can check. */
  function probeAllowed(candidates: readonly Job[]): boolean {
    if (!probing) return false
    if (candidates.some((job) => job.on.author !== undefined)) return false // the probe cannot ask who commits
    return pending.every((p) => p.lookup?.probeSafe)
  }

  async function writeProbe(treeOid: string): Promise<void> {
    const [print, baseTree] = await Promise.all([fingerprint(), base()])
    if (print?.vouchers === undefined) return
    const vouchers = print.vouchers
    let headLine: string
    try {
      headLine = (readFileSync(path.join(request.gitDir, 'HEAD'), 'utf8').split('\n')[0] ?? '').trim()
    } catch {
      return
    }
    // A reftable repository's HEAD file names no branch: the shim could not tell branches apart.
    if (headLine === 'ref: refs/heads/.invalid') return
    const inputs = [...print.inputs]
    const text = renderProbe({
      head: probeHead(headLine),
      base: baseTree,
      absent: [...vouchers.absent, ...inputs.filter(([, oid]) => oid === null).map(([file]) => file)],
      env: vouchers.env,
      files: [...vouchers.files, ...inputs.filter(([, oid]) => oid !== null).map(([file]) => file)],
      hashes: [...vouchers.hashes, ...inputs.flatMap(([, oid]) => (oid === null ? [] : [oid]))],
    })
    if (text !== undefined) store.putFile(probePath(request.hook, treeOid), text)
  }

  return { lookup, record, settle }
}
