/**
 * One warm request, answered: claim it, run the hook's gates as `gitvan hook` would, stream the
 * output back as it comes, end with the verdict.
 *
 *     open <pid>.out for writing (non-blocking; the shim opens it for reading right after its line)
 *     ─▶ rename <pid>.req → <pid>.taken (the claim: the shim's watchdog claims the same way, once
 *        its bound has passed, and then answers `f` itself) ─▶ `a` ─▶ config, gates, `o` lines
 *     ─▶ `v <code>` ─▶ close, remove the request's files
 *
 * Ctrl-C: the shim traps it and makes <pid>.cancel; a shim that is gone (killed) counts the same.
 * Either aborts the gates, which kills their process groups and puts the work tree back, and the
 * verdict is 130. Nothing here blocks: a shim that never opens its reply is given up after
 * OPEN_WAIT_MS, below the watchdog's bound.
 */
import { closeSync, constants, existsSync, openSync, readFileSync, renameSync, unlinkSync } from 'node:fs'
import { Socket } from 'node:net'
import { loadInstalledConfig } from '../../config/load.js'
import { GitvanError } from '../../errors.js'
import { answerHook } from '../../gate/answer.js'
import { dropIdle, writeIdle } from '../../gate/idle.js'
import { loadRefusal } from '../../gate/refusal.js'
import { findRepo, hookRepo, type Repo } from '../../git/repo.js'
import { readRecord } from '../../install/record.js'
import { syncShims } from '../../install/sync.js'
import { sleep } from '../../sleep.js'
import type { Log } from '../../spool/log.js'
import type { Config } from '../../types.js'
import { pidAlive, requestFiles } from './files.js'
import { parseRequest } from './request.js'

const OPEN_WAIT_MS = 1500
const CANCEL_POLL_MS = 50

export type Answered = {
  /** The config the request loaded, when it was this runner's repository root's. */
  readonly config?: Config
}

export async function answerRequest(dir: string, pid: number, repo: Repo, log: Log): Promise<Answered> {
  const files = requestFiles(dir, pid)
  if (!existsSync(files.request)) return {}
  const fd = await openReply(files.reply)
  if (fd === undefined) return {}
  try {
    renameSync(files.request, files.taken)
  } catch {
    closeSync(fd) // the watchdog claimed it: the shim starts node
    return {}
  }
  const out = new Socket({ fd, readable: false, writable: true })
  const controller = new AbortController()
  out.on('error', () => controller.abort()) // EPIPE: the shim is gone
  const send = (text: string) => {
    if (!out.destroyed) out.write(text)
  }
  const watch = setInterval(() => {
    if (!pidAlive(pid) || existsSync(files.cancel)) controller.abort()
  }, CANCEL_POLL_MS)
  let result: Answered = {}
  try {
    const request = readRequest(files.taken, pid)
    if (!request) {
      send('f\n')
      return {}
    }
    send('a\n')
    const lines = lineWriter(send)
    let code: number
    try {
      const answered = await answer(request, repo, controller.signal, lines.write)
      code = answered.code
      result = answered.config ? { config: answered.config } : {}
    } catch (error) {
      code = reportError(error, lines.write, log)
    }
    lines.flush()
    send(`v ${code}\n`)
    log.debug(`warm ${request.hook} for pid ${pid} in ${request.cwd}: exit ${code}`)
  } finally {
    clearInterval(watch)
    await new Promise<void>((resolve) => {
      if (out.destroyed) return resolve()
      out.end(() => resolve())
      out.once('error', () => resolve())
    })
    out.destroy()
    for (const file of [files.taken, files.reply, files.cancel])
      try {
        unlinkSync(file)
      } catch {
        // not there
      }
  }
  return result
}

/** Opens the reply FIFO without blocking, waiting (bounded) for the shim to open its end. */
async function openReply(file: string): Promise<number | undefined> {
  const deadline = Date.now() + OPEN_WAIT_MS
  for (;;) {
    try {
      return openSync(file, constants.O_WRONLY | constants.O_NONBLOCK)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENXIO' || Date.now() > deadline) return undefined
    }
    await sleep(1)
  }
}

