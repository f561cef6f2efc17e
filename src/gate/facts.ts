/**
 * What a blocking hook knows, gathered with as few git calls as the jobs need, all in parallel.
 *
 * - commit: HEAD's oid ('' on an unborn branch); branch: the current branch (undefined when
 *   detached).
 * - pre-commit: the staged paths (`diff --cached -z --diff-filter=ACMR`, split on NUL, never on
 *   lines): added, copied, modified or renamed, so a deleted path never reaches `{files}`.
 * - commit-msg / prepare-commit-msg / applypatch-msg: the message is the file git passes as the
 *   first argument, without comment lines and without everything below a `git commit -v`
 *   scissors line.
 * - pre-push: git's stdin (`<local ref> <local oid> <remote ref> <remote oid>` per line) is kept
 *   as is for the jobs; the trigger is tested once per pushed ref (`branch`/`tag` name the ref
 *   the push updates on the remote), and the files are the paths changed by the commits being
 *   pushed: reachable from a pushed oid and not from the remote's old oid (or, when the remote
 *   did not have the branch or that oid is not known here, from no remote-tracking ref). A path
 *   added and removed again within the pushed commits is still pushed (it is in the history).
 *   Deletions push no files.
 * - any other blocking hook: its arguments as given; files only for jobs with `paths`, matched
 *   against the staged paths.
 * Failures of git here are bugs of the environment (not a repository, a broken index), reported as
 * GIT_FAILED with git's own message.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { GitvanError } from '../errors.js'
import { readHead } from '../git/head.js'
import { changedPaths } from '../git/history.js'
import { objectTypes } from '../git/objects.js'
import { readGit } from '../git/read.js'
import { stagedBlobs } from '../git/staged.js'
import { branchOf, tagOf } from '../names.js'
import type { TriggerFacts } from '../schedule/match.js'

export type GateRequest = {
  readonly hook: string
  readonly args: readonly string[]
  /** git's standard input for hooks that get one, else ''. */
  readonly stdin: string
  readonly root: string
  /** This worktree's git dir, where HEAD is. */
  readonly gitDir: string
  /** The git dir shared by all worktrees, where branches are. */
  readonly commonDir: string
  /** Where relative hook arguments (the message file) are resolved: the hook's working directory. */
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  /** What the pre-commit shim already asked git: the index's tree, and HEAD's ('none' when unborn). */
  readonly shim?: { readonly tree: string; readonly base: string }
  /**
   * CI (`gitvan run --hook <name> <range>`): the gates run on the checked-out tree over these files
   * instead of what is staged or pushed, and fix gates only say what they would change.
   */
  readonly checkout?: Checkout
}

export type Checkout = {
  /** The files the gates are given (before each job's `paths`), all present in the work tree. */
  readonly files: readonly string[]
  /** The checked-out commit, which the receipts name. */
  readonly commit: string
  readonly branch: string | undefined
}

export type GateFacts = {
  readonly commit: string
  readonly branch: string | undefined
  /** The trigger is tested against each; a job runs when any of them matches. */
  readonly triggers: readonly TriggerFacts[]
  /** The paths `paths` globs are matched against (loaded on first use). */
  readonly files: () => Promise<readonly string[]>
  /** pre-commit and other index-based hooks: each staged path's `<blob id> <mode>` (shares `files`' git call). */
  readonly stagedBlobs?: () => Promise<ReadonlyMap<string, string>>
  /** Whether a job without `paths` gets every path of `files` (pre-commit, pre-push) or none. */
  readonly filesByDefault: boolean
}

export type PushedRef = {
  readonly localRef: string
  readonly localOid: string
  readonly remoteRef: string
  readonly remoteOid: string
}

const isZero = (oid: string) => /^0+$/.test(oid)

/** A lazy value: `load` runs on the first call, and every call shares its promise. */
export const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let promise: Promise<T> | undefined
  return () => (promise ??= load())
}

/** The message as git will record it: comment lines and a `git commit -v` diff left out. */
export function cleanMessage(text: string): string {
  const lines = text.split('\n')
  const scissors = lines.findIndex((line) => /^# -+ >8 -+$/.test(line))
  return (scissors === -1 ? lines : lines.slice(0, scissors))
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .trim()
}

export function parsePushedRefs(stdin: string): PushedRef[] {
  return stdin
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 4)
    .map(([localRef = '', localOid = '', remoteRef = '', remoteOid = '']) => ({
      localRef,
      localOid,
      remoteRef,
      remoteOid,
    }))
}

/** The paths changed by the commits a push sends. */
async function pushedFiles(refs: readonly PushedRef[], request: GateRequest): Promise<string[]> {
  const sent = refs.filter((ref) => !isZero(ref.localOid))
  if (sent.length === 0) return []
  const olds = [...new Set(sent.map((ref) => ref.remoteOid).filter((oid) => !isZero(oid)))]
  // Which old oids name commits present here (a remote's oid may not be).
  const known = (await objectTypes(request, olds)).flatMap((object) => (object?.type === 'commit' ? [object.oid] : []))
  const unknownBase = sent.some((ref) => isZero(ref.remoteOid) || !known.includes(ref.remoteOid))
  return changedPaths(
    request,
    sent.map((ref) => ref.localOid),
    known,
    { remotes: unknownBase },
  )
}

/** The branch or tag a push updates on the remote (`git push origin HEAD:main` updates main). */
const refFacts = (hook: string, ref: PushedRef): TriggerFacts => {
  const name = ref.remoteRef
  const branch = branchOf(name)
  if (branch !== undefined) return { hook, branch }
  const tag = tagOf(name)
  if (tag !== undefined) return { hook, tag }
  return { hook }
}

export async function readMessage(request: GateRequest): Promise<string | undefined> {
  const file = request.args[0]
  if (file === undefined) return undefined
  try {
    return cleanMessage(await readFile(path.resolve(request.cwd, file), 'utf8'))
  } catch (error) {
    throw new GitvanError('USAGE', `${request.hook}: cannot read the commit message file '${file}'.`, {
      details: [
        (error as Error).message,
        `git passes it as the first argument: gitvan hook ${request.hook} <message file>`,
      ],
      cause: error,
    })
  }
}

export async function gatherFacts(
  request: GateRequest,
  needs: { readonly author: boolean; readonly files: boolean },
): Promise<GateFacts> {
  const { hook } = request
  const isCommitMessage = hook === 'commit-msg' || hook === 'prepare-commit-msg' || hook === 'applypatch-msg'
  const blobs = once(() => stagedBlobs(request))
  const staged = once(async () => [...(await blobs()).keys()])
  if (hook === 'pre-commit' && needs.files) void staged().catch(() => {}) // wanted: start now, in parallel
  const [head, message, author] = await Promise.all([
    readHead(request),
    isCommitMessage ? readMessage(request) : undefined,
    needs.author
      ? readGit(request, ['var', 'GIT_AUTHOR_IDENT']).then((ident) => ident.replace(/\s+\d+\s+[-+]\d{4}\s*$/, ''))
      : undefined,
  ])
  const commit = head.commit
  const branch = branchOf(head.ref)

  if (hook === 'pre-push') {
    const refs = parsePushedRefs(request.stdin)
    return {
      commit,
      branch,
      triggers: refs.length > 0 ? refs.map((r) => ({ ...refFacts(hook, r), author })) : [{ hook, branch, author }],
      files: once(() => pushedFiles(refs, request)),
      filesByDefault: true,
    }
  }
  return {
    commit,
    branch,
    triggers: [{ hook, branch, message, author }],
    files: staged,
    stagedBlobs: blobs,
    filesByDefault: hook === 'pre-commit',
  }
}
