// How a sample is taken. Wall time comes from hrtime around one spawnSync. CPU is that of the whole
// waited-for process tree (git, the hook, what the hook starts and waits for): this process's
// cutime + cstime in /proc/self/stat grow by exactly that. They count in clock ticks (10 ms), so a
// single sample is coarse; only the mean over many runs is reported. A detached process (gitvan's
// runner) is not waited for and is not in it: its CPU is read from /proc/<pid>/stat instead.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { ENV } from './env.mjs'

const TICK_MS = 1000 / (Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100)

const statFields = (text) => text.slice(text.lastIndexOf(')') + 2).split(' ')

/** CPU ms of every waited-for descendant so far (NaN without /proc). */
export function childCpuMs() {
  try {
    const f = statFields(fs.readFileSync('/proc/self/stat', 'utf8'))
    return (Number(f[13]) + Number(f[14])) * TICK_MS
  } catch {
    return NaN
  }
}

/** CPU ms a live process has used (user + system), or null when it is gone. */
export function processCpuMs(pid) {
  try {
    const f = statFields(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
    return (Number(f[11]) + Number(f[12])) * TICK_MS
  } catch {
    return null
  }
}

/** Peak resident set of a live process in MB (VmHWM), or null when it is gone. */
export function processPeakRssMB(pid) {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : null
  } catch {
    return null
  }
}

/**
 * Runs one command and times it; throws (with its stderr) when it fails, unless `allowFail`: then
 * its exit status and stderr come back with the times.
 */
export function timeRun(cmd, args, { cwd, env = {}, label = cmd, allowFail = false }) {
  const c0 = childCpuMs()
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...ENV, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 26,
  })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  const cpuMs = childCpuMs() - c0
  if (r.error) throw new Error(`${label}: ${cmd} could not start: ${r.error.message}`)
  if (allowFail) return { ms, cpuMs, status: r.status, stderr: r.stderr.toString() }
  if (r.status !== 0)
    throw new Error(
      `${label}: ${cmd} ${args.join(' ')} exited ${r.status} in ${cwd}: ${r.stderr.toString().trim().slice(-2000)}`,
    )
  return { ms, cpuMs }
}

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null

export const canMeasureRss = () => TIME !== null

/**
 * Peak RSS (MB) of the largest single process of a command's waited-for tree, from GNU time's %M
 * (wait4's ru_maxrss); null without /usr/bin/time. Also returns the wall time and exit status.
 */
export function peakRss(cmd, args, { cwd, env = {}, timeout } = {}) {
  if (!TIME) return { rssMB: null, ms: null, status: null, stderr: '' }
  const out = `${fs.mkdtempSync('/tmp/gitvan-bench-time-')}/m`
  const t0 = process.hrtime.bigint()
  const r = spawnSync(TIME, ['-f', '%M', '-o', out, cmd, ...args], {
    cwd,
    env: { ...ENV, ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout,
  })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  let rssMB = null
  try {
    const kb = Number(fs.readFileSync(out, 'utf8').trim().split('\n').at(-1))
    if (Number.isFinite(kb) && kb > 0) rssMB = kb / 1024
  } catch {}
  fs.rmSync(out.slice(0, -2), { recursive: true, force: true })
  return { rssMB, ms, status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}

/** Nearest-rank quantile. */
export function quantile(values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]
}

export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length

export function summarize(samples) {
  const ms = samples.map((s) => s.ms)
  const cpu = samples.map((s) => s.cpuMs).filter(Number.isFinite)
  return {
    n: ms.length,
    median: quantile(ms, 0.5),
    p90: quantile(ms, 0.9),
    min: Math.min(...ms),
    max: Math.max(...ms),
    cpuMean: cpu.length ? mean(cpu) : null,
  }
}

/**
 * Times `subjects` interleaved: `warmup` untimed-for-the-result rounds each, then `runs` rounds in
 * which every subject runs once, the starting subject rotating, so machine noise falls on all alike.
 * A subject is { name, prepare?(), run() -> {ms, cpuMs}, settle?() }: prepare and settle are untimed.
 * A subject that throws is dropped from the remaining rounds and its error kept.
 */
export function interleave(subjects, { runs, warmup, onProgress = () => {} }) {
  const samples = Object.fromEntries(subjects.map((s) => [s.name, []]))
  const errors = {}
  const once = (s, keep) => {
    if (errors[s.name]) return
    try {
      s.prepare?.()
      const sample = s.run()
      s.settle?.(sample)
      if (keep) samples[s.name].push(sample)
    } catch (error) {
      errors[s.name] = error instanceof Error ? error.message : String(error)
    }
  }
  for (const s of subjects) for (let i = 0; i < warmup; i++) once(s, false)
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < subjects.length; k++) once(subjects[(r + k) % subjects.length], true)
    onProgress(r + 1, runs)
  }
  return { samples, errors }
}
