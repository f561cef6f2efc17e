#!/usr/bin/env node
// `npm run bench`: gitvan beside no hooks, a plain sh hook, husky, lefthook, simple-git-hooks and
// pre-commit (when it is on PATH), every runner timed in the same interleaved run in fresh
// repositories; the format scenario adds lint-staged, prek and prettier. Prints markdown tables and
// writes bench/results/latest.json (a BENCH_ONLY run writes bench/work/results-partial.json instead).
//
//   npm run bench                     full run (about 15 minutes on 2 cores)
//   BENCH_QUICK=1 npm run bench       fewer runs (under 5 minutes)
//   BENCH_ONLY=commit,rebase20 ...    only these scenarios (verify always runs)
//   RUNS=5 ...                        override the run count of the hook scenarios
//   BENCH_NO_BUILD=1 ...              use dist/ as it is; otherwise it is rebuilt when src/ is newer
//   BENCH_OUT=path.json ...           write the results elsewhere
// Scenarios: commit staged rebase20 rebase100 gate format startup memory receipts history remote templates
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describeMachine, ENV, hasCommand, log, PEER_MODULES, PEERS, peerVersions, RESULTS, WORK } from './lib/env.mjs'
import { buildGitvan } from './lib/gitvan.mjs'
import {
  formatTable,
  formatVerifyTable,
  goals,
  goalsTable,
  hookTable,
  otherTables,
  summaryTable,
} from './lib/report.mjs'
import { formatAvailable, prekProblem, runFormat, verifyFormat } from './scenarios/format.mjs'
import { runHistory } from './scenarios/history.mjs'
import { runHookScenario } from './scenarios/hooks.mjs'
import { runReceipts } from './scenarios/notes.mjs'
import { runMemory, runStartup } from './scenarios/process.mjs'
import { runRemote } from './scenarios/remote.mjs'
import { runTemplates } from './scenarios/templates.mjs'
import { verifyRunners } from './scenarios/verify.mjs'

const QUICK = process.env.BENCH_QUICK === '1'
const num = (key, fallback) => (process.env[key] ? Number(process.env[key]) : fallback)
const RUNS = num('RUNS', QUICK ? 10 : 30)
const PLAN = {
  commit: { runs: RUNS, warmup: num('WARMUP', QUICK ? 2 : 3) },
  staged: { runs: num('RUNS_STAGED', QUICK ? 8 : RUNS), warmup: QUICK ? 1 : 3 },
  rebase20: { runs: num('RUNS_REBASE', QUICK ? 5 : 10), warmup: 1 },
  rebase100: { runs: num('RUNS_REBASE100', QUICK ? 2 : 5), warmup: QUICK ? 0 : 1 }, // rebase20 has warmed every runner up
  gate: { runs: num('RUNS_GATE', QUICK ? 8 : RUNS), warmup: 2 },
  format: { runs: num('RUNS_FORMAT', QUICK ? 8 : 20), warmup: QUICK ? 1 : 2, splitRuns: QUICK ? 10 : 20 },
  startup: { runs: QUICK ? 15 : 40, warmup: 3 },
  memory: { runs: QUICK ? 2 : 5 },
  receipts: { count: 1000, runs: QUICK ? 1 : 3 },
  history: { commits: num('BENCH_HISTORY', 10_000), runs: QUICK ? 1 : 3, timeoutMs: QUICK ? 180_000 : 600_000 },
  remote: { commits: num('BENCH_REMOTE', 1000), runners: 4, jobMs: num('BENCH_REMOTE_JOB_MS', 20) },
  templates: { commits: 1000, runs: QUICK ? 2 : 5, timeoutMs: 180_000, importRuns: QUICK ? 10 : 30 },
}
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null
const wanted = (name) => !ONLY || ONLY.has(name)

function installPeers() {
  const want = JSON.parse(fs.readFileSync(path.join(PEERS, 'package.json'), 'utf8')).devDependencies
  const have = peerVersions()
  if (
    Object.entries(want).every(([name, v]) => have[name] === v) &&
    fs.existsSync(path.join(PEER_MODULES, '.bin', 'lefthook'))
  )
    return null
  log('installing the pinned peers into bench/peers/node_modules (npm install --ignore-scripts)')
  const r = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: PEERS,
    env: ENV,
    encoding: 'utf8',
  })
  return r.status === 0 ? null : `npm install in bench/peers failed: ${(r.stderr || r.stdout).trim().slice(-500)}`
}

