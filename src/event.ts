/**
 * One spool file = one async hook event. This module parses and formats the file; it does no IO,
 * so the shim (POSIX sh) and node write the same bytes and one parser judges both.
 *
 * Format, version 1 (line-based; the shim writes it with `printf` alone):
 *
 *     gitvan-event 1
 *     hook post-rewrite
 *     head <oid>            '' when HEAD could not be read (unborn branch)
 *     ref refs/heads/main   the branch HEAD named (a rebase's branch while it runs), or HEAD when detached
 *     cwd /path/of/worktree
 *     time <ms>             optional: the writer's clock; without it the file's mtime is the time
 *     arg <value>           zero or more, in order
 *     in <line>             zero or more: what git wrote on standard input, line by line
 *     end                   the file is complete
 *
 * Why an `end` line rather than write-to-temp-and-rename: in the shim, `mv` is the only process
 * it would start, and it cost about as much as the rest of the shim together (~1.4 ms here). So
 * the shim writes the final name directly and the `end` line says it is done; a file without it
 * is `incomplete` (still being written, or its writer was killed), which the runner tells apart
 * from a malformed one. Standard input is kept as lines: the hooks that have one (post-rewrite,
 * reference-transaction) write newline-terminated lines, and trailing empty lines are dropped.
 *
 * A file that does not follow this is rejected with a reason that names the line; the runner moves
 * it aside (spool/bad/) instead of guessing.
 */
import { type AsyncHook, isAsyncHook } from './hooks.js'
import { branchOf, isObjectId } from './names.js'

export type HookEvent = {
  readonly hook: AsyncHook
  /** HEAD when the hook ran, or '' when it could not be read. */
  readonly head: string
  /** `refs/heads/<branch>`, or `HEAD` when detached. */
  readonly ref: string
  /** The working tree the hook ran in (linked worktrees share one spool). */
  readonly cwd: string
  readonly args: readonly string[]
  readonly stdin: string
  /** When the event happened, ms since the epoch. */
  readonly time: number
}

export type ParsedEvent =
  | { readonly ok: true; readonly event: HookEvent }
  /** `incomplete`: no `end` line (yet); `malformed`: it will never parse. */
  | { readonly ok: false; readonly kind: 'incomplete' | 'malformed'; readonly reason: string }

export const EVENT_HEADER = 'gitvan-event 1'

const fail = (reason: string): ParsedEvent => ({ ok: false, kind: 'malformed', reason })

/** Parses a spool file's text; `fallbackTime` (the file's mtime) is used when it has no `time` line. */
export function parseEvent(text: string, fallbackTime: number): ParsedEvent {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  if (lines[0] !== EVENT_HEADER) {
    if (EVENT_HEADER.startsWith(lines[0] ?? '') && lines.length <= 1)
      return { ok: false, kind: 'incomplete', reason: 'the file is empty or cut short' }
    return fail(
      `line 1 is ${JSON.stringify((lines[0] ?? '').slice(0, 40))}, expected '${EVENT_HEADER}' (not a gitvan event, or a newer format)`,
    )
  }
  if (lines.at(-1) !== 'end' || !text.endsWith('\n'))
    return { ok: false, kind: 'incomplete', reason: "no 'end' line: the writer has not finished (or was stopped)" }
  lines.pop()
  const fields = new Map<string, string>()
  const args: string[] = []
  const input: string[] = []
  for (const [index, line] of lines.entries()) {
    if (index === 0) continue
    const space = line.indexOf(' ')
    const key = space === -1 ? line : line.slice(0, space)
    const value = space === -1 ? '' : line.slice(space + 1)
    if (key === 'arg') {
      args.push(value)
    } else if (key === 'in') {
      input.push(value)
    } else if (key === 'hook' || key === 'head' || key === 'ref' || key === 'cwd' || key === 'time') {
      if (fields.has(key)) return fail(`line ${index + 1}: '${key}' appears twice`)
      fields.set(key, value)
    } else {
      return fail(`line ${index + 1}: unknown field ${JSON.stringify(key.slice(0, 40))}`)
    }
  }
  for (const key of ['hook', 'head', 'ref', 'cwd']) {
    if (!fields.has(key)) return fail(`the '${key}' line is missing`)
  }
  const hook = fields.get('hook') ?? ''
  if (!isAsyncHook(hook)) return fail(`hook ${JSON.stringify(hook)} is not an async git hook`)
  const headOid = fields.get('head') ?? ''
  if (headOid !== '' && !isObjectId(headOid))
    return fail(`head ${JSON.stringify(headOid.slice(0, 80))} is not an object id`)
  const ref = fields.get('ref') ?? ''
  if (ref !== 'HEAD' && !ref.startsWith('refs/'))
    return fail(`ref ${JSON.stringify(ref.slice(0, 80))} is neither HEAD nor a full ref name`)
  const timeText = fields.get('time')
  const time = timeText === undefined ? fallbackTime : Number(timeText)
  if (!Number.isFinite(time) || time < 0)
    return fail(`time ${JSON.stringify(timeText)} is not a number of milliseconds`)
  while (input.at(-1) === '') input.pop()
  const stdin = input.length === 0 ? '' : `${input.join('\n')}\n`
  return { ok: true, event: { hook, head: headOid, ref, cwd: fields.get('cwd') ?? '', args, stdin, time } }
}

/** The file text for an event; `parseEvent(formatEvent(e), t)` gives `e` back (stdin as newline-terminated lines). */
export function formatEvent(event: HookEvent): string {
  for (const [name, value] of [['ref', event.ref], ['cwd', event.cwd], ...event.args.map((arg) => ['arg', arg])]) {
    if (value?.includes('\n')) throw new Error(`event ${name} contains a newline: ${JSON.stringify(value)}`)
  }
  const lines = [
    EVENT_HEADER,
    `hook ${event.hook}`,
    `head ${event.head}`,
    `ref ${event.ref}`,
    `cwd ${event.cwd}`,
    `time ${event.time}`,
    ...event.args.map((arg) => `arg ${arg}`),
    ...(event.stdin === ''
      ? []
      : event.stdin
          .replace(/\n$/, '')
          .split('\n')
          .map((line) => `in ${line}`)),
    'end',
  ]
  return `${lines.join('\n')}\n`
}

/** The branch an event happened on (`main`), or undefined when HEAD was detached. */
export const eventBranch = (event: HookEvent): string | undefined => branchOf(event.ref)

/** The `old new` pairs of a post-rewrite event, in git's order. Malformed lines are skipped. */
export function rewrittenPairs(stdin: string): readonly { readonly old: string; readonly new: string }[] {
  const pairs: { old: string; new: string }[] = []
  for (const line of stdin.split('\n')) {
    const [oldOid, newOid] = line.split(' ')
    if (oldOid !== undefined && newOid !== undefined && isObjectId(oldOid) && isObjectId(newOid))
      pairs.push({ old: oldOid, new: newOid })
  }
  return pairs
}
