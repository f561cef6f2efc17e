/**
 * Probe entries (pure): a blocking hook's whole verdict, in a form the sh shim checks with builtins
 * and two git processes, so a commit whose gates all passed on the same content before never
 * starts node.
 *
 * `probe/pre-commit/<tree>` is written only after every gate of the hook passed (or none matched),
 * each one's result was cached, and nothing but the index's tree, HEAD's tree and branch, the config
 * files, the declared inputs and the gitvan build decides that verdict. Lines:
 *
 *   gitvan-probe 1
 *   head <HEAD's first line, when it names a branch; else 'detached'>
 *   base <HEAD's tree, or 'none'>   with the tree, it fixes the staged changes, which decide which
 *                     gates run, what `{files}` holds, and what a gate reading the diff sees
 *   absent <path>     a file that must not exist (a config file that would take precedence, jobs/)
 *   env <NAME>=<value>  an environment variable the config's evaluation read, with its value then
 *   unset <NAME>      one it read that was not set
 *   file <path>       a file whose blob id is checked (the config, the modules it imports, the
 *                     trust record, each declared input)
 *   hash <oid>        `git hash-object -- <cli> <file>...`, one line per file, the CLI first
 *   sum <sha256>      of every line above (checked by `gitvan cache verify`, not by the shim)
 *   end
 *
 * The shim answers 0 only when the entry ends with `end`, HEAD matches, no `absent` file exists,
 * every variable is as it was and the blob ids are the same; anything else goes on to node. Paths
 * are relative to the top level (the hook's working directory) and cannot hold a newline (such a
 * config is not probed), nor can a variable's value; a variable's name must be upper case (the
 * shim's own variables are lower case) and not one the shim sets for node (GITVAN_SHIM_*).
 *
 * `probe/<hook>/idle` has the same lines without `head` and `base`: the config whose files these
 * are has no job for that hook, so the shim exits 0 without node (gate/idle.ts).
 */
import { sha256 } from './key.js'

export const PROBE_HOOKS = ['pre-commit'] as const

export type Probe = {
  /** Absent in an idle entry, with `base`. */
  readonly head?: string
  /** HEAD's tree ('none' on an unborn branch). */
  readonly base?: string
  readonly absent: readonly string[]
  /** Variables the config's evaluation read, by name, with the value (undefined: unset). */
  readonly env: readonly (readonly [name: string, value: string | undefined])[]
  readonly files: readonly string[]
  /** Blob ids of the CLI, then of each of `files`. */
  readonly hashes: readonly string[]
}

/** `head` value for HEAD's first line: the line itself for a branch, 'detached' otherwise. */
export const probeHead = (headLine: string): string => (headLine.startsWith('ref: ') ? headLine : 'detached')

export const probePath = (hook: string, tree: string): string => `probe/${hook}/${tree}`

export const idlePath = (hook: string): string => `probe/${hook}/idle`

/** A variable name the shim can check (see the header). */
const checkableName = (name: string): boolean => /^[A-Z_][A-Z0-9_]*$/.test(name) && !name.startsWith('GITVAN_SHIM_')

export function renderProbe(probe: Probe): string | undefined {
  const values = [
    probe.head ?? '',
    probe.base ?? '',
    ...probe.absent,
    ...probe.files,
    ...probe.hashes,
    ...probe.env.map(([, value]) => value ?? ''),
  ]
  if (values.some((value) => value.includes('\n') || value.includes('\r'))) return undefined
  if (!probe.env.every(([name]) => checkableName(name))) return undefined
  const lines = [
    'gitvan-probe 1',
    ...(probe.head === undefined ? [] : [`head ${probe.head}`]),
    ...(probe.base === undefined ? [] : [`base ${probe.base}`]),
    ...probe.absent.map((file) => `absent ${file}`),
    ...probe.env.map(([name, value]) => (value === undefined ? `unset ${name}` : `env ${name}=${value}`)),
    ...probe.files.map((file) => `file ${file}`),
    ...probe.hashes.map((oid) => `hash ${oid}`),
  ]
  const body = `${lines.join('\n')}\n`
  return `${body}sum ${sha256(body)}\nend\n`
}

/** The probe an entry holds, or undefined when it is not intact. */
export function parseProbe(text: string): Probe | undefined {
  const match = /^([\s\S]*\n)sum ([0-9a-f]{64})\nend\n$/.exec(text)
  if (!match || sha256(match[1] as string) !== match[2]) return undefined
  const lines = (match[1] as string).slice(0, -1).split('\n')
  if (lines[0] !== 'gitvan-probe 1') return undefined
  const take = (prefix: string) =>
    lines.filter((line) => line.startsWith(`${prefix} `)).map((line) => line.slice(prefix.length + 1))
  const [head] = take('head')
  const [base] = take('base')
  if ((head === undefined) !== (base === undefined)) return undefined
  const env = [
    ...take('env').map((line): [string, string | undefined] => {
      const at = line.indexOf('=')
      return [line.slice(0, at), line.slice(at + 1)]
    }),
    ...take('unset').map((name): [string, string | undefined] => [name, undefined]),
  ]
  return {
    ...(head === undefined ? {} : { head }),
    ...(base === undefined ? {} : { base }),
    absent: take('absent'),
    env,
    files: take('file'),
    hashes: take('hash'),
  }
}
