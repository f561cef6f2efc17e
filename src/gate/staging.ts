/**
 * Partial staging (DESIGN 4): every gate sees what will be committed, and fix gates re-stage what
 * they change without touching what was not staged.
 *
 *     startStaging:  which paths need care ─▶ backup on refs/gitvan/backup/<stamp> (before anything
 *                    is touched) ─▶ pending marker ─▶ hide the unstaged part (checkout-index)
 *     gates run, each on the staged content of its files
 *     finish(ok):    ok ─▶ re-stage what fix gates changed; put each hidden file's unstaged part
 *                          back, merged three-way with the fix (on a conflict the fix is committed
 *                          and the unstaged version comes back as it was)
 *                    refused or interrupted ─▶ every saved path back as it was, byte for byte, and
 *                          its index entry as it was
 *                    ─▶ remove the pending marker
 *
 * Paths that need care: those among any gate's files whose work tree differs from the index
 * (partially staged), and every file given to a fix gate. Fully staged files that no fix gate is
 * given are never touched (same inode, same mtime). During a merge nothing is hidden. A process
 * killed at any point leaves the backup and the marker: the next hook says so, and
 * `gitvan restore` puts the saved work tree and index back.
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import { blobId } from '../cache/key.js'
import { type Backup, type FileState, writeBackup } from '../git/backup.js'
import { unstagedPaths, writeTree } from '../git/staged.js'
import { checkoutIndex, mergeContents, setIndexEntries, stagePaths } from '../git/worktree.js'
import { formatOwner, isAlive, parseOwner, selfOwner } from '../lockFile.js'
import type { GateRequest } from './facts.js'

const STAGING_HOOKS: readonly string[] = ['pre-commit', 'pre-merge-commit']

export type StagingOutcome = {
  readonly backup: string
  /** Files fix gates changed, now staged. */
  readonly fixed: readonly string[]
  /** Fixed files whose unstaged part could not be merged with the fix: the fix is staged, the work tree kept as it was. */
  readonly conflicts: readonly string[]
}

export type Staging = {
  readonly backup: Backup
  /** Partially staged files whose unstaged part was hidden while the gates ran. */
  readonly hidden: readonly string[]
  /** Hidden files whose bytes are still the staged content: clean for the cache, though their stat info changed. */
  readonly untouched: () => readonly string[]
  readonly finish: (ok: boolean) => Promise<StagingOutcome>
}

/** `<oid> <mode>` of a staged path, as gate facts give it. */
type Staged = ReadonlyMap<string, string>

export function readFileState(root: string, file: string): FileState {
  const full = path.join(root, file)
  let st: ReturnType<typeof lstatSync>
  try {
    st = lstatSync(full)
  } catch {
    return { kind: 'absent' }
  }
  if (st.isSymbolicLink()) return { kind: 'symlink', target: Buffer.from(readlinkSync(full, { encoding: 'buffer' })) }
  if (!st.isFile()) return { kind: 'absent' }
  return { kind: 'file', bytes: readFileSync(full), executable: (st.mode & 0o111) !== 0 }
}

/** Puts a path back as `state` says; `mode` keeps the exact permission bits a file had. */
export function writeFileState(root: string, file: string, state: FileState, mode?: number): void {
  const full = path.join(root, file)
  const current = readFileState(root, file)
  if (state.kind === 'absent') {
    if (current.kind !== 'absent') unlinkSync(full)
    return
  }
  if (current.kind === 'symlink' || (state.kind === 'symlink' && current.kind !== 'absent')) unlinkSync(full)
  mkdirSync(path.dirname(full), { recursive: true })
  if (state.kind === 'symlink') {
    symlinkSync(state.target.toString(), full)
    return
  }
  writeFileSync(full, state.bytes)
  chmodSync(full, mode ?? (state.executable ? 0o755 : 0o644))
}

const sameState = (a: FileState, b: FileState): boolean =>
  a.kind === b.kind &&
  (a.kind === 'absent' ||
    (a.kind === 'file' && b.kind === 'file' && a.executable === b.executable && a.bytes.equals(b.bytes)) ||
    (a.kind === 'symlink' && b.kind === 'symlink' && a.target.equals(b.target)))

/** Whether the work-tree file holds exactly the staged blob (so it is not partially staged after all). */
function matchesStaged(state: FileState, staged: string | undefined): boolean {
  const [oid = '', mode = ''] = (staged ?? '').split(' ')
  if (oid.length !== 40) return false // sha256 repositories: ask no further, treat as partial
  if (state.kind === 'file') return blobId(state.bytes) === oid && mode === (state.executable ? '100755' : '100644')
  if (state.kind === 'symlink') return blobId(state.target) === oid && mode === '120000'
  return false
}

const pendingDir = (request: GateRequest) => path.join(request.commonDir, 'gitvan', 'backups')