const started = Date.now()
const results = {
  date: new Date().toISOString(),
  command: `${QUICK ? 'BENCH_QUICK=1 ' : ''}${ONLY ? `BENCH_ONLY=${[...ONLY].join(',')} ` : ''}npm run bench`,
  quick: QUICK,
  machine: { ...describeMachine(), loadavg: { start: os.loadavg().map((x) => +x.toFixed(2)) } },
  versions: {
    gitvan: JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8')).version,
  },
  plan: PLAN,
  problems: [],
  scenarios: {},
}

const build = buildGitvan()
if (build.warning) results.problems.push(build.warning)
if (build.error) results.problems.push(`gitvan is left out: ${build.error}`)
const peerError = installPeers()
if (peerError) results.problems.push(peerError)
Object.assign(results.versions, peerVersions(), { 'pre-commit': results.machine.preCommit?.split(' ')[1] ?? null })
if (!hasCommand('pre-commit'))
  log('pre-commit is not on PATH: its row is left out (apt-get install pre-commit adds it)')

const peers = new Set(['husky', 'lefthook', 'simple-git-hooks'])
const available = (name) => {
  if (name === 'gitvan') return !build.error
  if (peers.has(name)) return !peerError
  if (name === 'pre-commit') return hasCommand('pre-commit')
  return true
}

results.verify = verifyRunners({ available })
const verified = (name) => available(name) && (results.verify[name]?.ok ?? true)
for (const [name, v] of Object.entries(results.verify)) if (!v.ok) results.problems.push(`verify ${name}: ${v.detail}`)
// A runner whose hooks did not fire would be timed doing nothing; gitvan is still timed when only
// its async path failed (its gate ran), and the failure is reported beside its numbers.
const gitvanGateRan = results.verify.gitvan?.detail?.startsWith('gate ran') ?? false
const timedAvailable = (name) =>
  name === 'gitvan' ? available(name) && (verified(name) || gitvanGateRan) : verified(name)

// The format scenario's own verify: what each runner's formatter does with a partially staged file.
const prekError = peerError ? null : prekProblem()
if (prekError) results.problems.push(`prek is left out: ${prekError}`)
const formatAvail = formatAvailable({ gitvan: !build.error, peers: !peerError, prek: prekError })
results.verifyFormat = verifyFormat({ available: formatAvail })
results.problems.push(...results.verifyFormat.problems)

for (const kind of ['commit', 'staged', 'rebase20', 'rebase100', 'gate']) {
  if (!wanted(kind)) continue
  results.scenarios[kind] = runHookScenario(kind, { ...PLAN[kind], available: timedAvailable })
  results.scenarios[kind].loadavg = os.loadavg().map((x) => +x.toFixed(2))
}
if (wanted('format')) {
  results.scenarios.format = runFormat({ ...PLAN.format, available: formatAvail })
  results.scenarios.format.loadavg = os.loadavg().map((x) => +x.toFixed(2))
}
if (wanted('startup') && !build.error) results.scenarios.startup = runStartup(PLAN.startup)
if (wanted('memory')) results.scenarios.memory = runMemory({ ...PLAN.memory, available: timedAvailable })
if (wanted('receipts')) results.scenarios.receipts = await runReceipts(PLAN.receipts)
if (wanted('history') && !build.error) results.scenarios.history = runHistory(PLAN.history)
if (wanted('remote') && !build.error) {
  results.scenarios.remote = await runRemote(PLAN.remote)
  results.scenarios.remote.loadavg = os.loadavg().map((x) => +x.toFixed(2))
}
if (wanted('templates') && !build.error) results.scenarios.templates = runTemplates(PLAN.templates)

