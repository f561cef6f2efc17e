/**
 * A job's command string → the argv of each invocation. Pure; no shell is ever involved.
 *
 * Splitting follows sh's quoting and nothing else: whitespace separates words; `'...'` keeps
 * everything literally; `"..."` keeps everything except that `\` escapes `"`, `\`, `$`, `` ` ``
 * and a newline; an unquoted `\` makes the next character literal. There is no globbing, no
 * variable expansion, no pipes, redirections or command lists: `|`, `&&`, `;` and `>` are passed
 * to the program as ordinary arguments. A job that needs a shell says so: `sh -c 'a | b'`.
 *
 * Placeholders, outside single quotes and not escaped:
 * - `{files}` as a whole word (bare or `"{files}"`) becomes one argument per file, each passed
 *   as given (spaces, newlines, unicode, a leading `-`: the program sees the exact name; no `--`
 *   is added, the command decides). Inside a larger word it is an error, since no single
 *   argument could hold several names faithfully.
 * - `{args}`, the hook's own arguments (commit-msg's message file, post-checkout's two refs and
 *   flag), follows the same rule: a whole word, one argument per hook argument, none when the
 *   hook has none.
 * - `{commit}`, `{branch}` and `{root}` (the repository's top-level directory, absolute) are
 *   values, never code: a whole argument, an option's value (`--ref={branch}`), or for `{root}`
 *   the start of a plain path; placement.ts says where else they may not stand and why.
 * Any other `{...}` (`find -exec {} +`) is literal.
 *
 * When the files do not fit in one argv, the command runs once per chunk, in order; chunks keep
 * every invocation's argument bytes under ARGV_BUDGET, a quarter of Linux's smallest ARG_MAX,
 * which leaves room for the environment on every platform gitvan supports.
 */

import { LISTS, type Piece, type Placeholder, placementProblem, type Word } from './placeholders.js'

export type { Placeholder, Word }

export type ParsedCommand =
  | { readonly ok: true; readonly words: readonly Word[]; readonly usesFiles: boolean }
  | { readonly ok: false; readonly problem: string }

/** Bytes of arguments per invocation, counting each argument's bytes, its NUL and its pointer. */
export const ARGV_BUDGET = 128 * 1024

