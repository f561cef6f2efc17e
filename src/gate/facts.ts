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
import { git } from '../git/spawn.js'
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

async function readGit(args: readonly string[], request: GateRequest): Promise<string> {
  const result = await git(args, { cwd: request.root, env: request.env })
  if (!result.ok)
    throw new GitvanError('GIT_FAILED', `${request.hook}: git ${args.join(' ')} failed (exit ${result.code}).`, {
      details: [result.stderr.trim()].filter(Boolean),
    })
  return result.stdout
}

export const splitZ = (text: string): string[] => text.split('\0').filter((name) => name !== '')

/** A lazy value: `load` runs on the first call, and every call shares its promise. */
export const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let promise: Promise<T> | undefined
  return () => (promise ??= load())
}

/**
 * The staged paths with the blob id and mode each will commit (`<oid> <mode>`): one
 * `diff --cached --raw` gives both, so the gate cache's keys cost no second git process.
 */
export const stagedBlobs = (request: GateRequest): Promise<Map<string, string>> =>
  readGit(['diff', '--cached', '--raw', '-z', '--no-renames', '--no-abbrev', '--diff-filter=ACMR'], request).then(
    (out) => {
      const blobs = new Map<string, string>()
      const parts = splitZ(out) // ':<old mode> <new mode> <old oid> <new oid> <status>', then the path
      for (let i = 0; i + 1 < parts.length; i += 2) {
        const [, mode, , oid] = (parts[i] as string).split(' ')
        blobs.set(parts[i + 1] as string, `${oid ?? ''} ${mode ?? ''}`)
      }
      return blobs
    },
  )

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
  const known = olds.length === 0 ? [] : await knownObjects(olds, request)
  const unknownBase = sent.some((ref) => isZero(ref.remoteOid) || !known.includes(ref.remoteOid))
  const args = [
    'log',
    '-z',
    '--format=',
    '--name-only',
    '--no-renames',
    '--diff-filter=ACMR',
    ...sent.map((ref) => ref.localOid),
    '--not',
    ...known,
  ]
  if (unknownBase) args.push('--remotes')
  return [...new Set(splitZ(await readGit(args, request)))]
}

/** Which of `oids` name commits present in this repository (a remote's oid may not be). */
async function knownObjects(oids: readonly string[], request: GateRequest): Promise<string[]> {
  const result = await git(['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
    cwd: request.root,
    env: request.env,
    input: `${oids.join('\n')}\n`,
  })
  return result.stdout
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, type]) => type === 'commit')
    .map(([oid]) => oid ?? '')
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

async function readMessage(request: GateRequest): Promise<string | undefined> {
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
      ? readGit(['var', 'GIT_AUTHOR_IDENT'], request).then((ident) => ident.replace(/\s+\d+\s+[-+]\d{4}\s*$/, ''))
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
