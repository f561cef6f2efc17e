// The git operations a user waits for, timed with every runner side by side in one interleaved
// run: an empty commit, a commit with a staged file, 20- and 100-commit rebases (post-commit fires
// once per replayed commit: the hook storm), and a commit whose only hook is a pre-commit gate,
// with content the gate has not seen (uncached) and content it has (cached).
import fs from 'node:fs'
import path from 'node:path'
import { gitQuiet, log, sh, WORK } from '../lib/env.mjs'
import { countNotes, gitvan, makeRunnerWatch, settle, startRunner, stateOf } from '../lib/gitvan.mjs'
import { interleave, summarize, timeRun } from '../lib/measure.mjs'
import { makeRunnerRepo, RUNNERS } from '../lib/runners.mjs'

const COMMIT = ['commit', '-q', '--allow-empty', '-m', 'x']
/**
 * gitvan's runner exits after `runner.idle` (10 s by default) without work. A user's commits are
 * usually further apart than that, so each one starts a runner: the bench shortens the idle time
 * and waits (untimed) for the runner to exit after each operation, so that every timed operation
 * starts one too, as it usually does, instead of some finding one alive by chance.
 */
const RUNNER_IDLE = '300ms'
const STAGED = ['commit', '-q', '-m', 'x']
const REBASE = ['rebase', '-q', 'main']

/** The runners a scenario compares, as { name, runner, hooks } (gitvan-post: only the async job). */
export function lineup({ hooks, available, extra = [] }) {
  const base = RUNNERS.filter((r) => available(r.name)).map((r) => ({ name: r.name, runner: r.name, hooks }))
  return [...base, ...extra.filter((e) => available(e.runner))]
}

/** Makes one repository per subject; a runner that cannot be set up is reported, not fatal. */
export function makeRepos(root, subjects) {
  fs.rmSync(root, { recursive: true, force: true })
  const repos = {}
  const errors = {}
  for (const s of subjects) {
    try {
      repos[s.name] = makeRunnerRepo(root, s.name, {
        hooks: s.hooks,
        runnerName: s.runner,
        gitvanIdle: s.warm ? undefined : RUNNER_IDLE,
        cacheOff: s.cacheOff,
      })
    } catch (error) {
      errors[s.name] = `set-up failed: ${error.message.split('\n').slice(0, 3).join(' ')}`
    }
  }
  return { repos, errors }
}

/** A topic branch of n commits off the initial commit, kept as topic<n>-orig; main gets one more commit. */
function addTopic(dir, n) {
  gitQuiet(dir, 'checkout', '-q', '-b', `topic${n}-orig`, 'main')
  for (let i = 1; i <= n; i++) {
    fs.writeFileSync(path.join(dir, `t${n}.txt`), `${i}\n`)
    gitQuiet(dir, 'add', `t${n}.txt`)
    gitQuiet(dir, 'commit', '-q', '--no-verify', '-m', `topic ${n}: ${i}`)
  }
  gitQuiet(dir, 'checkout', '-q', 'main')
  fs.writeFileSync(path.join(dir, 'main.txt'), 'main\n')
  gitQuiet(dir, 'add', 'main.txt')
  gitQuiet(dir, 'commit', '-q', '--no-verify', '-m', 'main moves on')
}

let counter = 0
const stage = (dir, content) => {
  fs.writeFileSync(path.join(dir, 'f.txt'), content)
  sh('git', ['add', 'f.txt'], { cwd: dir })
}

/** Build the timed subjects for one scenario; gitvan subjects settle (untimed) after each run. */
function subjects(list, repos, kind, state) {
  return list
    .filter((s) => repos[s.name])
    .map((s) => {
      const dir = repos[s.name]
      const isGitvan = s.runner === 'gitvan'
      const watch = isGitvan ? makeRunnerWatch() : null
      state[s.name] = { ops: 0, watch, settleMs: [], settleError: null }
      const st = state[s.name]
      let prepare = () => {}
      if (kind === 'staged') prepare = () => stage(dir, `${++counter}\n`)
      else if (kind === 'cached')
        prepare = () => stage(dir, `${st.ops % 2 ? 'a' : 'b'}\n`) // two contents, seen again and again
      else if (kind.startsWith('rebase'))
        prepare = () => gitQuiet(dir, 'checkout', '-q', '-B', 'topic', `topic${kind.slice(6)}-orig`)
      if (s.warm) {
        const before = prepare
        prepare = () => {
          before()
          startRunner(dir)
        }
      }
      const args = kind === 'commit' ? COMMIT : kind.startsWith('rebase') ? REBASE : STAGED
      return {
        name: s.name,
        prepare,
        run: () => {
          st.ops++
          return timeRun('git', args, { cwd: dir, label: s.name })
        },
        settle: isGitvan
          ? () => {
              if (st.settleError) return
              const r = settle(dir, {
                watch,
                untilExit: !s.warm,
                timeoutMs: kind.startsWith('rebase') ? 60_000 : 30_000,
              })
              if (r.ok) st.settleMs.push(r.ms)
              else st.settleError = r.reason
            }
          : undefined,
      }
    })
}

const cacheEntries = (dir) => {
  try {
    return fs.readdirSync(path.join(stateOf(dir), 'cache', 'entries'), { recursive: true }).length
  } catch {
    return 0
  }
}

