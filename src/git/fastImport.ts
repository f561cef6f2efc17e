/**
 * Writes many notes as one notes commit with `git fast-import`, which keeps git's notes fanout
 * right however many notes the tree holds. The commit lands on a scratch ref that only this call
 * uses; nothing live moves here. The stream ends with `done`, so a writer killed half-way leaves
 * fast-import with a torn stream that it refuses, never a half-written commit.
 */
import { GitvanError } from '../errors.js'
import { isObjectId } from '../names.js'
import type { Repo } from './repo.js'
import { startGit } from './spawn.js'

export type NotesCommit = {
  /** The scratch ref fast-import writes (created or overwritten). */
  readonly ref: string
  /** The current notes commit to build on, or undefined for the first one. */
  readonly parent: string | undefined
  /** Full note text per commit oid; it replaces whatever note the commit had. */
  readonly notes: ReadonlyMap<string, string>
  readonly message: string
}

const data = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}\n`

/**
 * Two settings that change nothing in what is written, only how fast (1,000 notes: 88 ms → 23 ms):
 * - glibc's malloc returns the heap top to the kernel as soon as a large block is freed, and
 *   fast-import frees one (zlib's state) after every object: thousands of brk calls. A 1 MB top pad
 *   keeps it. Other C libraries ignore the variable.
 * - core.warnAmbiguousRefs=false: otherwise each `N inline <oid>` also looks for refs named like
 *   the oid (a dozen stats per note) only to warn.
 */
export const FAST_IMPORT_ARGS = ['-c', 'core.warnAmbiguousRefs=false', 'fast-import', '--quiet', '--done', '--force']
export const fastImportEnv = (): NodeJS.ProcessEnv => ({
  GLIBC_TUNABLES: [process.env.GLIBC_TUNABLES, 'glibc.malloc.top_pad=1048576'].filter(Boolean).join(':'),
})

/** Writes the notes commit and returns its oid. */
export async function writeNotesCommit(repo: Repo, commit: NotesCommit): Promise<string> {
  const child = startGit(FAST_IMPORT_ARGS, { cwd: repo.root, env: fastImportEnv() })
  const out: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))

  const seconds = Math.floor(Date.now() / 1000)
  let stream = `commit ${commit.ref}\nmark :1\ncommitter gitvan <gitvan@localhost> ${seconds} +0000\n${data(commit.message)}`
  if (commit.parent !== undefined) stream += `from ${commit.parent}\n`
  const parts: string[] = [stream]
  for (const [oid, text] of commit.notes) parts.push(`N inline ${oid}\n${data(text)}`)
  parts.push('\nget-mark :1\ndone\n')
  child.stdin.end(parts.join(''))

  const exit = await child.exited
  const oid = Buffer.concat(out).toString('utf8').trim()
  if (!exit.ok || !isObjectId(oid)) {
    throw new GitvanError(
      'GIT_FAILED',
      `git fast-import could not write the notes commit on ${commit.ref}: ${exit.stderr.trim().split('\n')[0] ?? ''}`,
      {
        details: ['Every receipt must name an existing commit. Run `git fsck` if the repository may be damaged.'],
      },
    )
  }
  return oid
}
