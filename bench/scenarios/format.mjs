// Commit with a formatter: f.js has a formatting error in its staged half and an unstaged edit on
// top (partially staged), and each runner runs the same prettier on it, set up the way its users
// do. Before every timed `git commit` the same starting state is recreated, untimed (with a new
// number in the file, so no runner can answer from a cache); after it, what the commit holds and
// what the work tree kept are read back, untimed. The verify phase checks the same for every
// runner before anything is timed, in two cases: a fix that moves the lines below it (the timed
// case) and a fix in place.
//
// gitvan is timed three ways, so what its partial staging costs is measured in the same run:
// the fix gate on the partially staged file, the fix gate on the same file fully staged (backup
// and re-staging, nothing to hide), and the same gate without `fix` on the file fully staged (no
// backup, nothing hidden or re-staged). `gitvan hook pre-commit --performance-stats` with
// GITVAN_DEBUG=1, run on the same states untimed, splits the hook process itself.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ENV, gitQuiet, hasCommand, log, PEER_MODULES, sh, WORK } from '../lib/env.mjs'
import { cliOf, linkGitvan } from '../lib/gitvan.mjs'
import { interleave, quantile, summarize, timeRun } from '../lib/measure.mjs'

const FILE = 'f.js'
const REST = '\nexport function mul(a, b) {\n  return a * b;\n}\n\nexport function sub(a, b) {\n  return a - b;\n}\n'
const BASE = `export function add(a, b) {\n  return a + b;\n}\n${REST}`

/** The staged half with a formatting error and what prettier makes of it. */
export const CASES = {
  // One line becomes three: every line below the fix moves down two (the timed case).
  moves: {
    title: 'fix moves the lines below it',
    staged: (n) => `export function add(a,b){return a+b+${n}}\n${REST}`,
    formatted: (n) => `export function add(a, b) {\n  return a + b + ${n};\n}\n${REST}`,
  },
  // The fix stays on its line: nothing below it moves.
  inPlace: {
    title: 'fix in place',
    staged: (n) => `export const cfg = {a:1,b:${n}}\n${REST}`,
    formatted: (n) => `export const cfg = { a: 1, b: ${n} };\n${REST}`,
  },
}
/** The unstaged edit, appended after the staged half: badly formatted too, so a formatter that sees it shows. */
const EDIT = (n) => `export const unstaged={n:${n}}\n`
const EDIT_FORMATTED = (n) => `export const unstaged = { n: ${n} };\n`

const PRETTIER = 'node_modules/.bin/prettier'
const gitvanConfig = (fix) =>
  `import { defineConfig } from 'gitvan'\n\nexport default defineConfig({\n  jobs: {\n    fmt: { on: { hook: 'pre-commit', paths: ['*.js'] }, run: 'prettier --write {files}'${fix ? ', fix: true' : ''} },\n  },\n})\n`
const huskyPackage = () =>
  JSON.stringify(
    { name: 'b', private: true, scripts: { prepare: 'husky' }, 'lint-staged': { '*.js': 'prettier --write' } },
    null,
    2,
  )
const PRE_COMMIT_CONFIG = `repos:\n  - repo: local\n    hooks:\n      - id: prettier\n        name: prettier\n        entry: ${PRETTIER} --write\n        language: system\n        files: \\.js$\n`
const LEFTHOOK_YML = `pre-commit:\n  commands:\n    prettier:\n      glob: "*.js"\n      run: ${PRETTIER} --write {staged_files}\n      stage_fixed: true\n`

const write = (file, text, mode) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
  if (mode) fs.chmodSync(file, mode)
}
const copyPeers = (dir) =>
  fs.cpSync(PEER_MODULES, path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true })
const huskySetup = (dir, hook) => {
  copyPeers(dir)
  write(path.join(dir, 'package.json'), huskyPackage())
  sh(process.execPath, [path.join(dir, 'node_modules/husky/bin.js')], { cwd: dir }) // what `npx husky` (prepare) does
  write(path.join(dir, '.husky/pre-commit'), `${hook}\n`)
}
const gitvanSetup = (fix) => (dir) => {
  copyPeers(dir)
  linkGitvan(dir)
  write(path.join(dir, 'gitvan.config.mjs'), gitvanConfig(fix))
  sh(process.execPath, [cliOf(dir), 'install'], { cwd: dir })
}

/** prek's npm package finds its binary in an optional dependency; null when it runs here. */
export function prekProblem() {
  const r = spawnSync(path.join(PEER_MODULES, '.bin', 'prek'), ['--version'], { env: ENV, encoding: 'utf8' })
  if (r.error) return `prek could not start: ${r.error.message}`
  return r.status === 0 ? null : `prek --version exited ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`
}

