// gitvan as a user has it: node_modules/gitvan links to this project's package root, the CLI is
// node_modules/gitvan/dist/cli.js, and `gitvan install` wrote the shims. Async hooks return before
// the work is done, so after each timed git command the bench waits (untimed) until the runner has
// drained the spool and gone quiet: otherwise its batch would land on the next subject's clock.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ENV, PROJECT, sh, sleep } from './env.mjs'
import { processCpuMs, processPeakRssMB } from './measure.mjs'

const NOT_BUILT = /not built yet/i

export const cliOf = (dir) => path.join(dir, 'node_modules', 'gitvan', 'dist', 'cli.js')
export const stateOf = (dir) => path.join(dir, '.git', 'gitvan')

/** Makes `gitvan` resolve to this project inside `dir`, as `npm install gitvan` would. */
export function linkGitvan(dir) {
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true })
  fs.symlinkSync(PROJECT, path.join(dir, 'node_modules', 'gitvan'), 'dir')
}

export function gitvan(dir, args, opts = {}) {
  return spawnSync(process.execPath, [cliOf(dir), ...args], {
    cwd: dir,
    env: { ...ENV, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeout ?? 120_000,
    maxBuffer: 1 << 28,
  })
}

/** `gitvan status --json`, or { error } when it is not there or not JSON. */
export function status(dir) {
  const r = gitvan(dir, ['status', '--json'], { timeout: 30_000 })
  if (r.status !== 0)
    return { error: `gitvan status --json exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0]}` }
  try {
    const s = JSON.parse(r.stdout)
    if (typeof s.spool !== 'number' || typeof s.runner?.alive !== 'boolean')
      return { error: `gitvan status --json printed no spool/runner: ${r.stdout.slice(0, 200)}` }
    return s
  } catch {
    return { error: `gitvan status --json printed no JSON: ${r.stdout.slice(0, 200)}` }
  }
}

/** Event files anywhere in the state dir but the cache: spooled, or claimed and not yet published. */
function countEvents(dir) {
  let n = 0
  const walk = (d) => {
    let entries
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (e.name !== 'cache') walk(path.join(d, e.name))
      } else if (e.name.endsWith('.event')) n++
    }
  }
  walk(dir)
  return n
}

