/**
 * `gitvan cache stats|verify|prune|clear`: look after the disk cache of gate and job results
 * (`<git-common-dir>/gitvan/cache`, or GITVAN_CACHE_DIR). The work is in cache/maintenance.ts;
 * this file picks the subcommand, finds the directory and the limits, and prints.
 *
 * The limits (`cache.maxSize`, `cache.ttl`) come from the config. A cache must stay manageable
 * when the config is missing or broken, so a config error falls back to the defaults and says so
 * on stderr instead of failing; `clear` and `verify` do not need the limits and never load it.
 */

import {
  clearCache,
  describeCache,
  type Locked,
  pruneCache,
  type Reconciled,
  verifyCache,
} from '../../cache/maintenance.js'
import { type CacheLimits, CacheStore, cacheDirOf } from '../../cache/store.js'
import { DEFAULTS } from '../../config/resolve.js'
import { GitvanError } from '../../errors.js'
import { findRepo, type Repo } from '../../git/repo.js'
import { parseCommandArgs } from '../args.js'
import type { Command, Io } from '../command.js'

const SUBCOMMANDS = ['stats', 'verify', 'prune', 'clear'] as const
type Subcommand = (typeof SUBCOMMANDS)[number]

const USAGE = `Usage: gitvan cache <stats|verify|prune|clear> [--json]

The disk cache holds the results of gates that passed, the pre-commit verdicts the shim answers
without node, and the ok results of the runner's and gitvan run's jobs. It lives in <git-common-dir>/gitvan/cache, or in GITVAN_CACHE_DIR (relative to the
repository's top level). Its limits come from the config: cache.maxSize (default 256MB) and
cache.ttl (default 30d); with no usable config, the defaults apply.

Subcommands:
  stats    entries (gates, jobs), probes, size against the limit, ttl, hits, misses and the
           hit rate, for gates and for jobs, oldest and newest write (from the cache's journal)
  verify   read every file and check its sha256; remove corrupt ones and list them; make the
           journal count exactly the files on disk
  prune    make the journal count exactly the files on disk, remove temporary files older than
           a minute, entries older than cache.ttl, then the least recently used above
           cache.maxSize
  clear    remove every entry and the journal

Options:
  --json   print one JSON document

Exit codes: 0 done (verify: every file was intact); 1 verify found corrupt files and removed them;
2 usage error; 3 another process held the cache's lock for more than 5 seconds.
`

type Limits = CacheLimits & { readonly from: 'config' | 'defaults' }

const DEFAULT_LIMITS: CacheLimits = { maxSizeBytes: DEFAULTS.cache.maxSizeBytes, ttlMs: DEFAULTS.cache.ttlMs }

/** The config's cache limits, or the defaults (said on stderr) when there is no usable config. */
async function loadLimits(repo: Repo, io: Io): Promise<Limits> {
  const { loadConfig } = await import('../../config/load.js')
  try {
    const config = await loadConfig(repo.root)
    return { maxSizeBytes: config.cache.maxSizeBytes, ttlMs: config.cache.ttlMs, from: 'config' }
  } catch (error) {
    if (!(error instanceof GitvanError) || !error.code.startsWith('CONFIG_')) throw error
    const why = error.code === 'CONFIG_NOT_FOUND' ? 'no gitvan config found' : 'the config could not be used'
    const problem =
      error.code === 'CONFIG_NOT_FOUND' ? [] : [error.message, ...error.details].map((line) => `  ${line}\n`)
    io.stderr(
      `gitvan: cache: ${why}; using the default limits (maxSize ${formatBytes(DEFAULT_LIMITS.maxSizeBytes)}, ttl ${formatDuration(DEFAULT_LIMITS.ttlMs)}).\n${problem.join('')}`,
    )
    return { ...DEFAULT_LIMITS, from: 'defaults' }
  }
}

