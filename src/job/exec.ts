/**
 * Runs one argv for a job and reports what happened as a value.
 *
 * - No shell: `argv[0]` is the program, found on PATH by the OS.
 * - The child leads its own process group (`detached`), so a timeout or an abort can end
 *   everything the job started: SIGTERM to the whole group, then SIGKILL to whatever is left,
 *   once the program has exited (and its output drained) or after GRACE_MS, whichever is first.
 *   Killing only the child would leave its children (`npm test` → node, `sh -c` → pipelines)
 *   running, holding pipes open and the hook waiting. However the program ends, nothing it
 *   started outlives it (leftovers.ts), and the outcome is reported once that is done.
 * - stdout and stderr are read as they arrive into one log, in arrival order, keeping at most
 *   the last `logLimit` bytes (the end of a failing job's output is what explains it).
 * - When the program exits, output still arriving is read for DRAIN_MS more; a background
 *   process it left behind that keeps the pipes open does not keep the job running.
 * - A program that cannot be started (missing, not executable) is a result with `error`, not a
 *   throw. `ENOENT` is two different problems that the kernel reports alike: the program is not
 *   there (`ENOENT`), or it is, but the interpreter its `#!` line names is not (`NO_INTERPRETER`:
 *   `#!/usr/bin/env node` with no node on PATH); the message tells which.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import path from 'node:path'
import { EXEC_ID_VARIABLE, endLeftovers } from './leftovers.js'

export type ExecOptions = {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  /** Written to the program's standard input; without it stdin is empty. */
  readonly stdin?: string
  /** 0 or undefined: no timeout. */
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
  /** Bytes of combined output kept (the last ones). Default 1 MiB. */
  readonly logLimit?: number
  /** Also return stdout and stderr separately (each bounded like the log). */
  readonly separate?: boolean
  /** Each chunk of output (stdout or stderr) as it arrives, for showing it live. */
  readonly onOutput?: (chunk: Buffer) => void
  /** The program's pid once it started (it leads its own process group). */
  readonly onSpawn?: (pid: number) => void
}

export type ExecOutcome = {
  /** The exit code, or null when a signal ended the program or it never started. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** stdout and stderr interleaved as they arrived, bounded. */
  readonly log: string
  readonly timedOut: boolean
  /** The caller's signal aborted the run. */
  readonly aborted: boolean
  /** The program could not be started. */
  readonly error?: { readonly message: string; readonly code: string }
  readonly stdout?: string
  readonly stderr?: string
}

export const GRACE_MS = 2000
const DRAIN_MS = 250
const DEFAULT_LOG_LIMIT = 1024 * 1024

/** Keeps the last `limit` bytes written to it. */
export class TailBuffer {
  readonly #limit: number
  #chunks: Buffer[] = []
  #size = 0
  #dropped = 0

  constructor(limit: number) {
    this.#limit = limit
  }

  push(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    this.#chunks.push(buffer)
    this.#size += buffer.length
    while (this.#size > this.#limit && this.#chunks.length > 0) {
      const first = this.#chunks[0] as Buffer
      const excess = this.#size - this.#limit
      if (first.length <= excess) {
        this.#chunks.shift()
        this.#size -= first.length
        this.#dropped += first.length
      } else {
        this.#chunks[0] = first.subarray(excess)
        this.#size -= excess
        this.#dropped += excess
      }
    }
  }

  toString(): string {
    const text = Buffer.concat(this.#chunks).toString('utf8')
    return this.#dropped === 0 ? text : `[gitvan: ${this.#dropped} earlier bytes of output dropped]\n${text}`
  }
}

const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal)
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

