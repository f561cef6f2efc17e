/**
 * Builds the JobContext a function job receives. Everything it offers is bound to the run: git
 * reads happen in the repository, `exec` runs in the job's directory (its `cwd`) with the job's
 * environment (the project's `node_modules/.bin` on PATH) and is
 * killed (its whole process group) when the job's signal aborts, and `log` and `exec` output go
 * into the job's log, which is shown when the job fails.
 */
import { format } from 'node:util'
import { READ_FIELDS, type ReadField } from '../cache/jobKey.js'
import { git } from '../git/spawn.js'
import { checkOutputPath } from '../template/paths.js'
import type { OutputWrite } from '../template/place.js'
import { renderText } from '../template/render.js'
import type { CommitInfo, ExecResult, JobContext } from '../types.js'
import { execArgv, type TailBuffer } from './exec.js'
import type { JobInput } from './input.js'
import { templateData } from './templates.js'

/** What `ctx.write` collected: the files, and the first path it refused (which fails the job). */
export type Written = { readonly writes: OutputWrite[]; refused?: { readonly code: string; readonly message: string } }

export type ContextOptions = {
  readonly job: string
  readonly input: JobInput
  /** The absolute directory `exec` runs in: the root, or the job's `cwd` under it. */
  readonly dir: string
  /** The environment for programs the job runs (GITVAN_* included), made when the first one starts. */
  readonly env: () => NodeJS.ProcessEnv
  readonly signal: AbortSignal
  readonly log: TailBuffer
  /**
   * Collects which facts of the run the function read (the job cache keys its result by them).
   * Left out, the context is a plain object.
   */
  readonly reads?: Set<TrackedField>
  /** Where `ctx.write` puts files. */
  readonly written: Written
}

/** The fields of a context whose reads are recorded: the facts that differ from run to run. */
export type TrackedField = ReadField

/** `ctx` with a getter per tracked field that records the read (destructuring reads too). */
function tracked(ctx: JobContext, reads: Set<TrackedField>): JobContext {
  const out = { ...ctx }
  for (const field of READ_FIELDS) {
    const value = ctx[field]
    Object.defineProperty(out, field, {
      enumerable: true,
      get: () => {
        reads.add(field)
        return value
      },
    })
  }
  return Object.freeze(out)
}

const COMMIT_FORMAT = ['%H', '%h', '%s', '%b', '%an', '%ae', '%aI'].join('%x00')

export function makeContext(options: ContextOptions): JobContext {
  const { input, signal, log } = options
  const runGit = async (args: readonly string[]): Promise<string> => {
    const result = await git(args, { cwd: input.root, ...(input.env ? { env: input.env } : {}) })
    if (!result.ok) throw new Error(`git ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`)
    return result.stdout
  }
  const commit = async (rev: string): Promise<CommitInfo> => {
    const out = await runGit([
      'log',
      '-1',
      '--no-show-signature',
      `--format=${COMMIT_FORMAT}`,
      '--end-of-options',
      rev,
      '--',
    ])
    const [oid = '', short = '', subject = '', body = '', name = '', email = '', date = ''] = out
      .replace(/\n$/, '')
      .split('\0')
    return { oid, short, subject, body: body.replace(/\n+$/, ''), author: { name, email }, date }
  }
  const exec = async (file: string, args: readonly string[] = []): Promise<ExecResult> => {
    log.push(`$ ${[file, ...args].join(' ')}\n`)
    const outcome = await execArgv([file, ...args], { cwd: options.dir, env: options.env(), signal, separate: true })
    log.push(outcome.log)
    if (outcome.error) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code })
    if (outcome.aborted)
      throw Object.assign(new Error(`'${file}' was stopped: the job was aborted`), { code: 'ABORTED' })
    return {
      code: outcome.code ?? 128,
      stdout: outcome.stdout ?? '',
      stderr: outcome.stderr ?? '',
    }
  }
  const write = (file: unknown, content: unknown): void => {
    const where = `ctx.write(${JSON.stringify(file)}) in job '${options.job}'`
    if (typeof file !== 'string' || typeof content !== 'string') {
      const error = {
        code: 'BAD_WRITE',
        message: `${where}: expected a path and a string, got ${typeof file} and ${typeof content}`,
      }
      options.written.refused ??= error
      throw Object.assign(new Error(error.message), { code: error.code })
    }
    const to = file.replace(/^(\.\/)+/, '')
    const problem = checkOutputPath(to)
    if (problem) {
      const error = {
        code: 'UNSAFE_PATH',
        message: `${where} refused: the path ${problem}; an output path is relative and stays inside the output tree; nothing was written`,
      }
      options.written.refused ??= error
      throw Object.assign(new Error(error.message), { code: error.code })
    }
    options.written.writes.push({ path: to, content, placement: { kind: 'file', force: true }, source: where })
  }
  const render = async (source: string, data: Readonly<Record<string, unknown>> = {}): Promise<string> => {
    return renderText(input.root, source, { ...(await templateData(options.job, input, undefined)), ...data })
  }
  const ctx: JobContext = {
    job: options.job,
    hook: input.hook,
    args: input.args,
    stdin: input.stdin,
    commit: input.commit,
    commits: input.commits,
    files: input.files,
    branch: input.branch,
    root: input.root,
    cwd: options.dir,
    git: { run: runGit, commit },
    exec,
    signal,
    log: (...parts) => log.push(`${format(...parts)}\n`),
    render,
    write,
  }
  return options.reads ? tracked(ctx, options.reads) : ctx
}
