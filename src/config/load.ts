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
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs'
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
import { type FileRead, watchEnv, watchFiles, watchImports } from './track.js'
import {
  addVersion,
  type CurrentFile,
  importsOf,
  makeVersion,
  matchTrust,
  readCurrent,
  readTrust,
  type TrustRecord,
  type TrustVersion,
  toTrusted,
  trustChanges,
  trustHash,
  writeTrust,
} from './trust.js'
import { parseDuration } from './units.js'
import { formatProblem, type JobFile, type Problem, validateConfig } from './validate.js'

export { findConfigFile } from './discover.js'

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

/** How a load treats trust (see trust.ts). */
export type TrustMode =
  /** A hook or the runner: refuse a config that differs from the one approved, before importing it. */
  | 'check'
  /** install, trust: note every file of the repository the config imports, for the record. */
  | 'record'
  /** CI and explicit commands: run the checked-out config. */
  | 'ignore'

type How = { readonly trust: TrustMode; readonly timeoutMs: number }

/** What a load saw of the config's files, kept for `trustRecordOf`. */
const seenFiles = new WeakMap<Config, readonly CurrentFile[]>()

/**
 * Approves `config` (loaded with trust 'record') in `stateDir`: it becomes the newest approved
 * version. Returns it, and whether it was approved already.
 */
export function approveConfig(
  stateDir: string,
  config: Config,
): { readonly version: TrustVersion; readonly already: boolean } {
  const files = seenFiles.get(config)
  if (files === undefined) throw new Error("approveConfig: the config was not loaded with trust 'record'")
  const version = makeVersion(files)
  const previous = readTrust(stateDir)
  mkdirSync(stateDir, { recursive: true })
  writeTrust(stateDir, addVersion(previous, version))
  return { version, already: previous?.versions[0]?.hash === version.hash }
}

/** The config's own files (the config file or package.json's key, jobs/), as `CurrentFile`s. */
function ownFiles(
  top: string,
  source: Source,
  configBytes: Buffer | undefined,
  jobBytes: readonly { readonly relative: string; readonly bytes: Buffer }[],
): CurrentFile[] {
  return [
    ...(source.kind === 'none'
      ? []
      : [{ path: relativeName(top, source.file), role: 'config' as const, bytes: configBytes }]),
    ...jobBytes.map((job) => ({ path: job.relative, role: 'job' as const, bytes: job.bytes })),
  ]
}

function untrusted(changes: readonly string[] | undefined): GitvanError {
  return new GitvanError(
    'UNTRUSTED',
    changes === undefined
      ? 'the config was never approved in this clone, so gitvan runs nothing from it.'
      : 'the config changed since it was approved, so gitvan runs nothing from it:',
    {
      details: [...(changes ?? []), "run 'gitvan trust' to approve it ('gitvan trust --show' prints what changed)"],
    },
  )
}

/** Files of the repository among `files` (absolute paths): not under node_modules or .git. */
function repositoryFiles(top: string, files: readonly string[], own: readonly CurrentFile[]): string[] {
  const real = (file: string): string => {
    try {
      return realpathSync(file)
    } catch {
      return file
    }
  }
  const root = real(top)
  const skip = new Set(own.map((file) => file.path))
  const found = new Set<string>()
  for (const file of files) {
    const relative = path.relative(root, real(file))
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) continue
    const parts = relative.split(path.sep)
    if (parts.includes('node_modules') || parts[0] === '.git') continue
    const name = parts.join('/')
    if (!skip.has(name)) found.add(name)
  }
  return [...found].sort()
}

function timedOut(top: string, source: Source, ms: number): GitvanError {
  const name = source.kind === 'file' ? relativeName(top, source.file) : `${JOBS_DIR}/`
  return new GitvanError(
    'CONFIG_TIMEOUT',
    `loading ${name} did not finish within ${ms / 1000} s (a top-level await that never settles, or a module that waits on something that never comes)`,
    {
      details: [`fix ${name} so that it finishes loading, or give it longer with ${TIMEOUT_ENV}=30s`],
    },
  )
}

/** Settles as `promise` does, or rejects with `error()` after `ms` (the timer keeps node alive until then). */
function bounded<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** Loads, validates and resolves the config whose source is `source`, with the job files under jobs/. */
async function loadFrom(place: LoadPlace, source: Source, how: How): Promise<Config> {
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
  const own = ownFiles(top, source, configBytes, jobBytes)

  // Before anything is imported: the files as approved, the modules the config imported then included.
  const record = readTrust(place.stateDir())
  const approved = (imports: readonly string[]): CurrentFile[] => [
    ...own,
    ...imports.map((file) => ({ path: file, role: 'import' as const, bytes: readCurrent(top, file) })),
  ]
  const match = matchTrust(record, approved)
  const newest = record?.versions[0]
  if (how.trust === 'check' && match === undefined)
    throw untrusted(newest === undefined ? undefined : trustChanges(newest, approved(importsOf(newest))))
  let files = approved(importsOf(match ?? newest))

  const evaluate = () =>
    Promise.all([
      source.kind === 'file'
        ? loadFile(place, source.file, configBytes as Buffer, version)
        : Promise.resolve(source.kind === 'package' ? source.value : {}),
      ...jobPaths.map((job) => importDefault(top, job.file, version)),
    ])
  const watched =
    how.trust === 'record'
      ? async () => {
          const { value, files: imported } = await watchImports(evaluate)
          files = approved(repositoryFiles(top, imported, own))
          return value
        }
      : evaluate
  const {
    value: { value, reads },
    env,
  } = await bounded(
    watchEnv(() => watchFiles(watched)),
    how.timeoutMs,
    () => timedOut(top, source, how.timeoutMs),
  )
  const [raw, ...jobRaws] = value
  const jobFiles: JobFile[] = jobPaths.map((job, i) => ({ ...job, raw: jobRaws[i] }))

  const problems = validateConfig(raw, jobFiles)
  if (problems.length > 0) throw invalid(top, source, problems)
  const file = source.kind === 'none' ? path.join(top, JOBS_DIR) : source.file
  const trusted = toTrusted(files)
  const config: Config = {
    ...resolveConfig({
      raw: raw as GitvanConfig,
      jobFiles,
      root: top,
      file,
      // The config's identity for trust and cache keys: its files and the modules it imports.
      hash: memoise(() => trustHash(trusted)),
      cpus: os.availableParallelism(),
    }),
    evaluation: {
      env: env === 'all' ? 'all' : [...env].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      imports: files.filter((f) => f.role === 'import').map((f) => f.path),
      reads: dataReads(top, place.stateDir(), reads, files),
    },
  }
  if (how.trust === 'record') seenFiles.set(config, files)
  return config
}

