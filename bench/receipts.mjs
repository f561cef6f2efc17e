#!/usr/bin/env node
// Receipts per second: gitvan's bulk notes writer against a `git notes add` loop.
//
//   node bench/receipts.mjs                      1,000 and 10,000 commits, 3 runs; markdown table
//   node bench/receipts.mjs --count 1000 --runs 3 --json   one count; JSON on the last line
//
// Rows, each in a fresh repository of N commits with no notes yet:
// - gitvan publish: publishReceipts() with N receipts, in process (one notes commit through
//   git fast-import, then compare-and-swap of refs/notes/gitvan/results). This is `gitvanMs`.
// - gitvan run --all: the CLI end to end (node start, config, facts, N function jobs, publish).
// - git notes add: one `git notes --ref=gitvan/results add` per commit. Above SAMPLE commits it is
//   sampled: SAMPLE notes are added after N/2 - SAMPLE/2 notes were pre-written by fast-import
//   (so each add pays for a tree of middling size) and the time is scaled by N / SAMPLE. The
//   output says when it was.
// Also usable as a module: `benchReceipts({ count, runs, dir })` resolves to the same object.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SAMPLE = 1000

function cleanEnv(home) {
  const env = {}
  for (const [key, value] of Object.entries(process.env)) if (!/^(GIT_|GITVAN|HUSKY$|CI$)/.test(key)) env[key] = value
  const config = path.join(home, '.gitconfig')
  fs.writeFileSync(
    config,
    '[user]\n\tname = Bench\n\temail = bench@example.invalid\n[gc]\n\tauto = 0\n[commit]\n\tgpgsign = false\n',
  )
  return { ...env, HOME: home, GIT_CONFIG_GLOBAL: config, GIT_CONFIG_NOSYSTEM: '1' }
}

