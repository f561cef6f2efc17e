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
 *   values, never code: each stands as a whole argument, or as an option's value
 *   (`--ref={branch}`, `name={commit}`), and `{root}` may also start a plain path
 *   (`{root}/scripts/check.mjs`). Anywhere else (`sh -c "echo {branch}"`) the value would land in
 *   text that a program may run as a script, and a branch or tag name may legally hold `$(…)`,
 *   backticks and `;`: that is an error that points to the GITVAN_* variable instead. For the same
 *   reason no placeholder may be, or be part of, the script a shell is given with `-c`.
 * Any other `{...}` (`find -exec {} +`) is literal.
 *
 * When the files do not fit in one argv, the command runs once per chunk, in order; chunks keep
 * every invocation's argument bytes under ARGV_BUDGET, a quarter of Linux's smallest ARG_MAX,
 * which leaves room for the environment on every platform gitvan supports.
 */

export type Placeholder = 'files' | 'args' | 'commit' | 'branch' | 'root'

type Piece = { readonly text: string } | { readonly placeholder: Placeholder }

/** One word of a parsed command: literal text and placeholders. */
export type Word = readonly Piece[]

export type ParsedCommand =
  | { readonly ok: true; readonly words: readonly Word[]; readonly usesFiles: boolean }
  | { readonly ok: false; readonly problem: string }

/** Bytes of arguments per invocation, counting each argument's bytes, its NUL and its pointer. */
export const ARGV_BUDGET = 128 * 1024

const PLACEHOLDER = /\{(files|args|commit|branch|root)\}/g
/** Placeholders that expand to a list of arguments, so they must be a whole word. */
const LISTS: ReadonlySet<Placeholder> = new Set(['files', 'args'])
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
  const problem = valuesOnly(merged, command) ?? shellScript(merged, command)
  if (problem !== undefined) return { ok: false, problem }
  const usesFiles = words.some((w) => w.some((p) => 'placeholder' in p && p.placeholder === 'files'))
  return { ok: true, words: merged, usesFiles }
}

/** The environment variable that holds a value placeholder (`{branch}` → GITVAN_BRANCH). */
const variable = (name: Placeholder): string => `GITVAN_${name.toUpperCase()}`

const isPlaceholder = (piece: Piece | undefined): piece is { readonly placeholder: Placeholder } =>
  piece !== undefined && 'placeholder' in piece
const textOf = (piece: Piece | undefined): string | undefined =>
  piece !== undefined && 'text' in piece ? piece.text : undefined

/** `--ref=`, `-r=`, `name=`: the text before an option's value. */
const OPTION_PREFIX = /^-{0,2}[A-Za-z][A-Za-z0-9_.-]*=$/
/** What may follow `{root}` in one argument: a path of plain characters, nothing a shell acts on. */
const PLAIN_PATH = /^\/[A-Za-z0-9_./@+-]*$/

const shown = (w: Word): string => w.map((p) => ('text' in p ? p.text : `{${p.placeholder}}`)).join('')

/**
 * Whether each placeholder of `{commit}`, `{branch}`, `{root}` stands where it can only be a value:
 * [`prefix=`] placeholder [`/plain/path` after `{root}`].
 */
function valuesOnly(words: readonly Word[], command: string): string | undefined {
  for (const w of words) {
    const at = w.findIndex(isPlaceholder)
    if (at === -1) continue
    const found = w[at] as { readonly placeholder: Placeholder }
    const before = at === 0 ? '' : textOf(w[0])
    const rest = w.slice(at + 1)
    const after = rest.length === 0 ? '' : rest.length === 1 ? textOf(rest[0]) : undefined
    const prefixOk = at === 0 || (at === 1 && before !== undefined && OPTION_PREFIX.test(before))
    const suffixOk = after === '' || (found.placeholder === 'root' && after !== undefined && PLAIN_PATH.test(after))
    if (prefixOk && suffixOk) continue
    const name = found.placeholder
    return (
      `{${name}} inside the argument '${shown(w)}' could be run as code (branch and tag names may hold $(…), backticks and ';'): ` +
      `make it a whole argument (or --option={${name}}), or read the environment variable instead ("$${variable(name)}"), in: ${command}`
    )
  }
  return undefined
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'fish'])

/**
 * A placeholder in the script a shell runs (`sh -c {branch}`, `bash -ec "… {files}"`) is code,
 * whole argument or not. The shell may come after a launcher (`env sh -c`, `nice bash -c`), so
 * every word naming a shell is looked at. Options before the script are skipped the way sh reads
 * them: `-o name` takes the next word, `--` ends them, the first other word is the script when
 * `-c` was given.
 */
function shellScript(words: readonly Word[], command: string): string | undefined {
  for (const [at, w] of words.entries()) {
    const program = w.length === 1 ? textOf(w[0]) : undefined
    if (program === undefined || !SHELLS.has(program.slice(program.lastIndexOf('/') + 1))) continue
    const problem = scriptOf(words, at, program, command)
    if (problem !== undefined) return problem
  }
  return undefined
}

function scriptOf(words: readonly Word[], at: number, program: string, command: string): string | undefined {
  let script = false
  for (let i = at + 1; i < words.length; i++) {
    const w = words[i] as Word
    const text = w.length === 1 ? textOf(w[0]) : undefined
    if (text === '--') {
      i++
    } else if (text !== undefined && /^--[A-Za-z]/.test(text)) {
      continue
    } else if (text !== undefined && /^[-+][A-Za-z]+$/.test(text)) {
      if (text.startsWith('-') && text.includes('c')) script = true
      if (text.endsWith('o')) i++
      continue
    }
    const next = words[i]
    if (!script || next === undefined) return undefined
    const found = next.find(isPlaceholder)
    if (found === undefined) return undefined
    const name = found.placeholder
    const list = LISTS.has(name)
    const instead = list
      ? `pass it after the script and read "$@" (${program} -c '… "$@"' ${program} {${name}})`
      : `read the environment variable instead ("$${variable(name)}"), or pass it after the script and read "$1" (${program} -c '… "$1" …' ${program} {${name}})`
    return `{${name}} is part of the script '${shown(next)}' that ${program} -c runs, so its value would be run as code: ${instead}, in: ${command}`
  }
  return undefined
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