/**
 * The files the evaluation read that are data, not code: not the config's own files or the
 * modules it imports (node's CommonJS loader reads those through node:fs too), nothing under
 * node_modules, .git or the state directory (gitvan's own transpiled copies). Named under the top
 * level when inside it, absolute otherwise.
 */
function dataReads(
  top: string,
  stateDir: string,
  reads: readonly FileRead[],
  files: readonly CurrentFile[],
): { readonly path: string; readonly kind: FileRead['kind'] }[] {
  const known = new Set(files.map((file) => path.join(top, file.path)))
  const found = new Map<string, FileRead['kind']>()
  for (const read of reads) {
    const full = path.resolve(read.path) // as the read resolved it, against the working directory
    const relative = path.relative(top, full)
    const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
    if (known.has(full) || full.split(path.sep).includes('node_modules')) continue
    if (full === stateDir || full.startsWith(`${stateDir}${path.sep}`)) continue
    if (inside && relative.split(path.sep)[0] === '.git') continue
    const name = inside ? relative.split(path.sep).join('/') : full
    const before = found.get(name)
    if (before === undefined || before === 'file') found.set(name, read.kind)
  }
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, kind]) => ({ path: p, kind }))
}

/** The environment variable that bounds how long loading the config may take. */
export const TIMEOUT_ENV = 'GITVAN_CONFIG_TIMEOUT'
const DEFAULT_TIMEOUT_MS = 10_000

/** The bound on loading the config: GITVAN_CONFIG_TIMEOUT (a duration: '10s', '500ms'; a bare number is ms), 10 s by default. */
export function loadTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env[TIMEOUT_ENV]
  if (value === undefined || value === '') return DEFAULT_TIMEOUT_MS
  const ms = parseDuration(value)
  if (ms === undefined || ms <= 0)
    throw new GitvanError('USAGE', `${TIMEOUT_ENV}=${value} is not a duration`, {
      details: [
        `give it as '10s', '500ms' or '2m' (a bare number is milliseconds), or unset it for the default of 10 s`,
      ],
    })
  return ms
}

export type LoadOptions = {
  /** `<git-common-dir>/gitvan`, where transpiled TypeScript configs are kept; asked of git when needed and not given. */
  readonly stateDir?: string
  /** 'ignore' by default: commands run the checked-out config. */
  readonly trust?: TrustMode
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
  return loadFrom(placeOf(top, options.stateDir), source, {
    trust: options.trust ?? 'ignore',
    timeoutMs: loadTimeoutMs(),
  })
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
  trust: TrustMode = 'check',
): Promise<InstalledConfig> {
  const top = path.resolve(root)
  const place = placeOf(top, stateDir)
  const how: How = { trust, timeoutMs: loadTimeoutMs() }
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
      return { config: await loadFrom(place, source, how), notice: undefined }
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
  return { config: await loadFrom(place, source, how), notice }
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

/**
 * The config's files as they are now, next to what was approved, without importing anything
 * (`gitvan trust --show`): the file install recorded (else the ranked list's), jobs/, and the
 * modules the newest approved version imported. A module a changed config imports for the first time shows
 * only as the change to the file that imports it.
 */
export function configFilesNow(
  root: string,
  stateDir: string,
  recorded: string | null | undefined,
): {
  readonly record: TrustRecord | undefined
  /** The files as they are now, with the modules given (by default those the newest version imported). */
  readonly files: (imports?: readonly string[]) => readonly CurrentFile[]
} {
  const top = path.resolve(root)
  let source: Source
  try {
    source =
      recorded === undefined ||
      (recorded !== null && !isPresent(top, recorded)) ||
      presentAbove(top, recorded).length > 0
        ? discoverConfig(top)
        : recorded === null
          ? { kind: 'none' }
          : recorded === PACKAGE_FILE
            ? packageSource(top)
            : { kind: 'file', file: path.join(top, recorded) }
  } catch (error) {
    throw packageError(error)
  }
  const configBytes =
    source.kind === 'file'
      ? readCurrent(top, relativeName(top, source.file))
      : source.kind === 'package'
        ? Buffer.from(JSON.stringify(source.value))
        : undefined
  const jobBytes = listJobFiles(top).flatMap((job) => {
    const bytes = readCurrent(top, job.relative)
    return bytes === undefined ? [] : [{ relative: job.relative, bytes }]
  })
  const record = readTrust(stateDir)
  const own = ownFiles(top, source, configBytes, jobBytes)
  return {
    record,
    files: (imports = importsOf(record?.versions[0])) => [
      ...own,
      ...imports.map((file) => ({ path: file, role: 'import' as const, bytes: readCurrent(top, file) })),
    ],
  }
}
