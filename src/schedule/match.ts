/**
 * Does a job's trigger apply? Pure: the caller gathers the facts (hook, branch, tag, message,
 * author, changed paths) and this module only compares. Blocking gates and the async planner use
 * the same rules, so a job runs on the same commits whichever path sees them.
 *
 * Globs (`branch`, `tag`, `paths`) follow picomatch with `dot: true` (a dotfile is a file like any
 * other) and the regex flag `s`: git allows a newline in a path, and without it `**` would not
 * match such a path. In a list, plain globs include and `!globs` exclude: a value matches when it matches at
 * least one include (or there is none) and no exclude. Order does not matter, so
 * `['src/**', '!src/gen/**']` and `['!src/gen/**', 'src/**']` mean the same. An empty list
 * matches everything, and a filter a trigger does not set never excludes.
 */
import picomatch from 'picomatch'
import type { Trigger } from '../types.js'

/** What is known about the event a trigger is tested against. */
export type TriggerFacts = {
  readonly hook: string
  /** The branch (`main`), or undefined on a detached HEAD. */
  readonly branch?: string | undefined
  /** The tag (`v1.2.0`) when the event is about a tag. */
  readonly tag?: string | undefined
  /** The full commit message. */
  readonly message?: string | undefined
  /** `Name <email>`. */
  readonly author?: string | undefined
}

type Test = (value: string) => boolean

const OPTIONS = { dot: true, flags: 's' } as const

const compiled = new Map<string, Test>()

/** One predicate for a list of globs; compiled once per distinct list. */
export function globTest(globs: readonly string[]): Test {
  const key = JSON.stringify(globs)
  const cached = compiled.get(key)
  if (cached) return cached
  const include = globs.filter((glob) => !glob.startsWith('!'))
  const exclude = globs.filter((glob) => glob.startsWith('!')).map((glob) => glob.slice(1))
  const included: Test = include.length === 0 ? () => true : picomatch(include, OPTIONS)
  const excluded: Test = exclude.length === 0 ? () => false : picomatch(exclude, OPTIONS)
  const test: Test = (value) => included(value) && !excluded(value)
  compiled.set(key, test)
  return test
}

/** The files that match `globs`, in their given order; an empty `globs` keeps every file. */
export function matchFiles(globs: readonly string[], files: readonly string[]): readonly string[] {
  if (globs.length === 0) return files
  const test = globTest(globs)
  return files.filter((file) => test(file))
}

const matchesGlobs = (globs: readonly string[], value: string | undefined): boolean =>
  globs.length === 0 || (value !== undefined && globTest(globs)(value))

const matchesPattern = (pattern: RegExp | undefined, value: string | undefined): boolean => {
  if (pattern === undefined) return true
  if (value === undefined) return false
  pattern.lastIndex = 0 // a /g or /y pattern keeps state between calls; every test starts fresh
  return pattern.test(value)
}

/**
 * Whether `trigger` fires for these facts: the hook is one of the trigger's, and every filter the
 * trigger sets matches. A filter on something the event does not know (a `tag` filter on a commit
 * that is not about a tag, a `message` filter in pre-commit) does not match. `paths` is not tested
 * here: the caller matches files with `matchFiles`, since it also needs the matches themselves.
 */
export function matchTrigger(trigger: Trigger, facts: TriggerFacts): boolean {
  return (
    (trigger.hooks as readonly string[]).includes(facts.hook) &&
    matchesGlobs(trigger.branch, facts.branch) &&
    matchesGlobs(trigger.tag, facts.tag) &&
    matchesPattern(trigger.message, facts.message) &&
    matchesPattern(trigger.author, facts.author)
  )
}
