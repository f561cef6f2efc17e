/**
 * What one job may say, checked without stopping at the first problem: its id (a single ref
 * component), its trigger (real, runnable hooks; globs; regular expressions), what it runs, and
 * its knobs. Pure.
 */

import { checkRefComponent, checkRefName, fixRefComponent } from '../git/refname.js'
import { ASYNC_HOOKS, GIT_HOOKS, isAsyncHook, isBlockingHook, isRunnableHook, RUNNABLE_HOOKS } from '../hooks.js'
import { parseCommand } from '../job/command.js'
import {
  checkBoolean,
  checkDuration,
  checkKeys,
  checkNumber,
  checkPattern,
  checkRecord,
  checkString,
  checkStrings,
  child,
  index,
  isRecord,
  type Problems,
  received,
  report,
} from './problems.js'
import { didYouMean, suggest } from './suggest.js'

export const JOB_KEYS = [
  'on',
  'run',
  'template',
  'templates',
  'mode',
  'priority',
  'timeout',
  'retries',
  'cache',
  'output',
  'fix',
  'after',
  'cwd',
  'description',
] as const
const TRIGGER_KEYS = ['hook', 'branch', 'tag', 'paths', 'message', 'author'] as const
const MODES = ['each', 'latest', 'batch'] as const

/** Refs gitvan writes itself; an output there would corrupt locks or receipts. */
const RESERVED_REFS = ['refs/gitvan/locks/', 'refs/notes/gitvan/']

/** Hooks that run in the repository pushed to, never in a working clone. */
const SERVER_HOOKS = ['pre-receive', 'update', 'proc-receive', 'post-receive', 'post-update', 'push-to-checkout']

/** A job id names refs (`refs/gitvan/locks/<id>/<commit>`), so it must be one valid ref component. */
export function checkJobId(problems: Problems, path: string, id: string, fromFile: boolean): void {
  const reason = checkRefComponent(id)
  if (reason === undefined) return
  const fix = fixRefComponent(id)
  const what = fromFile ? `rename the file so its id reads '${fix}'` : `use '${fix}'`
  // A control character (a newline) would break the message's line: show it escaped.
  const shown = /[\u0000-\u001f\u007f]/.test(id) ? JSON.stringify(id) : `'${id}'`
  report(
    problems,
    path,
    `job id ${shown} ${reason}; an id names refs (refs/gitvan/locks/<id>/<commit>), so it must be one valid ref name component: ${what}`,
  )
}

function checkHook(problems: Problems, path: string, value: unknown): void {
  if (typeof value !== 'string') {
    report(problems, path, `expected a hook name such as 'pre-commit' or 'post-commit', got ${received(value)}`)
  } else if (isRunnableHook(value)) {
    return
  } else if (SERVER_HOOKS.includes(value)) {
    report(
      problems,
      path,
      `'${value}' runs on the server side (in the repository pushed to); gitvan runs jobs on client-side hooks only`,
    )
  } else if (GIT_HOOKS.includes(value)) {
    report(
      problems,
      path,
      `'${value}' is a git hook gitvan does not run jobs on (supported: ${RUNNABLE_HOOKS.join(', ')})`,
    )
  } else {
    report(problems, path, `'${value}' is not a git hook${didYouMean(value, RUNNABLE_HOOKS)}`)
  }
}

function checkHooks(problems: Problems, path: string, value: unknown): void {
  if (!Array.isArray(value)) {
    checkHook(problems, path, value)
    return
  }
  if (value.length === 0) report(problems, path, 'expected at least one hook name, got [] (array)')
  for (const [i, hook] of value.entries()) checkHook(problems, index(path, i), hook)
}

/** The hook names of a trigger, whatever its form; anything malformed is left out (it is reported elsewhere). */
export function triggerHooks(on: unknown): readonly string[] {
  const hooks = isRecord(on) ? on.hook : on
  const list: unknown[] = Array.isArray(hooks) ? hooks : [hooks]
  return list.filter((hook): hook is string => typeof hook === 'string')
}