function git(cwd, env, args, input) {
  const r = spawnSync('git', args, { cwd, env, input: input ?? '', encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

/** A repository of `count` commits, each changing one file; returns its commits oldest first. */
function makeRepo(dir, env, count) {
  fs.mkdirSync(dir, { recursive: true })
  git(dir, env, ['init', '-q', '-b', 'main', '.'])
  const parts = []
  for (let i = 1; i <= count; i++) {
    const message = `commit ${i}\n`
    const body = `line ${i}\n`
    parts.push(
      `commit refs/heads/main\nmark :${i}\ncommitter Bench <bench@example.invalid> ${1700000000 + i} +0000\ndata ${message.length}\n${message}`,
    )
    if (i > 1) parts.push(`from :${i - 1}\n`)
    parts.push(`M 100644 inline f${i % 97}.txt\ndata ${body.length}\n${body}\n`)
  }
  git(dir, env, ['fast-import', '--quiet'], parts.join(''))
  git(dir, env, ['reset', '-q', '--hard', 'main'])
  fs.writeFileSync(
    path.join(dir, 'gitvan.config.mjs'),
    "export default { jobs: { receipt: { on: 'post-commit', run: async (ctx) => ({ files: ctx.files.length }) } } }\n",
  )
  return git(dir, env, ['rev-list', '--reverse', 'HEAD']).trim().split('\n')
}

async function buildGitvan(out) {
  const { build } = await import(pathToFileURL(path.join(PROJECT, 'node_modules/esbuild/lib/main.js')).href)
  await build({
    stdin: {
      contents:
        "export { publishReceipts } from './src/git/notes.ts'\nexport { findRepo } from './src/git/repo.ts'\nexport { RECEIPT_SCHEMA } from './src/receipt.ts'\n",
      resolveDir: PROJECT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: path.join(out, 'notes.mjs'),
    define: { __GITVAN_VERSION__: '"bench"' },
    logLevel: 'warning',
  })
  const r = spawnSync(process.execPath, [path.join(PROJECT, 'scripts/build.mjs'), path.join(out, 'dist')], {
    cwd: PROJECT,
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`building the CLI failed: ${r.stderr}`)
  return import(pathToFileURL(path.join(out, 'notes.mjs')).href)
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const receiptLine = (commit) =>
  JSON.stringify({
    schema: 'gitvan.receipt.v1',
    job: 'receipt',
    commit,
    hook: 'post-commit',
    status: 'ok',
    at: new Date().toISOString(),
    ms: 1,
    cache: 'off',
    data: { files: 1 },
    outputs: [],
    runner: 'bench:1',
  })

async function measureCount(gv, cli, root, count, runs) {
  const home = fs.mkdtempSync(path.join(root, 'home-'))
  const env = cleanEnv(home)
  const dir = path.join(root, `repo-${count}`)
  fs.rmSync(dir, { recursive: true, force: true })
  const commits = makeRepo(dir, env, count)
  const dropNotes = () => spawnSync('git', ['update-ref', '-d', 'refs/notes/gitvan/results'], { cwd: dir, env })
  const repo = gv.findRepo(dir)

  // publishReceipts runs in this process: GIT_* from the caller must not leak into its git calls.
  const overrides = { GIT_CONFIG_GLOBAL: env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: '1', HOME: home }
  const saved = Object.fromEntries(Object.keys(overrides).map((key) => [key, process.env[key]]))
  const leaked = Object.keys(process.env).filter((key) => /^GIT_/.test(key) && !(key in overrides))
  const leakedValues = Object.fromEntries(leaked.map((key) => [key, process.env[key]]))
  for (const key of leaked) delete process.env[key]
  Object.assign(process.env, overrides)
  const publish = []
  try {
    for (let run = 0; run < runs; run++) {
      dropNotes()
      const receipts = commits.map((commit) => JSON.parse(receiptLine(commit)))
      const start = performance.now()
      await gv.publishReceipts(repo, receipts)
      publish.push(performance.now() - start)
    }
  } finally {
    for (const [key, value] of Object.entries({ ...saved, ...leakedValues })) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
  const written = git(dir, env, ['notes', '--ref=gitvan/results', 'list']).trim().split('\n').length
  if (written !== count) throw new Error(`publishReceipts wrote ${written} notes for ${count} commits`)

  const run = []
  for (let i = 0; i < runs; i++) {
    dropNotes()
    const start = performance.now()
    const r = spawnSync(process.execPath, [cli, 'run', '--all'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    })
    run.push(performance.now() - start)
    if (r.status !== 0) throw new Error(`gitvan run --all exited ${r.status}: ${r.stderr}`)
  }

  // git notes add, sampled above SAMPLE commits
  dropNotes()
  const sampled = count > SAMPLE
  const targets = sampled
    ? commits.slice(Math.floor(count / 2 - SAMPLE / 2), Math.floor(count / 2 + SAMPLE / 2))
    : commits
  if (sampled) {
    const before = commits.slice(0, Math.floor(count / 2 - SAMPLE / 2))
    const stream = [
      `commit refs/notes/gitvan/results\ncommitter Bench <bench@example.invalid> 1700000000 +0000\ndata 4\nseed\n`,
    ]
    for (const c of before) {
      const text = `${receiptLine(c)}\n`
      stream.push(`N inline ${c}\ndata ${Buffer.byteLength(text)}\n${text}`)
    }
    git(dir, env, ['fast-import', '--quiet'], `${stream.join('')}\n`)
  }
  const start = performance.now()
  for (const c of targets) git(dir, env, ['notes', '--ref=gitvan/results', 'add', '-m', receiptLine(c), c])
  const notesAddMs = ((performance.now() - start) * count) / targets.length

  fs.rmSync(dir, { recursive: true, force: true })
  fs.rmSync(home, { recursive: true, force: true })
  const gitvanMs = median(publish)
  const runMs = median(run)
  return {
    count,
    runs,
    gitvanMs,
    gitvanRunMs: runMs,
    notesAddMs,
    notesAddSampled: sampled ? `${targets.length} of ${count} adds timed, scaled by ${count / targets.length}` : false,
    speedup: notesAddMs / gitvanMs,
    runSpeedup: notesAddMs / runMs,
    receiptsPerSecond: {
      gitvanPublish: (count * 1000) / gitvanMs,
      gitvanRun: (count * 1000) / runMs,
      notesAdd: (count * 1000) / notesAddMs,
    },
  }
}

export async function benchReceipts({ count = 1000, runs = 3, dir } = {}) {
  const root = fs.mkdtempSync(path.join(dir ?? os.tmpdir(), 'gitvan-receipts-'))
  try {
    const gv = await buildGitvan(root)
    const result = await measureCount(gv, path.join(root, 'dist/cli.js'), root, count, runs)
    return {
      ...result,
      loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
      cpus: os.cpus().length,
      git: git(root, process.env, ['--version']).trim(),
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

function table(results) {
  const f = (n) => Math.round(n).toLocaleString('en-US')
  const rows = [
    '| commits | gitvan publish (ms) | gitvan run --all (ms) | git notes add loop (ms) | publish receipts/s | run receipts/s | notes add receipts/s | speed-up publish / run |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of results) {
    rows.push(
      `| ${f(r.count)} | ${f(r.gitvanMs)} | ${f(r.gitvanRunMs)} | ${f(r.notesAddMs)}${r.notesAddSampled ? ' *' : ''} | ${f(r.receiptsPerSecond.gitvanPublish)} | ${f(r.receiptsPerSecond.gitvanRun)} | ${f(r.receiptsPerSecond.notesAdd)} | ${r.speedup.toFixed(1)}× / ${r.runSpeedup.toFixed(1)}× |`,
    )
  }
  const notes = results
    .filter((r) => r.notesAddSampled)
    .map(
      (r) =>
        `\\* ${f(r.count)} commits: ${r.notesAddSampled} (adds onto ${f(r.count / 2 - SAMPLE / 2)} existing notes).`,
    )
  return [
    ...rows,
    '',
    ...notes,
    `Median of ${results[0]?.runs ?? 0} runs for gitvan; load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} on ${os.cpus().length} CPUs.`,
  ].join('\n')
}

async function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const counts = arg('--count') ? [Number(arg('--count'))] : [1000, 10000]
  const runs = Number(arg('--runs') ?? 3)
  const results = []
  for (const count of counts) results.push(await benchReceipts({ count, runs, dir: process.env.BENCH_WORK }))
  if (argv.includes('--json'))
    process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : { results })}\n`)
  else process.stdout.write(`${table(results)}\n`)
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`)
    process.exitCode = 1
  })
}
