/**
 * Warm gates, the runner's side: while the runner holds its lock it listens on `<state>/warm/
 * requests` and answers the blocking hooks' gates in this process (reply.ts), so a gate that must
 * run costs the shim a few processes instead of a node start, and a function gate's imports stay
 * loaded between commits.
 *
 *     startWarm (runner has the lock and a config) ─▶ mkfifo, open it, sweep dead shims' files,
 *       write `ready` ─▶ requests, any number at once ─▶ stop: remove `ready`, answer what comes in
 *       a short grace, close, wait for requests in flight ─▶ the runner releases its lock
 *
 * A shim asks only while `ready` names a live process, and falls back to node when its request is
 * not taken within its bound (shim.sh), so a runner that stops, dies or hangs costs a commit at
 * most that bound, never a hang. Above `runner.maxHeapMB` of resident memory the runner stops
 * answering and leaves (`overLimit`), and the next commit starts one cold.
 *
 * Off with `runner.keepWarm: 0`, GITVAN_WARM=0, under CI, for a config without gates, and where
 * there is no /proc (the request's environment is read from there).
 */
import { constants, existsSync, mkdirSync, openSync } from 'node:fs'
import { Socket } from 'node:net'
import type { Repo } from '../../git/repo.js'
import { isBlockingHook } from '../../hooks.js'
import { sleep } from '../../sleep.js'
import type { Log } from '../../spool/log.js'
import type { Config } from '../../types.js'
import { clearReady, makeRequestsFifo, readyFile, requestsFifo, sweepRequests, warmDir, writeReady } from './files.js'
import { answerRequest } from './reply.js'

export type Warm = {
  /** Whether requests are answered (false once stopped or over the memory bound). */
  readonly answering: () => boolean
  /** How long the runner stays after its last work while answering. */
  readonly keepMs: () => number
  /** When the last request ended; now while one is in flight. */
  readonly lastActive: () => number
  /** The resident memory went above `runner.maxHeapMB`: the runner should leave. */
  readonly overLimit: () => boolean
  readonly stop: () => Promise<void>
}

const STOP_GRACE_MS = 200

/** Whether this runner answers gates: on, and there are gates (jobs on a blocking hook) to answer. */
export function warmEnabled(config: Config, env: NodeJS.ProcessEnv): boolean {
  return (
    config.runner.keepWarmMs > 0 &&
    env.GITVAN_WARM !== '0' &&
    !env.CI &&
    config.jobs.some((job) => job.on.hooks.some((hook) => isBlockingHook(hook))) &&
    existsSync('/proc/self/environ')
  )
}

export function startWarm(options: {
  readonly repo: Repo
  readonly log: Log
  readonly config: Config
  readonly env: NodeJS.ProcessEnv
}): Warm | undefined {
  const { repo, log } = options
  if (!warmEnabled(options.config, options.env)) return undefined
  let settings = options.config.runner
  const dir = warmDir(repo.stateDir)
  let socket: Socket
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const problem = makeRequestsFifo(dir)
    if (problem) {
      log.info(`warm gates off: ${problem}`)
      return undefined
    }
    // Read and write: the runner is a writer too, so the FIFO never reads as ended between shims.
    const fd = openSync(requestsFifo(dir), constants.O_RDWR | constants.O_NONBLOCK)
    socket = new Socket({ fd, readable: true, writable: false })
    sweepRequests(dir)
    writeReady(dir)
  } catch (error) {
    log.info(`warm gates off: ${error instanceof Error ? error.message : String(error)}`)
    return undefined
  }
  let answering = true
  let over = false
  let last = Date.now()
  const inFlight = new Set<Promise<void>>()
  let pending = ''
  const take = (pid: number) => {
    const work = answerRequest(dir, pid, repo, log)
      .then((answered) => {
        if (answered.config) settings = answered.config.runner
      })
      .catch((error: unknown) => log.info(`warm request of pid ${pid} failed: ${String(error)}`))
      .finally(() => {
        inFlight.delete(work)
        last = Date.now()
        if (process.memoryUsage.rss() > settings.maxHeapMB * 1024 * 1024 && answering) {
          over = true
          answering = false
          clearReady(dir)
          log.info(`warm gates: resident memory above runner.maxHeapMB (${settings.maxHeapMB} MB); leaving`)
        } else if (settings.keepWarmMs <= 0 && answering) {
          answering = false
          clearReady(dir)
          log.info('warm gates: runner.keepWarm is 0 now; no longer answering')
        }
      })
    inFlight.add(work)
  }
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    pending += chunk
    const end = pending.lastIndexOf('\n')
    if (end < 0) return
    const lines = pending.slice(0, end).split('\n')
    pending = pending.slice(end + 1)
    last = Date.now()
    for (const line of lines) if (/^[1-9]\d{0,9}$/.test(line)) take(Number(line))
  })
  socket.on('error', (error) => log.info(`warm gates: the requests FIFO failed: ${error.message}`))
  log.info('warm gates: answering')
  return {
    // A removed `ready` (the repository was deleted, or its state directory) ends answering, and
    // the runner then leaves after runner.idle as one without warm gates does.
    answering: () => {
      if (answering && !existsSync(readyFile(dir))) {
        answering = false
        log.info('warm gates: the ready file is gone; no longer answering')
      }
      return answering
    },
    keepMs: () => settings.keepWarmMs,
    lastActive: () => (inFlight.size > 0 ? Date.now() : last),
    overLimit: () => over,
    stop: async () => {
      if (answering) clearReady(dir)
      answering = false
      // A shim that saw `ready` a moment ago may be writing its line now: answer it.
      await sleep(STOP_GRACE_MS)
      socket.destroy()
      while (inFlight.size > 0) await Promise.all([...inFlight])
    },
  }
}
