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
 *   file <path>       a file whose blob id is checked (the config, each declared input)
 *   hash <oid>        `git hash-object -- <cli> <file>...`, one line per file, the CLI first
 *   sum <sha256>      of every line above (checked by `gitvan cache verify`, not by the shim)
 *   end
 *
 * The shim answers 0 only when the entry ends with `end`, HEAD matches, no `absent` file exists
 * and the blob ids are the same; anything else goes on to node. Paths are relative to the
 * top level (the hook's working directory) and cannot hold a newline (such a config is not probed).
 */
import { sha256 } from './key.js'

export const PROBE_HOOKS = ['pre-commit'] as const

export type Probe = {
  readonly head: string
  /** HEAD's tree ('none' on an unborn branch). */
  readonly base: string
  readonly absent: readonly string[]
  readonly files: readonly string[]
  /** Blob ids of the CLI, then of each of `files`. */
  readonly hashes: readonly string[]
}

/** `head` value for HEAD's first line: the line itself for a branch, 'detached' otherwise. */
export const probeHead = (headLine: string): string => (headLine.startsWith('ref: ') ? headLine : 'detached')

export const probePath = (hook: string, tree: string): string => `probe/${hook}/${tree}`

export function renderProbe(probe: Probe): string | undefined {
  const values = [probe.head, probe.base, ...probe.absent, ...probe.files, ...probe.hashes]
  if (values.some((value) => value.includes('\n') || value.includes('\r'))) return undefined
  const lines = [
    'gitvan-probe 1',
    `head ${probe.head}`,
    `base ${probe.base}`,
    ...probe.absent.map((file) => `absent ${file}`),
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
  if (head === undefined) return undefined
  const [base] = take('base')
  if (base === undefined) return undefined
  return { head, base, absent: take('absent'), files: take('file'), hashes: take('hash') }
}
