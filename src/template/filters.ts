/**
 * The filters a git automation needs, beside LiquidJS's own (`truncate`, `upcase`, `split`, ...).
 * Pure functions of their arguments; render.ts registers them. `date` keeps LiquidJS's strftime
 * formats and adds `iso` (ISO 8601, UTC); `json` is LiquidJS's (`{{ x | json: 2 }}` indents).
 */

const words = (value: unknown): string[] =>
  String(value ?? '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)

const capital = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()

/** `Fix the Parser!` → `fix-the-parser`: lower case ASCII letters and digits joined by `-`. */
export const slug = (value: unknown): string =>
  String(value ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')

export const camel = (value: unknown): string =>
  words(value)
    .map((word, i) => (i === 0 ? word.toLowerCase() : capital(word)))
    .join('')

export const pascal = (value: unknown): string => words(value).map(capital).join('')

export const snake = (value: unknown): string =>
  words(value)
    .map((word) => word.toLowerCase())
    .join('_')

export const kebab = (value: unknown): string =>
  words(value)
    .map((word) => word.toLowerCase())
    .join('-')

/** Each word capitalised, spacing kept: `release notes` → `Release Notes`. */
export const title = (value: unknown): string =>
  String(value ?? '').replace(/[A-Za-z\u00c0-\u024f][^\s_-]*/g, (word) => capital(word))

/**
 * `{{ 'commit' | pluralize: n }}` → `commit` for 1, `commits` otherwise; `{{ 'entry' | pluralize: n, 'entries' }}`.
 */
export const pluralize = (word: unknown, count: unknown, plural?: unknown): string => {
  const singular = String(word ?? '')
  if (Number(count) === 1) return singular
  return typeof plural === 'string' ? plural : `${singular}s`
}

/** Every non-empty line indented by `n` spaces (default 2), or by the string given. */
export const indent = (value: unknown, by: unknown = 2): string => {
  const pad = typeof by === 'string' ? by : ' '.repeat(Math.max(0, Math.floor(Number(by) || 0)))
  return String(value ?? '')
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n')
}

/** The first `n` (default 7) characters of an object id. */
export const shortsha = (value: unknown, length: unknown = 7): string =>
  String(value ?? '').slice(0, Math.max(4, Math.floor(Number(length) || 7)))

/** An ISO 8601 date in UTC, or undefined when `value` is not a date. */
export function isoDate(value: unknown): string | undefined {
  const date =
    value instanceof Date
      ? value
      : value === 'now' || value === 'today'
        ? new Date()
        : new Date(typeof value === 'number' ? value : String(value ?? ''))
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

export const FILTERS = { slug, camel, pascal, snake, kebab, title, pluralize, indent, shortsha } as const