/** How many commits the shim answered from the cache without starting node: its `h probe/` journal lines. */
const probeHits = (dir) => {
  try {
    return fs
      .readFileSync(path.join(stateOf(dir), 'cache', 'journal'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('h probe/')).length
  } catch {
    return 0
  }
}

/**
 * Runs one scenario: kind = commit | staged | rebase20 | rebase100 | gate (pre-commit only,
 * with gitvan timed uncached and cached). Returns { rows, errors, notes, runs, warmup }.
 */
export function runHookScenario(kind, { runs, warmup, available }) {
  const root = path.join(WORK, kind)
  const gate = kind === 'gate'
  const hooks = gate ? { pre: true, post: false } : { pre: true, post: true }
  const extra = gate
    ? [
        { name: 'gitvan-cached', runner: 'gitvan', hooks },
        // What the cache costs a gate that must run: the same gate with `cache: { enabled: false }`.
        { name: 'gitvan-nocache', runner: 'gitvan', hooks, cacheOff: true },
      ]
    : [
        { name: 'gitvan-post', runner: 'gitvan', hooks: { pre: false, post: true } },
        // The shim alone: a runner is already alive, so the hook only writes the event file.
        ...(kind === 'commit' || kind === 'rebase20'
          ? [{ name: 'gitvan-warm', runner: 'gitvan', hooks: { pre: false, post: true }, warm: true }]
          : []),
      ]
  const list = lineup({ hooks, available: (n) => available(n) && !(n === 'node' && !gate), extra })
  log(`${kind}: setting up ${list.length} repositories`)
  const { repos, errors } = makeRepos(root, list)
  if (kind.startsWith('rebase')) for (const dir of Object.values(repos)) addTopic(dir, Number(kind.slice(6)))
  const state = {}
  const timed = [
    ...subjects(
      list.filter((s) => s.name !== 'gitvan-cached'),
      repos,
      gate ? 'staged' : kind,
      state,
    ),
    ...subjects(
      list.filter((s) => s.name === 'gitvan-cached'),
      repos,
      'cached',
      state,
    ),
  ]
  const t0 = Date.now()
  const result = interleave(timed, {
    runs,
    warmup,
    onProgress: (r, n) => r === n && log(`${kind}: ${n} rounds in ${((Date.now() - t0) / 1000).toFixed(0)} s`),
  })
  Object.assign(errors, result.errors)

  const notes = {}
  for (const [name, st] of Object.entries(state)) {
    if (!st.watch) continue
    const dir = repos[name]
    const n = []
    if (st.settleError) n.push(`the runner did not drain: ${st.settleError}`)
    else if (st.settleMs.length)
      n.push(
        `waited (untimed) a median ${median(st.settleMs)} ms per op for the runner to drain${name === 'gitvan-warm' ? '' : ' and exit'}`,
      )
    if (st.watch.runners)
      n.push(
        `${st.watch.runners} runner process${st.watch.runners > 1 ? 'es' : ''} (peak RSS ${st.watch.peakRssMB?.toFixed(1)} MB; the CPU of the process that starts one is not counted)`,
      )
    if (list.find((s) => s.name === name)?.hooks.post) {
      const receipts = countNotes(dir)
      n.push(
        kind.startsWith('rebase')
          ? `${receipts} commits have receipts`
          : `receipts for ${receipts} of ${st.ops} commits`,
      )
      if (kind.startsWith('rebase')) n.push(`last rebase: ${rebasedWithNotes(dir, Number(kind.slice(6)))}`)
    }
    const gated = list.find((s) => s.name === name)?.hooks.pre && !kind.startsWith('rebase') // a rebase runs no pre-commit
    if (gated)
      n.push(
        `the gate was answered from the cache, without node, on ${probeHits(dir)} of ${st.ops} commits (warm-up included)`,
      )
    if (name === 'gitvan-cached' && cacheEntries(dir) === 0) {
      notes[name] = 'not available in this version: no disk cache entry was written, so every gate run is a miss'
      delete result.samples[name]
      continue
    }
    notes[name] = n.join('; ')
  }
  const rows = {}
  for (const [name, samples] of Object.entries(result.samples)) if (samples.length) rows[name] = summarize(samples)
  const labels = gate ? { gitvan: 'gitvan gate, uncached' } : {}
  return { runs, warmup, rows, errors, notes, labels, runners: st2watch(state), stats: runnerStats(repos) }
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)]
const st2watch = (state) =>
  Object.fromEntries(
    Object.entries(state)
      .filter(([, s]) => s.watch?.runners)
      .map(([name, s]) => [name, { cpuMsPerOp: s.watch.cpuMs / s.ops, peakRssMB: s.watch.peakRssMB }]),
  )

/** How many of the n commits the last rebase made have a receipt. */
function rebasedWithNotes(dir, n) {
  const commits = sh('git', ['rev-list', `-${n}`, 'HEAD'], { cwd: dir })
    .stdout.split('\n')
    .filter(Boolean)
  const noted = new Set(
    sh('git', ['notes', '--ref=gitvan/results', 'list'], { cwd: dir, allowFail: true })
      .stdout.split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[1]),
  )
  return `${commits.filter((c) => noted.has(c)).length}/${commits.length} replayed commits have receipts`
}

/** What the runner recorded about its batches (`gitvan stats --json`), per gitvan repository. */
function runnerStats(repos) {
  const out = {}
  for (const name of ['gitvan', 'gitvan-post', 'gitvan-warm']) {
    if (!repos[name]) continue
    const r = gitvan(repos[name], ['stats', '--json'], { timeout: 30_000 })
    try {
      const summary = JSON.parse(r.stdout)
      if (summary.batches > 0)
        out[name] = {
          batches: summary.batches,
          events: summary.events,
          runs: summary.runs,
          stages: summary.stages,
          cache: summary.cache,
        }
    } catch {}
  }
  return out
}
