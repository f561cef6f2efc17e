/**
 * Output commits: the files jobs wrote, committed onto their output refs (DESIGN 3.1:
 * `refs/gitvan/outputs/<job>` unless the job names another ref). Nothing here moves a live ref:
 * `buildOutputCommits` reads each ref's tip, applies the edits to the files there, and writes one
 * commit per ref (parent: the tip) with `git fast-import` on a scratch ref; the caller moves the
 * refs from the tips read to the new commits by compare-and-swap, in the same `update-ref --stdin`
 * transaction as the notes (git/notes.ts `publishReceipts`, option `alongside`). When a ref moved
 * meanwhile, the caller builds again from the new tip, so an edit is always applied to the files
 * really there and a racing runner's files are never dropped.
 *
 * The tree is updated, not replaced: a file no edit names stays, unless `replace` (then the tree
 * holds exactly the files this build wrote or kept). A ref whose files would not change gets no
 * commit. The fast-import stream ends with `done`: a writer killed half-way leaves objects git
 * prunes later, never a torn ref.
 */
import { GitvanError } from '../errors.js'
import { isObjectId } from '../names.js'
import { withCatFile } from './catfile.js'
import { FAST_IMPORT_ARGS, fastImportEnv } from './fastImport.js'
import type { RefUpdate } from './refs.js'
import type { Repo } from './repo.js'
import { git, startGit } from './spawn.js'

/** What an edit does to a file, given the file's current bytes (undefined: no such file). */
export type EditOutcome = { readonly content: Buffer } | 'unchanged' | 'skipped'

export type OutputEdit = {
  /** A path checked by template/paths.ts (relative, no `..`, no `.git`, no control characters). */
  readonly path: string
  readonly apply: (existing: Buffer | undefined) => EditOutcome
}

export type OutputCommitSpec = {
  readonly ref: string
  /** Applied in order: a later edit of a path sees what the earlier ones made of it. */
  readonly edits: readonly OutputEdit[]
  readonly replace: boolean
  readonly message: string
}

export type BuiltOutputs = {
  /** One per ref whose tree changes: tip → new commit (oldOid undefined: the ref is new). */
  readonly updates: readonly RefUpdate[]
  /** Per spec, per edit: the blob the path holds afterwards, or undefined when the edit was skipped. */
  readonly oids: readonly (readonly (string | undefined)[])[]
  /** Deletes the scratch refs fast-import wrote; run them with the updates, or after. */
  readonly cleanup: readonly RefUpdate[]
}