function checkTrigger(problems: Problems, path: string, on: unknown): void {
  if (typeof on === 'string' || Array.isArray(on)) {
    checkHooks(problems, path, on)
    return
  }
  if (!isRecord(on)) {
    report(
      problems,
      path,
      `expected a hook name, a list of them, or { hook, branch, tag, paths, message, author }, got ${received(on)}`,
    )
    return
  }
  checkKeys(problems, path, on, TRIGGER_KEYS)
  if (on.hook === undefined) report(problems, path, "needs 'hook' (a hook name or a list of them)")
  else checkHooks(problems, child(path, 'hook'), on.hook)
  for (const key of ['branch', 'tag', 'paths'] as const) checkStrings(problems, child(path, key), on[key], true)
  for (const key of ['message', 'author'] as const) checkPattern(problems, child(path, key), on[key])
}

const PLACEHOLDERS = ['files', 'args', 'commit', 'branch', 'root']

/** A command must split into argv now, not fail at its first run; `{file}` is most likely a typo of `{files}`. */
function checkRun(problems: Problems, path: string, run: unknown): void {
  if (run === undefined || typeof run === 'function') return
  const problem =
    typeof run !== 'string'
      ? `expected a command (string) or a function, got ${received(run)}`
      : run.trim() === ''
        ? 'expected a command, got an empty string'
        : undefined
  if (problem !== undefined || typeof run !== 'string') {
    report(problems, path, problem ?? '')
    return
  }
  const parsed = parseCommand(run)
  if (!parsed.ok) {
    report(problems, path, parsed.problem)
    return
  }
  for (const [text, name = ''] of run.matchAll(/\{([A-Za-z]+)\}/g)) {
    const close = PLACEHOLDERS.includes(name) ? undefined : suggest(name, PLACEHOLDERS)
    if (close !== undefined)
      report(
        problems,
        path,
        `'${text}' is not a placeholder (did you mean '{${close}}'?); the placeholders are ${PLACEHOLDERS.map((name) => `{${name}}`).join(', ')}`,
      )
  }
}

/** Keys of GitVan v2's job files, and what to write instead. */
const V2_KEYS: Readonly<Record<string, string>> = { meta: "GitVan v2's 'meta': use 'description' for the text" }

function checkJobKeys(problems: Problems, path: string, job: Record<string, unknown>): void {
  for (const key of Object.keys(job)) {
    const hint = V2_KEYS[key]
    if (hint !== undefined) report(problems, child(path, key), `unknown option (${hint})`)
  }
  checkKeys(
    problems,
    path,
    Object.fromEntries(Object.entries(job).filter(([key]) => V2_KEYS[key] === undefined)),
    JOB_KEYS,
  )
}

function checkMode(problems: Problems, path: string, job: Record<string, unknown>): void {
  const mode = job.mode
  if (mode === undefined) return
  if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode)) {
    const hint = typeof mode === 'string' ? didYouMean(mode, MODES) : ''
    report(problems, child(path, 'mode'), `expected 'each', 'latest' or 'batch', got ${received(mode)}${hint}`)
    return
  }
  if (mode === 'each') return
  const hooks = triggerHooks(job.on).filter(isRunnableHook)
  if (hooks.length > 0 && !hooks.some(isAsyncHook)) {
    report(
      problems,
      child(path, 'mode'),
      `'${mode}' groups the events of a batch, which only async hooks have (${ASYNC_HOOKS.join(', ')}); ${hooks.join(', ')} ${hooks.length === 1 ? 'runs' : 'run'} once per operation: remove 'mode' or use 'each'`,
    )
  }
}

