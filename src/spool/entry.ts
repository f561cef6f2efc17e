/**
 * What may be read as an event: a regular file of at most MAX_EVENT_BYTES. Anything else that
 * lands in the spool under an event's name (a symbolic link, dangling or not; a FIFO, which would
 * block a reader for good; a directory; a socket or device; a file too large to load) is poison:
 * it is never opened for reading, and it is moved to `spool/bad/` with a `.reason` file beside it,
 * once, so the runner neither spins on it nor dies of it.
 *
 * Two checks, because the name can change between them: `lstat` before the claim (never follows a
 * link), then the read itself opens with O_NOFOLLOW | O_NONBLOCK (a link swapped in fails, a FIFO
 * opens without waiting for a writer), checks what it opened with `fstat`, and reads at most one
 * byte more than the bound.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  type Stats,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'

/**
 * The largest event file read. The biggest legitimate ones carry a hook's standard input: a
 * post-rewrite line per rewritten commit (~85 bytes), a reference-transaction line per ref; 16 MiB
 * holds about 190,000 of them, and loading it stays far below the runner's heap limit.
 */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024

export const badDir = (stateDir: string): string => path.join(stateDir, 'spool', 'bad')

const BOUND = `${MAX_EVENT_BYTES} bytes (${MAX_EVENT_BYTES / (1024 * 1024)} MiB) an event file may hold`

/** Why a file of this type is not an event, or undefined for a regular file within the bound. */
export function notAnEvent(stats: Stats): string | undefined {
  if (stats.isFile())
    return stats.size > MAX_EVENT_BYTES ? `${stats.size} bytes, more than the ${BOUND}; it was not read` : undefined
  const what = stats.isSymbolicLink()
    ? 'a symbolic link'
    : stats.isFIFO()
      ? 'a FIFO'
      : stats.isDirectory()
        ? 'a directory'
        : stats.isSocket()
          ? 'a socket'
          : 'a device'
  return `${what}, not a regular file: events are regular files, and gitvan reads nothing else (links are not followed)`
}

export type Inspected =
  | { readonly kind: 'event'; readonly mtimeMs: number; readonly size: number }
  | { readonly kind: 'poison'; readonly reason: string }
  | { readonly kind: 'gone' }

/** Looks at a name without following it. */
export function inspect(file: string): Inspected {
  let stats: Stats
  try {
    stats = lstatSync(file)
  } catch {
    return { kind: 'gone' }
  }
  const reason = notAnEvent(stats)
  return reason === undefined ? { kind: 'event', mtimeMs: stats.mtimeMs, size: stats.size } : { kind: 'poison', reason }
}

export type Read =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'poison'; readonly reason: string }
  | { readonly kind: 'gone' }

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK

/** Reads an event file: never follows a link, never blocks, never reads more than the bound. */
export function readEvent(file: string): Read {
  let fd: number
  try {
    fd = openSync(file, OPEN_FLAGS)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { kind: 'gone' }
    if (code === 'ELOOP' || code === 'EMLINK') return { kind: 'poison', reason: notAnEventLink }
    return { kind: 'poison', reason: `unreadable: ${(error as Error).message}` }
  }
  try {
    const reason = notAnEvent(fstatSync(fd))
    if (reason !== undefined) return { kind: 'poison', reason }
    const buffer = Buffer.alloc(MAX_EVENT_BYTES + 1)
    let length = 0
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null)
      if (n === 0) break
      length += n
      if (length > MAX_EVENT_BYTES) return { kind: 'poison', reason: `more than the ${BOUND}; it was not read` }
    }
    return { kind: 'text', text: buffer.toString('utf8', 0, length) }
  } catch (error) {
    return { kind: 'poison', reason: `unreadable: ${(error as Error).message}` }
  } finally {
    closeSync(fd)
  }
}

const notAnEventLink =
  'a symbolic link, not a regular file: events are regular files, and gitvan reads nothing else (links are not followed)'

/**
 * Moves `file` (whatever it is: rename moves a link, a FIFO or a directory itself) to spool/bad/
 * under a name not taken yet, with its reason beside it. Returns where it went, or why it could not
 * be moved.
 */
export function setAside(
  stateDir: string,
  file: string,
  name: string,
  reason: string,
): { readonly ok: true; readonly name: string } | { readonly ok: false; readonly error: string } {
  const dir = badDir(stateDir)
  try {
    mkdirSync(dir, { recursive: true })
    let target = name
    for (let n = 1; taken(path.join(dir, target)) || taken(path.join(dir, `${target}.reason`)); n++)
      target = `${name}.${n}`
    renameSync(file, path.join(dir, target))
    writeFileSync(path.join(dir, `${target}.reason`), `${reason}\n`)
    return { ok: true, name: target }
  } catch (error) {
    return { ok: false, error: (error as Error).message }
  }
}

function taken(file: string): boolean {
  try {
    lstatSync(file)
    return true
  } catch {
    return false
  }
}
