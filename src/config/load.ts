/**
 * The config stage's only IO: find the config, read and hash its files, load them (loaders.ts),
 * then hand the values to the pure `validateConfig` and `resolveConfig`.
 *
 * Two ways in. `loadConfig` (commands, the runner) has cosmiconfig search for the config
 * (search.ts, imported only here and only then). `loadInstalledConfig` (a hook) loads the file
 * install recorded, with no search: it checks only that the file is still there and that no
 * higher-ranked candidate has appeared, and when either fails it says so and takes the candidate
 * the ranked list gives (discover.ts), still without cosmiconfig.
 *
 * Errors the user must see are GitvanErrors (exit code 2): CONFIG_NOT_FOUND (nothing at the top
 * level), CONFIG_LOAD (a file threw or does not parse: names the file and the line), CONFIG_INVALID
 * (every problem, one per line in `details`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { GitvanError } from '../errors.js'
import { findRepo } from '../git/repo.js'
import type { Config } from '../types.js'
import type { GitvanConfig } from './define.js'
import {
  discoverConfig,
  isPresent,
  JOBS_DIR,
  type JobPath,
  listJobFiles,
  PACKAGE_FILE,
  presentAbove,
  readPackageKey,
  relativeName,
  type Source,
} from './discover.js'
import { importDefault, type LoadPlace, loadFile } from './loaders.js'
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

/** The candidates of discover.ts, said briefly. */
const CANDIDATES =
  'gitvan.config.mjs, gitvan.config.js, gitvan.config.cjs (or .ts, .mts, .cts), .gitvanrc (or .gitvanrc.json, .yaml, .yml, .js, .ts, .cjs, .mjs), .config/gitvanrc (with the same extensions)'

function notFound(root: string): GitvanError {
  const looked = `looked for ${CANDIDATES}, a "gitvan" key in package.json and job files (.mjs, .js, .cjs) under ${JOBS_DIR}/`
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
        : relativeName(root, source.file)
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

function packageError(error: unknown): GitvanError {
  return new GitvanError('CONFIG_LOAD', `could not load package.json: ${(error as Error).message}`, {
    details: ['fix package.json (it is not valid JSON) and try again'],
    cause: error,
  })
}

/** The state directory, found only when a TypeScript config needs it (commands pass none). */
const placeOf = (root: string, stateDir: string | undefined): LoadPlace => ({
  root,
  stateDir: stateDir === undefined ? memoise(() => findRepo(root).stateDir) : () => stateDir,
})

/** Loads, validates and resolves the config whose source is `source`, with the job files under jobs/. */
async function loadFrom(place: LoadPlace, source: Source): Promise<Config> {
  const top = place.root
  const jobPaths: readonly JobPath[] = listJobFiles(top)
  if (source.kind === 'none' && jobPaths.length === 0) throw notFound(top)

  // For package.json only the "gitvan" key counts: a version bump or a new dependency is no new config.
  const configBytes =
    source.kind === 'file'
      ? readFileSync(source.file)
      : source.kind === 'package'
        ? Buffer.from(JSON.stringify(source.value))
        : undefined
  const jobBytes = jobPaths.map((job) => ({ ...job, bytes: readFileSync(job.file) }))
  const version = importVersion(configBytes, jobBytes)

  const [raw, ...jobRaws] = await Promise.all([
    source.kind === 'file'
      ? loadFile(place, source.file, configBytes as Buffer, version)
      : Promise.resolve(source.kind === 'package' ? source.value : {}),
    ...jobPaths.map((job) => importDefault(top, job.file, version)),
  ])
  const jobFiles: JobFile[] = jobPaths.map((job, i) => ({ ...job, raw: jobRaws[i] }))

  const problems = validateConfig(raw, jobFiles)
  if (problems.length > 0) throw invalid(top, source, problems)
  const file = source.kind === 'none' ? path.join(top, JOBS_DIR) : source.file
  return resolveConfig({
    raw: raw as GitvanConfig,
    jobFiles,
    root: top,
    file,
    // The sha256 is for trust and cache keys; computed on the first call, so the commit path skips it.
    hash: memoise(() => hashConfigFiles(configBytes, jobBytes)),
    cpus: os.availableParallelism(),
  })
}

export type LoadOptions = {
  /** `<git-common-dir>/gitvan`, where transpiled TypeScript configs are kept; asked of git when needed and not given. */
  readonly stateDir?: string
}

/**
 * Has cosmiconfig find the config of the repository whose top level is `root`, then loads,
 * validates and resolves it.
 */
export async function loadConfig(root: string, options: LoadOptions = {}): Promise<Config> {
  const top = path.resolve(root)
  const { searchConfig } = await import('./search.js')
  let source: Source
  try {
    source = await searchConfig(top)
  } catch (error) {
    throw packageError(error)
  }
  return loadFrom(placeOf(top, options.stateDir), source)
}

export type InstalledConfig = {
  readonly config: Config
  /** When the recorded file no longer decides: one line that says so and what to do. */
  readonly notice: string | undefined
}

/**
 * The config a hook runs: the file install recorded (`recorded`: its name under the top level, null
 * for jobs/ alone), imported directly. Without a record (gitvan not installed in this clone, or
 * installed by a gitvan that recorded no file) the ranked list decides, as it does, with a notice,
 * when the recorded file is gone or a higher-ranked candidate is present.
 */
export async function loadInstalledConfig(
  root: string,
  stateDir: string,
  recorded: string | null | undefined,
): Promise<InstalledConfig> {
  const top = path.resolve(root)
  const place = placeOf(top, stateDir)
  let why: string | undefined
  if (recorded !== undefined) {
    const above = presentAbove(top, recorded)
    if (recorded !== null && !isPresent(top, recorded))
      why = `the config ${recorded} that 'gitvan install' recorded is gone`
    else if (above.length > 0)
      why =
        recorded === null
          ? `${above[0]} is a config file now, where 'gitvan install' recorded ${JOBS_DIR}/ alone`
          : `${above[0]} takes precedence over ${recorded}, the config 'gitvan install' recorded`
    else {
      const source: Source =
        recorded === null
          ? { kind: 'none' }
          : recorded === PACKAGE_FILE
            ? packageSource(top)
            : { kind: 'file', file: path.join(top, recorded) }
      return { config: await loadFrom(place, source), notice: undefined }
    }
  }
  let source: Source
  try {
    source = discoverConfig(top)
  } catch (error) {
    throw packageError(error)
  }
  const using =
    source.kind !== 'none'
      ? `using ${relativeName(top, source.file)}`
      : listJobFiles(top).length > 0
        ? `using ${JOBS_DIR}/`
        : 'no config is left'
  const notice =
    why === undefined ? undefined : `${why}; ${using}: run 'gitvan install' to record the config there is now`
  return { config: await loadFrom(place, source), notice }
}

function packageSource(root: string): Source {
  const file = path.join(root, PACKAGE_FILE)
  try {
    const key = readPackageKey(file)
    return key === undefined ? { kind: 'none' } : { kind: 'package', file, ...key }
  } catch (error) {
    throw packageError(error)
  }
}

const memoise = <T>(compute: () => T): (() => T) => {
  let value: { readonly v: T } | undefined
  return () => {
    value ??= { v: compute() }
    return value.v
  }
}
