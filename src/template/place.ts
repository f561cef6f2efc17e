/**
 * Where a rendered document goes in its target file (Hygen's front matter, as GitVan v2 used it),
 * decided against the file's current text. Pure, so the publisher can apply it again on a newer
 * output commit when another runner moved the ref first: the result is always built on the text
 * that is really there, and no runner's injection is lost.
 *
 * - A plain document creates its file; an existing file with other text is kept unless `force`.
 * - An injection (`inject: true` with `before` / `after` a marker, or `prepend` / `append`) edits an
 *   existing file: a marker is a string found in a line, or `/regex/flags` tested line by line;
 *   the text goes on the lines before or after the first line that matches. A file that does not
 *   exist, or a marker that no line has, injects nothing.
 * - Injection is idempotent: with `skip_if`, a file that already matches it is left alone; without
 *   it, a file that already holds the injected text (as a whole) is left alone. So a forced re-run
 *   never adds a line twice.
 */

/** A marker as front matter gives it: text, or `/source/flags`. */
export type Marker = { readonly text: string } | { readonly regex: string; readonly flags: string }

export type Placement =
  | { readonly kind: 'file'; readonly force: boolean }
  | {
      readonly kind: 'inject'
      readonly at:
        | { readonly before: Marker }
        | { readonly after: Marker }
        | { readonly prepend: true }
        | { readonly append: true }
      readonly skipIf?: Marker
    }

/**
 * One file a job writes: rendered from a template document (`source` is `file:line` of its front
 * matter) or given to `ctx.write`. Plain JSON, so a result that carries it can be stored.
 */
export type OutputWrite = {
  readonly path: string
  readonly content: string
  readonly placement: Placement
  readonly source: string
}

export type Placed =
  /** The file's new text. */
  | { readonly kind: 'write'; readonly content: string }
  /** The file already reads as it should. */
  | { readonly kind: 'same' }
  /** Nothing is written, for this reason. */
  | { readonly kind: 'skip'; readonly why: string }

/** `/source/flags` → a regex marker; any other string is text to find. */
export function toMarker(value: string): Marker {
  const match = /^\/(.+)\/([a-z]*)$/s.exec(value)
  return match ? { regex: match[1] as string, flags: (match[2] as string).replace(/g/g, '') } : { text: value }
}

/** Why a marker cannot be used (a regular expression that does not compile), or undefined. */
export function markerProblem(marker: Marker): string | undefined {
  if ('text' in marker) return marker.text === '' ? 'is empty' : undefined
  try {
    new RegExp(marker.regex, marker.flags)
    return undefined
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`
  }
}

const tester = (marker: Marker): ((text: string) => boolean) => {
  if ('text' in marker) return (text) => text.includes(marker.text)
  const regex = new RegExp(marker.regex, marker.flags)
  return (text) => regex.test(text)
}

export const describeMarker = (marker: Marker): string =>
  'text' in marker ? JSON.stringify(marker.text) : `/${marker.regex}/${marker.flags}`

/** The text `write` leaves in a file that holds `existing` (undefined: no such file). */
export function place(existing: string | undefined, write: OutputWrite): Placed {
  const { placement, content } = write
  if (placement.kind === 'file') {
    if (existing === undefined || (placement.force && existing !== content)) return { kind: 'write', content }
    if (existing === content) return { kind: 'same' }
    return { kind: 'skip', why: `${write.path} exists with other content; set 'force: true' to overwrite it` }
  }
  if (existing === undefined) return { kind: 'skip', why: `${write.path} does not exist, so nothing is injected` }
  const block = content.endsWith('\n') ? content.slice(0, -1) : content
  if (block === '') return { kind: 'same' }
  if (placement.skipIf ? tester(placement.skipIf)(existing) : existing.includes(block)) return { kind: 'same' }
  const at = placement.at
  if ('prepend' in at) return { kind: 'write', content: `${block}\n${existing}` }
  if ('append' in at)
    return {
      kind: 'write',
      content: `${existing}${existing === '' || existing.endsWith('\n') ? '' : '\n'}${block}\n`,
    }
  const marker = 'before' in at ? at.before : at.after
  const lines = existing.split('\n')
  const test = tester(marker)
  // The last element is what follows the last newline ('' for a file ending in one): not a line.
  const found = lines.findIndex((line, i) => (i < lines.length - 1 || line !== '') && test(line))
  if (found < 0)
    return { kind: 'skip', why: `no line of ${write.path} matches ${describeMarker(marker)}, so nothing is injected` }
  const insertAt = 'before' in at ? found : found + 1
  lines.splice(insertAt, 0, ...block.split('\n'))
  return { kind: 'write', content: lines.join('\n') }
}
