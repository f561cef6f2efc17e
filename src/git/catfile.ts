/**
 * Bulk object reads through one long-lived `git cat-file --batch`.
 *
 * Requests are answered in the order they were written, so many reads can be in flight at once:
 * callers issue them all and await the promises; git streams the answers back without a process
 * per object. A name git cannot resolve is `undefined`, not an error. If git dies, every pending
 * and later read rejects. `close()` ends the session; `withCatFile` closes it for you.
 */
import type { Repo } from './repo.js'
import { type GitChild, startGit } from './spawn.js'

export type GitObject = {
  readonly oid: string
  readonly type: 'blob' | 'tree' | 'commit' | 'tag'
  readonly content: Buffer
}

type Pending = { readonly resolve: (object: GitObject | undefined) => void; readonly reject: (error: Error) => void }

export class CatFile {
  readonly #child: GitChild
  readonly #pending: Pending[] = []
  #chunks: Buffer[] = []
  #buffered = 0
  /** Bytes the answer being parsed needs in all; parsing waits until they are here. */
  #need = 0
  #failure: Error | undefined

  constructor(repo: Repo) {
    this.#child = startGit(['cat-file', '--batch'], { cwd: repo.root })
    this.#child.stdout.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk)
      this.#buffered += chunk.length
      this.#drain()
    })
    void this.#child.exited.then((exit) => {
      this.#fail(new Error(`git cat-file --batch exited (${exit.code}): ${exit.stderr.trim() || 'no message'}`))
    })
  }

  /** Reads one object by oid or any name `git rev-parse` understands (`<tree-ish>:<path>`). */
  read(name: string): Promise<GitObject | undefined> {
    if (name.includes('\n'))
      return Promise.reject(new Error(`bug: object name with a newline: ${JSON.stringify(name)}`))
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject })
      this.#child.stdin.write(`${name}\n`)
    })
  }

  /** Ends the session once every pending read is answered. */
  async close(): Promise<void> {
    this.#child.stdin.end()
    await this.#child.exited
  }

  #fail(error: Error): void {
    this.#failure ??= error
    for (const pending of this.#pending.splice(0)) pending.reject(this.#failure)
  }

  #take(length: number): Buffer {
    const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#buffered)
    const taken = all.subarray(0, length)
    const rest = all.subarray(length)
    this.#chunks = rest.length > 0 ? [rest] : []
    this.#buffered = rest.length
    return taken
  }

  /** Parses as many complete answers as have arrived. */
  #drain(): void {
    for (;;) {
      const pending = this.#pending[0]
      if (!pending || this.#buffered === 0 || this.#buffered < this.#need) return
      const head = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#buffered)
      this.#chunks = [head]
      const newline = head.indexOf(10)
      if (newline < 0) return
      const header = head.toString('utf8', 0, newline)
      const parts = header.split(' ')
      if (parts.length === 3 && /^\d+$/.test(parts[2] as string)) {
        const size = Number(parts[2])
        this.#need = newline + 1 + size + 1
        if (this.#buffered < this.#need) return // the body is still arriving
        this.#need = 0
        this.#take(newline + 1)
        const content = Buffer.from(this.#take(size + 1).subarray(0, size))
        this.#pending.shift()
        pending.resolve({ oid: parts[0] as string, type: parts[1] as GitObject['type'], content })
      } else {
        // `<name> missing` or `<name> ambiguous`
        this.#take(newline + 1)
        this.#pending.shift()
        pending.resolve(undefined)
      }
    }
  }
}

/** Opens a cat-file session for the duration of `use`. */
export async function withCatFile<T>(repo: Repo, use: (cat: CatFile) => Promise<T>): Promise<T> {
  const cat = new CatFile(repo)
  try {
    return await use(cat)
  } finally {
    await cat.close()
  }
}

export type TreeEntry = { readonly mode: string; readonly oid: string }

/** Parses a raw tree object: `<mode> <name>\0<binary oid>` repeated. */
export function parseTree(content: Buffer, oidBytes: number): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>()
  let at = 0
  while (at < content.length) {
    const space = content.indexOf(32, at)
    const nul = content.indexOf(0, space)
    if (space < 0 || nul < 0) break
    const mode = content.toString('latin1', at, space)
    const name = content.toString('utf8', space + 1, nul)
    entries.set(name, { mode, oid: content.toString('hex', nul + 1, nul + 1 + oidBytes) })
    at = nul + 1 + oidBytes
  }
  return entries
}
