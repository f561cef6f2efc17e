/**
 * Where a repository's config may be: the candidates below, at the top level only, ranked (the
 * first one present wins), plus one job per file under `jobs/` (a `jobs/` directory alone is a
 * config too).
 *
 * The candidates are every place cosmiconfig searches for the name `gitvan` (its default search
 * places, and `gitvan.config.mts`/`.cts`), ranked so that gitvan's own `gitvan.config.*` files come
 * first, as they always did, and package.json last: package.json is in nearly every repository,
 * and the shim's cache probe can check that a file is absent but not that package.json has no
 * "gitvan" key, so no candidate may rank below it.
 *
 * A candidate is present when it is a non-empty file (cosmiconfig skips empty files), and
 * package.json only when it has a "gitvan" key. cosmiconfig does the search (config/search.ts,
 * loaded only by commands and the runner); this module holds the ranked list and the cheap checks
 * a hook makes on the file install recorded: a few `stat` calls, and a read only of a file that
 * exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'

export const PACKAGE_FILE = 'package.json'

export const CONFIG_FILES = [
  'gitvan.config.mjs',
  'gitvan.config.js',
  'gitvan.config.cjs',
  'gitvan.config.ts',
  'gitvan.config.mts',
  'gitvan.config.cts',
  '.gitvanrc',
  '.gitvanrc.json',
  '.gitvanrc.yaml',
  '.gitvanrc.yml',
  '.gitvanrc.js',
  '.gitvanrc.ts',
  '.gitvanrc.cjs',
  '.gitvanrc.mjs',
  '.config/gitvanrc',
  '.config/gitvanrc.json',
  '.config/gitvanrc.yaml',
  '.config/gitvanrc.yml',
  '.config/gitvanrc.js',
  '.config/gitvanrc.ts',
  '.config/gitvanrc.cjs',
  '.config/gitvanrc.mjs',
  PACKAGE_FILE,
] as const

export const JOBS_DIR = 'jobs'
const JOB_EXTENSIONS = ['.mjs', '.js', '.cjs']

/** The config's source: a file, package.json's "gitvan" key, or none (jobs/ alone, or nothing). */
export type Source =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'package'; readonly file: string; readonly value: unknown }
  | { readonly kind: 'none' }

/** A job file found under jobs/, before it is imported. */
export type JobPath = { readonly id: string; readonly file: string; readonly relative: string }

/** `file` relative to `root`, with `/` separators: how candidates are named. */
export const relativeName = (root: string, file: string): string => path.relative(root, file).split(path.sep).join('/')

/**
 * The name install records for the config whose top level is `root` and whose file is `file` (a
 * config's `file` is `<root>/jobs` when it is jobs/ alone): its path under the top level, or null.
 */
export const recordedName = (config: { readonly root: string; readonly file: string }): string | null =>
  config.file === path.join(config.root, JOBS_DIR) ? null : relativeName(config.root, config.file)

/** package.json's "gitvan" key; undefined when there is no such file or key; throws when it is not JSON. */
export function readPackageKey(file: string): { value: unknown } | undefined {
  if (!existsSync(file)) return undefined
  const bytes = readFileSync(file)
  // Most package.json files have no "gitvan" key: skip parsing them.
  if (!bytes.includes('"gitvan"')) return undefined
  const json = JSON.parse(bytes.toString('utf8')) as unknown
  if (typeof json !== 'object' || json === null || !Object.hasOwn(json, 'gitvan')) return undefined
  return { value: (json as Record<string, unknown>).gitvan }
}

/** Whether the candidate `name` is present at `root` (see the header); a package.json that is not JSON is not. */
export function isPresent(root: string, name: string): boolean {
  const file = path.join(root, name)
  if (name === PACKAGE_FILE) {
    try {
      return readPackageKey(file) !== undefined
    } catch {
      return false
    }
  }
  try {
    const st = statSync(file)
    if (!st.isFile()) return false
    // cosmiconfig skips a file that holds only whitespace; read only small files to tell.
    return st.size > 256 || readFileSync(file, 'utf8').trim() !== ''
  } catch {
    return false
  }
}

/**
 * Candidates ranked above `name` that are present at `root`. `null` stands for no config file
 * (jobs/ alone): then every candidate counts. A name that is not a candidate has no rank: [].
 */
export function presentAbove(root: string, name: string | null): string[] {
  const rank = name === null ? CONFIG_FILES.length : (CONFIG_FILES as readonly string[]).indexOf(name)
  return CONFIG_FILES.slice(0, Math.max(rank, 0)).filter((candidate) => isPresent(root, candidate))
}

/**
 * The config's source at `root` by the ranked list alone, without cosmiconfig: what a hook falls
 * back to when the file install recorded no longer decides. A package.json that is not JSON throws.
 */
export function discoverConfig(root: string): Source {
  for (const name of CONFIG_FILES) {
    if (name === PACKAGE_FILE) {
      const file = path.join(root, name)
      const key = readPackageKey(file)
      if (key !== undefined) return { kind: 'package', file, ...key }
    } else if (isPresent(root, name)) {
      return { kind: 'file', file: path.join(root, name) }
    }
  }
  return { kind: 'none' }
}

/**
 * The config file at `root` (or package.json when the config is its "gitvan" key), or undefined:
 * for commands that only need to know. A jobs/ directory is not reported: it may belong to
 * something else, and only loading looks inside it.
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
