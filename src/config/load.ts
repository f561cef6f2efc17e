/**
 * The config stage's only IO: find the config (discover.ts), read and hash its files, import them,
 * then hand the default exports to the pure `validateConfig` and `resolveConfig`.
 *
 * Errors the user must see are GitvanErrors (exit code 2): CONFIG_NOT_FOUND (nothing at the top
 * level), CONFIG_LOAD (a file threw or does not parse: names the file and the line), CONFIG_INVALID
 * (every problem, one per line in `details`).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { GitvanError } from '../errors.js'
import type { Config } from '../types.js'
import type { GitvanConfig } from './define.js'
import { CONFIG_FILES, discoverConfig, JOBS_DIR, type JobPath, listJobFiles, type Source } from './discover.js'
import { resolveConfig } from './resolve.js'
import { formatProblem, type JobFile, type Problem, validateConfig } from './validate.js'

export { findConfigFile } from './discover.js'

/**
 * sha256 (hex) over the config file's bytes (for package.json: its "gitvan" key as JSON), then each
 * jobs/ file's relative path and bytes in path order; every part is length-prefixed, so no two
 * different sets of files hash alike.
 */
export function hashConfigFiles(
  config: Buffer | undefined,
  jobs: readonly { readonly relative: string; readonly bytes: Buffer }[],
): string {
  // node:crypto loads only here: a blocking hook that never reads the hash does not pay for it.
  const { createHash } = nodeRequire('node:crypto') as typeof import('node:crypto')
  const hash = createHash('sha256')
  const part = (data: Buffer | string): void => {
    const buffer = typeof data === 'string' ? Buffer.from(data) : data
    hash.update(`${buffer.length}:`).update(buffer)
  }
  part(config ?? '')
  for (const job of jobs) {
    part(job.relative)
    part(job.bytes)
  }
  return hash.digest('hex')
}

const nodeRequire = createRequire(import.meta.url)

/**
 * A cheap fingerprint of the same bytes (FNV-1a, 32 bits) that only has to tell one version of the
 * files from the next, so a long-lived process re-imports an edited config.
 */
function importVersion(
  config: Buffer | undefined,
  jobs: readonly { readonly relative: string; readonly bytes: Buffer }[],
): string {
  let h = 0x811c9dc5
  const part = (data: Buffer | string): void => {
    const buffer = typeof data === 'string' ? Buffer.from(data) : data
    for (const byte of `${buffer.length}:`) h = Math.imul(h ^ byte.charCodeAt(0), 0x01000193)
    for (let i = 0; i < buffer.length; i++) h = Math.imul(h ^ (buffer[i] as number), 0x01000193)
  }
  part(config ?? '')
  for (const job of jobs) {
    part(job.relative)
    part(job.bytes)
  }
  return (h >>> 0).toString(16).padStart(8, '0')
}

const display = (root: string, file: string): string => path.relative(root, file).split(path.sep).join('/')

/** `file:line` of the failure inside the loaded file, when the error's stack shows one. */
function locate(error: unknown, root: string, file: string): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : ''
  const url = pathToFileURL(file).href
  for (const line of stack.split('\n')) {
    const at = line.indexOf(url)
    if (at === -1) continue
    const position = /^(?:\?[^:\s)]*)?(:\d+(?::\d+)?)/.exec(line.slice(at + url.length))
    if (position) return `${display(root, fileURLToPath(url))}${position[1]}`
  }
  return undefined
}

/**
 * Node does not put the position of an ESM syntax error in the error; `node --check` prints it
 * (`<file>:<line>`, the line, a caret). Only on this failure path, so a hook never pays for it.
 */
function syntaxLocation(root: string, file: string): readonly string[] {
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 })
  const lines = (check.stderr ?? '').split('\n')
  const first = lines.findIndex((line) => line.startsWith(file) || line.startsWith(pathToFileURL(file).href))
  if (first === -1) return []
  const position = /:(\d+)$/.exec(lines[first] ?? '')
  const excerpt = lines.slice(first + 1, first + 3).filter((line) => line.trim() !== '')
  return position ? [`at ${display(root, file)}:${position[1]}`, ...excerpt.map((line) => `  ${line}`)] : []
}

function loadError(error: unknown, root: string, file: string): GitvanError {
  const name = display(root, file)
  const message = error instanceof Error ? error.message : String(error)
  const details: string[] = []
  const where = locate(error, root, file)
  if (where !== undefined) details.push(`at ${where}`)
  else if (error instanceof Error && error.name === 'SyntaxError') details.push(...syntaxLocation(root, file))
  if (/Cannot find (package|module) 'gitvan'/.test(message)) {
    details.push(
      'install gitvan in this repository (npm install --save-dev gitvan), or export a plain object without defineConfig',
    )
  } else {
    details.push(`fix ${name} and try again`)
  }
  return new GitvanError('CONFIG_LOAD', `could not load ${name}: ${message}`, { details, cause: error })
}

