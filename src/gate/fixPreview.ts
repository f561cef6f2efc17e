/**
 * Fix gates in CI (`gitvan run --hook <name> <range>`): CI never rewrites, so a fix gate runs as
 * usual and what it changed is its verdict. The work tree is left as it was:
 *
 *     startFixPreview: the fix gates' files, byte for byte, on refs/gitvan/backup/<stamp> (before
 *                      anything is touched) ─▶ pending marker
 *     after each fix gate: its files compared with the saved bytes; any that differ make the gate
 *                      fail with what it would change (a diff against the backup), and go back
 *                      as they were, as do index entries the gate staged
 *     finish:          everything saved back where it still differs ─▶ remove the pending marker
 *
 * A process killed on the way leaves the backup and the marker, as a hook's partial staging does:
 * the next hook says so, and `gitvan restore` puts the files back.
 */
import { appendFileSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { GitvanError } from '../errors.js'
import { type FileState, writeBackup } from '../git/backup.js'
import { setIndexEntries } from '../git/indexWrites.js'
import { tryGit } from '../git/read.js'
import { indexChangesSince, writeTree } from '../git/staged.js'
import type { JobResult } from '../job/result.js'
import { formatOwner, processStart, selfOwner } from '../lockFile.js'
import type { GateRequest } from './facts.js'
import { pendingMarker } from './pending.js'
import { readFileState, writeFileState } from './staging.js'

export type FixPreview = {
  /** A fix gate's result as CI sees it: failed when it changed any of its files (put back meanwhile). */
  readonly judge: (files: readonly string[], result: JobResult) => Promise<JobResult>
  /**
   * The saved files, which hold their saved bytes again once `finish` is done (their stat info may
   * have changed: a fixer rewrote them, or they were put back), for the gate cache.
   */
  readonly saved: readonly string[]
  /** Notes a program a gate started in the pending marker, so a restore after a crash can stop it first. */
  readonly noteProgram: (pid: number) => void
  readonly finish: () => Promise<void>
}

const same = (a: FileState, b: FileState): boolean =>
  a.kind === b.kind &&
  (a.kind === 'absent' ||
    (a.kind === 'file' && b.kind === 'file' && a.executable === b.executable && a.bytes.equals(b.bytes)) ||
    (a.kind === 'symlink' && b.kind === 'symlink' && a.target.equals(b.target)))

/** Lines of a diff shown in a failure; the rest is counted. */
const DIFF_LINES = 200

export async function startFixPreview(request: GateRequest, files: readonly string[]): Promise<FixPreview | undefined> {
  if (files.length === 0) return undefined
  const indexTree = request.shim?.tree ?? (await writeTree(request))
  // Without a backup the fixers would rewrite the checkout: nothing runs.
  if (indexTree === undefined)
    throw new GitvanError('GIT_FAILED', `${request.hook}: the index cannot be written as a tree (a conflict?).`, {
      details: ['Fix gates run only once their files are saved. Resolve the conflict, or check out a clean commit.'],
    })
  const states = new Map(files.map((file) => [file, readFileState(request.root, file)]))
  const modes = new Map<string, number>()
  for (const file of files) {
    try {
      modes.set(file, lstatSync(path.join(request.root, file)).mode & 0o7777)
    } catch {
      // absent
    }
  }
  const backup = await writeBackup(request, { indexTree, hook: request.hook, files: states, modes })
  const marker = pendingMarker(request.commonDir, backup.ref)
  mkdirSync(path.dirname(marker), { recursive: true })
  writeFileSync(`${marker}.tmp`, `${backup.ref}\n${formatOwner(selfOwner())}\n${request.root}\n`)
  renameSync(`${marker}.tmp`, marker)

  const putBack = async (paths: readonly string[]): Promise<string[]> => {
    const changed: string[] = []
    for (const file of paths) {
      const saved = states.get(file)
      if (!saved || same(saved, readFileState(request.root, file))) continue
      changed.push(file)
      writeFileState(request.root, file, saved, modes.get(file))
    }
    // A fixer that staged what it wrote (`git add`): the index goes back too.
    const staged = await indexChangesSince(request, indexTree)
    if (staged.length > 0)
      await setIndexEntries(
        request,
        staged.map((entry) => (/^0+$/.test(entry.mode) ? { path: entry.path, mode: '0', oid: entry.oid } : entry)),
      )
    return changed
  }

  const judge = async (given: readonly string[], result: JobResult): Promise<JobResult> => {
    const mine = given.filter((file) => states.has(file))
    const now = mine.filter((file) => !same(states.get(file) as FileState, readFileState(request.root, file)))
    if (now.length === 0) return result
    const diff = (await tryGit(request, ['diff', '--no-color', '--no-ext-diff', backup.ref, '--', ...now])) ?? ''
    await putBack(now)
    const lines = diff.split('\n')
    const shown =
      lines.length > DIFF_LINES
        ? `${lines.slice(0, DIFF_LINES).join('\n')}\n… ${lines.length - DIFF_LINES} more lines\n`
        : diff
    const message = `would change ${now.length} file${now.length === 1 ? '' : 's'}: ${now.join(', ')} (CI does not rewrite files: run the fix locally and commit it)`
    return {
      ...result,
      status: 'failed',
      error: { code: 'WOULD_FIX', message },
      log: `${result.log}${result.log === '' || result.log.endsWith('\n') ? '' : '\n'}[gitvan: ${message}]\n${shown}`,
    }
  }

  return {
    judge,
    saved: files,
    noteProgram: (pid) => {
      try {
        appendFileSync(marker, `program ${pid} ${processStart(pid) ?? '0'}\n`)
      } catch {
        // the marker is gone: finished
      }
    },
    finish: async () => {
      await putBack(files)
      rmSync(marker, { force: true })
    },
  }
}
