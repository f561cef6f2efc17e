/**
 * The vocabulary of config validation: a problem is a value `{ path, message }` (plus the file, for
 * a job under jobs/), collected rather than thrown so one run reports every problem at once. Each
 * check names the option by its path and echoes what it received with its type.
 */
import { didYouMean } from './suggest.js'
import { parseDuration, parseSize } from './units.js'

export type Problem = {
  /** Where, as the user would write it: `jobs.lint.on.hook`, `jobs['docs.changelog'].priority`. */
  readonly path: string
  readonly message: string
  /** The file the problem is in, relative to the root, when it is not the config file (a job under jobs/). */
  readonly file?: string
}

export type Problems = {
  readonly list: Problem[]
  /** The file problems reported now belong to (undefined: the config file). */
  file: string | undefined
}

export const newProblems = (): Problems => ({ list: [], file: undefined })

export function report(problems: Problems, path: string, message: string): void {
  problems.list.push(problems.file === undefined ? { path, message } : { path, message, file: problems.file })
}

/** `jobs.lint`, or `jobs['docs.changelog']` when the key would not read as one path segment. */
export const child = (path: string, key: string): string =>
  /^[A-Za-z_$][\w$-]*$/.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${quote(key)}]`

export const index = (path: string, i: number): string => `${path}[${i}]`

const quote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isRegExp(value)

/** Works across realms, unlike `instanceof`. */
export const isRegExp = (value: unknown): value is RegExp => Object.prototype.toString.call(value) === '[object RegExp]'

/** What was received, with its type: `'high' (string)`, `5 (number)`, `['a'] (array)`, `a function`. */
export function received(value: unknown): string {
  return `${show(value, 2)}${typeName(value)}`
}

const typeName = (value: unknown): string => {
  if (value === null || value === undefined || typeof value === 'function') return ''
  if (Array.isArray(value)) return ' (array)'
  if (isRegExp(value)) return ' (RegExp)'
  return ` (${typeof value})`
}

function show(value: unknown, depth: number): string {
  if (typeof value === 'string') return quote(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value !== 'object' || value === null) return String(value)
  if (isRegExp(value)) return String(value)
  if (depth === 0) return Array.isArray(value) ? '[...]' : '{...}'
  if (Array.isArray(value)) {
    const items = value.slice(0, 4).map((item) => show(item, depth - 1))
    return `[${items.join(', ')}${value.length > 4 ? ', ...' : ''}]`
  }
  const keys = Object.keys(value)
  const entries = keys.slice(0, 4).map((key) => `${key}: ${show((value as Record<string, unknown>)[key], depth - 1)}`)
  return keys.length === 0 ? '{}' : `{ ${entries.join(', ')}${keys.length > 4 ? ', ...' : ''} }`
}

/** Reports every key of `value` that is not in `known`, with the closest known key as a hint. */
export function checkKeys(
  problems: Problems,
  path: string,
  value: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) report(problems, child(path, key), `unknown option${didYouMean(key, known)}`)
  }
}

/** An object, or a problem; undefined (absent) passes as undefined. */
export function checkRecord(
  problems: Problems,
  path: string,
  value: unknown,
  expected = 'an object',
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined
  if (isRecord(value)) return value
  report(problems, path, `expected ${expected}, got ${received(value)}`)
  return undefined
}

type NumberRule = 'any' | 'nonNegative' | 'nonNegativeInteger' | 'positiveInteger'

const NUMBER_EXPECTED: Readonly<Record<NumberRule, string>> = {
  any: 'a number',
  nonNegative: 'a non-negative number',
  nonNegativeInteger: 'a non-negative integer',
  positiveInteger: 'a positive integer',
}

const fits = (value: number, rule: NumberRule): boolean => {
  if (!Number.isFinite(value)) return false
  if (rule === 'any') return true
  if (rule === 'nonNegative') return value >= 0
  if (rule === 'nonNegativeInteger') return Number.isInteger(value) && value >= 0
  return Number.isInteger(value) && value > 0
}

export function checkNumber(problems: Problems, path: string, value: unknown, rule: NumberRule): void {
  if (value === undefined) return
  if (typeof value !== 'number') report(problems, path, `expected a number, got ${received(value)}`)
  else if (!fits(value, rule)) report(problems, path, `expected ${NUMBER_EXPECTED[rule]}, got ${received(value)}`)
}

export function checkBoolean(problems: Problems, path: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean')
    report(problems, path, `expected true or false, got ${received(value)}`)
}

export function checkString(problems: Problems, path: string, value: unknown): void {
  if (value === undefined) return
  if (typeof value !== 'string') report(problems, path, `expected a string, got ${received(value)}`)
  else if (value.trim() === '') report(problems, path, 'expected a non-empty string, got an empty one')
}

/** A string, or a list of non-empty strings (globs, template paths). */
export function checkStrings(problems: Problems, path: string, value: unknown, allowSingle: boolean): void {
  if (value === undefined) return
  if (allowSingle && typeof value === 'string') {
    checkString(problems, path, value)
    return
  }
  if (!Array.isArray(value)) {
    report(
      problems,
      path,
      `expected ${allowSingle ? 'a string or a list of strings' : 'a list of strings'}, got ${received(value)}`,
    )
    return
  }
  for (const [i, item] of value.entries()) checkString(problems, index(path, i), item)
}

export function checkDuration(problems: Problems, path: string, value: unknown, positive = false): void {
  if (value === undefined) return
  const ms = parseDuration(value)
  if (ms === undefined) {
    report(
      problems,
      path,
      `expected a duration such as '500ms', '30s', '5m', '1h', '30d' or a number of milliseconds, got ${received(value)}`,
    )
  } else if (positive && ms <= 0) {
    report(problems, path, `expected a duration above zero, got ${received(value)}`)
  }
}

export function checkSize(problems: Problems, path: string, value: unknown): void {
  if (value !== undefined && parseSize(value) === undefined) {
    report(
      problems,
      path,
      `expected a size such as '512KB', '256MB', '1GB' or a number of bytes, got ${received(value)}`,
    )
  }
}

/** A regular expression: a RegExp, or a string that compiles to one. */
export function checkPattern(problems: Problems, path: string, value: unknown): void {
  if (value === undefined || isRegExp(value)) return
  if (typeof value !== 'string') {
    report(problems, path, `expected a regular expression (a RegExp or a string), got ${received(value)}`)
    return
  }
  try {
    new RegExp(value)
  } catch (error) {
    report(problems, path, `${received(value)} is not a valid regular expression: ${(error as Error).message}`)
  }
}
