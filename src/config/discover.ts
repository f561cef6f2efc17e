/**
 * Where a repository's config is: at the top level only, first match wins —
 * `gitvan.config.mjs`, `gitvan.config.js`, `gitvan.config.cjs`, a `"gitvan"` key in `package.json` —
 * plus one job per file under `jobs/`. A `jobs/` directory alone is a config too.
 *
 * This runs inside every blocking hook, so it is a handful of `existsSync` calls; `jobs/` is walked
 * only when it exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

export const CONFIG_FILES = ['gitvan.config.mjs', 'gitvan.config.js', 'gitvan.config.cjs'] as const
export const JOBS_DIR = 'jobs'
const JOB_EXTENSIONS = ['.mjs', '.js', '.cjs']

export type Source =
  | { readonly kind: 'module'; readonly file: string }
  | { readonly kind: 'package'; readonly file: string; readonly value: unknown }
  | { readonly kind: 'none' }

/** A job file found under jobs/, before it is imported. */
export type JobPath = { readonly id: string; readonly file: string; readonly relative: string }

/** package.json's "gitvan" key; undefined when there is no such file or key; throws when it is not JSON. */
function readPackageKey(file: string): { value: unknown } | undefined {
  if (!existsSync(file)) return undefined
  const bytes = readFileSync(file)
  // Most package.json files have no "gitvan" key: skip parsing them.
  if (!bytes.includes('"gitvan"')) return undefined
  const json = JSON.parse(bytes.toString('utf8')) as unknown
  if (typeof json !== 'object' || json === null || !Object.hasOwn(json, 'gitvan')) return undefined
  return { value: (json as Record<string, unknown>).gitvan }
}

/** The config's source at `root`; a package.json that is not JSON throws (SyntaxError). */
export function discoverConfig(root: string): Source {
  for (const name of CONFIG_FILES) {
    const file = path.join(root, name)
    if (existsSync(file)) return { kind: 'module', file }
  }
  const file = path.join(root, 'package.json')
  const key = readPackageKey(file)
  return key === undefined ? { kind: 'none' } : { kind: 'package', file, ...key }
}

/**
 * The config file at `root` (or package.json when the config is its "gitvan" key), or undefined:
 * for commands that only need to know. A jobs/ directory is not reported: it may belong to
 * something else, and only `loadConfig` looks inside it.
 */
export function findConfigFile(root: string): string | undefined {
  try {
    const source = discoverConfig(root)
    return source.kind === 'none' ? undefined : source.file
  } catch {
    // package.json is not JSON: there is no readable config in it.
    return undefined
  }
}

/**
 * Job files under `<root>/jobs/`, sorted by path; [] when there is no jobs/ directory.
 * Dot-files and dot-directories (editor lock files) and node_modules are skipped; a symbolic link
 * to a job file is a job, a symbolic link to a directory is not followed (no cycles to guard against).
 */
export function listJobFiles(root: string): readonly JobPath[] {
  const top = path.join(root, JOBS_DIR)
  if (!existsSync(top)) return []
  const found: JobPath[] = []
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue
      const full = path.join(dir, entry.name)
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`
      if (entry.isDirectory()) {
        walk(full, relative)
        continue
      }
      const ext = path.extname(entry.name)
      if (!JOB_EXTENSIONS.includes(ext) || !(entry.isFile() || entry.isSymbolicLink())) continue
      found.push({
        id: relative.slice(0, -ext.length).replace(/\//g, '.'),
        file: full,
        relative: `${JOBS_DIR}/${relative}`,
      })
    }
  }
  walk(top, '')
  return found.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0))
}
