/**
 * The warm runner's files, in `<state>/warm/` (one repository's state directory, so a runner
 * only ever hears its own repository's hooks):
 *
 *     requests       a FIFO the runner holds open for reading (and writing, so it never sees EOF);
 *                    each request is one line, the requesting shim's pid, written in one write()
 *                    far below PIPE_BUF, so lines of concurrent shims never interleave
 *     ready          `<pid> <start>` of the runner that answers: a shim asks only while it lives
 *     <pid>.req      the request (written by the shim before its line): see request.ts
 *     <pid>.out      the reply FIFO (made by the shim): `a` accepted, `o<text>` output lines,
 *                    `v <code>` the verdict, or `f` (not answered here: the shim starts node)
 *     <pid>.taken    the request once the runner claimed it (rename: exactly one of the runner
 *                    and the shim's watchdog claims a request)
 *     <pid>.cancel   made by the shim on Ctrl-C: the runner cancels the gates
 */
import { spawnSync } from 'node:child_process'
import { lstatSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { isAlive, processStart } from '../../lockFile.js'

export const warmDir = (stateDir: string): string => path.join(stateDir, 'warm')
export const requestsFifo = (dir: string): string => path.join(dir, 'requests')
export const readyFile = (dir: string): string => path.join(dir, 'ready')

/** The files of the request of shim `pid`. */
export const requestFiles = (dir: string, pid: number) => ({
  request: path.join(dir, `${pid}.req`),
  taken: path.join(dir, `${pid}.taken`),
  reply: path.join(dir, `${pid}.out`),
  cancel: path.join(dir, `${pid}.cancel`),
  late: path.join(dir, `${pid}.late`),
})

/**
 * Makes the requests FIFO (node has no mkfifo: the POSIX tool makes it, once per runner). Anything
 * else by that name is replaced. Returns an error message, or undefined when the FIFO is there.
 */
export function makeRequestsFifo(dir: string): string | undefined {
  const fifo = requestsFifo(dir)
  try {
    if (lstatSync(fifo).isFIFO()) return undefined
    unlinkSync(fifo)
  } catch {
    // not there yet
  }
  const made = spawnSync('mkfifo', ['-m', '600', fifo], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  if (made.error) return `mkfifo could not be started (${made.error.message})`
  return made.status === 0 ? undefined : `mkfifo ${fifo} failed: ${made.stderr.trim()}`
}

/** Writes `ready` with this process as the runner that answers (temp + rename: read whole or not at all). */
export function writeReady(dir: string): void {
  const file = readyFile(dir)
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, `${process.pid} ${processStart(process.pid) ?? '0'}\n`)
  renameSync(temp, file)
}

/** Removes `ready` if it names this process. */
export function clearReady(dir: string): void {
  try {
    const [pid] = readReady(dir) ?? []
    if (pid === process.pid) unlinkSync(readyFile(dir))
  } catch {
    // gone already
  }
}

/** The pid and start time `ready` names, or undefined. */
export function readReady(dir: string): readonly [number, string] | undefined {
  try {
    const [pid, start] = readFileSync(readyFile(dir), 'utf8').trim().split(' ')
    return pid && start ? [Number(pid), start] : undefined
  } catch {
    return undefined
  }
}

/** The pid of the warm runner, when `ready` names a live process. */
export function warmPid(stateDir: string): number | undefined {
  const ready = readReady(warmDir(stateDir))
  return ready && isAlive({ pid: ready[0], start: ready[1] }) ? ready[0] : undefined
}

/** Removes what requests of dead shims left (a shim killed with -9, a fallback's reply FIFO). */
export function sweepRequests(dir: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const match = /^(\d+)\.(req|taken|out|cancel|late)$/.exec(name)
    if (!match) continue
    const pid = Number(match[1])
    if (pidAlive(pid)) continue
    try {
      unlinkSync(path.join(dir, name))
    } catch {
      // raced with its owner
    }
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
