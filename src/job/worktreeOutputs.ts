/**
 * `output: { worktree: true }`: a job's files go into the work tree (generators in pre-commit)
 * instead of onto a ref, and with `stage: true` into the index too.
 *
 * Every path is checked before anything is written: besides template/paths.ts's checks, no
 * directory on the way may be a symlink, and the file itself may not be one (git's own
 * `has_symlink_leading_path`): a symlink could lead the write out of the tree. One refused path
 * fails the job and nothing is written. Each file is written to a temporary name beside it and
 * renamed over, so a reader sees the old file or the new one.
 */
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { git } from '../git/spawn.js'
import type { Output } from '../receipt.js'
import { checkOutputPath } from '../template/paths.js'
import { type OutputWrite, place } from '../template/place.js'

export type WorktreeOutcome =
  | { readonly ok: true; readonly outputs: readonly Output[]; readonly skipped: readonly string[] }
  | { readonly ok: false; readonly code: string; readonly message: string }

/** What is at `full`: a file, a directory, something else, or nothing. */
function kind(full: string): 'file' | 'dir' | 'symlink' | 'other' | 'none' {
  try {
    const stat = lstatSync(full)
    return stat.isSymbolicLink() ? 'symlink' : stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other'
  } catch {
    return 'none'
  }
}

/** Why `file` cannot be written under `root`, or undefined. */
function worktreeProblem(root: string, file: string): string | undefined {
  const unsafe = checkOutputPath(file)
  if (unsafe) return `it ${unsafe}`
  const parts = file.split('/')
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/')
    const found = kind(path.join(root, prefix))
    if (found === 'none') return undefined
    if (found === 'symlink') return `'${prefix}' is a symlink, and gitvan does not write through symlinks`
    if (i < parts.length && found !== 'dir') return `'${prefix}' is not a directory`
    if (i === parts.length && found !== 'file') return `'${prefix}' is not a regular file`
  }
  return undefined
}

export async function writeWorktreeOutputs(
  root: string,
  writes: readonly OutputWrite[],
  options: { readonly stage: boolean; readonly env?: NodeJS.ProcessEnv },
): Promise<WorktreeOutcome> {
  for (const write of writes) {
    const problem = worktreeProblem(root, write.path)
    if (problem)
      return {
        ok: false,
        code: 'UNSAFE_PATH',
        message: `refuses to write '${write.path}' (from ${write.source}) into the work tree: ${problem}; nothing was written`,
      }
  }
  const texts = new Map<string, string | undefined>()
  const listed = new Set<string>()
  const skipped: string[] = []
  for (const write of writes) {
    if (!texts.has(write.path)) {
      const full = path.join(root, write.path)
      texts.set(write.path, kind(full) === 'file' ? readFileSync(full, 'utf8') : undefined)
    }
    const placed = place(texts.get(write.path), write)
    if (placed.kind === 'skip') skipped.push(`${write.source} (${placed.why})`)
    else {
      if (placed.kind === 'write') texts.set(write.path, placed.content)
      listed.add(write.path)
    }
  }
  const files = [...listed]
  for (const file of files) {
    const full = path.join(root, file)
    const text = texts.get(file) as string
    if (kind(full) === 'file' && readFileSync(full, 'utf8') === text) continue // same inode and mtime
    mkdirSync(path.dirname(full), { recursive: true })
    const temp = `${full}.gitvan-${process.pid}.tmp`
    writeFileSync(temp, text)
    renameSync(temp, full)
  }
  if (files.length === 0) return { ok: true, outputs: [], skipped }
  const env = options.env ? { env: options.env } : {}
  if (options.stage) {
    const added = await git(['--literal-pathspecs', 'add', '--', ...files], { cwd: root, ...env })
    if (!added.ok)
      return { ok: false, code: 'GIT_FAILED', message: `git add of the job's outputs failed: ${added.stderr.trim()}` }
  }
  const hashed = await git(['hash-object', '--', ...files], { cwd: root, ...env })
  if (!hashed.ok)
    return {
      ok: false,
      code: 'GIT_FAILED',
      message: `git hash-object of the job's outputs failed: ${hashed.stderr.trim()}`,
    }
  const oids = hashed.stdout.split('\n')
  return { ok: true, outputs: files.map((file, i) => ({ ref: '', path: file, oid: oids[i] ?? '' })), skipped }
}