/**
 * The subjects, in table order; ` {name}` in a label is that package's version (report.mjs). `mode` is the starting state: 'partial' (the staged half with the
 * formatting error, the unstaged edit on top) or 'full' (the same staged half, nothing unstaged).
 */
export const FORMAT_RUNNERS = [
  { name: 'none', runner: 'none', mode: 'partial', label: 'no hooks', setup: () => {} },
  {
    name: 'sh',
    runner: 'sh',
    mode: 'partial',
    label: 'plain sh hook: `prettier --write` on the staged .js files, nothing hidden or re-staged',
    setup: (dir) => {
      copyPeers(dir)
      write(
        path.join(dir, '.git/hooks/pre-commit'),
        `#!/bin/sh\nfiles=$(git diff --cached --name-only --diff-filter=ACMR -- '*.js')\n[ -z "$files" ] || exec ${PRETTIER} --write $files\n`,
        0o755,
      )
    },
  },
  {
    name: 'gitvan',
    runner: 'gitvan',
    mode: 'partial',
    label: 'gitvan {gitvan}, `fix: true`',
    setup: gitvanSetup(true),
  },
  {
    name: 'gitvan-fullfix',
    runner: 'gitvan',
    mode: 'full',
    label: 'gitvan {gitvan}, `fix: true`, file fully staged (backup and re-staging, nothing hidden)',
    setup: gitvanSetup(true),
  },
  {
    name: 'gitvan-nofix',
    runner: 'gitvan',
    mode: 'full',
    label: 'gitvan {gitvan}, same gate without `fix`, file fully staged (nothing saved, hidden or re-staged)',
    setup: gitvanSetup(false),
  },
  {
    name: 'husky',
    runner: 'husky',
    mode: 'partial',
    label: 'husky {husky} + lint-staged {lint-staged}, `npx lint-staged` (lint-staged README)',
    setup: (dir) => huskySetup(dir, 'npx lint-staged'),
  },
  {
    name: 'husky-bin',
    runner: 'husky',
    mode: 'partial',
    label: "husky {husky} + lint-staged {lint-staged}, `lint-staged` (the local bin, on husky's PATH)",
    setup: (dir) => huskySetup(dir, 'lint-staged'),
  },
  {
    name: 'lefthook',
    runner: 'lefthook',
    mode: 'partial',
    label: 'lefthook {lefthook}, `stage_fixed: true`',
    setup: (dir) => {
      copyPeers(dir)
      write(path.join(dir, 'lefthook.yml'), LEFTHOOK_YML)
      sh(path.join(dir, 'node_modules/.bin/lefthook'), ['install'], { cwd: dir })
    },
  },
  {
    name: 'prek',
    runner: 'prek',
    mode: 'partial',
    label: 'prek {@j178/prek}, `repo: local` hook',
    setup: (dir) => {
      copyPeers(dir)
      write(path.join(dir, '.pre-commit-config.yaml'), PRE_COMMIT_CONFIG)
      sh(path.join(dir, 'node_modules/.bin/prek'), ['install'], { cwd: dir })
    },
  },
  {
    name: 'pre-commit',
    runner: 'pre-commit',
    mode: 'partial',
    label: 'pre-commit {pre-commit}, `repo: local` hook',
    setup: (dir) => {
      copyPeers(dir)
      write(path.join(dir, '.pre-commit-config.yaml'), PRE_COMMIT_CONFIG)
      sh('pre-commit', ['install'], { cwd: dir })
    },
  },
]

/**
 * Which runners can be set up here: gitvan when it is built, the peers (and prettier, which every
 * row but 'none' runs) when bench/peers installed, prek when its binary runs, pre-commit when on PATH.
 */
export const formatAvailable =
  ({ gitvan, peers, prek }) =>
  (runner) => {
    if (runner === 'none') return true
    if (!peers) return false
    if (runner === 'gitvan') return gitvan
    if (runner === 'prek') return prek === null
    if (runner === 'pre-commit') return hasCommand('pre-commit')
    return true
  }

function makeRepo(root, s) {
  const dir = path.join(root, s.name)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  gitQuiet(dir, 'init', '-q', '-b', 'main', '.')
  write(path.join(dir, '.gitignore'), 'node_modules/\n')
  write(path.join(dir, FILE), BASE)
  s.setup(dir)
  gitQuiet(dir, 'add', '-A')
  gitQuiet(dir, 'commit', '-q', '--no-verify', '-m', 'init')
  return dir
}

