// Warm gates side by side, in one run: a pre-commit gate that must run (new content on every
// commit, so no cache answers it), timed per `git commit` over a no-hook commit of the same change.
//
//   gate:   gitvan warm and cold with a command gate `true`, and with `true` plus a function gate;
//           husky 9, lefthook 2 and prek running `true`
//   eslint: ESLint on one staged file: gitvan's warm function gate (examples/warm-eslint), the same
//           gate cold, husky + lint-staged (`lint-staged` on husky's PATH) and lefthook running
//           `eslint {staged_files}`
//
// Every subject is timed round-robin with a rotating start, after warm-up commits, so a busy machine
// slows them alike. The warm rows keep their runner between commits (runner.keepWarm, 10 minutes
// by default): the warm-up's first commit is the cold start that leaves it warm. Not a test:
// numbers vary with the machine.
//
//   node bench/warm.mjs [commits=20]       BENCH_NO_BUILD=1 skips `npm run build`
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ENV, log, PEER_MODULES, PEERS, PROJECT, peerVersions, sh, WORK } from './lib/env.mjs'
import { cliOf, linkGitvan } from './lib/gitvan.mjs'
import { quantile } from './lib/measure.mjs'
import { prekProblem } from './scenarios/format.mjs'

const N = Number(process.argv[2] ?? 20)
const WARMUP = 3
const root = path.join(WORK, 'warm')
fs.rmSync(root, { recursive: true, force: true })
fs.mkdirSync(root, { recursive: true })

if (process.env.BENCH_NO_BUILD !== '1') sh('npm', ['run', 'build'], { cwd: PROJECT })
const problems = []
const want = JSON.parse(fs.readFileSync(path.join(PEERS, 'package.json'), 'utf8')).devDependencies
if (!Object.entries(want).every(([name, v]) => peerVersions()[name] === v)) {
  log('installing the pinned peers into bench/peers/node_modules (npm install --ignore-scripts)')
  const r = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: PEERS,
    env: ENV,
    encoding: 'utf8',
  })
  if (r.status !== 0) problems.push(`npm install in bench/peers failed: ${(r.stderr || r.stdout).trim().slice(-300)}`)
}
const peersOk = fs.existsSync(path.join(PEER_MODULES, 'husky'))
const prekError = peersOk ? prekProblem() : 'bench/peers is not installed'
if (prekError) problems.push(`prek is left out: ${prekError}`)

// ENV turns warm gates off (GITVAN_WARM=0) for the other scenarios; the warm rows drop it.
const COLD = ENV
const WARM = Object.fromEntries(Object.entries(ENV).filter(([key]) => key !== 'GITVAN_WARM'))

const write = (file, text) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}
const copyPeers = (dir) =>
  fs.cpSync(PEER_MODULES, path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true })
const linkEslint = (dir) => {
  fs.mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true })
  fs.rmSync(path.join(dir, 'node_modules/eslint'), { recursive: true, force: true })
  fs.rmSync(path.join(dir, 'node_modules/.bin/eslint'), { force: true })
  fs.symlinkSync(path.join(PROJECT, 'node_modules/eslint'), path.join(dir, 'node_modules/eslint'), 'dir')
  fs.symlinkSync(path.join(PROJECT, 'node_modules/.bin/eslint'), path.join(dir, 'node_modules/.bin/eslint'))
  fs.copyFileSync(path.join(PROJECT, 'examples/warm-eslint/eslint.config.js'), path.join(dir, 'eslint.config.js'))
}

const FUNCTION_GATE = `    fn: { on: 'pre-commit', run: async (ctx) => ({ files: ctx.files.length }) },\n`
const gitvanConfig = (fn) =>
  `import { defineConfig } from 'gitvan'\n\nexport default defineConfig({\n  jobs: {\n    gate: { on: 'pre-commit', run: 'true' },\n${fn ? FUNCTION_GATE : ''}  },\n})\n`

