/**
 * Where a placeholder may stand in a command, so that its value is only ever data. Pure.
 *
 * A branch or tag name may legally hold `$(…)`, backticks and `;`, and a file name anything but
 * NUL. gitvan passes each value as its own argument and never through a shell, but a command may
 * hand an argument to one (`sh -c "echo {branch}"`): then the value would be run as code. So:
 * - `{commit}`, `{branch}`, `{root}` stand as a whole argument, or as an option's value
 *   (`--ref={branch}`, `name={commit}`); `{root}` may also start a plain path
 *   (`{root}/scripts/check.mjs`). Anywhere else is an error that points to the GITVAN_* variable.
 * - No placeholder may be, or be part of, the script a shell is given with `-c`, wherever the
 *   shell stands in the command (`env sh -c`, `nice bash -c`).
 * (`{files}` and `{args}` are whole arguments by construction: the parser checks that first.)
 */

export type Placeholder = 'files' | 'args' | 'commit' | 'branch' | 'root'

export type Piece = { readonly text: string } | { readonly placeholder: Placeholder }

/** One word of a parsed command: literal text and placeholders. */
export type Word = readonly Piece[]

/** Placeholders that expand to a list of arguments, so they must be a whole word. */
export const LISTS: ReadonlySet<Placeholder> = new Set(['files', 'args'])

/** Why a placeholder stands where its value could be run as code, or undefined. */
export const placementProblem = (words: readonly Word[], command: string): string | undefined =>
  valuesOnly(words, command) ?? shellScript(words, command)

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