function makeRepos(root, list) {
  fs.rmSync(root, { recursive: true, force: true })
  const repos = {}
  const errors = {}
  for (const s of list) {
    try {
      repos[s.name] = makeRepo(root, s)
    } catch (error) {
      errors[s.name] = `set-up failed: ${error.message.split('\n').slice(0, 3).join(' ')}`
    }
  }
  return { repos, errors }
}

/** The starting state: the staged half (git add), then in 'partial' mode the unstaged edit on top. */
function prepare(dir, c, n, mode) {
  const file = path.join(dir, FILE)
  fs.writeFileSync(file, c.staged(n))
  sh('git', ['add', FILE], { cwd: dir })
  if (mode === 'partial') fs.appendFileSync(file, EDIT(n))
}

/** `git cat-file --batch` on some names: [{ oid, text } | null], one process. */
function readObjects(dir, names) {
  const r = spawnSync('git', ['cat-file', '--batch'], { cwd: dir, env: ENV, input: `${names.join('\n')}\n` })
  const out = []
  let i = 0
  for (let k = 0; k < names.length; k++) {
    const nl = r.stdout.indexOf(10, i)
    if (nl < 0) {
      out.push(null)
      continue
    }
    const header = r.stdout.subarray(i, nl).toString()
    i = nl + 1
    if (header.endsWith(' missing')) {
      out.push(null)
      continue
    }
    const size = Number(header.split(' ')[2])
    out.push({ oid: header.split(' ')[0], text: r.stdout.subarray(i, i + size).toString() })
    i += size + 1
  }
  return out
}

const headOid = (dir) => readObjects(dir, ['HEAD'])[0]?.oid ?? null

/**
 * What a commit did, read back: `commit` is what HEAD:f.js holds (formatted | unformatted |
 * took the unstaged edit | refused | ...), `work` what the work tree kept of the unstaged edit
 * (kept | kept, fix not in the work tree | misplaced | reformatted | lost), `index` what is
 * staged after it.
 */
function outcome(dir, c, n, mode, { status, before, stderr }) {
  const [head, committed, staged] = readObjects(dir, ['HEAD', `HEAD:${FILE}`, `:${FILE}`])
  let work = null
  try {
    work = fs.readFileSync(path.join(dir, FILE), 'utf8')
  } catch {}
  const S = c.staged(n)
  const F = c.formatted(n)
  const moved = head?.oid !== before
  const out = { status }
  if (!moved) out.commit = status === 0 ? 'nothing committed' : 'refused'
  else if (committed?.text === F) out.commit = 'formatted'
  else if (committed?.text === S) out.commit = 'unformatted'
  else if (committed?.text.includes('unstaged')) out.commit = 'took the unstaged edit'
  else out.commit = 'other'
  if (mode === 'full') out.work = work === F ? 'fix in the work tree' : work === S ? 'staged half as it was' : 'other'
  else if (work === F + EDIT(n)) out.work = 'kept'
  else if (work === S + EDIT(n)) out.work = 'kept, fix not in the work tree'
  else if (work?.includes(EDIT_FORMATTED(n))) out.work = 'reformatted'
  else if (work?.includes(EDIT(n))) {
    const lines = work.split('\n')
    const want = (F + EDIT(n)).split('\n')
    const same = [...lines].sort().join('\n') === [...want].sort().join('\n')
    const off = want.indexOf(EDIT(n).trim()) - lines.indexOf(EDIT(n).trim())
    out.work = same
      ? `misplaced: ${Math.abs(off)} line${Math.abs(off) === 1 ? '' : 's'} ${off > 0 ? 'up' : 'down'}`
      : 'kept, file otherwise changed'
  } else out.work = 'lost'
  out.index = staged?.text === F ? 'formatted' : staged?.text === S ? 'unformatted staged half' : 'other'
  if (status !== 0) out.said = hookSaid(stderr)
  return out
}