results.runnerRss = Object.fromEntries(
  ['commit', 'staged', 'rebase20', 'rebase100', 'gate']
    .flatMap((k) =>
      Object.entries(results.scenarios[k]?.runners ?? {}).map(([name, v]) => [`${k}, ${name}`, v.peakRssMB]),
    )
    .filter(([, v]) => v),
)
results.machine.loadavg.end = os.loadavg().map((x) => +x.toFixed(2))
results.seconds = Math.round((Date.now() - started) / 1000)
// The headline figures: median wall ms per runner of the empty commit and of the 20-commit rebase.
const medians = (sc) =>
  Object.fromEntries(Object.entries(sc?.rows ?? {}).map(([name, r]) => [name, +r.median.toFixed(2)]))
results.commit = medians(results.scenarios.commit)
results.rebase = medians(results.scenarios.rebase20)
results.goals = goals(results)

const m = results.machine
const text = [
  `## gitvan ${results.versions.gitvan} beside peer hook runners`,
  '',
  `${m.cpus}× ${m.model}, ${m.memoryGB} GB, ${m.os}; node ${m.node}, ${m.git}; load average ${m.loadavg.start.join(' ')} at start, ${m.loadavg.end.join(' ')} at end; ${results.date}; ${results.seconds} s.`,
  `Reproduce: \`${results.command}\``,
  '',
  summaryTable(results),
  '### Goals',
  '',
  goalsTable(results.goals),
  hookTable('Empty commit (`git commit --allow-empty`)', results.scenarios.commit, results.versions),
  hookTable('Commit with one staged file', results.scenarios.staged, results.versions),
  hookTable(
    '20-commit rebase (`git rebase main`: post-commit fires per replayed commit)',
    results.scenarios.rebase20,
    results.versions,
  ),
  hookTable('100-commit rebase', results.scenarios.rebase100, results.versions),
  hookTable('Pre-commit gate only (commit with one staged file)', results.scenarios.gate, results.versions),
  formatTable(results.scenarios.format, results.versions),
  otherTables(results),
  '### Verify (each hook left a marker)',
  '',
  ...Object.entries(results.verify).map(([k, v]) => `- ${k}: ${v.ok ? 'ok' : 'FAILED'}: ${v.detail}`),
  '',
  formatVerifyTable(results.verifyFormat, results.versions),
  ...(results.problems.length ? ['', '### Problems', '', ...results.problems.map((p) => `- ${p}`)] : []),
].join('\n')
process.stdout.write(`${text}\n`)

// The README's Performance section, from a complete run: bench/README.md between the markers.
const section = [
  `Measured with \`${results.command}\` on ${m.cpus}× ${m.model} (${m.memoryGB} GB, ${m.os}), node ${m.node}, ${m.git}, ` +
    `load average ${m.loadavg.start[0]} at start and ${m.loadavg.end[0]} at end, ${results.date.slice(0, 16).replace('T', ' ')} UTC. ` +
    'All runners ran interleaved in one run, each in fresh repositories with the same no-op pre-commit and post-commit hooks.',
  '',
  summaryTable(results),
  goalsTable(results.goals),
  formatTable(results.scenarios.format, results.versions),
].join('\n')
results.performance = section
const readme = path.resolve(import.meta.dirname, 'README.md')
const [open, close] = ['<!-- performance:start -->', '<!-- performance:end -->']
const current = fs.readFileSync(readme, 'utf8')
if (!ONLY && !process.env.BENCH_OUT && current.includes(open) && current.includes(close)) {
  fs.writeFileSync(
    readme,
    `${current.slice(0, current.indexOf(open) + open.length)}\n${section}\n${current.slice(current.indexOf(close))}`,
  )
}

// Only a run of every scenario replaces bench/results/latest.json: a BENCH_ONLY run goes aside.
const out =
  process.env.BENCH_OUT ?? (ONLY ? path.join(WORK, 'results-partial.json') : path.join(RESULTS, 'latest.json'))
fs.mkdirSync(path.dirname(out), { recursive: true })
fs.writeFileSync(`${out}.tmp`, `${JSON.stringify({ ...results, markdown: text }, null, 1)}\n`)
fs.renameSync(`${out}.tmp`, out)
log(`wrote ${path.relative(process.cwd(), out)} in ${results.seconds} s`)
