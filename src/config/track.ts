/**
 * What evaluating a config depended on, seen while it is evaluated: the environment variables it
 * read, and (when asked for) the modules it imported.
 *
 * - Environment: for the length of the evaluation `process.env` is a proxy that notes each name
 *   read (a get, or `in`); enumerating it (`{...process.env}`, `Object.keys`) notes that the whole
 *   environment was read. Node reads its own settings through its own bindings, not through this
 *   object. Reads after the evaluation (a function job at run time) are not the config's.
 * - Modules: a module customization hook (`module.register`) reports every URL node resolves,
 *   and require's cache tells what CommonJS files were loaded. The hook runs on its own thread and
 *   costs about 30 ms to start, so only `gitvan install` and `gitvan trust` (which record what the
 *   config imports) ask for it; a hook reads the list from the trust record instead.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** The environment the evaluation read: each name with its value (undefined: not set), or 'all'. */
export type EnvReads = ReadonlyMap<string, string | undefined> | 'all'

/** Runs `body` with `process.env` watched; returns its value and what it read. */
export async function watchEnv<T>(body: () => Promise<T>): Promise<{ readonly value: T; readonly env: EnvReads }> {
  const original = process.env
  const reads = new Map<string, string | undefined>()
  let all = false
  const note = (key: string | symbol) => {
    if (typeof key === 'string' && !reads.has(key)) reads.set(key, original[key])
  }
  process.env = new Proxy(original, {
    get: (target, key) => {
      note(key)
      return Reflect.get(target, key)
    },
    has: (target, key) => {
      note(key)
      return Reflect.has(target, key)
    },
    getOwnPropertyDescriptor: (target, key) => {
      note(key)
      return Reflect.getOwnPropertyDescriptor(target, key)
    },
    ownKeys: (target) => {
      all = true
      return Reflect.ownKeys(target)
    },
  })
  try {
    const value = await body()
    return { value, env: all ? 'all' : reads }
  } finally {
    process.env = original
  }
}

// The customization hook, as a module of its own: it posts each resolved URL to the port it is
// given, and answers 'flush' once everything before it was posted (messages keep their order).
const HOOKS = `let port
export function initialize(data) {
  port = data.port
  port.on('message', (message) => { if (message === 'flush') port.postMessage({ flushed: true }) })
  port.unref()
}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  port.postMessage({ url: result.url })
  return result
}
`

type Tracker = { readonly seen: Set<string>; readonly flush: () => Promise<void> }
let tracker: Tracker | undefined

async function startTracker(): Promise<Tracker> {
  if (tracker) return tracker
  const { register } = await import('node:module')
  const { MessageChannel } = await import('node:worker_threads')
  const { port1, port2 } = new MessageChannel()
  const seen = new Set<string>()
  const waiting: (() => void)[] = []
  port1.on('message', (message: { url?: string; flushed?: boolean }) => {
    if (typeof message.url === 'string') seen.add(message.url)
    if (message.flushed) waiting.shift()?.()
  })
  port1.unref()
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, {
    data: { port: port2 },
    transferList: [port2],
  })
  const flush = () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve)
      port1.postMessage('flush')
    })
  tracker = { seen, flush }
  return tracker
}

const nodeRequire = createRequire(import.meta.url)

/** Runs `body`, returning its value and the absolute paths of the files imported or required meanwhile. */
export async function watchImports<T>(
  body: () => Promise<T>,
): Promise<{ readonly value: T; readonly files: readonly string[] }> {
  const t = await startTracker()
  const before = new Set(Object.keys(nodeRequire.cache))
  const value = await body()
  await t.flush()
  const files = new Set<string>()
  for (const url of t.seen) {
    if (!url.startsWith('file:')) continue
    try {
      files.add(fileURLToPath(url.replace(/[?#].*$/, '')))
    } catch {
      // not a file path
    }
  }
  for (const file of Object.keys(nodeRequire.cache)) if (!before.has(file)) files.add(file)
  return { value, files: [...files] }
}

/** A file the evaluation read: its absolute path, and how (a directory listing or an fd cannot be re-checked). */
export type FileRead = { readonly path: string; readonly kind: 'file' | 'dir' | 'opaque' }

type Patched = { readonly target: Record<string, unknown>; readonly name: string; readonly original: unknown }

/**
 * Runs `body` with node:fs's reading functions watched (and their ES module bindings synced), so
 * the files the config reads while it loads are known: a command chosen from a data file is
 * keyed by that file. Reads through a file descriptor (openSync, a stream) cannot be checked again
 * later: they are noted as opaque.
 */
export async function watchFiles<T>(
  body: () => Promise<T>,
): Promise<{ readonly value: T; readonly reads: readonly FileRead[] }> {
  const fs = nodeRequire('node:fs') as Record<string, unknown> & { promises: Record<string, unknown> }
  const { syncBuiltinESMExports } = nodeRequire('node:module') as typeof import('node:module')
  const reads: FileRead[] = []
  const pathOf = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value
    if (value instanceof URL) return value.protocol === 'file:' ? fileURLToPath(value) : undefined
    if (Buffer.isBuffer(value)) return value.toString()
    return undefined
  }
  const patched: Patched[] = []
  const wrap = (target: Record<string, unknown>, name: string, kind: FileRead['kind']) => {
    const original = target[name]
    if (typeof original !== 'function') return
    patched.push({ target, name, original })
    target[name] = function (this: unknown, ...args: unknown[]) {
      const file = pathOf(args[0])
      reads.push(file === undefined ? { path: String(args[0]), kind: 'opaque' } : { path: file, kind })
      return (original as (...a: unknown[]) => unknown).apply(this, args)
    }
  }
  for (const name of [
    'readFileSync',
    'readFile',
    'existsSync',
    'statSync',
    'lstatSync',
    'stat',
    'lstat',
    'access',
    'accessSync',
  ])
    wrap(fs, name, 'file')
  for (const name of ['readdirSync', 'readdir', 'opendirSync', 'opendir']) wrap(fs, name, 'dir')
  for (const name of ['openSync', 'open', 'createReadStream']) wrap(fs, name, 'opaque')
  for (const name of ['readFile', 'stat', 'lstat', 'access']) wrap(fs.promises, name, 'file')
  for (const name of ['readdir', 'opendir']) wrap(fs.promises, name, 'dir')
  wrap(fs.promises, 'open', 'opaque')
  syncBuiltinESMExports()
  try {
    const value = await body()
    return { value, reads }
  } finally {
    for (const { target, name, original } of patched) target[name] = original
    syncBuiltinESMExports()
  }
}