// Colour codes in the runners' output.
const ANSI = /\u001b\[[0-9;]*m/g
const lastLines = (text, keep = () => true) =>
  (text ?? '')
    .replace(ANSI, '')
    .split('\n')
    .map((l) => l.trim().replace(/\.{4,}/, ' … '))
    .filter((l) => l && keep(l))
    .slice(-3)
    .join(' / ')
    .slice(0, 300)
/** Why a hook refused a commit, without its file timings and the paths of its temporary files. */
const hookSaid = (text) =>
  lastLines(text, (l) => !/^(Restored unstaged|Unstaged changes detected|\S+\.js \d+ms$)/.test(l))

/** Whether prettier formats the cases as this file expects; null when it does. */
function checkPrettier(dir) {
  for (const [key, c] of Object.entries(CASES)) {
    const r = spawnSync(path.join(dir, PRETTIER), ['--stdin-filepath', FILE], {
      cwd: dir,
      env: ENV,
      input: c.staged(7),
      encoding: 'utf8',
    })
    if (r.error) return `prettier could not start: ${r.error.message}`
    if (r.status !== 0) return `prettier --stdin-filepath exited ${r.status}: ${r.stderr.trim().slice(0, 300)}`
    if (r.stdout !== c.formatted(7))
      return `prettier formats case '${key}' differently than the bench expects: ${JSON.stringify(r.stdout)}`
  }
  return null
}

let counter = 0

/**
 * The verify phase for this scenario: every runner commits each case once. Returns { runners:
 * { name: { label, cases: { moves, inPlace } } | { error } }, prettier, problems }: a peer's
 * behaviour is reported, gitvan's must be right (a problem otherwise).
 */
export function verifyFormat({ available }) {
  const root = path.join(WORK, 'verify-format')
  const list = FORMAT_RUNNERS.filter((s) => available(s.runner))
  log(`verify (format): ${list.length} runners`)
  const { repos, errors } = makeRepos(root, list)
  const result = { runners: {}, prettier: null, problems: [] }
  for (const [name, error] of Object.entries(errors)) result.runners[name] = { error }
  const withPrettier = Object.entries(repos).find(([name]) => name !== 'none')?.[1]
  if (withPrettier) result.prettier = checkPrettier(withPrettier)
  if (result.prettier) result.problems.push(`format: ${result.prettier}`)
  for (const s of list) {
    const dir = repos[s.name]
    if (!dir) continue
    const cases = {}
    for (const [key, c] of Object.entries(CASES)) {
      const n = ++counter
      prepare(dir, c, n, s.mode)
      const before = headOid(dir)
      const r = sh('git', ['commit', '-q', '-m', `verify ${key}`], { cwd: dir, allowFail: true })
      cases[key] = outcome(dir, c, n, s.mode, { status: r.status, before, stderr: r.stderr })
    }
    result.runners[s.name] = { label: s.label, mode: s.mode, cases }
    const want = s.name === 'gitvan' || s.name === 'gitvan-fullfix'
    for (const [key, o] of Object.entries(cases)) {
      const ok = o.commit === 'formatted' && (s.mode === 'full' ? o.work === 'fix in the work tree' : o.work === 'kept')
      if (want && !ok)
        result.problems.push(
          `verify format ${s.name}, ${CASES[key].title}: commit ${o.commit}, work tree ${o.work}${o.said ? ` (${o.said})` : ''}`,
        )
    }
    log(
      `verify (format) ${s.name}: ${Object.entries(cases)
        .map(([key, o]) => `${key}: commit ${o.commit}, unstaged edit ${o.work}`)
        .join('; ')}`,
    )
  }
  return result
}

/** `.git/hooks/pre-commit --performance-stats` with GITVAN_DEBUG=1 (the shim execs node as git would): its split. */
function hookSplit(dir) {
  const r = spawnSync(path.join(dir, '.git/hooks/pre-commit'), ['--performance-stats'], {
    cwd: dir,
    env: { ...ENV, GITVAN_DEBUG: '1' },
    encoding: 'utf8',
  })
  const perf =
    /gitvan performance \([^)]*\): total ([\d.]+) ms = node start-up ([\d.]+) ms \+ command load ([\d.]+) ms \+ run ([\d.]+) ms/.exec(
      r.stderr,
    )
  const job = /job 'fmt': \S+ in (\d+) ms/.exec(r.stderr)
  if (r.status !== 0 || !perf || !job)
    return {
      error: `exited ${r.status}; stderr: ${lastLines(
        r.stderr
          .split('\n')
          .filter((l) => !l.startsWith('+'))
          .join('\n'),
      )}`,
    }
  const [total, startup, load, run] = perf.slice(1).map(Number)
  return { total, startup, load, run, job: Number(job[1]), own: run - Number(job[1]) }
}

const SPLIT_KEYS = ['total', 'startup', 'load', 'run', 'job', 'own']

/** The median of a[i] − b[i] over the rounds where both have a value; null when none has. */
function pairedMedian(a, b) {
  const d = []
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (Number.isFinite(a[i]) && Number.isFinite(b[i])) d.push(a[i] - b[i])
  return d.length ? quantile(d, 0.5) : null
}

/**
 * The timed scenario. Returns { runs, warmup, rows, errors, outcomes, labels, modes, split, share }.
 */
