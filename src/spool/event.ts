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
 *     stdin                 optional: every byte after this line is what git wrote on standard input
 *
 * A file that does not follow this is rejected with a reason that names the line; the runner moves
 * it aside (spool/bad/) instead of guessing.
 */
import { isAsyncHook, type AsyncHook } from '../hook/catalog.js'

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
  | { readonly ok: false; readonly reason: string }

export const EVENT_HEADER = 'gitvan-event 1'

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

const fail = (reason: string): ParsedEvent => ({ ok: false, reason })

/** Parses a spool file's text; `fallbackTime` (the file's mtime) is used when it has no `time` line. */
export function parseEvent(text: string, fallbackTime: number): ParsedEvent {
  const stdinAt = text.startsWith('stdin\n') ? 0 : text.indexOf('\nstdin\n')
  const head = stdinAt === -1 ? text : text.slice(0, stdinAt)
  const stdin = stdinAt === -1 ? '' : text.slice(stdinAt + (stdinAt === 0 ? 6 : 7))
  const lines = head.split('\n')
  if (lines.at(-1) === '') lines.pop()
  if (lines[0] !== EVENT_HEADER) {
    return fail(`line 1 is ${JSON.stringify((lines[0] ?? '').slice(0, 40))}, expected '${EVENT_HEADER}' (not a gitvan event, or a newer format)`)
  }
  const fields = new Map<string, string>()
  const args: string[] = []
  for (const [index, line] of lines.entries()) {
    if (index === 0) continue
    const space = line.indexOf(' ')
    const key = space === -1 ? line : line.slice(0, space)
    const value = space === -1 ? '' : line.slice(space + 1)
    if (key === 'arg') {
      args.push(value)
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
  if (headOid !== '' && !OID.test(headOid)) return fail(`head ${JSON.stringify(headOid.slice(0, 80))} is not an object id`)
  const ref = fields.get('ref') ?? ''
  if (ref !== 'HEAD' && !ref.startsWith('refs/')) return fail(`ref ${JSON.stringify(ref.slice(0, 80))} is neither HEAD nor a full ref name`)
  const timeText = fields.get('time')
  const time = timeText === undefined ? fallbackTime : Number(timeText)
  if (!Number.isFinite(time) || time < 0) return fail(`time ${JSON.stringify(timeText)} is not a number of milliseconds`)
  return { ok: true, event: { hook, head: headOid, ref, cwd: fields.get('cwd') ?? '', args, stdin, time } }
}

/** The file text for an event; `parseEvent(formatEvent(e), t)` gives `e` back. */
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
  ]
  return `${lines.join('\n')}\nstdin\n${event.stdin}`
}

/** The branch an event happened on (`main`), or undefined when HEAD was detached. */
export const eventBranch = (event: HookEvent): string | undefined =>
  event.ref.startsWith('refs/heads/') ? event.ref.slice('refs/heads/'.length) : undefined

/** The `old new` pairs of a post-rewrite event, in git's order. Malformed lines are skipped. */
export function rewrittenPairs(stdin: string): readonly { readonly old: string; readonly new: string }[] {
  const pairs: { old: string; new: string }[] = []
  for (const line of stdin.split('\n')) {
    const [oldOid, newOid] = line.split(' ')
    if (oldOid !== undefined && newOid !== undefined && OID.test(oldOid) && OID.test(newOid)) pairs.push({ old: oldOid, new: newOid })
  }
  return pairs
}