/** Binary units, as the config's sizes are (`1KB` = 1024 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`
}

export function formatDuration(ms: number): string {
  const steps: readonly [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ]
  for (const [size, unit] of steps) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  for (const [size, unit] of steps) if (ms >= size) return `${Number((ms / size).toFixed(1))}${unit}`
  return `${ms}ms`
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

function locked(sub: Subcommand, dir: string, result: Locked): never {
  throw new GitvanError(
    'LOCKED',
    `cache ${sub}: another process (pid ${result.holder.pid}) has held the cache's lock in ${dir} for more than 5 seconds.`,
    {
      details: [
        'A hook maintaining the cache takes milliseconds: try again. If no gitvan is running, remove the lock file.',
      ],
    },
  )
}

/** Filesystem errors (a read-only or foreign cache directory) as errors the user can act on. */
async function guarded<T>(sub: Subcommand, dir: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code
    if (error instanceof GitvanError || typeof code !== 'string') throw error
    throw new GitvanError('USAGE', `cache ${sub}: cannot change ${dir}: ${(error as Error).message}`, {
      details: ['Check the permissions of the cache directory (GITVAN_CACHE_DIR moves it).'],
    })
  }
}

function reconciledLines(report: Reconciled): string[] {
  return [
    ...(report.untracked.length > 0
      ? [
          `counted ${plural(report.untracked.length, 'file')} the journal had lost (${formatBytes(report.untracked.reduce((sum, f) => sum + f.bytes, 0))})`,
        ]
      : []),
    ...(report.missing.length > 0
      ? [`dropped ${plural(report.missing.length, 'journal line')} whose file was gone`]
      : []),
    ...(report.resized.length > 0 ? [`corrected the size of ${plural(report.resized.length, 'file')}`] : []),
  ]
}

const reconciledJson = (report: Reconciled) => ({
  untracked: report.untracked.map((file) => ({ path: file.rel, bytes: file.bytes })),
  missing: report.missing.map((entry) => entry.rel),
  resized: report.resized,
})

async function stats(repo: Repo, dir: string, json: boolean, io: Io): Promise<number> {
  const limits = await loadLimits(repo, io)
  const summary = describeCache(new CacheStore(dir, limits))
  if (json) {
    io.stdout(`${JSON.stringify({ ...summary, limitsFrom: limits.from })}\n`)
    return 0
  }
  const share = summary.maxSizeBytes > 0 ? ` (${((summary.bytes / summary.maxSizeBytes) * 100).toFixed(1)}%)` : ''
  const rate = (part: { hits: number; misses: number; hitRate: number | null }): string =>
    part.hitRate === null
      ? 'none yet'
      : `${plural(part.hits, 'hit')}, ${plural(part.misses, 'miss', 'misses')} (${(part.hitRate * 100).toFixed(1)}% hit rate)`
  const lines = [
    ['directory', `${summary.dir}${summary.exists ? '' : ' (not created yet)'}`],
    [
      'entries',
      `${plural(summary.gateEntries, 'gate result')}, ${plural(summary.jobEntries, 'job result')}, ${plural(summary.probes, 'probe')}`,
    ],
    ['size', `${formatBytes(summary.bytes)} of ${formatBytes(summary.maxSizeBytes)}${share}`],
    ['ttl', formatDuration(summary.ttlMs)],
    ['lookups', rate(summary)],
    ['  gates', rate(summary.gates)],
    ['  jobs', rate(summary.jobs)],
    [
      'written',
      summary.oldest === null
        ? '-'
        : summary.oldest === summary.newest
          ? summary.oldest
          : `${summary.oldest} (oldest) to ${summary.newest} (newest)`,
    ],
  ]
  io.stdout(`${lines.map(([label, value]) => `${(label as string).padEnd(11)}${value}`).join('\n')}\n`)
  return 0
}