const PLACEHOLDER = /\{(files|args|commit|branch|root)\}/g
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`', '\n'])

/** Splits literal text into text and placeholders. */
function pieces(text: string): Piece[] {
  const out: Piece[] = []
  let last = 0
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) out.push({ text: text.slice(last, match.index) })
    out.push({ placeholder: match[1] as Placeholder })
    last = match.index + match[0].length
  }
  if (last < text.length) out.push({ text: text.slice(last) })
  return out
}

/** Splits `command` into words the way sh would, without expanding anything but placeholders. */
export function parseCommand(command: string): ParsedCommand {
  const words: Piece[][] = []
  let word: Piece[] | undefined
  // Text that may hold placeholders is collected in `open`; literal text (single-quoted,
  // escaped) is pushed as is, so `'{files}'` and `\{files}` stay literal.
  let open = ''
  const flush = () => {
    if (open) {
      word ??= []
      word.push(...pieces(open))
    }
    open = ''
  }
  const literal = (text: string) => {
    flush()
    word ??= []
    word.push({ text })
  }
  const start = () => {
    word ??= []
  }
  let i = 0
  while (i < command.length) {
    const ch = command[i] as string
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      flush()
      if (word) words.push(word)
      word = undefined
      i++
    } else if (ch === "'") {
      const end = command.indexOf("'", i + 1)
      if (end === -1) return { ok: false, problem: `unterminated single quote at column ${i + 1} of: ${command}` }
      start()
      literal(command.slice(i + 1, end))
      i = end + 1
    } else if (ch === '"') {
      start()
      i++
      for (;;) {
        const c = command[i]
        if (c === undefined) return { ok: false, problem: `unterminated double quote in: ${command}` }
        i++
        if (c === '"') break
        const next = command[i]
        if (c === '\\' && next !== undefined && DOUBLE_QUOTE_ESCAPES.has(next)) {
          i++
          if (next !== '\n') literal(next)
        } else {
          open += c
        }
      }
    } else if (ch === '\\') {
      const next = command[i + 1]
      if (next === undefined) return { ok: false, problem: `a trailing backslash has nothing to escape in: ${command}` }
      if (next !== '\n') {
        start()
        literal(next)
      }
      i += 2
    } else {
      start()
      open += ch
      i++
    }
  }
  flush()
  if (word) words.push(word)
  if (words.length === 0) return { ok: false, problem: 'the command is empty' }
  for (const w of words) {
    const list = w.find((p) => 'placeholder' in p && LISTS.has(p.placeholder))
    if (list === undefined || w.length === 1) continue
    const name = 'placeholder' in list ? list.placeholder : ''
    return {
      ok: false,
      problem: `{${name}} must be a whole argument (it expands to one argument per ${name === 'files' ? 'file' : 'hook argument'}), in: ${command}`,
    }
  }
  const merged = merge(words)
  const problem = placementProblem(merged, command)
  if (problem !== undefined) return { ok: false, problem }
  const usesFiles = words.some((w) => w.some((p) => 'placeholder' in p && p.placeholder === 'files'))
  return { ok: true, words: merged, usesFiles }
}

/** Joins adjacent text pieces so a word of pure text is one piece. */
function merge(words: readonly Piece[][]): Word[] {
  return words.map((w) => {
    const out: Piece[] = []
    for (const piece of w) {
      const prev = out[out.length - 1]
      if ('text' in piece && prev && 'text' in prev) out[out.length - 1] = { text: prev.text + piece.text }
      else out.push(piece)
    }
    return out.length === 0 ? [{ text: '' }] : out
  })
}

export type CommandFacts = {
  readonly files: readonly string[]
  /** The hook's arguments, for `{args}`. */
  readonly args: readonly string[]
  readonly commit: string
  /** Replaces `{branch}`; '' on a detached HEAD. */
  readonly branch: string | undefined
  /** The repository's top-level directory, for `{root}`. */
  readonly root: string
}

const argBytes = (arg: string) => Buffer.byteLength(arg) + 1 + 8

/** The placeholder a word consists of, when it is a single list placeholder. */
const listOf = (w: Word): 'files' | 'args' | undefined => {
  const only = w.length === 1 ? w[0] : undefined
  return only !== undefined && 'placeholder' in only && (only.placeholder === 'files' || only.placeholder === 'args')
    ? only.placeholder
    : undefined
}

/**
 * The argv of every invocation. Without `{files}` that is one invocation; with it, the files are
 * split into as many chunks as the budget needs (a single name larger than the budget still gets
 * an invocation of its own), and an empty file list yields no invocation at all. `{args}` is the
 * same in every invocation and counts toward each one's budget.
 */
export function expandCommand(words: readonly Word[], facts: CommandFacts, budget = ARGV_BUDGET): string[][] {
  const fixed = (piece: Piece): string => {
    if ('text' in piece) return piece.text
    if (piece.placeholder === 'commit') return facts.commit
    if (piece.placeholder === 'root') return facts.root
    return facts.branch ?? ''
  }
  /** A word's arguments, except `{files}`, which each chunk fills in. */
  const expand = (w: Word): readonly string[] => (listOf(w) === 'args' ? facts.args : [w.map(fixed).join('')])
  const filesWords = words.filter((w) => listOf(w) === 'files').length
  const build = (chunk: readonly string[]): string[] =>
    words.flatMap((w) => (listOf(w) === 'files' ? [...chunk] : expand(w)))
  if (filesWords === 0) return [build([])]
  if (facts.files.length === 0) return []

  const base = words
    .filter((w) => listOf(w) !== 'files')
    .flatMap(expand)
    .reduce((sum, arg) => sum + argBytes(arg), 0)
  const chunks: string[][] = []
  let chunk: string[] = []
  let size = base
  for (const file of facts.files) {
    const cost = argBytes(file) * filesWords
    if (chunk.length > 0 && size + cost > budget) {
      chunks.push(chunk)
      chunk = []
      size = base
    }
    chunk.push(file)
    size += cost
  }
  chunks.push(chunk)
  return chunks.map(build)
}
