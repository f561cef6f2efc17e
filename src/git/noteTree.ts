/**
 * Finds notes in a notes commit's tree, whatever its fanout.
 *
 * git stores the note for commit `abcdef…` at `abcdef…`, `ab/cdef…`, `ab/cd/ef…` and so on, the
 * depth growing with the number of notes (and a tree written by an older git may mix depths). The
 * lookup walks the way git's notes.c does: at each level, an entry named by the rest of the oid is
 * the note; otherwise a subtree named by the next two hex digits is where to look. Trees are read
 * once per session, through the shared cat-file, so resolving thousands of notes is a few dozen
 * object reads pipelined in one process.
 */
import { type CatFile, parseTree, type TreeEntry } from './catfile.js'

export class NoteTree {
  readonly #cat: CatFile
  readonly #root: Promise<string | undefined>
  readonly #trees = new Map<string, Promise<Map<string, TreeEntry>>>()

  /** `tip` is the notes commit (the value of the notes ref). */
  constructor(cat: CatFile, tip: string) {
    this.#cat = cat
    this.#root = cat.read(tip).then((object) => {
      if (object?.type !== 'commit') throw new Error(`notes tip ${tip} is not a commit`)
      const match = /^tree ([0-9a-f]+)/.exec(object.content.toString('latin1', 0, 80))
      return match?.[1]
    })
  }

  #tree(oid: string): Promise<Map<string, TreeEntry>> {
    let tree = this.#trees.get(oid)
    if (!tree) {
      tree = this.#cat.read(oid).then((object) => {
        if (object?.type !== 'tree') throw new Error(`notes tree ${oid} is missing`)
        return parseTree(object.content, oid.length / 2)
      })
      this.#trees.set(oid, tree)
    }
    return tree
  }

  /** The blob oid of the note on `commit`, or undefined. */
  async find(commit: string): Promise<string | undefined> {
    let treeOid = await this.#root
    for (let depth = 0; treeOid !== undefined && depth < commit.length; depth += 2) {
      const tree = await this.#tree(treeOid)
      const note = tree.get(commit.slice(depth))
      if (note && !note.mode.startsWith('4')) return note.oid
      const sub = tree.get(commit.slice(depth, depth + 2))
      treeOid = sub?.mode.startsWith('4') ? sub.oid : undefined
    }
    return undefined
  }

  /** The text of the note on `commit`, or undefined. */
  async read(commit: string): Promise<string | undefined> {
    const blob = await this.find(commit)
    if (blob === undefined) return undefined
    const object = await this.#cat.read(blob)
    return object?.content.toString('utf8')
  }

  /** The notes on many commits at once (commits without a note are absent). */
  async readAll(commits: readonly string[]): Promise<Map<string, string>> {
    const texts = await Promise.all(commits.map((commit) => this.read(commit)))
    const notes = new Map<string, string>()
    commits.forEach((commit, i) => {
      const text = texts[i]
      if (text !== undefined) notes.set(commit, text)
    })
    return notes
  }
}
