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
  appendFileSync,
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
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
import { GitvanError } from '../errors.js'
import { type Backup, type FileState, writeBackup } from '../git/backup.js'
import { checkoutIndex, mergeContents, setIndexEntries, stagePaths } from '../git/indexWrites.js'
import { indexChangesSince, indexEntries, keptApart, unstagedPaths, writeTree } from '../git/staged.js'
import { formatOwner, processStart, selfOwner } from '../lockFile.js'
import type { GateRequest } from './facts.js'
import { pendingMarker } from './pending.js'

export type StagingOutcome = {
  readonly backup: string
  /** Files fix gates changed, now staged. */
  readonly fixed: readonly string[]
  /** Fixed files whose unstaged part could not be merged with the fix: the fix is staged, the work tree kept as it was. */
  readonly conflicts: readonly string[]
  /**
   * Files a fix gate changed whose fix could not be staged, and which were put back as they were:
   * in a merge commit (its tree is written before pre-merge-commit runs), a file git keeps apart
   * (skip-worktree, assume-unchanged), or one with unstaged changes during a merge.
   */
  readonly unstaged: readonly string[]
}

export type Staging = {
  readonly backup: Backup
  /** Partially staged files whose unstaged part was hidden while the gates ran. */
  readonly hidden: readonly string[]
  /** Notes a program a gate started (its pid leads its process group) in the pending marker. */
  readonly noteProgram: (pid: number) => void
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

/**
 * `git commit <paths>` commits from a temporary index (GIT_INDEX_FILE = `<git dir>/next-index-*.lock`)
 * and afterwards makes the locked real index (`<git dir>/index.lock`, already holding those paths)
 * the index. A fix staged only in the temporary index would be committed while the real index kept
 * the unfixed blob: the same entries go into the locked real index too.
 */
async function stageInRealIndex(request: GateRequest, files: readonly string[]): Promise<void> {
  const temporary = request.env.GIT_INDEX_FILE
  if (files.length === 0 || temporary === undefined || !/^next-index-.*\.lock$/.test(path.basename(temporary))) return
  const real = path.join(request.gitDir, 'index.lock')
  if (!existsSync(real)) return
  const entries = await indexEntries(request, files)
  await setIndexEntries({ root: request.root, env: { ...request.env, GIT_INDEX_FILE: real } }, entries)
}

/** Above this, a file is left as it is (not saved, hidden or fixed): a backup holds it in memory. */
const MAX_BYTES = 256 * 1024 * 1024

/**
 * Whether partial staging may touch `file` at all: a plain file, a symlink or nothing in the work
 * tree (never a directory, whose contents checkout-index would delete), no symlink among its
 * parent directories (checkout-index would replace it with a real directory), a name git gave as
 * UTF-8, and a size a backup can hold.
 */
function handleable(root: string, file: string): boolean {
  if (file.includes('\uFFFD')) return false
  const parts = file.split('/')
  for (let i = 1; i < parts.length; i++) {
    try {
      if (lstatSync(path.join(root, ...parts.slice(0, i))).isSymbolicLink()) return false
    } catch {
      break // a parent that does not exist: nothing to protect below it
    }
  }
  try {
    const st = lstatSync(path.join(root, file))
    return (st.isFile() && st.size <= MAX_BYTES) || st.isSymbolicLink()
  } catch {
    return true // absent
  }
}

/** A step of partial staging failed: everything is put back (as far as it can be), and the user told where the work is. */
const stagingFailed = (backup: string, error: unknown, restored: boolean): GitvanError =>
  new GitvanError('GIT_FAILED', `partial staging failed: ${error instanceof Error ? error.message : String(error)}`, {
    details: [
      ...(error instanceof GitvanError ? error.details : []),
      restored
        ? `The work tree and index were put back as they were; they are also saved on ${backup}.`
        : `The work tree and index are saved on ${backup}: run 'gitvan restore' to put them back.`,
    ],
    cause: error,
  })

export async function startStaging(
  request: GateRequest,
  files: { readonly all: readonly string[]; readonly fix: readonly string[] },
  stagedBlobs: () => Promise<Staged>,
): Promise<Staging | undefined> {
  if (files.all.length === 0) return undefined
  const staged = await stagedBlobs()
  const merging = existsSync(path.join(request.gitDir, 'MERGE_HEAD'))
  const dirty = await unstagedPaths(request)
  if (dirty === undefined) return undefined
  const states = new Map<string, FileState>()
  const partial: string[] = []
  // During a merge nothing is hidden; a fix to a file with unstaged changes is then not staged.
  const unstageable = new Set<string>()
  for (const file of files.all) {
    if (!dirty.has(file) || !handleable(request.root, file)) continue
    const state = readFileState(request.root, file)
    if (matchesStaged(state, staged.get(file))) continue // stat-dirty only
    if (merging) {
      unstageable.add(file)
      continue
    }
    states.set(file, state)
    partial.push(file)
  }
  const fixable = files.fix.filter((file) => handleable(request.root, file))
  for (const file of fixable) if (!states.has(file)) states.set(file, readFileState(request.root, file))
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
  const backup = await writeBackup(request, { indexTree, hook: request.hook, files: states, modes })
  const marker = pendingMarker(request.commonDir, backup.ref)
  mkdirSync(path.dirname(marker), { recursive: true })
  writeFileSync(`${marker}.tmp`, `${backup.ref}\n${formatOwner(selfOwner())}\n${request.root}\n`)
  renameSync(`${marker}.tmp`, marker)

  const fixSet = new Set(fixable)
  const partialSet = new Set(partial)
  /**
   * Index entries the gates changed by themselves (a fixer that runs `git add -A`) go back to what
   * was staged, except `keep` (the fixes gitvan re-staged): a gate never stages anything else.
   */
  const undoGateStaging = async (keep: ReadonlySet<string>): Promise<void> => {
    const changed = (await indexChangesSince(request, indexTree)).filter((entry) => !keep.has(entry.path))
    await setIndexEntries(
      request,
      changed.map((entry) => (/^0+$/.test(entry.mode) ? { path: entry.path, mode: '0', oid: entry.oid } : entry)),
    )
  }
  const restoreAll = async (): Promise<void> => {
    for (const [file, state] of states) writeFileState(request.root, file, state, modes.get(file))
    await undoGateStaging(new Set())
  }
  /** Runs a step; if it fails, puts everything back before the error goes out. */
  const guarded = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step()
    } catch (error) {
      let restored = false
      try {
        await restoreAll()
        rmSync(marker, { force: true })
        restored = true
      } catch {
        // the marker stays: the next hook points at the backup
      }
      throw stagingFailed(backup.ref, error, restored)
    }
  }

  await guarded(() => checkoutIndex(request, partial))
  // What each saved path holds now: what the gates are given.
  const given = new Map([...states.keys()].map((file) => [file, readFileState(request.root, file)]))

  return {
    backup,
    hidden: partial,
    noteProgram: (pid) => {
      const start = processStart(pid)
      try {
        appendFileSync(marker, `program ${pid} ${start ?? '0'}\n`)
      } catch {
        // the marker is gone: finished
      }
    },
    untouched: () =>
      partial.filter((file) => {
        const now = given.get(file)
        return now !== undefined && sameState(now, readFileState(request.root, file))
      }),
    finish: (ok) =>
      guarded(async () => {
        const fixed: string[] = []
        const conflicts: string[] = []
        const unstaged: string[] = []
        // The marker goes only once everything is back: a failure on the way leaves it, and the
        // next hook points at the backup.
        if (!ok) {
          await restoreAll()
          rmSync(marker, { force: true })
          return { backup: backup.ref, fixed, conflicts, unstaged }
        }
        const after = new Map([...fixSet].map((file) => [file, readFileState(request.root, file)]))
        for (const [file, state] of after) {
          const before = given.get(file)
          if (!before || sameState(before, state)) continue
          // A fixer that deleted its file did not fix it: the file comes back, nothing is staged.
          if (state.kind === 'absent' && before.kind !== 'absent') unstageable.add(file)
          fixed.push(file)
        }
        // Asked only when something was fixed: most commits with a fix gate change nothing.
        for (const file of await keptApart(request, fixed)) unstageable.add(file)
        // git writes a merge commit's tree before pre-merge-commit runs: a fix there cannot be in
        // it. Files git keeps apart, or with unstaged changes during a merge, keep their staged
        // content. Either way the file goes back to what it was, and the user is told.
        const cannot = request.hook === 'pre-merge-commit' ? new Set(fixed) : unstageable
        const toStage = fixed.filter((file) => !cannot.has(file))
        for (const file of fixed)
          if (cannot.has(file)) {
            unstaged.push(file)
            writeFileState(request.root, file, states.get(file) as FileState, modes.get(file))
          }
        await stagePaths(request, toStage)
        await undoGateStaging(new Set(toStage))
        await stageInRealIndex(request, toStage)
        for (const file of partialSet) {
          const original = states.get(file) as FileState
          const fix = after.get(file)
          const base = given.get(file)
          if (!toStage.includes(file) || fix?.kind !== 'file' || base?.kind !== 'file' || original.kind !== 'file') {
            // Not fixed (or not a plain file on every side): the unstaged version comes back whole.
            if (toStage.includes(file)) conflicts.push(file)
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
        return { backup: backup.ref, fixed: toStage, conflicts, unstaged }
      }),
  }
}
