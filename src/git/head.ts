/**
 * HEAD's commit and branch without starting git, for the commit path: starting a process costs
 * more than everything else a passing gate does. Only the plain layout is read: HEAD in the
 * worktree's git dir holding `ref: refs/heads/<branch>` or an oid, the branch as a loose ref file
 * in the common dir or a line of `packed-refs`. Anything else (the reftable backend, whose HEAD
 * names `refs/heads/.invalid`; a symbolic ref chain; an unreadable file) is asked of git, so the
 * answer is always git's.
 *
 * During a rebase HEAD is detached; with `followRebase` the ref is the branch being rebased (git's
 * `rebase-merge/head-name` or `rebase-apply/head-name`), which is the branch the replayed commits
 * will land on: what an async hook's event names.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { isObjectId } from '../names.js'
import { git } from './spawn.js'

export type Head = {
  /** HEAD's commit, '' on an unborn branch. */
  readonly commit: string
  /** The full ref HEAD points at (`refs/heads/main`), '' when detached. */
  readonly ref: string
}

export type HeadDirs = {
  readonly root: string
  readonly gitDir: string
  readonly commonDir: string
  readonly env: NodeJS.ProcessEnv
}

const read = (file: string): Promise<string | undefined> => readFile(file, 'utf8').catch(() => undefined)

/** The oid of `ref` from its loose file or packed-refs; '' when neither has it; undefined when unsure. */
async function resolveRef(commonDir: string, ref: string): Promise<string | undefined> {
  const loose = await read(path.join(commonDir, ref))
  if (loose !== undefined) {
    const oid = loose.trim()
    return isObjectId(oid) ? oid : undefined
  }
  const packed = await read(path.join(commonDir, 'packed-refs'))
  if (packed === undefined) return ''
  const suffix = ` ${ref}`
  for (const line of packed.split('\n')) {
    if (line.endsWith(suffix)) {
      const oid = line.slice(0, -suffix.length)
      return isObjectId(oid) ? oid : undefined
    }
  }
  return ''
}

async function fromGit(dirs: HeadDirs): Promise<Head> {
  const [commit, ref] = await Promise.all([
    git(['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { cwd: dirs.root, env: dirs.env }),
    git(['symbolic-ref', '-q', 'HEAD'], { cwd: dirs.root, env: dirs.env }),
  ])
  return { commit: commit.ok ? commit.stdout.trim() : '', ref: ref.ok ? ref.stdout.trim() : '' }
}

export async function readHead(dirs: HeadDirs, options: { readonly followRebase?: boolean } = {}): Promise<Head> {
  const head = await readOwnHead(dirs)
  if (head.ref !== '' || !options.followRebase) return head
  for (const dir of ['rebase-merge', 'rebase-apply']) {
    const name = (await read(path.join(dirs.gitDir, dir, 'head-name')))?.trim()
    if (name?.startsWith('refs/')) return { commit: head.commit, ref: name }
  }
  return head
}

async function readOwnHead(dirs: HeadDirs): Promise<Head> {
  const text = (await read(path.join(dirs.gitDir, 'HEAD')))?.trim() ?? ''
  if (isObjectId(text)) return { commit: text, ref: '' }
  const ref = text.startsWith('ref: ') ? text.slice(5).trim() : ''
  if (!ref.startsWith('refs/heads/') || ref === 'refs/heads/.invalid' || ref.includes('..')) return fromGit(dirs)
  const commit = await resolveRef(dirs.commonDir, ref)
  return commit === undefined ? fromGit(dirs) : { commit, ref }
}