function readRequest(file: string, pid: number): ReturnType<typeof parseRequest> {
  try {
    return parseRequest(readFileSync(file), readFileSync(`/proc/${pid}/environ`))
  } catch {
    return undefined
  }
}

/** The hook's gates, as `gitvan hook` runs them: the installed config (loaded again when it changed), the shims kept in step. */
async function answer(
  request: NonNullable<ReturnType<typeof parseRequest>>,
  runner: Repo,
  signal: AbortSignal,
  stderr: (text: string) => void,
): Promise<{ readonly code: number; readonly config?: Config }> {
  const started = performance.now()
  const repo = hookRepo(request.cwd, request.env) ?? findRepo(request.cwd)
  if (repo.commonDir !== runner.commonDir)
    throw new GitvanError('USAGE', `a hook of ${repo.root} asked the runner of ${runner.root}.`, {
      details: ['Each repository has its own runner; run the git command again.'],
    })
  // Imported again only when its bytes changed (load.ts versions the import), so a gate's modules
  // stay loaded between commits.
  // Only the approved config is imported (trust), as in a cold hook.
  const { config, notice } = await loadInstalledConfig(
    repo.root,
    repo.stateDir,
    readRecord(repo.stateDir)?.config,
    request.env.CI ? 'ignore' : 'check',
  ).catch((error: unknown) => {
    throw loadRefusal(request.hook, error)
  })
  if (notice !== undefined) stderr(`gitvan: ${notice}\n`)
  const own = repo.root === runner.root ? { config } : {}
  const loaded = performance.now()
  const io = { cwd: request.cwd, env: request.env, stderr, stderrIsTTY: request.tty }
  await syncShims(repo, config, io)
  const place = { root: repo.root, commonDir: repo.commonDir, env: request.env }
  if (!config.jobs.some((job) => (job.on.hooks as readonly string[]).includes(request.hook))) {
    if (request.env.GITVAN_DEBUG === '1') stderr(`gitvan: ${request.hook}: no jobs\n`)
    writeIdle(config, request.hook, place)
    return { code: 0, ...own }
  }
  dropIdle(config, request.hook, place)
  const ms = (from: number, to = performance.now()) => `${Math.round(to - from)} ms`
  const code = await answerHook(
    config,
    repo,
    {
      hook: request.hook,
      args: request.args,
      stdin: request.stdin,
      signal,
      ...(request.shim ? { shim: request.shim } : {}),
      trace: (matched, candidates) =>
        `gitvan: ${request.hook}: ${matched} of ${candidates} jobs matched; ${ms(started)} in the warm runner (config: ${ms(started, loaded)})\n`,
    },
    io,
  )
  return { code, ...own }
}

/** What the CLI would print for an error, and its exit code. */
function reportError(error: unknown, stderr: (text: string) => void, log: Log): number {
  if (error instanceof GitvanError || (error instanceof Error && error.name === 'GitvanError')) {
    const e = error as GitvanError
    stderr(`${[`gitvan: ${e.message}`, ...e.details.map((line) => `  ${line}`)].join('\n')}\n`)
    return e.exitCode ?? 1
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error)
  log.info(`warm request failed: ${text}`)
  stderr(
    `gitvan: internal error in the warm runner: ${error instanceof Error ? error.message : text} (see 'gitvan log')\n`,
  )
  return 1
}

/** Text as `o` lines: whole lines as they come, the rest once more arrives or at the end. */
function lineWriter(send: (text: string) => void): {
  readonly write: (text: string) => void
  readonly flush: () => void
} {
  let partial = ''
  return {
    write: (text) => {
      const all = partial + text
      const end = all.lastIndexOf('\n') + 1
      if (end > 0) send(`${all.slice(0, end - 1).replace(/^/gm, 'o')}\n`)
      partial = all.slice(end)
    },
    flush: () => {
      if (partial) send(`o${partial}\n`)
      partial = ''
    },
  }
}