async function verify(dir: string, json: boolean, io: Io): Promise<number> {
  // verify checks content, not age or size: the limits do not matter here.
  const report = await verifyCache(new CacheStore(dir, DEFAULT_LIMITS))
  if (!report.ok) locked('verify', dir, report)
  const code = report.corrupt.length > 0 ? 1 : 0
  if (json) {
    io.stdout(
      `${JSON.stringify({ dir, checked: report.checked, corrupt: report.corrupt.map((c) => ({ path: c.rel, reason: c.reason })), ...reconciledJson(report) })}\n`,
    )
    return code
  }
  const lines = [
    report.corrupt.length === 0
      ? `${plural(report.checked, 'file')} checked in ${dir}: all intact`
      : `${plural(report.checked, 'file')} checked in ${dir}: ${report.corrupt.length} corrupt, removed (a gate or job whose result was there runs again):`,
    ...report.corrupt.map((c) => `  ${c.rel}: ${c.reason}`),
    ...reconciledLines(report),
  ]
  io.stdout(`${lines.join('\n')}\n`)
  return code
}

async function prune(repo: Repo, dir: string, json: boolean, io: Io): Promise<number> {
  const limits = await loadLimits(repo, io)
  const report = await pruneCache(new CacheStore(dir, limits))
  if (!report.ok) locked('prune', dir, report)
  if (json) {
    io.stdout(
      `${JSON.stringify({
        dir,
        maxSizeBytes: limits.maxSizeBytes,
        ttlMs: limits.ttlMs,
        expired: report.expired,
        evicted: report.evicted,
        freedBytes: report.freedBytes,
        bytes: report.bytes,
        removed: report.removed.map((r) => ({ path: r.rel, bytes: r.bytes, reason: r.reason })),
        staleTemps: report.staleTemps,
        ...reconciledJson(report),
      })}\n`,
    )
    return 0
  }
  const lines = [
    ...reconciledLines(report),
    ...(report.staleTemps.length > 0
      ? [`removed ${plural(report.staleTemps.length, 'temporary file')} left by writers that died`]
      : []),
    `removed ${report.expired} expired (older than ${formatDuration(limits.ttlMs)}) and ${report.evicted} least recently used (above ${formatBytes(limits.maxSizeBytes)}); freed ${formatBytes(report.freedBytes)}`,
    `now ${formatBytes(report.bytes)} in ${dir}`,
  ]
  io.stdout(`${lines.join('\n')}\n`)
  return 0
}

async function clear(dir: string, json: boolean, io: Io): Promise<number> {
  const report = await clearCache(new CacheStore(dir, DEFAULT_LIMITS))
  if (!report.ok) locked('clear', dir, report)
  if (json) {
    io.stdout(
      `${JSON.stringify({ dir, entries: report.entries, probes: report.probes, other: report.other, bytes: report.bytes })}\n`,
    )
    return 0
  }
  io.stdout(
    `removed ${plural(report.entries, 'result')} and ${plural(report.probes, 'probe')}${report.other > 0 ? ` and ${plural(report.other, 'other file')}` : ''} (${formatBytes(report.bytes)}) from ${dir}\n`,
  )
  return 0
}

export const command: Command = {
  name: 'cache',
  summary: 'gitvan cache stats|verify|prune|clear',
  usage: USAGE,
  run: async (args, io) => {
    const { values, positionals } = parseCommandArgs('cache', args, { json: { type: 'boolean' } })
    const [sub, ...extra] = positionals
    if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      const { didYouMean } = await import('../../config/suggest.js')
      const what =
        sub === undefined ? 'which subcommand?' : `unknown subcommand '${sub}'${didYouMean(sub, SUBCOMMANDS)}.`
      throw new GitvanError('USAGE', `cache: ${what} Use one of: ${SUBCOMMANDS.join(', ')}.`, {
        details: ["Run 'gitvan cache --help' for usage."],
      })
    }
    if (extra.length > 0) {
      throw new GitvanError('USAGE', `cache ${sub}: unexpected argument '${extra[0]}'.`, {
        details: ["Run 'gitvan cache --help' for usage."],
      })
    }
    const repo = findRepo(io.cwd)
    const dir = cacheDirOf(repo, io.env)
    const json = values.json === true
    const name = sub as Subcommand
    return guarded(name, dir, () => {
      switch (name) {
        case 'stats':
          return stats(repo, dir, json, io)
        case 'verify':
          return verify(dir, json, io)
        case 'prune':
          return prune(repo, dir, json, io)
        case 'clear':
          return clear(dir, json, io)
      }
    })
  },
}
