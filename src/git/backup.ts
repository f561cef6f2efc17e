/**
 * Backups of what a blocking hook is about to touch (partial staging, fix gates), written BEFORE
 * anything is touched, so a crash at any moment loses nothing:
 *
 *     refs/gitvan/backup/<stamp> ─▶ work tree commit: the index tree with each saved path replaced
 *                                   by its work-tree bytes (unfiltered), or removed where the path
 *                                   was absent; its message lists the saved paths (JSON)
 *                                 └▶ parent: index commit, whose tree is the index as it was
 *
 * Three git processes: `write-tree` (or the shim's answer), `commit-tree` for the index commit, and
 * one `fast-import` that writes every blob and the work tree commit and creates the ref. Modes are
 * git's (100644, 100755, 120000 for a symlink, whose blob is the link's target). `readBackup`
 * gives everything back for `gitvan restore`; backups older than a week are pruned as new ones are
 * written.
 */
import { GitvanError } from '../errors.js'
import { isObjectId } from '../names.js'
import { type GitPlace, readGit } from './read.js'
import { gitBytes, startGit } from './spawn.js'

export const BACKUP_PREFIX = 'refs/gitvan/backup/'
const WEEK_MS = 7 * 24 * 3600 * 1000

/** A path's state in the work tree, byte for byte. */
export type FileState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'file'; readonly bytes: Buffer; readonly executable: boolean }
  | { readonly kind: 'symlink'; readonly target: Buffer }

export type Backup = {
  readonly ref: string
  /** The index as it was, as a tree. */
  readonly indexTree: string
  /** The saved paths, in the order they were given. */
  readonly files: readonly string[]
  /** When it was written, ms since the epoch. */
  readonly time: number
  readonly hook: string
  /** The work tree it was taken in (a repository's linked worktrees share the refs). */
  readonly root: string
  /** Each saved file's permission bits, for a byte-and-mode exact restore. */
  readonly modes: Readonly<Record<string, number>>
}

type Message = {
  readonly gitvan: 'backup'
  readonly hook: string
  readonly files: readonly string[]
  readonly root: string
  readonly modes: Readonly<Record<string, number>>
  /** The index commit's tree, so listing backups asks git nothing per backup. */
  readonly indexTree?: string
}

/** A path as fast-import reads it: always C-quoted, so spaces, quotes and newlines survive. */
function quotePath(path: string): Buffer {
  const out: number[] = [0x22]
  for (const byte of Buffer.from(path, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) out.push(0x5c, byte)
    else if (byte === 0x0a) out.push(0x5c, 0x6e)
    else if (byte < 0x20 || byte === 0x7f) out.push(...Buffer.from(`\\${byte.toString(8).padStart(3, '0')}`))
    else out.push(byte)
  }
  out.push(0x22)
  return Buffer.from(out)
}

const stamp = (time: number): string =>
  `${new Date(time).toISOString().replace(/[-:.]/g, '')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`

export async function writeBackup(
  where: GitPlace,
  backup: {
    readonly indexTree: string
    readonly hook: string
    readonly files: ReadonlyMap<string, FileState>
    readonly modes?: ReadonlyMap<string, number>
  },
): Promise<Backup> {
  const time = Date.now()
  const seconds = Math.floor(time / 1000)
  const ident = `gitvan <gitvan@localhost> ${seconds} +0000`
  const indexCommit = (
    await readGit(
      {
        root: where.root,
        env: {
          ...where.env,
          GIT_AUTHOR_NAME: 'gitvan',
          GIT_AUTHOR_EMAIL: 'gitvan@localhost',
          GIT_AUTHOR_DATE: `${seconds} +0000`,
          GIT_COMMITTER_NAME: 'gitvan',
          GIT_COMMITTER_EMAIL: 'gitvan@localhost',
          GIT_COMMITTER_DATE: `${seconds} +0000`,
        },
      },
      ['commit-tree', backup.indexTree, '-m', 'gitvan backup: the index'],
    )
  ).trim()
  const ref = `${BACKUP_PREFIX}${stamp(time)}`
  const files = [...backup.files.keys()]
  const modes = Object.fromEntries(backup.modes ?? [])
  const message = `gitvan backup: the work tree\n\n${JSON.stringify({ gitvan: 'backup', hook: backup.hook, files, root: where.root, modes, indexTree: backup.indexTree } satisfies Message)}\n`
  const parts: Buffer[] = []
  let mark = 0
  const changes: Buffer[] = []
  for (const [path, state] of backup.files) {
    if (state.kind === 'absent') {
      changes.push(Buffer.concat([Buffer.from('D '), quotePath(path), Buffer.from('\n')]))
      continue
    }
    const bytes = state.kind === 'file' ? state.bytes : state.target
    mark++
    parts.push(Buffer.from(`blob\nmark :${mark}\ndata ${bytes.length}\n`), bytes, Buffer.from('\n'))
    const mode = state.kind === 'symlink' ? '120000' : state.executable ? '100755' : '100644'
    changes.push(Buffer.concat([Buffer.from(`M ${mode} :${mark} `), quotePath(path), Buffer.from('\n')]))
  }
  const commitMark = mark + 1
  parts.push(
    Buffer.from(
      `commit ${ref}\nmark :${commitMark}\ncommitter ${ident}\ndata ${Buffer.byteLength(message)}\n${message}\nfrom ${indexCommit}\n`,
    ),
    ...changes,
    Buffer.from(`\nget-mark :${commitMark}\ndone\n`),
  )
  const child = startGit(['fast-import', '--quiet', '--done'], {
    cwd: where.root,
    ...(where.env ? { env: where.env } : {}),
  })
  const out: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stdin.end(Buffer.concat(parts))
  const exit = await child.exited
  const oid = Buffer.concat(out).toString('utf8').trim()
  if (!exit.ok || !isObjectId(oid))
    throw new GitvanError('GIT_FAILED', `git fast-import could not write the backup ${ref}.`, {
      details: [
        exit.stderr.trim().split('\n')[0] ?? '',
        'Nothing was touched. Run `git fsck` if the repository may be damaged.',
      ],
    })
  await pruneBackups(where, time - WEEK_MS)
  return { ref, indexTree: backup.indexTree, files, time, hook: backup.hook, root: where.root, modes }
}

