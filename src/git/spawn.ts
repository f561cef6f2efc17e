/**
 * The one place gitvan spawns git.
 *
 * Every call takes an argument array (never a shell), runs with LC_ALL=C so messages parse the
 * same everywhere, and turns hooks off (`-c core.hooksPath=/dev/null`) so gitvan's own git calls
 * never re-enter gitvan. Callers put `--end-of-options` before user-supplied revisions or refs.
 * A non-zero exit is a value (`ok: false` with code and stderr), not an exception: callers decide
 * what a failure means. Only a git that cannot be started at all throws.
 */
import { spawn, spawnSync } from 'node:child_process'

export type GitOptions = {
  readonly cwd: string
  /** Bytes or text written to git's standard input. */
  readonly input?: string | Buffer
  readonly env?: NodeJS.ProcessEnv
}

export type GitResult = {
  readonly ok: boolean
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly args: readonly string[]
}

const BASE_ARGS = ['-c', 'core.hooksPath=/dev/null']

export const gitEnv = (extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...process.env,
  ...extra,
  LC_ALL: 'C',
  GIT_TERMINAL_PROMPT: '0',
})

/** Runs git and collects its output. */
export function git(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...BASE_ARGS, ...args], {
      cwd: options.cwd,
      env: gitEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const exit = code ?? (signal ? 128 : 1)
      resolve({
        ok: exit === 0,
        code: exit,
        stdout: Buffer.concat(out).toString('utf8'),
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
  const result = spawnSync('git', [...BASE_ARGS, ...args], {
    cwd: options.cwd,
    env: gitEnv(options.env),
    input: options.input ?? '',
    maxBuffer: 1024 * 1024 * 1024,
  })
  if (result.error) throw result.error
  const code = result.status ?? 128
  return {
    ok: code === 0,
    code,
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
    args,
  }
}