function checkCache(problems: Problems, path: string, cache: unknown): void {
  if (cache === undefined || typeof cache === 'boolean') return
  if (!isRecord(cache)) {
    report(
      problems,
      path,
      `expected false or { inputs: [...], by: 'content' | 'commit', scope: 'tree' | 'files' }, got ${received(cache)}`,
    )
    return
  }
  checkKeys(problems, path, cache, ['inputs', 'by', 'scope'])
  if (cache.scope !== undefined && cache.scope !== 'tree' && cache.scope !== 'files')
    report(
      problems,
      child(path, 'scope'),
      `expected 'tree' (the default: the whole staged tree and HEAD's) or 'files' (only the files the command is given), got ${received(cache.scope)}`,
    )
  if (cache.by !== undefined && cache.by !== 'content' && cache.by !== 'commit')
    report(
      problems,
      child(path, 'by'),
      `expected 'content' (the default: keyed by what the job sees) or 'commit' (also by the commit), got ${received(cache.by)}`,
    )
  checkStrings(problems, child(path, 'inputs'), cache.inputs, false)
  if (!Array.isArray(cache.inputs)) return
  cache.inputs.forEach((input, i) => {
    if (typeof input === 'string' && /[*?[\]{}]/.test(input)) {
      report(
        problems,
        `${child(path, 'inputs')}[${i}]`,
        `takes file paths, not globs: '${input}' (list each file whose content the gate depends on)`,
      )
    }
  })
}

function checkOutput(problems: Problems, path: string, output: unknown): void {
  const value = checkRecord(
    problems,
    path,
    output,
    "an object such as { ref: 'refs/heads/changelog' } or { worktree: true }",
  )
  if (!value) return
  checkKeys(problems, path, value, ['ref', 'worktree', 'stage', 'replace'])
  if (typeof value.ref === 'string') {
    const reason = checkRefName(value.ref)
    const reserved = RESERVED_REFS.find(
      (prefix) => value.ref === prefix.slice(0, -1) || (value.ref as string).startsWith(prefix),
    )
    if (reason !== undefined)
      report(problems, child(path, 'ref'), `'${value.ref}' is not a valid full ref name: it ${reason}`)
    else if (reserved !== undefined)
      report(
        problems,
        child(path, 'ref'),
        `'${value.ref}' is under ${reserved}, where gitvan keeps its own ${reserved.includes('notes') ? 'receipts' : 'locks'}: use another ref, e.g. 'refs/gitvan/outputs/<name>'`,
      )
  } else if (value.ref !== undefined) {
    report(
      problems,
      child(path, 'ref'),
      `expected a ref name such as 'refs/heads/changelog', got ${received(value.ref)}`,
    )
  }
  checkBoolean(problems, child(path, 'worktree'), value.worktree)
  checkBoolean(problems, child(path, 'stage'), value.stage)
  checkBoolean(problems, child(path, 'replace'), value.replace)
  if (value.stage === true && value.worktree !== true)
    report(problems, child(path, 'stage'), "stages files written into the work tree: add 'worktree: true'")
  if (value.worktree === true && value.replace === true)
    report(problems, child(path, 'replace'), "replaces an output ref's tree; with 'worktree: true' there is none")
}

/** Every problem of one job, reported under `path` (e.g. `jobs.lint`). */
export function checkJob(problems: Problems, path: string, raw: unknown): void {
  if (!isRecord(raw)) {
    report(problems, path, `expected a job ({ on, run } or { on, template }), got ${received(raw)}`)
    return
  }
  checkJobKeys(problems, path, raw)
  if (raw.on === undefined)
    report(problems, path, "needs 'on' (a hook name, a list of them, or { hook, branch, paths, ... })")
  else checkTrigger(problems, child(path, 'on'), raw.on)
  checkRun(problems, child(path, 'run'), raw.run)
  checkString(problems, child(path, 'template'), raw.template)
  checkStrings(problems, child(path, 'templates'), raw.templates, false)
  // A malformed `templates` is reported above; only an absent or empty one leaves the job with nothing to do.
  const noTemplates = raw.templates === undefined || (Array.isArray(raw.templates) && raw.templates.length === 0)
  if (raw.run === undefined && raw.template === undefined && noTemplates) {
    report(problems, path, "needs 'run' (a command or a function) or 'template'")
  }
  checkMode(problems, path, raw)
  checkNumber(problems, child(path, 'priority'), raw.priority, 'any')
  checkDuration(problems, child(path, 'timeout'), raw.timeout, true)
  checkNumber(problems, child(path, 'retries'), raw.retries, 'nonNegativeInteger')
  checkCache(problems, child(path, 'cache'), raw.cache)
  if (
    isRecord(raw.cache) &&
    raw.cache.scope === 'files' &&
    !(typeof raw.run === 'string' && raw.run.includes('{files}'))
  )
    report(
      problems,
      child(child(path, 'cache'), 'scope'),
      "'files' keys a verdict by the files a command is given as {files}, and this job's run has no {files}: remove 'scope' (the default, 'tree', keys it by the whole staged tree)",
    )
  checkOutput(problems, child(path, 'output'), raw.output)
  checkGateOutput(problems, path, raw)
  checkBoolean(problems, child(path, 'fix'), raw.fix)
  checkStrings(problems, child(path, 'after'), raw.after, false)
  checkCwd(problems, child(path, 'cwd'), raw.cwd)
  checkString(problems, child(path, 'description'), raw.description)
}

