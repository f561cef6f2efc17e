/**
 * The one place gitvan spawns git.
 *
 * Every call takes an argument array (never a shell), runs with LC_ALL=C so messages parse the
 * same everywhere, and turns hooks off (`-c core.hooksPath=/dev/null`) so gitvan's own git calls
 * never re-enter gitvan. Callers put `--end-of-options` before user-supplied revisions or refs.
 * A non-zero exit is a value (`ok: false` with code and stderr), not an exception: callers decide
 * what a failure means. Only a git that cannot be started at all throws (a GitvanError that says why).
 *
 * Inside a hook git exports GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE, sometimes relative to the
 * hook's working directory; they are made absolute here so a git started with another `cwd` still
 * finds the same repository.
 *
 * `startGit` is for the long-lived readers and writers (`cat-file --batch`, `diff-tree --stdin`,
 * `fast-import`): the caller owns the streams; `exited` resolves with the code and stderr.
 */
import { spawn, spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import path from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { GitvanError } from '../errors.js'

export type GitOptions = {
  readonly cwd: string
  /** Bytes or text written to git's standard input. */
  readonly input?: string | Buffer
  readonly env?: NodeJS.ProcessEnv
  /**
   * Leave the user's core.hooksPath in effect: only for calls that run no hook and must see it
   * (`rev-parse --git-path hooks`).
   */
  readonly keepHooksPath?: boolean
}

export type GitResult = {
  readonly ok: boolean
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly args: readonly string[]
}

const BASE_ARGS = ['-c', 'core.hooksPath=/dev/null']

const PATH_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY'] as const

export const gitEnv = (extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' }
  for (const name of PATH_VARIABLES) {
    const value = env[name]
    if (value) env[name] = path.resolve(value)
  }
  return env
}

export type GitExit = { readonly ok: boolean; readonly code: number; readonly stderr: string }

export type GitChild = {
  readonly stdin: Writable
  readonly stdout: Readable
  /** Resolves when git has exited and its streams are closed. Never rejects. */
  readonly exited: Promise<GitExit>
  readonly kill: () => void
}

/** Starts a long-lived git whose standard input and output the caller drives. */
export function startGit(args: readonly string[], options: Omit<GitOptions, 'input'>): GitChild {
  const child = spawn('git', [...(options.keepHooksPath ? [] : BASE_ARGS), ...args], {
    cwd: options.cwd,
    env: gitEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const err: Buffer[] = []
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
  child.stdin.on('error', () => {}) // an early exit shows in `exited`
  const exited = new Promise<GitExit>((resolve) => {
    child.on('error', (error) => resolve({ ok: false, code: 127, stderr: `cannot start git: ${error.message}` }))
    child.on('close', (code, signal) => {
      const exit = code ?? (signal ? 128 : 1)
      resolve({ ok: exit === 0, code: exit, stderr: Buffer.concat(err).toString('utf8') })
    })
  })
  return { stdin: child.stdin, stdout: child.stdout, exited, kill: () => void child.kill('SIGKILL') }
}

/**
 * Git could not be started at all: the directory is gone, or git is not installed. A user error
 * to report (exit 2), never an internal one.
 */
function notStarted(error: NodeJS.ErrnoException, cwd: string): GitvanError {
  let hint: string
  try {
    hint = statSync(cwd).isDirectory()
      ? 'Is git installed and on PATH? gitvan runs the git it finds there.'
      : `${cwd} is not a directory.`
  } catch {
    hint = `${JSON.stringify(cwd)} does not exist (was it moved or deleted?).`
  }
  return new GitvanError('GIT_FAILED', `cannot run git in ${JSON.stringify(cwd)}: ${error.message}`, {
    details: [hint],
    cause: error,
  })
}

/** Runs git and collects its output. */
export function git(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return collect(args, options, (out) => out.toString('utf8'))
}

/** Runs git and collects its output as bytes: for blob contents, which need not be text. */
export function gitBytes(
  args: readonly string[],
  options: GitOptions,
): Promise<Omit<GitResult, 'stdout'> & { readonly stdout: Buffer }> {
  return collect(args, options, (out) => out)
}

function collect<T>(
  args: readonly string[],
  options: GitOptions,
  decode: (out: Buffer) => T,
): Promise<Omit<GitResult, 'stdout'> & { readonly stdout: T }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...(options.keepHooksPath ? [] : BASE_ARGS), ...args], {
      cwd: options.cwd,
      env: gitEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', (error: NodeJS.ErrnoException) => reject(notStarted(error, options.cwd)))
    child.on('close', (code, signal) => {
      const exit = code ?? (signal ? 128 : 1)
      resolve({
        ok: exit === 0,
        code: exit,
        stdout: decode(Buffer.concat(out)),
        stderr: Buffer.concat(err).toString('utf8'),
        args,
      })
    })
    child.stdin.on('error', () => {}) // git may exit before reading all input; its exit code says why
    child.stdin.end(options.input ?? '')
  })
}

/** Synchronous form, for start-up paths where one small read is cheaper than an event-loop turn. */
export function gitSync(args: readonly string[], options: GitOptions): GitResult {
  const result = spawnSync('git', [...(options.keepHooksPath ? [] : BASE_ARGS), ...args], {
    cwd: options.cwd,
    env: gitEnv(options.env),
    input: options.input ?? '',
    maxBuffer: 1024 * 1024 * 1024,
  })
  if (result.error) throw notStarted(result.error, options.cwd)
  const code = result.status ?? 128
  return {
    ok: code === 0,
    code,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
    args,
  }
}