function gitvanSetup(config, { eslint = false } = {}) {
  return (dir) => {
    linkGitvan(dir)
    if (eslint) linkEslint(dir)
    write(path.join(dir, 'gitvan.config.mjs'), config)
    sh(process.execPath, [cliOf(dir), 'install'], { cwd: dir, env: COLD })
  }
}
const husky = (line, eslint) => (dir) => {
  copyPeers(dir)
  if (eslint) linkEslint(dir)
  write(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'b', private: true, type: 'module', 'lint-staged': { '*.js': 'eslint' } }, null, 2),
  )
  sh(process.execPath, [path.join(dir, 'node_modules/husky/bin.js')], { cwd: dir })
  write(path.join(dir, '.husky/pre-commit'), `${line}\n`)
}
const lefthook = (run, eslint) => (dir) => {
  copyPeers(dir)
  if (eslint) linkEslint(dir)
  write(
    path.join(dir, 'lefthook.yml'),
    `pre-commit:\n  commands:\n    gate:\n      glob: "*.js"\n      run: ${JSON.stringify(run)}\n`,
  )
  sh(path.join(dir, 'node_modules/.bin/lefthook'), ['install'], { cwd: dir })
}
const prek = (dir) => {
  copyPeers(dir)
  write(
    path.join(dir, '.pre-commit-config.yaml'),
    'repos:\n  - repo: local\n    hooks:\n      - id: gate\n        name: gate\n        entry: "true"\n        language: system\n        pass_filenames: false\n        always_run: true\n',
  )
  sh(path.join(dir, 'node_modules/.bin/prek'), ['install'], { cwd: dir })
}

const v = peerVersions()
const SCENARIOS = {
  gate: [
    { name: 'none', label: 'no hooks', setup: () => {} },
    { name: 'gitvan-warm', label: 'gitvan warm, `true`', env: WARM, setup: gitvanSetup(gitvanConfig(false)) },
    {
      name: 'gitvan-warm-fn',
      label: 'gitvan warm, `true` + a function gate',
      env: WARM,
      setup: gitvanSetup(gitvanConfig(true)),
    },
    { name: 'gitvan-cold', label: 'gitvan cold, `true`', setup: gitvanSetup(gitvanConfig(false)) },
    {
      name: 'gitvan-cold-fn',
      label: 'gitvan cold, `true` + a function gate',
      setup: gitvanSetup(gitvanConfig(true)),
    },
    ...(peersOk
      ? [
          { name: 'husky', label: `husky ${v.husky}, \`true\``, setup: husky('true') },
          { name: 'lefthook', label: `lefthook ${v.lefthook}, \`true\``, setup: lefthook('true') },
        ]
      : []),
    ...(prekError ? [] : [{ name: 'prek', label: `prek ${v['@j178/prek']}, \`true\``, setup: prek }]),
  ],
  eslint: [
    { name: 'none', label: 'no hooks', setup: () => {} },
    {
      name: 'gitvan-warm',
      label: 'gitvan warm, ESLint function gate (examples/warm-eslint)',
      env: WARM,
      setup: gitvanSetup(fs.readFileSync(path.join(PROJECT, 'examples/warm-eslint/gitvan.config.mjs'), 'utf8'), {
        eslint: true,
      }),
    },
    {
      name: 'gitvan-cold',
      label: 'gitvan cold, the same gate',
      setup: gitvanSetup(fs.readFileSync(path.join(PROJECT, 'examples/warm-eslint/gitvan.config.mjs'), 'utf8'), {
        eslint: true,
      }),
    },
    ...(peersOk
      ? [
          {
            name: 'husky-lint-staged',
            label: `husky ${v.husky} + lint-staged ${v['lint-staged']} (\`lint-staged\`, eslint)`,
            setup: husky('lint-staged', true),
          },
          {
            name: 'lefthook',
            label: `lefthook ${v.lefthook}, \`./node_modules/.bin/eslint {staged_files}\``,
            setup: lefthook('./node_modules/.bin/eslint {staged_files}', true),
          },
        ]
      : []),
  ],
}

function makeRepo(dir, subject) {
  sh('git', ['init', '-q', dir], { cwd: root })
  write(path.join(dir, 'src/area.js'), 'export const area = (w, h) => w * h\n')
  subject.setup(dir)
  sh('git', ['add', '-A'], { cwd: dir })
  sh('git', ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'init'], { cwd: dir })
}

let counter = 0
/** One commit of new content (valid JS, so every gate passes); returns its wall ms. */
function commit(dir, env) {
  counter++
  write(path.join(dir, 'src/area.js'), `export const area = (w, h) => w * h * ${counter}\n`)
  sh('git', ['add', 'src/area.js'], { cwd: dir })
  const start = process.hrtime.bigint()
  const r = spawnSync('git', ['commit', '-q', '-m', `c${counter}`], { cwd: dir, env, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`git commit failed in ${dir} (${r.status}): ${r.stderr}`)
  return ms
}

const warmPid = (dir) => {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, '.git/gitvan/warm/ready'), 'utf8').split(' ')[0])
    process.kill(pid, 0)
    return pid
  } catch {
    return undefined
  }
}

