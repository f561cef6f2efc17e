/**
 * The global flags that measure gitvan itself, accepted on any command:
 *
 * - `--performance-stats`: after the command, print to stderr where its time went: node's start-up
 *   (process start to gitvan's entry), loading the command's chunk, running it; CPU and peak RSS.
 * - `--profile`: run the command again under `node --cpu-prof` and write the V8 CPU profile to the
 *   current directory (or `$GITVAN_PROFILE_DIR`), so start-up and module loading are in it too.
 *
 * main.ts loads this module only when one of the flags is present, so a plain `gitvan --version`
 * or a hook pays nothing for it. Flags are recognised before a `--` only.
 */
import { spawnSync } from 'node:child_process'
import { constants } from 'node:os'
import path from 'node:path'
import type { Io } from './command.js'

export const GLOBAL_FLAGS = ['--performance-stats', '--profile'] as const

export type GlobalFlags = {
  readonly args: readonly string[]
  readonly performanceStats: boolean
  readonly profile: boolean
}

/** Splits the global flags off argv; everything else keeps its order. Pure. */
export function splitGlobalFlags(argv: readonly string[]): GlobalFlags {
  const end = argv.indexOf('--')
  const head = end === -1 ? argv : argv.slice(0, end)
  const tail = end === -1 ? [] : argv.slice(end)
  return {
    args: [...head.filter((arg) => !(GLOBAL_FLAGS as readonly string[]).includes(arg)), ...tail],
    performanceStats: head.includes('--performance-stats'),
    profile: head.includes('--profile'),
  }
}

const round = (ms: number): string => ms.toFixed(1)

/** Marks main.ts sets: the entry, and the command's chunk loaded. */
const markTime = (name: string): number | undefined => performance.getEntriesByName(name).at(-1)?.startTime

export function formatPerformance(command: string, code: number): string {
  const end = performance.now()
  const entry = markTime('gitvan:main') ?? end
  const loaded = markTime('gitvan:loaded')
  const usage = process.resourceUsage()
  const parts = [`node start-up ${round(entry)} ms`]
  if (loaded !== undefined) parts.push(`command load ${round(loaded - entry)} ms`, `run ${round(end - loaded)} ms`)
  else parts.push(`run ${round(end - entry)} ms`)
  return (
    `gitvan performance (${command || 'gitvan'}, exit ${code}): total ${round(end)} ms = ${parts.join(' + ')}; ` +
    `CPU ${round((usage.userCPUTime + usage.systemCPUTime) / 1000)} ms (user ${round(usage.userCPUTime / 1000)}, system ${round(usage.systemCPUTime / 1000)}); ` +
    `peak RSS ${(usage.maxRSS / 1024).toFixed(1)} MB\n`
  )
}

/**
 * Runs the command again in a child node with --cpu-prof (same arguments minus --profile, same
 * stdio, so a hook's stdin still reaches it) and returns the child's exit code.
 */
export function runProfiled(args: readonly string[], io: Io): number {
  const dir = path.resolve(io.cwd, io.env.GITVAN_PROFILE_DIR ?? '.')
  const command = args.find((arg) => !arg.startsWith('-')) ?? 'gitvan'
  const name = `gitvan-${command.replace(/[^\w.-]/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.cpuprofile`
  const script = process.argv[1] ?? ''
  const result = spawnSync(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', name, script, ...args],
    {
      cwd: io.cwd,
      env: io.env,
      stdio: 'inherit',
    },
  )
  if (result.error) {
    io.stderr(`gitvan: --profile could not start ${process.execPath}: ${result.error.message}\n`)
    return 1
  }
  io.stderr(
    `gitvan: CPU profile written to ${path.join(dir, name)} (open it in Chrome DevTools > Performance, or speedscope)\n`,
  )
  return result.status ?? 128 + (result.signal === null ? 0 : constants.signals[result.signal])
}
