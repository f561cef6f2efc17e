// Measures what a post-commit job costs per empty commit in a husky 9 repository: the line an older
// gitvan wrote (`gitvan hook post-commit`, node on every commit) against the current one (the
// per-clone sh shim), beside husky with a `.husky/post-commit` that only runs `true` and a repository
// with no hook, all interleaved in one run. A 20-commit rebase is timed the same way. The runner is
// kept alive between commits (runner.idle 60s), as in a burst of commits; the runner's own work is
// not on the commit's clock. Not a test: numbers vary with the machine.
//
//   node bench/husky-async.mjs [commits=30]
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ENV, PROJECT, sh } from './lib/env.mjs'
import { quantile } from './lib/measure.mjs'

const root = PROJECT
const N = Number(process.argv[2] ?? 30)
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gitvan-measure-husky-'))
const dist = path.join(tmp, 'dist')
spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), dist], { stdio: 'inherit' })
const cli = path.join(dist, 'cli.js')

let husky = path.join(root, 'bench/peers/node_modules/husky/bin.js')
if (!existsSync(husky)) {
  const prefix = path.join(tmp, 'peers')
  spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', prefix, 'husky@9.1.7'], {
    stdio: 'inherit',
  })
  husky = path.join(prefix, 'node_modules/husky/bin.js')
}

const env = ENV
const run = (cmd, args, cwd) => sh(cmd, args, { cwd }).stdout
const median = (xs) => quantile(xs, 0.5)
const timed = (fn) => {
  const t = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t) / 1e6
}

const OLDER_LINE = 'gitvan hook post-commit "$@" # gitvan'

function makeRepo(name, setup) {
  const dir = path.join(tmp, name)
  run('git', ['init', '-q', dir], tmp)
  run('git', ['commit', '-q', '--allow-empty', '-m', 'init'], dir)
  setup?.(dir)
  return dir
}

// A husky project with gitvan as a dependency: node_modules/.bin/gitvan links to the CLI.
function huskyProject(dir) {
  run(process.execPath, [husky], dir)
  mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true })
  symlinkSync(cli, path.join(dir, 'node_modules/.bin/gitvan'))
  writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n')
}

function gitvanProject(dir) {
  huskyProject(dir)
  writeFileSync(
    path.join(dir, 'gitvan.config.mjs'),
    "export default { jobs: { stats: { on: 'post-commit', run: (ctx) => ({ files: ctx.files.length }) } }, runner: { idle: '60s' } }\n",
  )
  run('git', ['add', '-A'], dir)
  run('git', ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'config'], dir)
  run(process.execPath, [cli, 'install'], dir)
}

const repos = {
  nohook: makeRepo('nohook'),
  huskyTrue: makeRepo('husky-true', (dir) => {
    huskyProject(dir)
    writeFileSync(path.join(dir, '.husky/post-commit'), 'true\n')
  }),
  olderLine: makeRepo('older-line', (dir) => {
    gitvanProject(dir)
    // What an older install left: the node line, no per-clone shim.
    writeFileSync(path.join(dir, '.husky/post-commit'), `${OLDER_LINE}\n`)
    unlinkSync(path.join(dir, '.git/gitvan/shims/post-commit'))
  }),
  shimLine: makeRepo('shim-line', gitvanProject),
}
console.log(
  `.husky/post-commit (current): ${readFileSync(path.join(repos.shimLine, '.husky/post-commit'), 'utf8').trim()}`,
)

// Warm-up (starts each runner), then interleaved rounds, so drift hits every repository alike.
for (let i = 0; i < 3; i++)
  for (const dir of Object.values(repos)) run('git', ['commit', '-q', '--allow-empty', '-m', `warm ${i}`], dir)
const times = Object.fromEntries(Object.keys(repos).map((name) => [name, []]))
for (let i = 0; i < N; i++) {
  for (const [name, dir] of Object.entries(repos))
    times[name].push(timed(() => run('git', ['commit', '-q', '--allow-empty', '-m', `c${i}`], dir)))
}
const timedCommits = run('git', ['rev-list', `-${N}`, 'main'], repos.shimLine)
  .trim()
  .split('\n')
const base = median(times.nohook)
const added = (name) => median(times[name]) - base
console.log(`per empty commit, median of ${N}: no hook ${base.toFixed(2)} ms`)
console.log(`  husky, .husky/post-commit = true:        +${added('huskyTrue').toFixed(2)} ms`)
console.log(`  husky + gitvan, older line (node):        +${added('olderLine').toFixed(2)} ms`)
console.log(`  husky + gitvan, current line (sh shim):   +${added('shimLine').toFixed(2)} ms`)

// A 20-commit rebase (post-commit fires once per replayed commit), median of 3, interleaved.
const rebaseTimes = { olderLine: [], shimLine: [] }
for (let round = 0; round < 3; round++) {
  for (const name of Object.keys(rebaseTimes)) {
    const dir = repos[name]
    run('git', ['-c', 'core.hooksPath=/dev/null', 'checkout', '-q', '-B', `topic${round}`, 'main'], dir)
    for (let i = 0; i < 20; i++)
      run('git', ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', `t${i}`], dir)
    run('git', ['-c', 'core.hooksPath=/dev/null', 'checkout', '-q', 'main'], dir)
    run('git', ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty', '-m', `main moves ${round}`], dir)
    run('git', ['-c', 'core.hooksPath=/dev/null', 'checkout', '-q', `topic${round}`], dir)
    rebaseTimes[name].push(timed(() => run('git', ['rebase', '-q', 'main'], dir)))
    run('git', ['-c', 'core.hooksPath=/dev/null', 'checkout', '-q', 'main'], dir)
  }
}
console.log(
  `20-commit rebase, median of 3: older line ${median(rebaseTimes.olderLine).toFixed(0)} ms; current line ${median(rebaseTimes.shimLine).toFixed(0)} ms`,
)

// Every timed commit of the current-line repository gets its receipt; then the runners stop.
const receipted = () =>
  timedCommits.filter(
    (c) => spawnSync('git', ['notes', '--ref=gitvan/results', 'show', c], { cwd: repos.shimLine, env }).status === 0,
  ).length
for (let i = 0; i < 300 && receipted() < N; i++) spawnSync('sleep', ['0.1'])
console.log(`current line: ${receipted()}/${N} timed commits have a receipt`)
for (const dir of [repos.olderLine, repos.shimLine]) {
  const s = JSON.parse(run(process.execPath, [cli, 'status', '--json'], dir))
  if (s.runner.alive) process.kill(s.runner.pid, 'SIGTERM')
}
spawnSync('sleep', ['0.5'])
rmSync(tmp, { recursive: true, force: true })
