import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatEvent, type HookEvent, parseEvent, rewrittenPairs } from '../src/event.js'

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

const event: HookEvent = {
  hook: 'post-rewrite',
  head: B,
  ref: 'refs/heads/main',
  cwd: '/tmp/some dir',
  args: ['rebase'],
  stdin: `${A} ${B}\n`,
  time: 1234,
}

describe('spool event file', () => {
  it('round-trips through formatEvent and parseEvent', () => {
    expect(parseEvent(formatEvent(event), 0)).toEqual({ ok: true, event })
  })

  it('parses what the shim writes (no time line: the mtime stands in)', () => {
    const text = `gitvan-event 1\nhook post-checkout\nhead ${A}\nref HEAD\ncwd /w\narg ${A}\narg ${B}\narg 1\nend\n`
    expect(parseEvent(text, 99)).toEqual({
      ok: true,
      event: { hook: 'post-checkout', head: A, ref: 'HEAD', cwd: '/w', args: [A, B, '1'], stdin: '', time: 99 },
    })
  })

  it('keeps stdin lines, including lines that look like fields; trailing empty lines are dropped', () => {
    const text = `gitvan-event 1\nhook post-rewrite\nhead ${A}\nref HEAD\ncwd /w\nin hook post-commit\nin \nin x y\nin \nend\n`
    const parsed = parseEvent(text, 0)
    expect(parsed.ok && parsed.event.stdin).toBe('hook post-commit\n\nx y\n')
    expect(parsed.ok && parsed.event.hook).toBe('post-rewrite')
  })

  it.each([
    ['', 'empty'],
    ['gitvan-ev', 'empty or cut short'],
    [`gitvan-event 1\nhook post-commit\nhead ${A}\n`, "no 'end' line"],
    [`gitvan-event 1\nhook post-commit\nhead ${A}\nref HEAD\ncwd /w\nend`, "no 'end' line"],
  ])('tells a file still being written from a malformed one (%#)', (text, reason) => {
    const parsed = parseEvent(text, 0)
    expect(parsed).toMatchObject({ ok: false, kind: 'incomplete' })
    expect(!parsed.ok && parsed.reason).toContain(reason)
  })

  it('accepts an empty head (unborn branch)', () => {
    expect(parseEvent(`gitvan-event 1\nhook post-checkout\nhead \nref refs/heads/main\ncwd /w\nend\n`, 0).ok).toBe(true)
  })

  it.each([
    ['not an event\n', 'line 1'],
    ['gitvan-event 2\nhook post-commit\nend\n', 'line 1'],
    [`gitvan-event 1\nhook pre-commit\nhead ${A}\nref HEAD\ncwd /w\nend\n`, 'not an async git hook'],
    [`gitvan-event 1\nhook post-commit\nhead xyz\nref HEAD\ncwd /w\nend\n`, 'not an object id'],
    [`gitvan-event 1\nhook post-commit\nhead ${A}\nref main\ncwd /w\nend\n`, 'neither HEAD nor a full ref name'],
    [`gitvan-event 1\nhook post-commit\nhead ${A}\ncwd /w\nend\n`, "'ref' line is missing"],
    [`gitvan-event 1\nhook post-commit\nhead ${A}\nref HEAD\ncwd /w\nbogus 1\nend\n`, 'line 6: unknown field "bogus"'],
    [`gitvan-event 1\nhook post-commit\nhook post-commit\nhead ${A}\nref HEAD\ncwd /w\nend\n`, "'hook' appears twice"],
    [`gitvan-event 1\nhook post-commit\nhead ${A}\nref HEAD\ncwd /w\ntime soon\nend\n`, 'not a number'],
  ])('rejects a malformed file with its reason (%#)', (text, reason) => {
    const parsed = parseEvent(text, 0)
    expect(parsed).toMatchObject({ ok: false, kind: 'malformed' })
    expect(!parsed.ok && parsed.reason).toContain(reason)
  })

  it('refuses to format a value that would break the line format', () => {
    expect(() => formatEvent({ ...event, args: ['a\nhook post-commit'] })).toThrow(/newline/)
  })

  it('reads post-rewrite pairs and skips lines that are not pairs', () => {
    expect(rewrittenPairs(`${A} ${B}\ngarbage\n${B} ${A} extra\n`)).toEqual([
      { old: A, new: B },
      { old: B, new: A },
    ])
  })

  it('is pure: imports no fs or child_process', () => {
    const source = readFileSync(path.join(import.meta.dirname, '../src/event.ts'), 'utf8')
    expect(source).not.toMatch(/node:(fs|child_process)/)
  })
})