const results = {
  date: new Date().toISOString(),
  commits: N,
  machine: { cpus: os.cpus().length, loadavg: os.loadavg() },
  problems,
  scenarios: {},
}
for (const [name, subjects] of Object.entries(SCENARIOS))
  try {
    runScenario(name, subjects)
  } catch (error) {
    problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`)
  }

function runScenario(name, subjects) {
  log(`${name}: setting up ${subjects.length} repositories`)
  const dirs = subjects.map((s) => path.join(root, `${name}-${s.name}`))
  for (const [i, s] of subjects.entries()) makeRepo(dirs[i], s)
  const envOf = (s) => s.env ?? COLD
  for (let w = 0; w < WARMUP; w++) for (const [i, s] of subjects.entries()) commit(dirs[i], envOf(s))
  // The warm rows: their first warm-up commit started the runner; wait until it answers.
  for (const [i, s] of subjects.entries()) {
    if (s.env !== WARM) continue
    for (let t = 0; t < 200 && warmPid(dirs[i]) === undefined; t++) spawnSync('sleep', ['0.05'])
    if (warmPid(dirs[i]) === undefined) problems.push(`${name}/${s.name}: the runner never became warm`)
  }
  const runners = subjects.map((s, i) => (s.env === WARM ? warmPid(dirs[i]) : undefined))
  const times = subjects.map(() => [])
  for (let round = 0; round < N; round++)
    for (let k = 0; k < subjects.length; k++) {
      const i = (round + k) % subjects.length
      times[i].push(commit(dirs[i], envOf(subjects[i])))
    }
  // Every warm commit was answered by the same warm runner (no cold start inside the timed rounds).
  for (const [i, s] of subjects.entries())
    if (s.env === WARM && warmPid(dirs[i]) !== runners[i]) problems.push(`${name}/${s.name}: the warm runner changed`)
  const base = quantile(times[0], 0.5)
  results.scenarios[name] = subjects.map((s, i) => ({
    name: s.name,
    label: s.label,
    median: +quantile(times[i], 0.5).toFixed(1),
    p90: +quantile(times[i], 0.9).toFixed(1),
    added: +(quantile(times[i], 0.5) - base).toFixed(1),
  }))
  for (const [i, s] of subjects.entries())
    if (s.env === WARM) spawnSync('kill', [String(runners[i] ?? '')], { stdio: 'ignore' })
}

const row = (s) => `| ${s.label} | ${s.median} | ${s.p90} | ${s.name === 'none' ? '' : `+${s.added}`} |`
let out = `# Warm gates, ${results.date.slice(0, 10)} (${N} commits per row, ${os.cpus().length} CPUs, load ${results.machine.loadavg.map((x) => x.toFixed(1)).join(' ')})\n`
for (const [name, rows] of Object.entries(results.scenarios))
  out += `\n## ${name}\n\n| subject | median ms | p90 ms | added |\n|---|---:|---:|---:|\n${rows.map(row).join('\n')}\n`
const gate = Object.fromEntries((results.scenarios.gate ?? []).map((s) => [s.name, s]))
const es = Object.fromEntries((results.scenarios.eslint ?? []).map((s) => [s.name, s]))
if (gate.husky)
  out += `\nGoal, warm uncached gate below husky's added time: \`true\` +${gate['gitvan-warm'].added} vs +${gate.husky.added} (${gate['gitvan-warm'].added < gate.husky.added ? 'met' : 'not met'}); \`true\` + function gate +${gate['gitvan-warm-fn'].added} (${gate['gitvan-warm-fn'].added < gate.husky.added ? 'met' : 'not met'})\n`
if (es['husky-lint-staged'])
  out += `Goal, ESLint on one file ≥ 5× faster than husky + lint-staged (added time): ${(es['husky-lint-staged'].added / Math.max(0.1, es['gitvan-warm'].added)).toFixed(1)}× (${es['husky-lint-staged'].added >= 5 * es['gitvan-warm'].added ? 'met' : 'not met'})\n`
if (problems.length) out += `\nProblems:\n${problems.map((p) => `- ${p}`).join('\n')}\n`
process.stdout.write(out)
fs.writeFileSync(path.join(WORK, 'warm.json'), `${JSON.stringify(results, null, 2)}\n`)
