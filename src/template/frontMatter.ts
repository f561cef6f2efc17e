/**
 * A template file is one or more documents, each a front matter block between `---` lines and the
 * body after it (Hygen's layout, as GitVan v2 used it):
 *
 *     ---
 *     to: notes/{{ commit.short }}.md
 *     ---
 *     # {{ commit.subject }}
 *
 * A `---` line starts the next document only when the line after it reads `key:` and another `---`
 * closes the block; any other `---` (a Markdown rule) is body text. Each document keeps the line
 * of the file its front matter and body start on, so an error is reported at its line in the file.
 *
 * Keys: `to` (the output path), `force`, `inject` with one of `before` / `after` / `prepend` /
 * `append`, `skip_if`, `when`. Pure: the YAML is parsed by the caller, which renders it first.
 */
import { type Marker, markerProblem, type Placement, toMarker } from './place.js'

export type RawDocument = {
  /** The front matter's text (without the `---` lines). */
  readonly frontMatter: string
  /** 1-based line of the file where the front matter's first line is. */
  readonly frontMatterLine: number
  readonly body: string
  /** 1-based line of the file where the body starts. */
  readonly bodyLine: number
}

export type Located = { readonly message: string; readonly line: number }

export const FRONT_MATTER_KEYS = [
  'to',
  'force',
  'inject',
  'before',
  'after',
  'prepend',
  'append',
  'skip_if',
  'when',
] as const

export type FrontMatter = {
  /** The output path; '' renders no file (Hygen's way to skip one). */
  readonly to: string
  readonly placement: Placement
  /** A Liquid expression (or a boolean): false skips the document. */
  readonly when: string | boolean | undefined
}

const FENCE = /^---[ \t]*\r?$/
const KEY_LINE = /^[A-Za-z_][\w-]*[ \t]*:/

/** The documents of a template file, or where its layout is broken. */
export function splitDocuments(text: string): { readonly documents: readonly RawDocument[] } | Located {
  const lines = text.replace(/^\uFEFF/, '').split('\n')
  if (!FENCE.test(lines[0] ?? ''))
    return {
      line: 1,
      message: "does not start with front matter: the first line must be '---', then 'to: <output path>', then '---'",
    }
  const documents: RawDocument[] = []
  let at = 0 // index of the opening fence of the current document
  for (;;) {
    const close = lines.findIndex((line, i) => i > at && FENCE.test(line))
    if (close < 0) return { line: at + 1, message: "has front matter that is never closed (no second '---' line)" }
    let next = -1
    for (let i = close + 1; i < lines.length; i++) {
      if (!FENCE.test(lines[i] as string) || !KEY_LINE.test(lines[i + 1] ?? '')) continue
      if (lines.findIndex((line, j) => j > i + 1 && FENCE.test(line)) > 0) {
        next = i
        break
      }
    }
    const bodyLines = lines.slice(close + 1, next < 0 ? lines.length : next)
    documents.push({
      frontMatter: lines.slice(at + 1, close).join('\n'),
      frontMatterLine: at + 2,
      body: next < 0 ? bodyLines.join('\n') : `${bodyLines.join('\n')}\n`.replace(/^\n$/, ''),
      bodyLine: close + 2,
    })
    if (next < 0) return { documents }
    at = next
  }
}

/** The line (1-based, in the file) where `key:` is written in a document's front matter. */
export function keyLine(document: RawDocument, key: string): number {
  const index = document.frontMatter.split('\n').findIndex((line) => line.replace(/^\s+/, '').startsWith(`${key}:`))
  return document.frontMatterLine + Math.max(0, index)
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'string' ? `'${value}'` : typeof value

/** The parsed front matter's keys, checked; the first problem is reported at its line. */
export function toFrontMatter(attributes: unknown, document: RawDocument): FrontMatter | Located {
  const at = (key: string, message: string): Located => ({ line: keyLine(document, key), message })
  if (attributes === null || attributes === undefined) return at('to', "front matter needs 'to: <output path>'")
  if (!isRecord(attributes))
    return {
      line: document.frontMatterLine,
      message: `front matter must be 'key: value' lines, got ${typeName(attributes)}`,
    }
  for (const key of Object.keys(attributes)) {
    if (!(FRONT_MATTER_KEYS as readonly string[]).includes(key))
      return at(key, `unknown front matter key '${key}' (known: ${FRONT_MATTER_KEYS.join(', ')})`)
  }
  const { to, force, inject, before, after, prepend, append, skip_if: skipIf, when } = attributes
  if (to === undefined || to === null) return at('to', "front matter needs 'to: <output path>'")
  if (typeof to !== 'string') return at('to', `'to' must be a path, got ${typeName(to)}`)
  for (const [key, value] of Object.entries({ force, inject, prepend, append }))
    if (value !== undefined && typeof value !== 'boolean')
      return at(key, `'${key}' must be true or false, got ${typeName(value)}`)
  for (const [key, value] of Object.entries({ before, after, skip_if: skipIf }))
    if (value !== undefined && typeof value !== 'string')
      return at(key, `'${key}' must be a string or /regex/, got ${typeName(value)}`)
  if (when !== undefined && typeof when !== 'string' && typeof when !== 'boolean')
    return at('when', `'when' must be a Liquid expression or true/false, got ${typeName(when)}`)
  const whenValue = when as string | boolean | undefined
  const where = Object.entries({ before, after, prepend: prepend || undefined, append: append || undefined }).filter(
    ([, value]) => value !== undefined,
  )
  if (inject !== true) {
    const stray = where[0]?.[0] ?? (skipIf !== undefined ? 'skip_if' : undefined)
    if (stray) return at(stray, `'${stray}' places an injection: add 'inject: true'`)
    return { to, placement: { kind: 'file', force: force === true }, when: whenValue }
  }
  if (where.length !== 1)
    return at(
      'inject',
      where.length === 0
        ? "'inject: true' needs one of 'before', 'after' (a marker or /regex/), 'prepend: true' or 'append: true'"
        : `'inject: true' takes one of before, after, prepend, append; got ${where.map(([key]) => key).join(' and ')}`,
    )
  const [key, value] = where[0] as [string, unknown]
  const markerOf = (name: string, text: string): Marker | Located => {
    const marker = toMarker(text)
    const problem = markerProblem(marker)
    return problem ? at(name, `'${name}' ${problem}`) : marker
  }
  let extra: { readonly skipIf?: Marker } = {}
  if (typeof skipIf === 'string') {
    const skip = markerOf('skip_if', skipIf)
    if ('message' in skip) return skip
    extra = { skipIf: skip }
  }
  if (key === 'prepend') return { to, placement: { kind: 'inject', at: { prepend: true }, ...extra }, when: whenValue }
  if (key === 'append') return { to, placement: { kind: 'inject', at: { append: true }, ...extra }, when: whenValue }
  const marker = markerOf(key, value as string)
  if ('message' in marker) return marker
  return {
    to,
    placement: { kind: 'inject', at: key === 'before' ? { before: marker } : { after: marker }, ...extra },
    when: whenValue,
  }
}