export function runnerPid(dir) {
  try {
    const pid = Number(
      fs
        .readFileSync(path.join(stateOf(dir), 'runner.pid'), 'utf8')
        .trim()
        .split(/\s+/)[0],
    )
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

/** Receipts written so far: one note per commit. */
export function countNotes(dir) {
  const r = sh('git', ['notes', '--ref=gitvan/results', 'list'], { cwd: dir, allowFail: true })
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).length : 0
}

/**
 * Follows the detached runners of one repository: their CPU (which no timed sample contains) and
 * peak RSS, read from /proc while they are alive, keyed by pid since a runner exits when idle.
 */
export function makeRunnerWatch() {
  const seen = new Map()
  return {
    sample(dir) {
      const pid = runnerPid(dir)
      if (pid === null) return
      const cpuMs = processCpuMs(pid)
      const rssMB = processPeakRssMB(pid)
      if (cpuMs === null) return
      const old = seen.get(pid) ?? { cpuMs: 0, rssMB: 0 }
      seen.set(pid, { cpuMs: Math.max(old.cpuMs, cpuMs), rssMB: Math.max(old.rssMB, rssMB ?? 0) })
    },
    get cpuMs() {
      return [...seen.values()].reduce((a, b) => a + b.cpuMs, 0)
    },
    get peakRssMB() {
      return seen.size ? Math.max(...[...seen.values()].map((v) => v.rssMB)) : null
    },
    get runners() {
      return seen.size
    },
  }
}

/**
 * Waits until no event is spooled or in flight and the runner has gone quiet (alive but idle, or
 * gone); with `untilExit`, until `gitvan status --json` says the runner is not alive. Returns
 * { ok, ms, status } or { ok: false, reason } at the timeout.
 */
export function settle(dir, { timeoutMs = 30_000, untilExit = false, watch } = {}) {
  const t0 = Date.now()
  let last = null
  while (Date.now() - t0 < timeoutMs) {
    watch?.sample(dir)
    // Cheap signs first (no process started, so waiting does not slow the runner down): an event
    // file not yet published, the runner still alive (untilExit) or still busy.
    const pid = runnerPid(dir)
    const alive = pid !== null && processCpuMs(pid) !== null
    if (countEvents(stateOf(dir)) > 0 || (untilExit ? alive : !quiet(dir, watch))) {
      sleep(untilExit ? 50 : 10)
      continue
    }
    // Then what gitvan itself says.
    last = status(dir)
    if (last.error && NOT_BUILT.test(last.error))
      last = {
        spool: 0,
        runner: { alive, pid: alive ? pid : null },
        from: 'event files and runner.pid (no gitvan status)',
      }
    if (last.error) return { ok: false, reason: last.error }
    if (last.spool === 0 && !(untilExit && last.runner.alive)) return { ok: true, ms: Date.now() - t0, status: last }
    sleep(50)
  }
  return {
    ok: false,
    reason: `after ${timeoutMs} ms the runner has not drained: ${JSON.stringify(last)} (${countEvents(stateOf(dir))} event files in ${stateOf(dir)})`,
  }
}

/** The runner used no CPU over 30 ms (or is not running). */
function quiet(dir, watch) {
  const pid = runnerPid(dir)
  if (pid === null) return true
  const a = processCpuMs(pid)
  if (a === null) return true
  sleep(30)
  watch?.sample(dir)
  const b = processCpuMs(pid)
  return b === null || b === a
}

/** Why gitvan cannot be benchmarked here, or null when dist/ is built and current. */
export function buildGitvan() {
  const dist = path.join(PROJECT, 'dist', 'cli.js')
  const newest = (d) => {
    let t = 0
    for (const e of fs.readdirSync(d, { withFileTypes: true, recursive: true })) {
      if (e.isFile()) t = Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs)
    }
    return t
  }
  const sources = Math.max(
    newest(path.join(PROJECT, 'src')),
    newest(path.join(PROJECT, 'hooks')),
    fs.statSync(path.join(PROJECT, 'scripts', 'build.mjs')).mtimeMs,
  )
  const fresh = fs.existsSync(dist) && fs.statSync(dist).mtimeMs >= sources
  if (process.env.BENCH_NO_BUILD === '1' || (fresh && process.env.BENCH_BUILD !== '1')) {
    return { built: false, error: fs.existsSync(dist) ? null : `${dist} is missing: run npm run build` }
  }
  const started = Date.now() - 1000
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: PROJECT, env: ENV, encoding: 'utf8' })
  const rebuilt = fs.existsSync(dist) && fs.statSync(dist).mtimeMs >= started
  if (!rebuilt)
    return {
      built: false,
      error: `npm run build did not produce ${dist}: ${(r.stderr || r.stdout).trim().slice(0, 1000)}`,
    }
  // The bundle is what gitvan runs; a type-declaration error elsewhere in the tree does not stop the bench.
  return {
    built: true,
    error: null,
    warning:
      r.status === 0
        ? null
        : `npm run build exited ${r.status} after bundling: ${(r.stderr || r.stdout).trim().slice(0, 300)}`,
  }
}

/** Starts a detached runner (`gitvan runner --spawn`) unless one is alive, and waits until it is. */
export function startRunner(dir, timeoutMs = 15_000) {
  const alive = () => {
    const pid = runnerPid(dir)
    return pid !== null && processCpuMs(pid) !== null
  }
  if (alive()) return
  const r = gitvan(dir, ['runner', '--spawn'], { timeout: timeoutMs })
  if (r.status !== 0)
    throw new Error(`gitvan runner --spawn exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0]}`)
  const t0 = Date.now()
  while (!alive()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`gitvan runner --spawn started no runner within ${timeoutMs} ms`)
    sleep(10)
  }
}