export function execArgv(argv: readonly string[], options: ExecOptions): Promise<ExecOutcome> {
  const [file, ...args] = argv
  const limit = options.logLimit ?? DEFAULT_LOG_LIMIT
  if (file === undefined || file === '') {
    return Promise.resolve({
      code: null,
      signal: null,
      log: '',
      timedOut: false,
      aborted: false,
      error: { message: 'the command is empty', code: 'EMPTY' },
    })
  }
  if (options.signal?.aborted) {
    return Promise.resolve({ code: null, signal: null, log: '', timedOut: false, aborted: true })
  }
  return new Promise((resolve) => {
    const log = new TailBuffer(limit)
    const out = options.separate ? new TailBuffer(limit) : undefined
    const err = options.separate ? new TailBuffer(limit) : undefined
    let timedOut = false
    let aborted = false
    let spawnError: ExecOutcome['error']
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let settled = false
    const timers: NodeJS.Timeout[] = []

    const marker = randomBytes(12).toString('hex')
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...options.env, [EXEC_ID_VARIABLE]: marker },
      detached: true,
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    })
    if (child.pid !== undefined) options.onSpawn?.(child.pid)

    const stop = () => {
      if (child.pid === undefined) return
      const pid = child.pid
      killGroup(pid, 'SIGTERM')
      const kill = setTimeout(() => killGroup(pid, 'SIGKILL'), GRACE_MS)
      kill.unref()
      timers.push(kill)
    }
    const onAbort = () => {
      if (exit || settled) return
      aborted = true
      stop()
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.timeoutMs) {
      timers.push(
        setTimeout(() => {
          if (exit || settled) return
          timedOut = true
          stop()
        }, options.timeoutMs),
      )
    }

    const finish = () => {
      if (settled) return
      settled = true
      for (const timer of timers) clearTimeout(timer)
      // The program is gone and its output drained; whatever of its group outlived the SIGTERM
      // would outlive the job, so it gets no more grace.
      if ((timedOut || aborted) && child.pid !== undefined) killGroup(child.pid, 'SIGKILL')
      options.signal?.removeEventListener('abort', onAbort)
      child.stdout?.destroy()
      child.stderr?.destroy()
      const done = child.pid === undefined ? Promise.resolve() : endLeftovers(child.pid, marker, timedOut || aborted)
      void done
        .catch(() => undefined)
        .then(() =>
          resolve({
            code: exit?.code ?? null,
            signal: exit?.signal ?? null,
            log: log.toString(),
            timedOut,
            aborted,
            ...(spawnError ? { error: spawnError } : {}),
            ...(out && err ? { stdout: out.toString(), stderr: err.toString() } : {}),
          }),
        )
    }

    child.stdout?.on('data', (chunk: Buffer) => {
      log.push(chunk)
      out?.push(chunk)
      options.onOutput?.(chunk)
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      log.push(chunk)
      err?.push(chunk)
      options.onOutput?.(chunk)
    })
    child.stdin?.on('error', () => {}) // the program may exit without reading its input
    child.stdin?.end(options.stdin)

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return // an error after start (a failed kill) changes nothing
      const code = error.code ?? 'SPAWN'
      spawnError =
        code === 'ENOENT'
          ? notStarted(file, options)
          : { code, message: `program '${file}' could not be started: ${error.message}` }
      finish()
    })
    child.on('exit', (code, signal) => {
      exit = { code, signal }
      const drain = setTimeout(finish, DRAIN_MS)
      timers.push(drain)
    })
    child.on('close', () => {
      if (exit) finish()
    })
  })
}

/** Why spawning `file` gave ENOENT: the program is missing, or the interpreter its `#!` names is. */
function notStarted(file: string, options: ExecOptions): NonNullable<ExecOutcome['error']> {
  const found = locate(file, options)
  if (found === undefined)
    return {
      code: 'ENOENT',
      message: `program '${file}' not found (on PATH or as a path from ${options.cwd}); commands run without a shell, so a shell builtin or pipeline needs sh -c '...'`,
    }
  const line = firstLine(found)
  const interpreter = line?.startsWith('#!') ? `'${line}'` : 'the interpreter it names'
  return {
    code: 'NO_INTERPRETER',
    message: `program '${file}' (${found}) could not be started: its first line ${interpreter} names a program that is not installed or not on PATH`,
  }
}

/** Where spawn would have found `file`: a path from cwd, or the first PATH entry holding it. */
function locate(file: string, options: ExecOptions): string | undefined {
  const isFile = (candidate: string) => {
    try {
      return statSync(candidate).isFile()
    } catch {
      return false
    }
  }
  if (file.includes('/')) {
    const candidate = path.resolve(options.cwd, file)
    return isFile(candidate) ? candidate : undefined
  }
  const key = Object.keys(options.env).find((name) => name.toUpperCase() === 'PATH') ?? 'PATH'
  for (const dir of (options.env[key] ?? '').split(path.delimiter)) {
    const candidate = path.resolve(options.cwd, dir, file)
    if (isFile(candidate)) return candidate
  }
  return undefined
}

const firstLine = (file: string): string | undefined => {
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const buffer = Buffer.alloc(256)
    const n = readSync(fd, buffer, 0, buffer.length, 0)
    return buffer.subarray(0, n).toString('utf8').split('\n')[0]?.trim()
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
