/**
 * TypeScript configs are transpiled once per content. The JavaScript is kept in
 * `<state dir>/config/<sha256>.mjs` (`.cjs` when it is CommonJS), named by the hash of the
 * transpiler's version (gitvan's: the transpiler is bundled into it), the source's path and its
 * bytes; the next load of the same source imports that file and never loads the transpiler.
 *
 * The copy sits inside the repository's git directory, so bare imports (`'gitvan'`) resolve from
 * the top level's node_modules, as the source's would; relative imports and `import.meta` are
 * pointed at the source's own place when the copy is written (transpile.ts).
 *
 * Entries are written to a temporary name and renamed, so a reader sees a whole file or none. A
 * hit older than a day has its time refreshed; a miss deletes entries unused for a week.
 */
import { mkdirSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { GitvanError } from '../errors.js'
import { relativeName } from './discover.js'
import type { TsFormat } from './transpile.js'

declare const __GITVAN_VERSION__: string
const VERSION = typeof __GITVAN_VERSION__ === 'string' ? __GITVAN_VERSION__ : 'dev'
const SCHEMA = 'gitvan.ts.v1'
const DAY = 24 * 60 * 60 * 1000

export type { TsFormat } from './transpile.js'

export const compiledDir = (stateDir: string): string => path.join(stateDir, 'config')

function entryName(file: string, bytes: Buffer): string {
  // node:crypto loads only for a TypeScript config, as in load.ts.
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')
  const hash = createHash('sha256')
  for (const part of [SCHEMA, VERSION, file]) hash.update(`${Buffer.byteLength(part)}:${part}`)
  return hash.update(bytes).digest('hex')
}

/** The cached copy for this source, if there is one. */
function cached(dir: string, name: string): string | undefined {
  for (const ext of ['.mjs', '.cjs']) {
    const file = path.join(dir, `${name}${ext}`)
    try {
      const st = statSync(file)
      if (Date.now() - st.mtimeMs > DAY) {
        const now = new Date()
        utimesSync(file, now, now)
      }
      return file
    } catch {
      // not this one
    }
  }
  return undefined
}

function prune(dir: string, keep: string): void {
  const cutoff = Date.now() - 7 * DAY
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry)
    if (file === keep) continue
    try {
      if (statSync(file).mtimeMs < cutoff) unlinkSync(file)
    } catch {
      // gone already, or another process's temporary file
    }
  }
}

/**
 * The path of the JavaScript for the TypeScript config `file` (its contents: `bytes`), transpiled
 * now when no copy of this content is cached.
 */
export async function compiledConfig(
  place: { readonly root: string; readonly stateDir: () => string },
  file: string,
  bytes: Buffer,
  format: TsFormat,
): Promise<string> {
  const dir = compiledDir(place.stateDir())
  const name = entryName(file, bytes)
  const hit = cached(dir, name)
  if (hit !== undefined) return hit

  const { transpileConfig } = await import('./transpile.js')
  let out: { readonly code: string; readonly module: 'esm' | 'cjs' }
  try {
    out = await transpileConfig(bytes.toString('utf8'), file, format)
  } catch (error) {
    const shown = relativeName(place.root, file)
    const message = error instanceof Error ? error.message : String(error)
    const position = /\((\d+):(\d+)\)/.exec(message)
    throw new GitvanError('CONFIG_LOAD', `could not load ${shown}: ${message}`, {
      details: [...(position ? [`at ${shown}:${position[1]}`] : []), `fix ${shown} and try again`],
      cause: error,
    })
  }
  mkdirSync(dir, { recursive: true })
  const target = path.join(dir, `${name}.${out.module === 'esm' ? 'mjs' : 'cjs'}`)
  const tmp = `${target}.${process.pid}.tmp`
  writeFileSync(tmp, out.code)
  renameSync(tmp, target)
  prune(dir, target)
  return target
}