/** Every backup, newest first. */
export async function listBackups(where: GitPlace): Promise<Backup[]> {
  const out = await readGit(where, [
    'for-each-ref',
    '--sort=-committerdate',
    '--format=%(refname)%00%(committerdate:unix)%00%(contents:body)%00%(objectname)%01',
    BACKUP_PREFIX,
  ])
  const backups: Backup[] = []
  for (const record of out.split('\u0001')) {
    const [ref, seconds, body] = record.replace(/^\n/, '').split('\u0000')
    if (!ref?.startsWith(BACKUP_PREFIX) || body === undefined) continue
    const parsed = parseMessage(body)
    if (!parsed) continue
    const indexTree =
      parsed.indexTree ?? (await readGit(where, ['rev-parse', '--verify', '-q', `${ref}^^{tree}`])).trim()
    backups.push({
      ref,
      indexTree,
      files: parsed.files,
      time: Number(seconds) * 1000,
      hook: parsed.hook,
      root: parsed.root,
      modes: parsed.modes,
    })
  }
  // Same second: the ref names carry milliseconds.
  return backups.sort((a, b) => b.time - a.time || (a.ref < b.ref ? 1 : -1))
}

function parseMessage(body: string): Message | undefined {
  try {
    const value = JSON.parse(body.trim()) as Partial<Message>
    if (value.gitvan !== 'backup' || !Array.isArray(value.files) || typeof value.hook !== 'string') return undefined
    const modes =
      typeof value.modes === 'object' && value.modes !== null
        ? Object.fromEntries(Object.entries(value.modes).filter(([, m]) => typeof m === 'number'))
        : {}
    return {
      gitvan: 'backup',
      hook: value.hook,
      files: value.files.filter((f): f is string => typeof f === 'string'),
      root: typeof value.root === 'string' ? value.root : '',
      modes,
      ...(typeof value.indexTree === 'string' && isObjectId(value.indexTree) ? { indexTree: value.indexTree } : {}),
    }
  } catch {
    return undefined
  }
}

export type TreeEntry = { readonly mode: string; readonly oid: string }

/** path → entry of every blob under `tree`, for the given paths only. */
export async function treeEntries(
  where: GitPlace,
  tree: string,
  paths: readonly string[],
): Promise<Map<string, TreeEntry>> {
  const wanted = new Set(paths)
  const out = await readGit(where, ['ls-tree', '-r', '-z', '--full-tree', tree])
  const entries = new Map<string, TreeEntry>()
  for (const line of out.split('\0')) {
    const tab = line.indexOf('\t')
    if (tab === -1) continue
    const path = line.slice(tab + 1)
    if (!wanted.has(path)) continue
    const [mode = '', , oid = ''] = line.slice(0, tab).split(' ')
    entries.set(path, { mode, oid })
  }
  return entries
}

/** A blob's bytes, as stored (no filters). */
export async function readBlob(where: GitPlace, oid: string): Promise<Buffer> {
  const result = await gitBytes(['cat-file', 'blob', oid], {
    cwd: where.root,
    ...(where.env ? { env: where.env } : {}),
  })
  if (!result.ok)
    throw new GitvanError('GIT_FAILED', `git cat-file blob ${oid} failed in ${where.root}.`, {
      details: [result.stderr.trim()].filter(Boolean),
    })
  return result.stdout
}

/** Deletes backups older than `before` (ms since the epoch), each only if it still is what was read. */
async function pruneBackups(where: GitPlace, before: number): Promise<void> {
  const out = await readGit(where, [
    'for-each-ref',
    '--format=%(refname) %(objectname) %(committerdate:unix)',
    BACKUP_PREFIX,
  ])
  const old = out
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([ref, oid, seconds]) => ref && oid && Number(seconds) * 1000 < before)
  if (old.length === 0) return
  const input = old.map(([ref, oid]) => `delete ${ref} ${oid}\n`).join('')
  await readGit(where, ['update-ref', '--stdin'], input).catch(() => undefined) // a concurrent prune won
}