/**
 * The default export of a file (for CommonJS, `module.exports`). `version` (the config's hash) is
 * in the URL, so a long-lived process that loads a changed config gets the new module.
 */
async function importDefault(root: string, file: string, version: string): Promise<unknown> {
  // Node keeps a CommonJS module in require's cache whatever the import URL says: drop it.
  delete createRequire(file).cache[file]
  let module: Record<string, unknown>
  try {
    module = (await import(`${pathToFileURL(file).href}?v=${version}`)) as Record<string, unknown>
  } catch (error) {
    throw loadError(error, root, file)
  }
  const value = module.default
  // A CommonJS file compiled from ESM sets `exports.default` and `__esModule`.
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<string, unknown>).__esModule === true &&
    'default' in value
  ) {
    return (value as Record<string, unknown>).default
  }
  return value
}

function notFound(root: string): GitvanError {
  const looked = `looked for ${CONFIG_FILES.join(', ')}, a "gitvan" key in package.json and job files (.mjs, .js, .cjs) under ${JOBS_DIR}/`
  const jobsDir = existsSync(path.join(root, JOBS_DIR)) ? [`${JOBS_DIR}/ exists but holds no job files`] : []
  return new GitvanError('CONFIG_NOT_FOUND', `no gitvan config in ${root}`, {
    details: [looked, ...jobsDir, "run 'gitvan init' to create one"],
  })
}

function invalid(root: string, source: Source, problems: readonly Problem[]): GitvanError {
  const inConfig = problems.some((problem) => problem.file === undefined)
  const inJobs = problems.some((problem) => problem.file !== undefined)
  const configName =
    source.kind === 'none'
      ? `${JOBS_DIR}/`
      : source.kind === 'package'
        ? 'package.json ("gitvan" key)'
        : display(root, source.file)
  const subject =
    inConfig && inJobs && source.kind !== 'none'
      ? `${configName} and ${JOBS_DIR}/`
      : inConfig
        ? configName
        : `${JOBS_DIR}/`
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  return new GitvanError(
    'CONFIG_INVALID',
    `${subject} ${inConfig && inJobs && source.kind !== 'none' ? 'have' : 'has'} ${count}:`,
    {
      details: problems.map(formatProblem),
    },
  )
}

function discover(root: string): Source {
  try {
    return discoverConfig(root)
  } catch (error) {
    throw new GitvanError('CONFIG_LOAD', `could not load package.json: ${(error as Error).message}`, {
      details: ['fix package.json (it is not valid JSON) and try again'],
      cause: error,
    })
  }
}

/** Finds, imports, validates and resolves the config of the repository whose top level is `root`. */
export async function loadConfig(root: string): Promise<Config> {
  const top = path.resolve(root)
  const source = discover(top)
  const jobPaths: readonly JobPath[] = listJobFiles(top)
  if (source.kind === 'none' && jobPaths.length === 0) throw notFound(top)

  // For package.json only the "gitvan" key counts: a version bump or a new dependency is no new config.
  const configBytes =
    source.kind === 'module'
      ? readFileSync(source.file)
      : source.kind === 'package'
        ? Buffer.from(JSON.stringify(source.value))
        : undefined
  const jobBytes = jobPaths.map((job) => ({ ...job, bytes: readFileSync(job.file) }))
  const version = importVersion(configBytes, jobBytes)

  const [raw, ...jobRaws] = await Promise.all([
    source.kind === 'module'
      ? importDefault(top, source.file, version)
      : Promise.resolve(source.kind === 'package' ? source.value : {}),
    ...jobPaths.map((job) => importDefault(top, job.file, version)),
  ])
  const jobFiles: JobFile[] = jobPaths.map((job, i) => ({ ...job, raw: jobRaws[i] }))

  const problems = validateConfig(raw, jobFiles)
  if (problems.length > 0) throw invalid(top, source, problems)
  const file = source.kind === 'none' ? path.join(top, JOBS_DIR) : source.file
  const config = resolveConfig({
    raw: raw as GitvanConfig,
    jobFiles,
    root: top,
    file,
    // The sha256 is for trust and cache keys; computed on the first call, so the commit path skips it.
    hash: memoise(() => hashConfigFiles(configBytes, jobBytes)),
    cpus: os.availableParallelism(),
  })
  return config
}

const memoise = <T>(compute: () => T): (() => T) => {
  let value: { readonly v: T } | undefined
  return () => (value ??= { v: compute() }).v
}