/**
 * A blocking hook runs while git waits: its templates write into the work tree (generators), never
 * onto an output ref, which only the runner and `gitvan run` publish.
 */
function checkGateOutput(problems: Problems, path: string, raw: Record<string, unknown>): void {
  if (raw.template === undefined && (!Array.isArray(raw.templates) || raw.templates.length === 0)) return
  const blocking = triggerHooks(raw.on).filter(isBlockingHook)
  const output = isRecord(raw.output) ? raw.output : {}
  if (blocking.length === 0 || output.worktree === true) return
  report(
    problems,
    child(path, 'output'),
    `a template of a ${blocking.join(', ')} job writes into the work tree: set output: { worktree: true } (and stage: true to commit what it writes)`,
  )
}

/** A directory under the repository root, named relative to it: the job runs there. */
function checkCwd(problems: Problems, path: string, cwd: unknown): void {
  if (cwd === undefined) return
  if (typeof cwd !== 'string' || cwd === '') {
    report(
      problems,
      path,
      `expected a directory relative to the repository root, such as 'packages/app', got ${received(cwd)}`,
    )
    return
  }
  const parts = cwd.split(/[\\/]+/)
  if (cwd.startsWith('/') || /^[A-Za-z]:/.test(cwd) || parts.includes('..'))
    report(
      problems,
      path,
      `'${cwd}' is outside the repository: give a directory under its root, such as 'packages/app'`,
    )
}

/**
 * `after` names jobs of the same hook (each must exist and share a hook with the job), and the
 * order must have no cycle. Checked over every job at once (config file and jobs/ files).
 */
export function checkOrder(problems: Problems, jobs: ReadonlyMap<string, unknown>): void {
  const hooksOf = (raw: unknown): readonly string[] => (isRecord(raw) ? triggerHooks(raw.on) : [])
  const edges = new Map<string, string[]>()
  for (const [id, raw] of jobs) {
    if (!isRecord(raw) || !Array.isArray(raw.after)) continue
    const mine = hooksOf(raw)
    const named: string[] = []
    for (const [i, other] of raw.after.entries()) {
      if (typeof other !== 'string') continue
      const path = index(child(child('jobs', id), 'after'), i)
      if (!jobs.has(other)) {
        report(problems, path, `no job '${other}'${didYouMean(other, [...jobs.keys()])}`)
        continue
      }
      if (other === id) {
        report(problems, path, `job '${id}' cannot run after itself`)
        continue
      }
      const theirs = hooksOf(jobs.get(other))
      if (!mine.some((hook) => theirs.includes(hook))) {
        report(
          problems,
          path,
          `job '${other}' runs on ${theirs.join(', ') || 'no hook'}, not on ${mine.join(', ') || 'any hook of this job'}: 'after' orders jobs of the same hook`,
        )
        continue
      }
      named.push(other)
    }
    edges.set(id, named)
  }
  // A cycle is reported once, at the job where the walk closed it, with the whole loop spelled out.
  const state = new Map<string, 'open' | 'done'>()
  const walk = (id: string, trail: readonly string[]): void => {
    if (state.get(id) === 'done') return
    if (state.get(id) === 'open') {
      const loop = [...trail.slice(trail.indexOf(id)), id]
      report(problems, child(child('jobs', id), 'after'), `jobs wait for each other in a cycle: ${loop.join(' → ')}`)
      return
    }
    state.set(id, 'open')
    for (const next of edges.get(id) ?? []) walk(next, [...trail, id])
    state.set(id, 'done')
  }
  for (const id of edges.keys()) walk(id, [])
}