const data = (bytes: Buffer): Buffer[] => [Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n')]

/** fast-import's path syntax: quoted (C style) when the path could be misread. */
const quotePath = (file: string): string =>
  /["\\]/.test(file) || file.startsWith(' ') ? `"${file.replace(/[\\"]/g, (c) => `\\${c}`)}"` : file

/** Current tips of `refs` (exact names), in one for-each-ref. */
async function readTips(repo: Repo, refs: readonly string[]): Promise<Map<string, string>> {
  const result = await git(['for-each-ref', '--format=%(objectname) %(refname)', '--', ...refs], { cwd: repo.root })
  if (!result.ok) throw new GitvanError('GIT_FAILED', `git for-each-ref failed: ${result.stderr.trim()}`)
  const tips = new Map<string, string>()
  const wanted = new Set(refs)
  for (const line of result.stdout.split('\n')) {
    const space = line.indexOf(' ')
    if (space > 0 && wanted.has(line.slice(space + 1))) tips.set(line.slice(space + 1), line.slice(0, space))
  }
  return tips
}

type Existing = { readonly oid: string; readonly content: Buffer }

/** The blobs at the edited paths of each tip (absent paths, or trees, are missing from the map). */
async function readExisting(
  repo: Repo,
  specs: readonly OutputCommitSpec[],
  tips: ReadonlyMap<string, string>,
): Promise<Map<string, Existing>[]> {
  const names = specs.flatMap((spec) => {
    const tip = tips.get(spec.ref)
    return tip === undefined
      ? []
      : [...new Set(spec.edits.map((edit) => edit.path))].map((file) => ({ spec, tip, file }))
  })
  const found = specs.map(() => new Map<string, Existing>())
  if (names.length === 0) return found
  await withCatFile(repo, async (cat) => {
    const objects = await Promise.all(names.map(({ tip, file }) => cat.read(`${tip}:${file}`)))
    names.forEach(({ spec, file }, i) => {
      const object = objects[i]
      if (object?.type === 'blob') found[specs.indexOf(spec)]?.set(file, { oid: object.oid, content: object.content })
    })
  })
  return found
}

export async function buildOutputCommits(
  repo: Repo,
  specs: readonly OutputCommitSpec[],
  scratchName: () => string,
): Promise<BuiltOutputs> {
  const tips = await readTips(repo, [...new Set(specs.map((spec) => spec.ref))])
  const existing = await readExisting(repo, specs, tips)
  const stream: Buffer[] = []
  let mark = 0
  const seconds = Math.floor(Date.now() / 1000)
  const commits: { readonly spec: number; readonly ref: string; readonly scratch: string; readonly mark: number }[] = []
  const oids: (string | undefined)[][] = specs.map((spec) => spec.edits.map(() => undefined))
  // Blob marks to resolve into oids after the stream, per (spec, edit).
  const pending: { readonly spec: number; readonly edit: number; readonly mark: number }[] = []

  specs.forEach((spec, s) => {
    const before = existing[s] as Map<string, Existing>
    const files = new Map<string, { content: Buffer; oid?: string; mark?: number }>()
    for (const [file, blob] of before) files.set(file, { content: blob.content, oid: blob.oid })
    const listed = new Map<string, number[]>() // path → edits whose output it is
    spec.edits.forEach((edit, e) => {
      const outcome = edit.apply(files.get(edit.path)?.content)
      if (outcome === 'skipped') return
      if (outcome !== 'unchanged') files.set(edit.path, { content: outcome.content })
      if (!files.has(edit.path)) return // unchanged, and still absent: nothing to list
      listed.set(edit.path, [...(listed.get(edit.path) ?? []), e])
    })
    const changed = [...listed.keys()].filter((file) => {
      const now = files.get(file)
      const was = before.get(file)
      return now !== undefined && (was === undefined || !was.content.equals(now.content))
    })
    for (const file of changed) {
      const entry = files.get(file) as { content: Buffer; mark?: number }
      entry.mark = ++mark
      stream.push(Buffer.from(`blob\nmark :${entry.mark}\n`), ...data(entry.content))
    }
    for (const [file, edits] of listed) {
      const entry = files.get(file) as { oid?: string; mark?: number }
      for (const e of edits) {
        if (entry.mark !== undefined) pending.push({ spec: s, edit: e, mark: entry.mark })
        else (oids[s] as (string | undefined)[])[e] = entry.oid
      }
    }
    if (changed.length === 0 && !spec.replace) return
    const tip = tips.get(spec.ref)
    const commitMark = ++mark
    const scratch = scratchName()
    commits.push({ spec: s, ref: spec.ref, scratch, mark: commitMark })
    const message = Buffer.from(spec.message.endsWith('\n') ? spec.message : `${spec.message}\n`)
    stream.push(
      Buffer.from(`commit ${scratch}\nmark :${commitMark}\ncommitter gitvan <gitvan@localhost> ${seconds} +0000\n`),
      ...data(message),
      Buffer.from(tip === undefined ? '' : `from ${tip}\n`),
      Buffer.from(spec.replace ? 'deleteall\n' : ''),
    )
    const inTree = spec.replace ? [...listed.keys()] : changed
    for (const file of inTree) {
      const entry = files.get(file) as { oid?: string; mark?: number }
      stream.push(
        Buffer.from(`M 100644 ${entry.mark !== undefined ? `:${entry.mark}` : entry.oid} ${quotePath(file)}\n`),
      )
    }
    stream.push(Buffer.from('\n'))
  })
  const wantMarks = [...pending.map((p) => p.mark), ...commits.map((c) => c.mark)]
  if (wantMarks.length === 0) return { updates: [], oids, cleanup: [] }
  for (const m of wantMarks) stream.push(Buffer.from(`get-mark :${m}\n`))
  stream.push(Buffer.from('done\n'))

  const child = startGit(FAST_IMPORT_ARGS, { cwd: repo.root, env: fastImportEnv() })
  const out: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stdin.end(Buffer.concat(stream))
  const exit = await child.exited
  const answered = Buffer.concat(out).toString('utf8').split('\n').filter(Boolean)
  if (!exit.ok || answered.length !== wantMarks.length || !answered.every(isObjectId)) {
    throw new GitvanError(
      'GIT_FAILED',
      `git fast-import could not write the output commits for ${specs.map((spec) => spec.ref).join(', ')}: ${exit.stderr.trim().split('\n')[0] ?? ''}`,
      { details: ['Nothing was published. Run `git fsck` if the repository may be damaged.'] },
    )
  }
  const byMark = new Map(wantMarks.map((m, i) => [m, answered[i] as string]))
  for (const p of pending) (oids[p.spec] as (string | undefined)[])[p.edit] = byMark.get(p.mark)
  const updates: RefUpdate[] = []
  const cleanup: RefUpdate[] = []
  for (const commit of commits) {
    const oid = byMark.get(commit.mark) as string
    updates.push({ ref: commit.ref, newOid: oid, oldOid: tips.get(commit.ref) })
    cleanup.push({ ref: commit.scratch, newOid: null, oldOid: oid })
  }
  return { updates, oids, cleanup }
}

const checkouts = new Map<string, { readonly at: number; readonly path: Promise<string | undefined> }>()

/**
 * The work tree a branch is checked out in, if any (`%(worktreepath)`): moving a checked-out
 * branch under its work tree would make every file there look changed. Asked once per repository
 * and ref every two seconds at most, so a batch of 1,000 runs asks git once.
 */
export function checkedOutAt(repo: Pick<Repo, 'root'>, ref: string): Promise<string | undefined> {
  if (!ref.startsWith('refs/heads/')) return Promise.resolve(undefined)
  const key = `${repo.root}\0${ref}`
  const cached = checkouts.get(key)
  if (cached && Date.now() - cached.at < 2000) return cached.path
  const path = git(['for-each-ref', '--format=%(worktreepath)', '--', ref], { cwd: repo.root }).then((result) => {
    if (!result.ok) throw new GitvanError('GIT_FAILED', `git for-each-ref ${ref} failed: ${result.stderr.trim()}`)
    return result.stdout.trim() || undefined
  })
  checkouts.set(key, { at: Date.now(), path })
  return path
}