export function runFormat({ runs, warmup, splitRuns, available }) {
  const root = path.join(WORK, 'format')
  const c = CASES.moves
  const list = FORMAT_RUNNERS.filter((s) => available(s.runner))
  log(`format: setting up ${list.length} repositories`)
  const { repos, errors } = makeRepos(root, list)
  const state = {}
  const subjects = list
    .filter((s) => repos[s.name])
    .map((s) => {
      const dir = repos[s.name]
      const st = { ops: 0, n: 0, head: headOid(dir), tally: {}, said: null }
      state[s.name] = st
      return {
        name: s.name,
        prepare: () => {
          st.n = ++counter
          prepare(dir, c, st.n, s.mode)
        },
        run: () => {
          st.ops++
          return timeRun('git', ['commit', '-q', '-m', `format ${st.n}`], { cwd: dir, label: s.name, allowFail: true })
        },
        settle: (sample) => {
          const o = outcome(dir, c, st.n, s.mode, { status: sample.status, before: st.head, stderr: sample.stderr })
          st.head = headOid(dir)
          if (st.ops <= warmup) return
          const key = `${o.commit}|${o.work}|${o.index}`
          st.tally[key] = (st.tally[key] ?? 0) + 1
          if (o.said && !st.said) st.said = o.said
        },
      }
    })
  const t0 = Date.now()
  const result = interleave(subjects, {
    runs,
    warmup,
    onProgress: (r, n) => r === n && log(`format: ${n} rounds in ${((Date.now() - t0) / 1000).toFixed(0)} s`),
  })
  Object.assign(errors, result.errors)
  const rows = {}
  for (const [name, samples] of Object.entries(result.samples)) if (samples.length) rows[name] = summarize(samples)
  const outcomes = Object.fromEntries(
    Object.entries(state).map(([name, st]) => [
      name,
      {
        tally: Object.entries(st.tally).map(([key, count]) => {
          const [commit, work, index] = key.split('|')
          return { commit, work, index, count }
        }),
        said: st.said,
      },
    ]),
  )

  // The hook process of each gitvan variant, split (untimed, interleaved, on the same states).
  const split = {}
  const hooks = {}
  const gitvans = list.filter((s) => s.runner === 'gitvan' && repos[s.name])
  for (const s of gitvans) hooks[s.name] = []
  for (let r = 0; r < splitRuns && gitvans.length; r++) {
    for (let k = 0; k < gitvans.length; k++) {
      const s = gitvans[(r + k) % gitvans.length]
      prepare(repos[s.name], c, ++counter, s.mode)
      const x = hookSplit(repos[s.name])
      if (x.error) split[s.name] = { error: x.error }
      hooks[s.name][r] = x.error ? null : x
    }
  }
  for (const [name, xs] of Object.entries(hooks)) {
    const ok = xs.filter(Boolean)
    if (!ok.length) continue
    const med = (key) =>
      quantile(
        ok.map((x) => x[key]),
        0.5,
      )
    split[name] = { n: ok.length, ...Object.fromEntries(SPLIT_KEYS.map((key) => [key, med(key)])) }
  }

  // What hiding and restoring cost gitvan: the fix gate on the partially staged file against the
  // same gate without fix on the fully staged file (and the fix gate on the file fully staged, to
  // tell the backup and re-staging from the hiding and merging back), each as the median of the
  // per-round differences: a round runs every subject once, so a pair shares the load of its round.
  const wall = (name) => result.samples[name] ?? []
  const own = (name) => (hooks[name] ?? []).map((x) => x?.own)
  const total = (name) => (hooks[name] ?? []).map((x) => x?.total)
  const ms = (xs) => xs.map((x) => x.ms)
  const share = {
    added: rows.gitvan && rows.none ? rows.gitvan.median - rows.none.median : null,
    staging: pairedMedian(ms(wall('gitvan')), ms(wall('gitvan-nofix'))),
    backupRestage: pairedMedian(ms(wall('gitvan-fullfix')), ms(wall('gitvan-nofix'))),
    hideMerge: pairedMedian(ms(wall('gitvan')), ms(wall('gitvan-fullfix'))),
    inProcess: pairedMedian(own('gitvan'), own('gitvan-nofix')),
    inProcessBackupRestage: pairedMedian(own('gitvan-fullfix'), own('gitvan-nofix')),
    inProcessHookTotal: pairedMedian(total('gitvan'), total('gitvan-nofix')),
    inProcessTotal: split.gitvan?.total ?? null,
  }
  const labels = Object.fromEntries(list.map((s) => [s.name, s.label]))
  const modes = Object.fromEntries(list.map((s) => [s.name, s.mode]))
  return { runs, warmup, splitRuns, rows, errors, outcomes, labels, modes, split, share }
}