/** Backups whose hook died before it finished: the marker is there and its process is gone. */
export function unfinishedBackups(commonDir: string): { readonly ref: string; readonly pid: number }[] {
  const dir = path.join(commonDir, 'gitvan', 'backups')
  let names: string[]
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.pending'))
  } catch {
    return []
  }
  const found: { ref: string; pid: number }[] = []
  for (const name of names) {
    try {
      const [ref = '', holder = ''] = readFileSync(path.join(dir, name), 'utf8').split('\n')
      const owner = parseOwner(holder)
      if (ref.startsWith('refs/') && (!owner || !isAlive(owner))) found.push({ ref, pid: owner?.pid ?? 0 })
    } catch {
      // removed meanwhile: finished
    }
  }
  return found
}

/** Removes the pending marker of a backup (restored by hand, or finished). */
export function clearPending(commonDir: string, ref: string): void {
  rmSync(path.join(commonDir, 'gitvan', 'backups', `${path.basename(ref)}.pending`), { force: true })
}

export async function startStaging(
  request: GateRequest,
  files: { readonly all: readonly string[]; readonly fix: readonly string[] },
  stagedBlobs: () => Promise<Staged>,
): Promise<Staging | undefined> {
  if (!STAGING_HOOKS.includes(request.hook) || files.all.length === 0) return undefined
  const staged = await stagedBlobs()
  const merging = existsSync(path.join(request.gitDir, 'MERGE_HEAD'))
  const dirty = merging ? new Set<string>() : await unstagedPaths(request)
  if (dirty === undefined) return undefined
  const states = new Map<string, FileState>()
  const partial: string[] = []
  for (const file of files.all) {
    if (!dirty.has(file)) continue
    const state = readFileState(request.root, file)
    if (matchesStaged(state, staged.get(file))) continue // stat-dirty only
    states.set(file, state)
    partial.push(file)
  }
  for (const file of files.fix) if (!states.has(file)) states.set(file, readFileState(request.root, file))
  if (states.size === 0) return undefined

  const modes = new Map<string, number>()
  for (const file of states.keys()) {
    try {
      modes.set(file, lstatSync(path.join(request.root, file)).mode & 0o7777)
    } catch {
      // absent
    }
  }
  const indexTree = request.shim?.tree ?? (await writeTree(request))
  if (indexTree === undefined) return undefined // an index git cannot write as a tree (a conflict): leave it be
  const backup = await writeBackup(request, { indexTree, hook: request.hook, files: states })
  const marker = path.join(pendingDir(request), `${path.basename(backup.ref)}.pending`)
  mkdirSync(path.dirname(marker), { recursive: true })
  writeFileSync(`${marker}.tmp`, `${backup.ref}\n${formatOwner(selfOwner())}\n`)
  renameSync(`${marker}.tmp`, marker)

  await checkoutIndex(request, partial)
  // What each saved path holds now: what the gates are given.
  const given = new Map([...states.keys()].map((file) => [file, readFileState(request.root, file)]))
  const fixSet = new Set(files.fix)
  const partialSet = new Set(partial)

  const restoreAll = async (): Promise<void> => {
    for (const [file, state] of states) writeFileState(request.root, file, state, modes.get(file))
    if (fixSet.size > 0) {
      // A fix gate may have staged by itself: its files' entries go back to what was staged.
      const entries = [...fixSet].flatMap((file) => {
        const [oid = '', mode = ''] = (staged.get(file) ?? '').split(' ')
        return oid && mode ? [{ path: file, mode, oid }] : []
      })
      await setIndexEntries(request, entries)
    }
  }

  return {
    backup,
    hidden: partial,
    untouched: () =>
      partial.filter((file) => {
        const now = given.get(file)
        return now !== undefined && sameState(now, readFileState(request.root, file))
      }),
    finish: async (ok) => {
      const fixed: string[] = []
      const conflicts: string[] = []
      // The marker goes only once everything is back: a failure on the way leaves it, and the
      // next hook points at the backup.
      if (!ok) {
        await restoreAll()
        rmSync(marker, { force: true })
        return { backup: backup.ref, fixed, conflicts }
      }
      {
        const after = new Map([...fixSet].map((file) => [file, readFileState(request.root, file)]))
        for (const [file, state] of after) {
          const before = given.get(file)
          if (before && !sameState(before, state)) fixed.push(file)
        }
        await stagePaths(request, fixed)
        for (const file of partialSet) {
          const original = states.get(file) as FileState
          const fix = after.get(file)
          const base = given.get(file)
          if (!fixed.includes(file) || fix?.kind !== 'file' || base?.kind !== 'file' || original.kind !== 'file') {
            // Not fixed (or not a plain file on every side): the unstaged version comes back whole.
            if (fixed.includes(file)) conflicts.push(file)
            writeFileState(request.root, file, original, modes.get(file))
            continue
          }
          const merged = await mergeContents(request, { ours: fix.bytes, base: base.bytes, theirs: original.bytes })
          if (!merged.clean) conflicts.push(file)
          writeFileState(
            request.root,
            file,
            merged.clean ? { kind: 'file', bytes: merged.bytes, executable: original.executable } : original,
            modes.get(file),
          )
        }
        rmSync(marker, { force: true })
        return { backup: backup.ref, fixed, conflicts }
      }
    },
  }
}
